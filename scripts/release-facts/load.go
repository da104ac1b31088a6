package main

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// loader parses the Go packages of one downloaded module, resolving imports the way the release's
// own build did: the module's packages from the module directory, everything else (non-standard)
// from the release's Godeps workspace or vendor directory.
type loader struct {
	fset       *token.FileSet
	modRoot    string
	modPath    string
	depRoots   []string
	ctxt       build.Context
	pkgs       map[string]*pkg
	unresolved map[string]bool
}

type pkg struct {
	path    string
	dir     string
	name    string
	files   []*srcFile
	funcs   map[string]*fn
	inits   []*fn
	methods map[string][]*fn
	values  map[string]*valueSpec
	types   map[string]*ast.TypeSpec
	imports []string
}

type srcFile struct {
	rel     string // path inside the module, slash-separated
	ast     *ast.File
	pkg     *pkg
	named   map[string]string // explicit import names -> import path
	unnamed []string
	cache   map[string]string
}

type fn struct {
	decl *ast.FuncDecl
	file *srcFile
	recv string
}

type valueSpec struct {
	expr ast.Expr
	file *srcFile
}

func newLoader(modRoot, modPath string) *loader {
	ctxt := build.Default
	ctxt.GOOS = "linux"
	ctxt.GOARCH = "amd64"
	ctxt.CgoEnabled = true
	ctxt.GOPATH = ""
	ctxt.Dir = modRoot
	l := &loader{
		fset:       token.NewFileSet(),
		modRoot:    modRoot,
		modPath:    modPath,
		ctxt:       ctxt,
		pkgs:       map[string]*pkg{},
		unresolved: map[string]bool{},
	}
	for _, d := range []string{"Godeps/_workspace/src", "vendor"} {
		if st, err := os.Stat(filepath.Join(modRoot, d)); err == nil && st.IsDir() {
			l.depRoots = append(l.depRoots, filepath.Join(modRoot, d))
		}
	}
	return l
}

func isStdlib(path string) bool {
	first := strings.SplitN(path, "/", 2)[0]
	return !strings.Contains(first, ".")
}

func isPflag(path string) bool { return strings.HasSuffix(path, "github.com/spf13/pflag") }

// dirOf returns the directory of an import path, or "" for the standard library and for paths the
// release does not carry.
func (l *loader) dirOf(path string) string {
	if path == l.modPath {
		return l.modRoot
	}
	if strings.HasPrefix(path, l.modPath+"/") {
		return filepath.Join(l.modRoot, filepath.FromSlash(strings.TrimPrefix(path, l.modPath+"/")))
	}
	if isStdlib(path) {
		return ""
	}
	for _, root := range l.depRoots {
		d := filepath.Join(root, filepath.FromSlash(path))
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	l.unresolved[path] = true
	return ""
}

func (l *loader) rel(abs string) string {
	r, err := filepath.Rel(l.modRoot, abs)
	if err != nil {
		return abs
	}
	return filepath.ToSlash(r)
}

// load parses the non-test Go files of one package that build for linux/amd64.
func (l *loader) load(path string) (*pkg, error) {
	if p, ok := l.pkgs[path]; ok {
		if p == nil {
			return nil, fmt.Errorf("package %s not available", path)
		}
		return p, nil
	}
	dir := l.dirOf(path)
	if dir == "" {
		l.pkgs[path] = nil
		return nil, fmt.Errorf("package %s not available", path)
	}
	return l.loadDir(path, dir)
}

func (l *loader) loadDir(path, dir string) (*pkg, error) {
	bp, err := l.ctxt.ImportDir(dir, 0)
	if err != nil {
		if _, ok := err.(*build.NoGoError); !ok {
			l.pkgs[path] = nil
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
	}
	p := &pkg{
		path:    path,
		dir:     dir,
		name:    bp.Name,
		funcs:   map[string]*fn{},
		methods: map[string][]*fn{},
		values:  map[string]*valueSpec{},
		types:   map[string]*ast.TypeSpec{},
	}
	l.pkgs[path] = p
	names := append(append([]string{}, bp.GoFiles...), bp.CgoFiles...)
	sort.Strings(names)
	for _, name := range names {
		abs := filepath.Join(dir, name)
		f, err := parser.ParseFile(l.fset, abs, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", abs, err)
		}
		sf := &srcFile{rel: l.rel(abs), ast: f, pkg: p, named: map[string]string{}, cache: map[string]string{}}
		p.files = append(p.files, sf)
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if imp.Name != nil {
				if imp.Name.Name != "_" && imp.Name.Name != "." {
					sf.named[imp.Name.Name] = ip
				}
			} else {
				sf.unnamed = append(sf.unnamed, ip)
			}
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				fr := &fn{decl: d, file: sf}
				if d.Recv != nil && len(d.Recv.List) == 1 {
					fr.recv = recvTypeName(d.Recv.List[0].Type)
					p.methods[d.Name.Name] = append(p.methods[d.Name.Name], fr)
				} else if d.Name.Name == "init" {
					p.inits = append(p.inits, fr)
				} else {
					p.funcs[d.Name.Name] = fr
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.ValueSpec:
						for i, n := range s.Names {
							if i < len(s.Values) && len(s.Values) == len(s.Names) {
								p.values[n.Name] = &valueSpec{expr: s.Values[i], file: sf}
							}
						}
					case *ast.TypeSpec:
						p.types[s.Name.Name] = s
					}
				}
			}
		}
	}
	p.imports = bp.Imports
	return p, nil
}

func recvTypeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvTypeName(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return recvTypeName(t.X)
	case *ast.IndexListExpr:
		return recvTypeName(t.X)
	}
	return ""
}

// importPath returns the import path an identifier names in this file, or "".
func (l *loader) importPath(f *srcFile, ident string) string {
	if p, ok := f.named[ident]; ok {
		return p
	}
	if p, ok := f.cache[ident]; ok {
		return p
	}
	found := ""
	for _, ip := range f.unnamed {
		if l.pkgName(ip) == ident {
			found = ip
			break
		}
	}
	f.cache[ident] = found
	return found
}

// pkgName is the declared package name of an import path (the last element for the standard library).
func (l *loader) pkgName(path string) string {
	if isStdlib(path) {
		parts := strings.Split(path, "/")
		return parts[len(parts)-1]
	}
	p, err := l.load(path)
	if err != nil || p == nil {
		parts := strings.Split(path, "/")
		return parts[len(parts)-1]
	}
	return p.name
}

// closure returns the import paths of every non-standard package a main package links, itself included.
func (l *loader) closure(root string) []string {
	seen := map[string]bool{}
	queue := []string{root}
	var out []string
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] || isStdlib(path) || path == "C" {
			continue
		}
		seen[path] = true
		p, err := l.load(path)
		if err != nil || p == nil {
			continue
		}
		out = append(out, path)
		queue = append(queue, p.imports...)
	}
	sort.Strings(out)
	return out
}

// stdImports lists the standard-library packages a set of packages imports.
func (l *loader) stdImports(paths []string) map[string]bool {
	out := map[string]bool{}
	for _, path := range paths {
		p, _ := l.load(path)
		if p == nil {
			continue
		}
		for _, ip := range p.imports {
			if isStdlib(ip) {
				out[ip] = true
			}
		}
	}
	return out
}
