package main

import (
	"fmt"
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

const kubernetesModule = "k8s.io/kubernetes"

// kubeadmReleases pins, for each current minor, the release whose kubeadm constants are read. The list
// is checked in rather than taken from the proxy's newest patch, so the table (and -check) stays the
// same when the proxy starts listing or serving a newer patch. 1.32.13, 1.34.8, 1.35.4 and 1.36.1 are
// the releases kubescratch's boot tests and caches use; the others were the newest patches the proxy
// listed when they were pinned. Moving a pin is a deliberate edit here followed by a regeneration.
var kubeadmReleases = []struct {
	minor   int
	version string
}{
	{30, "v1.30.14"},
	{31, "v1.31.14"},
	{32, "v1.32.13"},
	{33, "v1.33.13"},
	{34, "v1.34.8"},
	{35, "v1.35.4"},
	{36, "v1.36.1"},
}

// kubeadmPins reads, for the pinned release of one minor, the image versions kubeadm's constants
// package pins: the etcd version for that minor, the pause image and CoreDNS.
func kubeadmPins(minor int, version string) (obj, error) {
	if s := fmt.Sprintf("v1.%d.", minor); !strings.HasPrefix(version, s) {
		return nil, fmt.Errorf("kubeadm pin %s is not a 1.%d release", version, minor)
	}
	f, err := fetch(kubernetesModule, version)
	if err != nil {
		return nil, err
	}
	l := newLoader(f.dir, kubernetesModule)
	p, err := l.load(kubernetesModule + "/cmd/kubeadm/app/constants")
	if err != nil {
		return nil, err
	}
	ev := newEvaluator(l)
	sources := obj{}
	str := func(name string) (string, error) {
		vs := p.values[name]
		if vs == nil {
			return "", fmt.Errorf("%s@%s: cmd/kubeadm/app/constants declares no %s", f.module, f.version, name)
		}
		v := ev.evalVal(vs.expr, &frame{file: vs.file, env: map[string]val{}})
		if v.k != kString {
			return "", fmt.Errorf("%s@%s: %s is not a constant string", f.module, f.version, name)
		}
		sources[name] = vs.file.rel
		return v.s, nil
	}
	defaultEtcd, err := str("DefaultEtcdVersion")
	if err != nil {
		return nil, err
	}
	pause, err := str("PauseVersion")
	if err != nil {
		return nil, err
	}
	coredns, err := str("CoreDNSVersion")
	if err != nil {
		return nil, err
	}
	supported := obj{}
	vs := p.values["SupportedEtcdVersion"]
	if vs == nil {
		return nil, fmt.Errorf("%s@%s: no SupportedEtcdVersion", f.module, f.version)
	}
	lit, ok := vs.expr.(*ast.CompositeLit)
	if !ok {
		return nil, fmt.Errorf("%s@%s: SupportedEtcdVersion is not a map literal", f.module, f.version)
	}
	sources["SupportedEtcdVersion"] = vs.file.rel
	keysRelative := false
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		n, relative, ok := etcdMapKey(kv.Key, minor)
		if !ok {
			return nil, fmt.Errorf("%s@%s: SupportedEtcdVersion key %s", f.module, f.version, exprText(l.fset, kv.Key))
		}
		if relative {
			keysRelative = true
		}
		v := ev.evalVal(kv.Value, &frame{file: vs.file, env: map[string]val{}})
		if v.k != kString {
			return nil, fmt.Errorf("%s@%s: SupportedEtcdVersion[%s]", f.module, f.version, exprText(l.fset, kv.Key))
		}
		supported[strconv.Itoa(n)] = v.s
	}
	etcd, from := defaultEtcd, "DefaultEtcdVersion (no SupportedEtcdVersion entry for this minor)"
	if v, ok := supported[strconv.Itoa(minor)]; ok {
		etcd, from = v.(string), fmt.Sprintf("SupportedEtcdVersion[%d]", minor)
	}
	out := obj{
		"module":               f.module + "@" + f.version,
		"etcdVersion":          etcd,
		"etcdVersionFrom":      from,
		"defaultEtcdVersion":   defaultEtcd,
		"supportedEtcdVersion": supported,
		"pauseVersion":         pause,
		"coreDNSVersion":       coredns,
		"sources":              sources,
	}
	if keysRelative {
		out["supportedEtcdVersionKeys"] = "written as uint8(getSkewedKubernetesVersion(n).Minor()): the built release's minor plus n"
	}
	return out, nil
}

// etcdMapKey reads a SupportedEtcdVersion key: an integer literal, or (since 1.35)
// uint8(getSkewedKubernetesVersion(n).Minor()), which is the minor of the kubeadm build plus n.
func etcdMapKey(e ast.Expr, minor int) (int, bool, bool) {
	if n, ok := intLit(e); ok {
		return n, false, true
	}
	conv, ok := e.(*ast.CallExpr)
	if !ok || len(conv.Args) != 1 {
		return 0, false, false
	}
	if id, ok := conv.Fun.(*ast.Ident); !ok || id.Name != "uint8" {
		return 0, false, false
	}
	minorCall, ok := conv.Args[0].(*ast.CallExpr)
	if !ok || len(minorCall.Args) != 0 {
		return 0, false, false
	}
	sel, ok := minorCall.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Minor" {
		return 0, false, false
	}
	skew, ok := sel.X.(*ast.CallExpr)
	if !ok || len(skew.Args) != 1 {
		return 0, false, false
	}
	if id, ok := skew.Fun.(*ast.Ident); !ok || id.Name != "getSkewedKubernetesVersion" {
		return 0, false, false
	}
	arg := skew.Args[0]
	sign := 1
	if u, ok := arg.(*ast.UnaryExpr); ok && u.Op == token.SUB {
		sign, arg = -1, u.X
	}
	n, ok := intLit(arg)
	if !ok {
		return 0, false, false
	}
	return minor + sign*n, true, true
}
