package main

import (
	"fmt"
	"go/ast"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// rktConstantNames are the constants of the kubelet's rkt runtime worth pinning, under the names the
// releases use for them (1.1: rktMinimumVersion, systemdMinimumVersion; 1.2: minimumRktBinVersion,
// minimumSystemdVersion, and the rkt API service and network). Those a release declares are recorded.
var rktConstantNames = []string{
	"rktMinimumVersion", "minimumRktBinVersion", "recommendedRktBinVersion",
	"systemdMinimumVersion", "minimumSystemdVersion",
	"minimumRktApiVersion", "acVersion", "minimumAppcVersion",
	"defaultRktAPIServiceAddr", "defaultNetworkName",
}

// rktFacts reads the kubelet's rkt runtime (rkt.go): its version floors and defaults, and the flags
// of the `rkt run-prepared` command it writes into each pod's systemd unit.
func rktFacts(l *loader, rel string) (obj, error) {
	dir := rel[:strings.LastIndex(rel, "/")]
	p, err := l.load(l.modPath + "/" + dir)
	if err != nil {
		return nil, err
	}
	var file *srcFile
	for _, f := range p.files {
		if f.rel == rel {
			file = f
		}
	}
	if file == nil {
		return nil, fmt.Errorf("%s: not part of package %s", rel, p.path)
	}
	ev := newEvaluator(l)
	wanted := map[string]bool{}
	for _, n := range rktConstantNames {
		wanted[n] = true
	}
	constants := obj{}
	for _, d := range file.ast.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !wanted[n.Name] || i >= len(vs.Values) {
					continue
				}
				v := ev.evalVal(vs.Values[i], &frame{file: file, env: map[string]val{}})
				if v.k != kString {
					return nil, fmt.Errorf("%s: const %s is not a string", rel, n.Name)
				}
				constants[n.Name] = v.s
			}
		}
	}
	if constants["rktMinimumVersion"] == nil && constants["minimumRktBinVersion"] == nil {
		return nil, fmt.Errorf("%s: no minimum rkt version constant", rel)
	}
	if constants["systemdMinimumVersion"] == nil && constants["minimumSystemdVersion"] == nil {
		return nil, fmt.Errorf("%s: no minimum systemd version constant", rel)
	}

	// The flags written in the string literals that name run-prepared, and in the function holding
	// such a literal, the flags appended to the variable the literal's command is built into.
	inLiteral := map[string]bool{}
	appended := map[string]bool{}
	var funcs []string
	for _, d := range file.ast.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		vars := map[string]bool{}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != len(as.Rhs) {
				return true
			}
			for i, rhs := range as.Rhs {
				if id, ok := as.Lhs[i].(*ast.Ident); ok && len(runPreparedLiterals(rhs)) > 0 {
					vars[id.Name] = true
				}
			}
			return true
		})
		lits := runPreparedLiterals(fd.Body)
		if len(lits) == 0 {
			continue
		}
		for _, s := range lits {
			for _, tok := range strings.Fields(s) {
				if strings.HasPrefix(tok, "-") {
					inLiteral[tok] = true
				}
			}
		}
		funcs = append(funcs, funcLabel(fd))
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || len(c.Args) < 2 || c.Ellipsis.IsValid() {
				return true
			}
			if id, ok := c.Fun.(*ast.Ident); !ok || id.Name != "append" {
				return true
			}
			if v, ok := c.Args[0].(*ast.Ident); !ok || !vars[v.Name] {
				return true
			}
			for _, a := range c.Args[1:] {
				if s, ok := formatted(ev, file, a); ok && strings.HasPrefix(s, "-") {
					appended[s] = true
				}
			}
			return true
		})
	}
	if len(funcs) == 0 {
		return nil, fmt.Errorf("%s: no string literal names run-prepared", rel)
	}
	sort.Strings(funcs)
	return obj{
		"file":                rel,
		"constants":           constants,
		"runPreparedIn":       strs(funcs),
		"runPreparedFlags":    strs(sortedKeys(inLiteral)),
		"runPreparedAppended": strs(sortedKeys(appended)),
		"runPreparedNote": "runPreparedFlags: the flag tokens inside string literals that contain run-prepared; " +
			"runPreparedAppended: flags appended in the same function to the variable such a literal's command is built into " +
			"(fmt.Sprintf formats with the constants they take filled in; %s where the value is only known at run time)",
	}, nil
}

// runPreparedLiterals lists the string literals under n that contain "run-prepared".
func runPreparedLiterals(n ast.Node) []string {
	var out []string
	ast.Inspect(n, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && strings.Contains(s, "run-prepared") {
				out = append(out, s)
			}
		}
		return true
	})
	return out
}

// formatted evaluates a string expression, or fmt.Sprintf(format, args...) with the %s/%v verbs whose
// arguments are constant strings filled in (the others are left as written).
func formatted(ev *evaluator, f *srcFile, e ast.Expr) (string, bool) {
	fr := &frame{file: f, env: map[string]val{}}
	if v := ev.evalVal(e, fr); v.k == kString {
		return v.s, true
	}
	c, ok := e.(*ast.CallExpr)
	if !ok || len(c.Args) == 0 {
		return "", false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Sprintf" {
		return "", false
	}
	if id, ok := sel.X.(*ast.Ident); !ok || ev.l.importPath(f, id.Name) != "fmt" {
		return "", false
	}
	format := ev.evalVal(c.Args[0], fr)
	if format.k != kString {
		return "", false
	}
	var b strings.Builder
	s, arg := format.s, 1
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 || i+1 >= len(s) {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		verb := s[i+1]
		switch {
		case verb == '%':
			b.WriteString("%%")
		case (verb == 's' || verb == 'v') && arg < len(c.Args):
			if v := ev.evalVal(c.Args[arg], fr); v.k == kString {
				b.WriteString(v.s)
			} else {
				b.WriteString(s[i : i+2])
			}
			arg++
		default:
			b.WriteString(s[i : i+2])
			arg++
		}
		s = s[i+2:]
	}
	return b.String(), true
}
