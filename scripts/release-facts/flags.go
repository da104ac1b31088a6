package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// A small abstract interpreter over the Go AST: it walks functions that register command-line flags,
// tracking which expressions denote a flag set (a function's *pflag.FlagSet parameter, pflag.CommandLine,
// flag.CommandLine, flag.NewFlagSet(...)) and which denote constant strings, and records every name
// passed to a registration call. It follows calls into helper functions that receive a flag set.

type sink struct {
	id         string
	flags      map[string]*flagRec
	marked     map[string]string // MarkDeprecated / MarkHidden calls: name -> kind
	normalize  string
	mergesGo   bool
	mergedSets []*sink
}

type flagRec struct {
	files           map[string]bool
	deprecatedType  bool
	ignoredType     bool
	usageDeprecated bool
}

func newSink(id string) *sink {
	return &sink{id: id, flags: map[string]*flagRec{}, marked: map[string]string{}}
}

func (s *sink) names() []string {
	out := make([]string, 0, len(s.flags))
	for n := range s.flags {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

type kind int

const (
	kUnknown kind = iota
	kString
	kList
	kSink
	kObj // a value of a named type: pkg path + type name
)

type val struct {
	k    kind
	s    string
	list []string
	sk   *sink
	pkg  string
	typ  string
}

type evaluator struct {
	l           *loader
	pflagGlobal *sink
	goGlobal    *sink
	unresolved  []string
	memo        map[string]bool
	// redirectAddFlags: in a binary's main(), X.AddFlags(pflag.CommandLine) registers the component's
	// own flags; they are collected into this sink instead of the global one.
	redirectAddFlags *sink
	entry            *fn
	localSinks       map[token.Pos]*sink
}

type frame struct {
	file   *srcFile
	env    map[string]val
	depth  int
	budget int // how many calls into other packages without a flag-set argument may still be followed
	main   bool
}

const maxDepth = 6

func newEvaluator(l *loader) *evaluator {
	return &evaluator{
		l:           l,
		pflagGlobal: newSink("pflag.CommandLine"),
		goGlobal:    newSink("flag.CommandLine"),
		memo:        map[string]bool{},
		localSinks:  map[token.Pos]*sink{},
	}
}

var registrationBases = []string{
	"Bool", "Int", "Int8", "Int16", "Int32", "Int64", "Uint", "Uint8", "Uint16", "Uint32", "Uint64",
	"Float32", "Float64", "String", "Duration", "IP", "IPNet", "IPMask", "StringSlice", "StringArray",
	"StringToString", "StringToInt", "StringToInt64", "IntSlice", "Int32Slice", "Int64Slice", "UintSlice",
	"Float32Slice", "Float64Slice", "BoolSlice", "IPSlice", "DurationSlice", "Count", "BytesHex", "BytesBase64",
}

var registrationMethods = func() map[string]bool {
	m := map[string]bool{"Var": true, "VarP": true, "VarPF": true, "Func": true, "BoolFunc": true, "TextVar": true}
	for _, b := range registrationBases {
		for _, suffix := range []string{"", "P", "Var", "VarP"} {
			m[b+suffix] = true
		}
	}
	return m
}()

// nameArgIndex: XxxVar(p, name, ...), Var(value, name, usage) take the name second; Xxx(name, ...) first.
func nameArgIndex(method string) int {
	if strings.Contains(method, "Var") {
		return 1
	}
	return 0
}

func usageArgIndex(method string, nargs int) int {
	if method == "Func" || method == "BoolFunc" {
		return 1
	}
	return nargs - 1
}

func exprText(fset *token.FileSet, e ast.Node) string {
	var buf bytes.Buffer
	if err := format.Node(&buf, fset, e); err != nil {
		return fmt.Sprintf("%T", e)
	}
	return buf.String()
}

func (ev *evaluator) pos(p token.Pos) string {
	pp := ev.l.fset.Position(p)
	return fmt.Sprintf("%s:%d", ev.l.rel(pp.Filename), pp.Line)
}

// key names an expression that can hold a value in the environment: x, x.y, x.y.z.
func key(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		if k := key(e.X); k != "" {
			return k + "." + e.Sel.Name
		}
	case *ast.ParenExpr:
		return key(e.X)
	case *ast.StarExpr:
		return key(e.X)
	}
	return ""
}

func (ev *evaluator) evalVal(e ast.Expr, fr *frame) val {
	return ev.evalValDepth(e, fr, 0)
}

func (ev *evaluator) evalValDepth(e ast.Expr, fr *frame, d int) val {
	if d > 12 {
		return val{}
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		return ev.evalValDepth(x.X, fr, d+1)
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			if s, err := strconv.Unquote(x.Value); err == nil {
				return val{k: kString, s: s}
			}
		}
	case *ast.Ident:
		if v, ok := fr.env[x.Name]; ok {
			return v
		}
		if vs, ok := fr.file.pkg.values[x.Name]; ok {
			return ev.evalValDepth(vs.expr, &frame{file: vs.file, env: map[string]val{}}, d+1)
		}
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			if _, local := fr.env[id.Name]; !local {
				if path := ev.l.importPath(fr.file, id.Name); path != "" {
					if x.Sel.Name == "CommandLine" && path == "flag" {
						return val{k: kSink, sk: ev.goGlobal}
					}
					if x.Sel.Name == "CommandLine" && isPflag(path) {
						return val{k: kSink, sk: ev.pflagGlobal}
					}
					if isStdlib(path) {
						return val{}
					}
					p, err := ev.l.load(path)
					if err != nil {
						return val{}
					}
					if vs, ok := p.values[x.Sel.Name]; ok {
						return ev.evalValDepth(vs.expr, &frame{file: vs.file, env: map[string]val{}}, d+1)
					}
					return val{}
				}
			}
		}
		if k := key(x); k != "" {
			if v, ok := fr.env[k]; ok {
				return v
			}
		}
		// A field of a value of known type: resolve its declared type (for method calls on it).
		base := ev.evalValDepth(x.X, fr, d+1)
		if base.k == kObj {
			return ev.fieldType(base, x.Sel.Name)
		}
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			a, b := ev.evalValDepth(x.X, fr, d+1), ev.evalValDepth(x.Y, fr, d+1)
			if a.k == kString && b.k == kString {
				return val{k: kString, s: a.s + b.s}
			}
		}
	case *ast.CompositeLit:
		if at, ok := x.Type.(*ast.ArrayType); ok {
			if id, ok := at.Elt.(*ast.Ident); ok && id.Name == "string" {
				var list []string
				for _, el := range x.Elts {
					v := ev.evalValDepth(el, fr, d+1)
					if v.k != kString {
						return val{}
					}
					list = append(list, v.s)
				}
				return val{k: kList, list: list}
			}
		}
		if t := ev.typeOf(x.Type, fr.file); t.k == kObj {
			return t
		}
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return ev.evalValDepth(x.X, fr, d+1)
		}
	case *ast.CallExpr:
		if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && sel.Sel.Name == "NewFlagSet" {
				if path := ev.l.importPath(fr.file, id.Name); path == "flag" || isPflag(path) {
					sk := ev.localSinks[x.Pos()]
					if sk == nil {
						sk = newSink(fmt.Sprintf("%s@%s", exprText(ev.l.fset, x.Fun), ev.pos(x.Pos())))
						ev.localSinks[x.Pos()] = sk
					}
					return val{k: kSink, sk: sk}
				}
			}
		}
		// The result type of a constructor: s := options.NewAPIServer() gives s the type *options.APIServer.
		if f := ev.resolveFunc(x.Fun, fr); f != nil && f.decl.Type.Results != nil && len(f.decl.Type.Results.List) >= 1 {
			return ev.typeOf(f.decl.Type.Results.List[0].Type, f.file)
		}
	}
	return val{}
}

// typeOf resolves a type expression (T, *T, pkg.T) to a named type.
func (ev *evaluator) typeOf(t ast.Expr, f *srcFile) val {
	switch x := t.(type) {
	case *ast.StarExpr:
		return ev.typeOf(x.X, f)
	case *ast.Ident:
		if _, ok := f.pkg.types[x.Name]; ok {
			return val{k: kObj, pkg: f.pkg.path, typ: x.Name}
		}
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			if path := ev.l.importPath(f, id.Name); path != "" && !isStdlib(path) {
				if p, err := ev.l.load(path); err == nil {
					if _, ok := p.types[x.Sel.Name]; ok {
						return val{k: kObj, pkg: path, typ: x.Sel.Name}
					}
				}
			}
		}
	}
	return val{}
}

func (ev *evaluator) fieldType(base val, field string) val {
	p, err := ev.l.load(base.pkg)
	if err != nil {
		return val{}
	}
	ts := p.types[base.typ]
	if ts == nil {
		return val{}
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return val{}
	}
	var file *srcFile
	for _, f := range p.files {
		if f.ast.Pos() <= ts.Pos() && ts.Pos() <= f.ast.End() {
			file = f
		}
	}
	if file == nil {
		return val{}
	}
	for _, fld := range st.Fields.List {
		for _, n := range fld.Names {
			if n.Name == field {
				return ev.typeOf(fld.Type, file)
			}
		}
		if len(fld.Names) == 0 && recvTypeName(fld.Type) == field {
			return ev.typeOf(fld.Type, file)
		}
	}
	return val{}
}

// resolveFunc finds the declaration a call's function expression names: a function of this package,
// a function of an imported package, or a method of a value whose type is known.
func (ev *evaluator) resolveFunc(fun ast.Expr, fr *frame) *fn {
	switch f := fun.(type) {
	case *ast.Ident:
		if _, local := fr.env[f.Name]; local {
			return nil
		}
		return fr.file.pkg.funcs[f.Name]
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			if _, local := fr.env[id.Name]; !local {
				if path := ev.l.importPath(fr.file, id.Name); path != "" {
					if isStdlib(path) {
						return nil
					}
					p, err := ev.l.load(path)
					if err != nil {
						return nil
					}
					return p.funcs[f.Sel.Name]
				}
			}
		}
		recv := ev.evalVal(f.X, fr)
		if recv.k == kObj {
			if p, err := ev.l.load(recv.pkg); err == nil {
				for _, m := range p.methods[f.Sel.Name] {
					if m.recv == recv.typ {
						return m
					}
				}
			}
		}
	}
	return nil
}

func (ev *evaluator) isFlagSetParam(t ast.Expr, f *srcFile) bool {
	st, ok := t.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := st.X.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "FlagSet" {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	path := ev.l.importPath(f, id.Name)
	return path == "flag" || isPflag(path)
}

// methodsTakingFlagSet finds methods named name, in this package and the packages this file imports,
// that take a flag set: the fallback when a receiver's type is not known.
func (ev *evaluator) methodsTakingFlagSet(f *srcFile, name string) []*fn {
	var out []*fn
	paths := []string{f.pkg.path}
	for _, ip := range f.named {
		paths = append(paths, ip)
	}
	paths = append(paths, f.unnamed...)
	sort.Strings(paths)
	seen := map[string]bool{}
	for _, path := range paths {
		if seen[path] || isStdlib(path) || isPflag(path) {
			continue
		}
		seen[path] = true
		p, err := ev.l.load(path)
		if err != nil {
			continue
		}
		for _, m := range p.methods[name] {
			for _, prm := range m.decl.Type.Params.List {
				if ev.isFlagSetParam(prm.Type, m.file) {
					out = append(out, m)
					break
				}
			}
		}
	}
	return out
}

func (ev *evaluator) evalFunc(f *fn, args []val, depth, budget int, main bool) {
	if f == nil || f.decl.Body == nil || depth > maxDepth {
		return
	}
	sig := fmt.Sprintf("%s|%d|%v", ev.pos(f.decl.Pos()), budget, main)
	for _, a := range args {
		switch a.k {
		case kString:
			sig += "|s:" + a.s
		case kSink:
			sig += "|k:" + a.sk.id
		case kList:
			sig += "|l:" + strings.Join(a.list, ",")
		default:
			sig += "|?"
		}
	}
	if ev.memo[sig] {
		return
	}
	ev.memo[sig] = true
	env := map[string]val{}
	i := 0
	for _, prm := range f.decl.Type.Params.List {
		names := prm.Names
		if len(names) == 0 {
			i++
			continue
		}
		for _, n := range names {
			if i < len(args) && args[i].k != kUnknown {
				env[n.Name] = args[i]
			}
			i++
		}
	}
	fr := &frame{file: f.file, env: env, depth: depth, budget: budget, main: main}
	ev.walk(f.decl.Body, fr)
}

func (ev *evaluator) walk(n ast.Node, fr *frame) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false // a closure runs only when called
		case *ast.AssignStmt:
			if len(x.Lhs) == len(x.Rhs) {
				for i, lhs := range x.Lhs {
					ev.bind(key(lhs), x.Rhs[i], fr)
				}
			}
		case *ast.ValueSpec:
			if len(x.Names) == len(x.Values) {
				for i, n := range x.Names {
					ev.bind(n.Name, x.Values[i], fr)
				}
			}
		case *ast.RangeStmt:
			ev.walk(x.X, fr)
			list := ev.evalVal(x.X, fr)
			if id, ok := x.Value.(*ast.Ident); ok && list.k == kList {
				for _, item := range list.list {
					fr.env[id.Name] = val{k: kString, s: item}
					ev.walk(x.Body, fr)
				}
				delete(fr.env, id.Name)
				return false
			}
		case *ast.CallExpr:
			ev.call(x, fr)
			if lit, ok := x.Fun.(*ast.FuncLit); ok {
				ev.walk(lit.Body, fr)
			}
		}
		return true
	})
}

// bind records what an assigned expression denotes; for a struct literal it also records its
// fields (cfg := &config{ignored: ignored} makes cfg.ignored known).
func (ev *evaluator) bind(k string, rhs ast.Expr, fr *frame) {
	if k == "" || k == "_" {
		return
	}
	v := ev.evalVal(rhs, fr)
	if v.k != kUnknown {
		fr.env[k] = v
	} else {
		delete(fr.env, k)
	}
	lit := rhs
	if u, ok := lit.(*ast.UnaryExpr); ok && u.Op == token.AND {
		lit = u.X
	}
	if cl, ok := lit.(*ast.CompositeLit); ok {
		for _, el := range cl.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if id, ok := kv.Key.(*ast.Ident); ok {
					if fv := ev.evalVal(kv.Value, fr); fv.k != kUnknown {
						fr.env[k+"."+id.Name] = fv
					}
				}
			}
		}
	}
}

func (ev *evaluator) call(c *ast.CallExpr, fr *frame) {
	args := make([]val, len(c.Args))
	hasSink := false
	for i, a := range c.Args {
		args[i] = ev.evalVal(a, fr)
		if args[i].k == kSink {
			hasSink = true
		}
	}
	switch f := c.Fun.(type) {
	case *ast.Ident:
		if fn := ev.resolveFunc(f, fr); fn != nil {
			ev.evalFunc(fn, args, fr.depth+1, fr.budget, false)
		}
	case *ast.SelectorExpr:
		// A call on a flag set.
		if recv := ev.evalVal(f.X, fr); recv.k == kSink {
			ev.flagSetCall(recv.sk, f.Sel.Name, c, args, fr)
			return
		}
		if id, ok := f.X.(*ast.Ident); ok {
			if _, local := fr.env[id.Name]; !local {
				if path := ev.l.importPath(fr.file, id.Name); path != "" {
					switch {
					case path == "flag":
						ev.flagSetCall(ev.goGlobal, f.Sel.Name, c, args, fr)
					case isPflag(path):
						ev.flagSetCall(ev.pflagGlobal, f.Sel.Name, c, args, fr)
					case isStdlib(path):
					case hasSink:
						ev.evalFunc(ev.resolveFunc(f, fr), args, fr.depth+1, fr.budget, false)
					case fr.budget > 0:
						ev.evalFunc(ev.resolveFunc(f, fr), args, fr.depth+1, fr.budget-1, false)
					}
					return
				}
			}
		}
		// A method call.
		if fr.main && f.Sel.Name == "AddFlags" && ev.redirectAddFlags != nil {
			for i, a := range args {
				if a.k == kSink && a.sk == ev.pflagGlobal {
					args[i] = val{k: kSink, sk: ev.redirectAddFlags}
				}
			}
		}
		target := ev.resolveFunc(f, fr)
		if target == nil && hasSink {
			cands := ev.methodsTakingFlagSet(fr.file, f.Sel.Name)
			if len(cands) == 1 {
				target = cands[0]
			} else {
				ev.unresolved = append(ev.unresolved, fmt.Sprintf("%s: %d candidates for %s", ev.pos(c.Pos()), len(cands), exprText(ev.l.fset, c.Fun)))
			}
		}
		if target == nil {
			return
		}
		if fr.main && f.Sel.Name == "AddFlags" && ev.redirectAddFlags != nil && ev.entry == nil {
			ev.entry = target
		}
		if hasSink || target.file.pkg == fr.file.pkg {
			ev.evalFunc(target, args, fr.depth+1, fr.budget, false)
		} else if fr.budget > 0 {
			ev.evalFunc(target, args, fr.depth+1, fr.budget-1, false)
		}
	}
}

func (ev *evaluator) flagSetCall(sk *sink, method string, c *ast.CallExpr, args []val, fr *frame) {
	switch {
	case registrationMethods[method]:
		idx := nameArgIndex(method)
		if idx >= len(args) {
			return
		}
		if args[idx].k != kString {
			ev.unresolved = append(ev.unresolved, fmt.Sprintf("%s: flag name %s", ev.pos(c.Pos()), exprText(ev.l.fset, c.Args[idx])))
			return
		}
		name := args[idx].s
		rec := sk.flags[name]
		if rec == nil {
			rec = &flagRec{files: map[string]bool{}}
			sk.flags[name] = rec
		}
		rec.files[fr.file.rel] = true
		if ui := usageArgIndex(method, len(c.Args)); ui > idx && ui < len(c.Args) {
			usage := ev.prefixString(c.Args[ui], fr)
			if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(usage)), "DEPRECATED") {
				rec.usageDeprecated = true
			}
		}
		if idx == 1 {
			t := literalTypeName(c.Args[0])
			rec.deprecatedType = rec.deprecatedType || strings.HasSuffix(t, "DeprecatedFlag")
			rec.ignoredType = rec.ignoredType || strings.HasSuffix(t, "IgnoredFlag")
		}
	case method == "MarkDeprecated" || method == "MarkHidden":
		if len(args) > 0 && args[0].k == kString {
			sk.marked[args[0].s] = strings.TrimPrefix(method, "Mark")
		} else if len(args) > 0 {
			ev.unresolved = append(ev.unresolved, fmt.Sprintf("%s: %s argument", ev.pos(c.Pos()), method))
		}
	case method == "SetNormalizeFunc":
		if len(c.Args) == 1 {
			sk.normalize = exprText(ev.l.fset, c.Args[0])
		}
	case method == "AddGoFlagSet":
		if len(args) == 1 && args[0].k == kSink && args[0].sk == ev.goGlobal {
			sk.mergesGo = true
		}
	case method == "AddFlagSet":
		if len(args) == 1 && args[0].k == kSink {
			sk.mergedSets = append(sk.mergedSets, args[0].sk)
		}
	}
}

// literalTypeName is the type name of &pkg.T{...} or pkg.T{...}.
func literalTypeName(e ast.Expr) string {
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = u.X
	}
	if cl, ok := e.(*ast.CompositeLit); ok {
		switch t := cl.Type.(type) {
		case *ast.Ident:
			return t.Name
		case *ast.SelectorExpr:
			return t.Sel.Name
		}
	}
	return ""
}

// prefixString evaluates as much of a string expression as is constant, from the left.
func (ev *evaluator) prefixString(e ast.Expr, fr *frame) string {
	if v := ev.evalVal(e, fr); v.k == kString {
		return v.s
	}
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.ADD {
		left := ev.evalVal(b.X, fr)
		if left.k == kString {
			return left.s + ev.prefixString(b.Y, fr)
		}
		return ev.prefixString(b.X, fr)
	}
	return ""
}

// globalRoots evaluates what runs at program start in each package: package-level variable
// initialisers and init functions.
func (ev *evaluator) globalRoots(paths []string) {
	for _, path := range paths {
		p, err := ev.l.load(path)
		if err != nil {
			continue
		}
		for _, f := range p.files {
			fr := &frame{file: f, env: map[string]val{}, budget: 1}
			for _, d := range f.ast.Decls {
				if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.VAR {
					for _, s := range gd.Specs {
						for _, v := range s.(*ast.ValueSpec).Values {
							ev.walk(v, fr)
						}
					}
				}
			}
		}
		for _, in := range p.inits {
			ev.evalFunc(in, nil, 0, 1, false)
		}
	}
}

func prefixed(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "--" + n
	}
	sort.Strings(out)
	return out
}

func byFile(sk *sink) map[string][]string {
	out := map[string][]string{}
	for name, rec := range sk.flags {
		for f := range rec.files {
			out[f] = append(out[f], "--"+name)
		}
	}
	for f := range out {
		sort.Strings(out[f])
	}
	return out
}
