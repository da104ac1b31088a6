package main

import (
	"fmt"
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

const providersDir = "pkg/cloudprovider/providers"

// cloudProviders reads the cloud providers a release registers: each package under
// pkg/cloudprovider/providers (but fake) that calls cloudprovider.RegisterCloudProvider, under the name
// it registers (its ProviderName constant). For each provider that reads a config file with gcfg
// (gcfg.ReadInto and friends) it also reads the struct it reads into: the file's sections and keys.
func cloudProviders(l *loader) ([]string, obj, error) {
	entries, err := os.ReadDir(filepath.Join(l.modRoot, filepath.FromSlash(providersDir)))
	if err != nil {
		return nil, nil, err
	}
	registry := l.modPath + "/pkg/cloudprovider"
	var names []string
	configs := obj{}
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "fake" {
			continue
		}
		p, err := l.load(l.modPath + "/" + providersDir + "/" + e.Name())
		if err != nil {
			return nil, nil, err
		}
		name, ok, err := registeredName(l, p, registry)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		if _, dup := configs[name]; dup || contains(names, name) {
			return nil, nil, fmt.Errorf("%s: provider %q registered twice", providersDir, name)
		}
		names = append(names, name)
		cfg, err := gcfgConfig(l, p)
		if err != nil {
			return nil, nil, err
		}
		if cfg != nil {
			configs[name] = cfg
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("%s: no package registers a cloud provider", providersDir)
	}
	return names, configs, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// registeredName finds the package's cloudprovider.RegisterCloudProvider call and evaluates its first
// argument (ProviderName in every release read).
func registeredName(l *loader, p *pkg, registry string) (string, bool, error) {
	var names []string
	ev := newEvaluator(l)
	var ferr error
	for _, f := range p.files {
		ast.Inspect(f.ast, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || len(c.Args) == 0 {
				return true
			}
			sel, ok := c.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "RegisterCloudProvider" {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok || l.importPath(f, id.Name) != registry {
				return true
			}
			v := ev.evalVal(c.Args[0], &frame{file: f, env: map[string]val{}})
			if v.k != kString {
				ferr = fmt.Errorf("%s: RegisterCloudProvider(%s, ...): not a constant string", ev.pos(c.Pos()), exprText(l.fset, c.Args[0]))
				return false
			}
			names = append(names, v.s)
			return true
		})
	}
	if ferr != nil {
		return "", false, ferr
	}
	switch len(names) {
	case 0:
		return "", false, nil
	case 1:
		return names[0], true, nil
	}
	return "", false, fmt.Errorf("%s: %d RegisterCloudProvider calls", p.path, len(names))
}

const gcfgNote = "section and variable names as in the source: the gcfg tag, else the Go field name. gcfg matches them " +
	"case-insensitively, and for an untagged name a '-' in the file stands for '_' in the source: section Global " +
	"is written [global], Mesos_Cloud [mesos-cloud]. A tagged field answers only to its tag."

// gcfgConfig reads the struct a provider hands to gcfg: each field of struct type (declared inline or
// as a named type of the package) is a section, each field of that struct a variable; an unnamed slice
// type makes a variable multi-valued; a map[string]*T field holds subsections ([section "name"]).
func gcfgConfig(l *loader, p *pkg) (obj, error) {
	var reads []gcfgRead
	for _, f := range p.files {
		for _, d := range f.ast.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				c, ok := n.(*ast.CallExpr)
				if !ok || len(c.Args) == 0 {
					return true
				}
				sel, ok := c.Fun.(*ast.SelectorExpr)
				if !ok || !strings.HasPrefix(sel.Sel.Name, "Read") || !strings.HasSuffix(sel.Sel.Name, "Into") {
					return true
				}
				id, ok := sel.X.(*ast.Ident)
				if !ok || !isGcfg(l.importPath(f, id.Name)) {
					return true
				}
				reads = append(reads, gcfgRead{file: f, fn: fd, call: c})
				return true
			})
		}
	}
	if len(reads) == 0 {
		return nil, nil
	}
	typeName := ""
	for _, r := range reads {
		t := targetType(r.fn, r.call.Args[0], r.call.Pos())
		if t == "" {
			return nil, fmt.Errorf("%s: cannot tell the type %s reads into", l.rel(l.fset.Position(r.call.Pos()).Filename), exprText(l.fset, r.call))
		}
		if typeName != "" && t != typeName {
			return nil, fmt.Errorf("%s: gcfg reads into both %s and %s", p.path, typeName, t)
		}
		typeName = t
	}
	ts, file := typeDecl(p, typeName)
	if ts == nil {
		return nil, fmt.Errorf("%s: no type %s", p.path, typeName)
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return nil, fmt.Errorf("%s: %s is not a struct", p.path, typeName)
	}
	sections, multi, subsections, ignored := obj{}, obj{}, []string{}, obj{}
	for _, field := range st.Fields.List {
		if len(field.Names) != 1 {
			return nil, fmt.Errorf("%s.%s: embedded or multi-name field", p.path, typeName)
		}
		if !field.Names[0].IsExported() {
			continue // gcfg sets only exported fields
		}
		section := gcfgName(field)
		ftype := field.Type
		if mt, ok := ftype.(*ast.MapType); ok {
			if star, ok := mt.Value.(*ast.StarExpr); ok {
				ftype = star.X
				subsections = append(subsections, section)
			}
		}
		inner := sectionStruct(p, ftype)
		if inner == nil {
			return nil, fmt.Errorf("%s.%s.%s: a section that is not a struct of the package", p.path, typeName, field.Names[0].Name)
		}
		var keys, multiKeys, ignoredTags []string
		for _, v := range inner.Fields.List {
			if len(v.Names) == 0 {
				return nil, fmt.Errorf("%s.%s.%s: embedded field in a section", p.path, typeName, field.Names[0].Name)
			}
			for _, n := range v.Names {
				if !ast.IsExported(n.Name) {
					continue // gcfg sets only exported fields
				}
				name := n.Name
				if tag := gcfgTag(v); tag != "" {
					name = tag
				} else if v.Tag != nil {
					ignoredTags = append(ignoredTags, n.Name+" "+v.Tag.Value)
				}
				keys = append(keys, name)
				if _, isSlice := v.Type.(*ast.ArrayType); isSlice {
					multiKeys = append(multiKeys, name)
				}
			}
		}
		sort.Strings(keys)
		sort.Strings(multiKeys)
		sort.Strings(ignoredTags)
		sections[section] = strs(keys)
		if len(multiKeys) > 0 {
			multi[section] = strs(multiKeys)
		}
		if len(ignoredTags) > 0 {
			ignored[section] = strs(ignoredTags)
		}
	}
	var readBy []string
	for _, r := range reads {
		readBy = append(readBy, fmt.Sprintf("%s: %s", r.file.rel, funcLabel(r.fn)))
	}
	sort.Strings(readBy)
	out := obj{
		"file":        file.rel,
		"type":        typeName,
		"sections":    sections,
		"multiValued": multi,
		"readBy":      strs(readBy),
		"note":        gcfgNote,
	}
	if len(subsections) > 0 {
		sort.Strings(subsections)
		out["subsections"] = strs(subsections)
	}
	if len(ignored) > 0 {
		out["tagsGcfgIgnores"] = ignored
		out["tagsGcfgIgnoresNote"] = "struct tags without a gcfg key (a misspelt key, say): gcfg reads these fields under their Go names"
	}
	return out, nil
}

type gcfgRead struct {
	file *srcFile
	fn   *ast.FuncDecl
	call *ast.CallExpr
}

func isGcfg(path string) bool {
	last := path[strings.LastIndex(path, "/")+1:]
	return last == "gcfg" || strings.HasPrefix(last, "gcfg.")
}

func funcLabel(fd *ast.FuncDecl) string {
	if fd.Recv != nil && len(fd.Recv.List) == 1 {
		return fmt.Sprintf("(*%s).%s", recvTypeName(fd.Recv.List[0].Type), fd.Name.Name)
	}
	return fd.Name.Name
}

// targetType names the type of the value handed to gcfg: &x or x, where x is declared in the function
// as var x T, x := T{...} or x := &T{...} (the last such declaration before the call).
func targetType(fd *ast.FuncDecl, arg ast.Expr, before token.Pos) string {
	if u, ok := arg.(*ast.UnaryExpr); ok && u.Op == token.AND {
		arg = u.X
	}
	id, ok := arg.(*ast.Ident)
	if !ok {
		return ""
	}
	found := ""
	litType := func(e ast.Expr) string {
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
			e = u.X
		}
		if cl, ok := e.(*ast.CompositeLit); ok {
			if t, ok := cl.Type.(*ast.Ident); ok {
				return t.Name
			}
		}
		return ""
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if n == nil || n.Pos() >= before {
			return false
		}
		switch x := n.(type) {
		case *ast.ValueSpec:
			for i, nm := range x.Names {
				if nm.Name != id.Name {
					continue
				}
				if t, ok := x.Type.(*ast.Ident); ok {
					found = t.Name
				} else if i < len(x.Values) {
					found = litType(x.Values[i])
				}
			}
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE && len(x.Lhs) == len(x.Rhs) {
				for i, lhs := range x.Lhs {
					if lid, ok := lhs.(*ast.Ident); ok && lid.Name == id.Name {
						found = litType(x.Rhs[i])
					}
				}
			}
		}
		return true
	})
	return found
}

func typeDecl(p *pkg, name string) (*ast.TypeSpec, *srcFile) {
	ts := p.types[name]
	if ts == nil {
		return nil, nil
	}
	for _, f := range p.files {
		if f.ast.Pos() <= ts.Pos() && ts.Pos() <= f.ast.End() {
			return ts, f
		}
	}
	return nil, nil
}

// sectionStruct resolves a section field's type: an inline struct, or a struct type of the package.
func sectionStruct(p *pkg, t ast.Expr) *ast.StructType {
	switch x := t.(type) {
	case *ast.StructType:
		return x
	case *ast.Ident:
		if ts, _ := typeDecl(p, x.Name); ts != nil {
			st, _ := ts.Type.(*ast.StructType)
			return st
		}
	}
	return nil
}

// gcfgTag is a field's gcfg tag name ("" when it has none).
func gcfgTag(field *ast.Field) string {
	if field.Tag == nil {
		return ""
	}
	tag, err := strconv.Unquote(field.Tag.Value)
	if err != nil {
		return ""
	}
	v := reflect.StructTag(tag).Get("gcfg")
	if i := strings.Index(v, ","); i >= 0 {
		v = v[:i]
	}
	return v
}

// gcfgName is a field's gcfg tag, or its Go name when untagged.
func gcfgName(field *ast.Field) string {
	if v := gcfgTag(field); v != "" {
		return v
	}
	if len(field.Names) == 1 {
		return field.Names[0].Name
	}
	return ""
}
