package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

type obj = map[string]any

func strs(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func sortedKeys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

var legacyBinaries = []struct{ name, dirs string }{
	{"kube-apiserver", "cmd/kube-apiserver"},
	{"kube-controller-manager", "cmd/kube-controller-manager"},
	{"kube-scheduler", "cmd/kube-scheduler plugin/cmd/kube-scheduler"},
	{"kubelet", "cmd/kubelet"},
	{"kube-proxy", "cmd/kube-proxy"},
}

func legacyRelease(f *fetched) (obj, error) {
	l := newLoader(f.dir, f.module)
	bins := obj{}
	for _, b := range legacyBinaries {
		dir := ""
		for _, d := range strings.Fields(b.dirs) {
			if dirExists(filepath.Join(f.dir, d)) {
				dir = d
				break
			}
		}
		if dir == "" {
			return nil, fmt.Errorf("%s@%s: no main package for %s in %s", f.module, f.version, b.name, b.dirs)
		}
		facts, err := binaryFlags(l, dir)
		if err != nil {
			return nil, fmt.Errorf("%s@%s %s: %w", f.module, f.version, b.name, err)
		}
		bins[b.name] = facts
	}
	out := obj{"module": f.module + "@" + f.version, "binaries": bins}
	providers, configs, err := cloudProviders(l)
	if err != nil {
		return nil, err
	}
	out["cloudProviders"] = strs(providers)
	out["cloudConfigs"] = configs
	// Kept for the table's earlier readers: the same object as cloudConfigs.gce.
	if out["gceCloudConfig"] = configs["gce"]; configs["gce"] == nil {
		return nil, fmt.Errorf("%s@%s: no gce cloud config", f.module, f.version)
	}
	if out["rkt"], err = rktFacts(l, "pkg/kubelet/rkt/rkt.go"); err != nil {
		return nil, err
	}
	if out["kube2sky"], err = kube2skyFlags(l, "cluster/addons/dns/kube2sky"); err != nil {
		return nil, err
	}
	if out["tokenAuthFile"], err = csvRule(l, []string{
		"plugin/pkg/auth/authenticator/token/tokenfile/tokenfile.go",
		"pkg/auth/authenticator/token/tokenfile/tokenfile.go",
	}); err != nil {
		return nil, err
	}
	if out["basicAuthFile"], err = csvRule(l, []string{
		"plugin/pkg/auth/authenticator/password/passwordfile/passwordfile.go",
		"pkg/auth/authenticator/password/passwordfile/passwordfile.go",
	}); err != nil {
		return nil, err
	}
	if out["dnsAddon"], err = dnsAddon(f.dir, "cluster/addons/dns"); err != nil {
		return nil, err
	}
	if out["saltApiserverLivenessProbe"], err = livenessProbe(f.dir, "cluster/saltbase/salt/kube-apiserver/kube-apiserver.manifest"); err != nil {
		return nil, err
	}
	if out["saltEtcdImage"], err = manifestImage(f.dir, "cluster/saltbase/salt/etcd/etcd.manifest"); err != nil {
		return nil, err
	}
	return out, nil
}

// binaryFlags reads a component's main(): the flags its AddFlags registers on pflag.CommandLine, and
// the flags every package it links registers globally at start-up (glog's on Go's flag.CommandLine,
// merged into pflag's by util.InitFlags).
func binaryFlags(l *loader, mainDir string) (obj, error) {
	mainPath := l.modPath + "/" + mainDir
	p, err := l.load(mainPath)
	if err != nil {
		return nil, err
	}
	mainFn := p.funcs["main"]
	if mainFn == nil {
		return nil, fmt.Errorf("%s: no func main", mainDir)
	}
	ev := newEvaluator(l)
	target := newSink("AddFlags")
	ev.redirectAddFlags = target
	ev.evalFunc(mainFn, nil, 0, 1, true)
	if ev.entry == nil {
		return nil, fmt.Errorf("%s: main() calls no AddFlags(pflag.CommandLine)", mainDir)
	}
	linked := l.closure(mainPath)
	ev.globalRoots(linked)
	if len(target.flags) == 0 {
		return nil, fmt.Errorf("%s: no flags found", mainDir)
	}

	var deprecated, hidden, usageDeprecated, markedUnknown []string
	for _, name := range sortedKeys(target.marked) {
		if _, ok := target.flags[name]; !ok {
			markedUnknown = append(markedUnknown, name)
			continue
		}
		switch target.marked[name] {
		case "Deprecated":
			deprecated = append(deprecated, name)
		case "Hidden":
			hidden = append(hidden, name)
		}
	}
	for _, name := range target.names() {
		if target.flags[name].usageDeprecated {
			usageDeprecated = append(usageDeprecated, name)
		}
	}

	// Global flags: pflag.CommandLine's own, plus Go's flag.CommandLine when main merges it
	// (pflag.CommandLine.AddGoFlagSet(goflag.CommandLine)). A Go flag whose normalised name is
	// already registered is skipped by AddGoFlagSet.
	global := byFile(ev.pflagGlobal)
	normalize := ev.pflagGlobal.normalize
	var shadowed []string
	if ev.pflagGlobal.mergesGo {
		for _, name := range ev.goGlobal.names() {
			norm := name
			if strings.HasSuffix(normalize, "WordSepNormalizeFunc") {
				norm = strings.ReplaceAll(name, "_", "-")
			}
			if _, own := target.flags[norm]; own {
				shadowed = append(shadowed, "--"+name)
				continue
			}
			if _, own := ev.pflagGlobal.flags[norm]; own {
				shadowed = append(shadowed, "--"+name)
				continue
			}
			for f := range ev.goGlobal.flags[name].files {
				global[f] = append(global[f], "--"+name)
			}
		}
		for f := range global {
			sort.Strings(global[f])
		}
	}
	entry := fmt.Sprintf("%s: (*%s).%s", ev.entry.file.rel, ev.entry.recv, ev.entry.decl.Name.Name)
	// Flags registered outside the AddFlags file, by the helpers it calls; the rest come from that file.
	helpers := byFile(target)
	delete(helpers, ev.entry.file.rel)
	out := obj{
		"mainPackage":         mainDir,
		"addFlags":            entry,
		"flags":               strs(prefixed(target.names())),
		"deprecated":          strs(prefixed(deprecated)),
		"hidden":              strs(prefixed(hidden)),
		"usageSaysDeprecated": strs(prefixed(usageDeprecated)),
		"flagsFromHelpers":    toAnyMap(helpers),
		"global":              toAnyMap(global),
		"goFlagsMerged":       ev.pflagGlobal.mergesGo,
		"globalShadowed":      strs(shadowed),
	}
	if normalize != "" {
		out["normalizeFunc"] = normalize
	}
	if len(markedUnknown) > 0 {
		out["markedButNotRegistered"] = strs(prefixed(markedUnknown))
	}
	if len(ev.unresolved) > 0 {
		sort.Strings(ev.unresolved)
		out["unresolved"] = strs(ev.unresolved)
	}
	if std := l.stdImports(linked); std["testing"] {
		out["linksTesting"] = true
	}
	return out, nil
}

func toAnyMap(m map[string][]string) obj {
	out := obj{}
	for k, v := range m {
		out[k] = strs(v)
	}
	return out
}

func parseFile(l *loader, rel string) (*ast.File, error) {
	return parser.ParseFile(l.fset, filepath.Join(l.modRoot, filepath.FromSlash(rel)), nil, parser.SkipObjectResolution)
}

// csvRule reads a CSV credentials reader: the comparisons of len(record) with a constant, which of
// them reject the row (their branch returns an error), the csv.Reader's FieldsPerRecord, and which
// columns the reader reads.
func csvRule(l *loader, candidates []string) (obj, error) {
	rel := ""
	for _, c := range candidates {
		if fileExists(filepath.Join(l.modRoot, filepath.FromSlash(c))) {
			rel = c
			break
		}
	}
	if rel == "" {
		return nil, fmt.Errorf("none of %v exists", candidates)
	}
	f, err := parseFile(l, rel)
	if err != nil {
		return nil, err
	}
	var reader *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			found := false
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "csv" && sel.Sel.Name == "NewReader" {
						found = true
					}
				}
				return !found
			})
			if found {
				reader = fd
				break
			}
		}
	}
	if reader == nil {
		return nil, fmt.Errorf("%s: no function calls csv.NewReader", rel)
	}
	record := ""
	var rejects, accepts []string
	var minCols, maxCols any
	var condition any
	fieldsPerRecord := any(nil)
	cols := map[int]bool{}
	ast.Inspect(reader.Body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.IfStmt:
			be, ok := x.Cond.(*ast.BinaryExpr)
			if !ok {
				return true
			}
			name, op, num, ok := lenComparison(be)
			if !ok {
				return true
			}
			if record == "" {
				record = name
			}
			text := exprText(l.fset, x.Cond)
			if !returnsError(x.Body) {
				accepts = append(accepts, text)
				return true
			}
			rejects = append(rejects, text)
			if condition == nil {
				condition = text
			}
			switch op {
			case token.LSS:
				minCols = num
			case token.LEQ:
				minCols = num + 1
			case token.GTR:
				maxCols = num
			case token.GEQ:
				maxCols = num - 1
			case token.NEQ:
				minCols, maxCols = num, num
			}
		case *ast.AssignStmt:
			for i, lhs := range x.Lhs {
				if sel, ok := lhs.(*ast.SelectorExpr); ok && sel.Sel.Name == "FieldsPerRecord" && i < len(x.Rhs) {
					v, err := strconv.Atoi(strings.ReplaceAll(exprText(l.fset, x.Rhs[i]), " ", ""))
					if err == nil {
						fieldsPerRecord = v
					}
				}
			}
		}
		return true
	})
	if record == "" {
		return nil, fmt.Errorf("%s: no len(record) comparison", rel)
	}
	ast.Inspect(reader.Body, func(n ast.Node) bool {
		if ix, ok := n.(*ast.IndexExpr); ok {
			if id, ok := ix.X.(*ast.Ident); ok && id.Name == record {
				if lit, ok := ix.Index.(*ast.BasicLit); ok && lit.Kind == token.INT {
					if v, err := strconv.Atoi(lit.Value); err == nil {
						cols[v] = true
					}
				}
			}
		}
		return true
	})
	var colList []any
	for c := 0; c < 64; c++ {
		if cols[c] {
			colList = append(colList, c)
		}
	}
	fprNote := "unset: encoding/csv's default 0, so every row must have as many fields as the first row"
	if fpr, ok := fieldsPerRecord.(int); ok && fpr < 0 {
		fprNote = "negative: rows may have different numbers of fields"
	} else if ok && fpr > 0 {
		fprNote = "positive: every row must have exactly that many fields"
	}
	return obj{
		"file":                rel,
		"func":                reader.Name.Name,
		"minColumns":          minCols,
		"maxColumns":          maxCols,
		"condition":           condition,
		"rejectIf":            strs(rejects),
		"optionalIf":          strs(accepts),
		"fieldsPerRecord":     fieldsPerRecord,
		"fieldsPerRecordNote": fprNote,
		"columnsRead":         colList,
	}, nil
}

// lenComparison matches len(x) OP N or N OP len(x), normalised to len(x) OP N.
func lenComparison(be *ast.BinaryExpr) (string, token.Token, int, bool) {
	flip := map[token.Token]token.Token{token.LSS: token.GTR, token.GTR: token.LSS, token.LEQ: token.GEQ, token.GEQ: token.LEQ, token.EQL: token.EQL, token.NEQ: token.NEQ}
	if name, ok := lenOf(be.X); ok {
		if n, ok := intLit(be.Y); ok {
			return name, be.Op, n, true
		}
	}
	if name, ok := lenOf(be.Y); ok {
		if n, ok := intLit(be.X); ok {
			return name, flip[be.Op], n, true
		}
	}
	return "", 0, 0, false
}

func lenOf(e ast.Expr) (string, bool) {
	c, ok := e.(*ast.CallExpr)
	if !ok || len(c.Args) != 1 {
		return "", false
	}
	if id, ok := c.Fun.(*ast.Ident); !ok || id.Name != "len" {
		return "", false
	}
	id, ok := c.Args[0].(*ast.Ident)
	if !ok {
		return "", false
	}
	return id.Name, true
}

func intLit(e ast.Expr) (int, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.INT {
		return 0, false
	}
	v, err := strconv.Atoi(lit.Value)
	return v, err == nil
}

// returnsError: the block returns something other than a nil error.
func returnsError(b *ast.BlockStmt) bool {
	found := false
	ast.Inspect(b, func(n ast.Node) bool {
		if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) > 0 {
			if id, ok := r.Results[len(r.Results)-1].(*ast.Ident); !ok || id.Name != "nil" {
				found = true
			}
		}
		return !found
	})
	return found
}

// dnsAddon reads the DNS addon's ReplicationController and Service templates.
func dnsAddon(root, rel string) (obj, error) {
	rcRel := rel + "/skydns-rc.yaml.in"
	svcRel := rel + "/skydns-svc.yaml.in"
	rcSrc, err := os.ReadFile(filepath.Join(root, rcRel))
	if err != nil {
		return nil, err
	}
	rc, err := parseYAMLish(string(rcSrc))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rcRel, err)
	}
	var containers []any
	list := rc.get("spec", "template", "spec", "containers")
	if list == nil || list.kind != 'l' {
		return nil, fmt.Errorf("%s: no spec.template.spec.containers", rcRel)
	}
	for _, c := range list.list {
		co := obj{"name": c.get("name").str(), "image": c.get("image").str()}
		if cmd := c.get("command"); cmd != nil {
			co["command"] = strs(cmd.strings())
		}
		if args := c.get("args"); args != nil {
			co["args"] = strs(args.strings())
		}
		containers = append(containers, co)
	}
	out := obj{
		"file":       rcRel,
		"kind":       rc.get("kind").str(),
		"name":       rc.get("metadata", "name").str(),
		"namespace":  rc.get("metadata", "namespace").str(),
		"labels":     rc.get("metadata", "labels").stringMap(),
		"selector":   rc.get("spec", "selector").stringMap(),
		"replicas":   rc.get("spec", "replicas").str(),
		"containers": containers,
		"dnsPolicy":  rc.get("spec", "template", "spec", "dnsPolicy").str(),
	}
	if svcSrc, err := os.ReadFile(filepath.Join(root, svcRel)); err == nil {
		svc, err := parseYAMLish(string(svcSrc))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", svcRel, err)
		}
		var ports []any
		if pl := svc.get("spec", "ports"); pl != nil {
			for _, p := range pl.list {
				ports = append(ports, fmt.Sprintf("%s %s/%s", p.get("name").str(), p.get("port").str(), p.get("protocol").str()))
			}
		}
		out["service"] = obj{
			"file":      svcRel,
			"name":      svc.get("metadata", "name").str(),
			"clusterIP": svc.get("spec", "clusterIP").str(),
			"ports":     ports,
		}
	}
	return out, nil
}

// livenessProbe reads the livenessProbe object of a salt manifest (JSON with Jinja elsewhere).
func livenessProbe(root, rel string) (obj, error) {
	src, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		return nil, err
	}
	text := string(src)
	at := strings.Index(text, `"livenessProbe"`)
	if at < 0 {
		return nil, fmt.Errorf("%s: no livenessProbe", rel)
	}
	open := strings.Index(text[at:], "{")
	if open < 0 {
		return nil, fmt.Errorf("%s: livenessProbe has no object", rel)
	}
	open += at
	depth, end := 0, -1
	for i := open; i < len(text) && end < 0; i++ {
		switch text[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				end = i + 1
			}
		}
	}
	if end < 0 {
		return nil, fmt.Errorf("%s: unterminated livenessProbe", rel)
	}
	var probe struct {
		HTTPGet struct {
			Host, Path, Scheme string
			Port               any
		} `json:"httpGet"`
		InitialDelaySeconds *int `json:"initialDelaySeconds"`
		TimeoutSeconds      *int `json:"timeoutSeconds"`
	}
	if err := json.Unmarshal([]byte(text[open:end]), &probe); err != nil {
		return nil, fmt.Errorf("%s: livenessProbe: %w", rel, err)
	}
	lineStart := strings.LastIndex(text[:at], "\n") + 1
	var lines []string
	for _, l := range strings.Split(text[lineStart:end], "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	out := obj{
		"file":    rel,
		"line":    strings.Count(text[:at], "\n") + 1,
		"host":    probe.HTTPGet.Host,
		"port":    probe.HTTPGet.Port,
		"path":    probe.HTTPGet.Path,
		"excerpt": strings.Join(lines, " "),
	}
	if probe.HTTPGet.Scheme != "" {
		out["scheme"] = probe.HTTPGet.Scheme
	}
	if probe.InitialDelaySeconds != nil {
		out["initialDelaySeconds"] = *probe.InitialDelaySeconds
	}
	if probe.TimeoutSeconds != nil {
		out["timeoutSeconds"] = *probe.TimeoutSeconds
	}
	return out, nil
}

// manifestImage reads the first "image" of a salt manifest.
func manifestImage(root, rel string) (obj, error) {
	src, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		return nil, err
	}
	for i, line := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(line)
		if !strings.HasPrefix(t, `"image":`) {
			continue
		}
		v := strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(t, `"image":`)), ",")
		img, err := strconv.Unquote(v)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: image %s", rel, i+1, v)
		}
		tag := ""
		if j := strings.LastIndex(img, ":"); j >= 0 {
			tag = img[j+1:]
		}
		return obj{"file": rel, "line": i + 1, "image": img, "tag": tag}, nil
	}
	return nil, fmt.Errorf("%s: no image", rel)
}
