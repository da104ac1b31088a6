package main

import (
	"fmt"
	"sort"
)

// kube2skyFlags reads the flags the DNS addon's kube2sky registers in kube2sky.go, at package level
// (var x = flag.String(...)) or in main, and which flag package they go to: Go's flag (1.1; -name and
// --name alike) or pflag (1.2; --name).
func kube2skyFlags(l *loader, dir string) (obj, error) {
	p, err := l.load(l.modPath + "/" + dir)
	if err != nil {
		return nil, err
	}
	rel := dir + "/kube2sky.go"
	ev := newEvaluator(l)
	ev.globalRoots([]string{p.path})
	mainFn := p.funcs["main"]
	if mainFn == nil || mainFn.file.rel != rel {
		return nil, fmt.Errorf("%s: no func main", rel)
	}
	ev.evalFunc(mainFn, nil, 0, 0, false)
	var pkgName string
	var flags []string
	for _, s := range []struct {
		name string
		sk   *sink
	}{{"flag", ev.goGlobal}, {"pflag", ev.pflagGlobal}} {
		var names []string
		for _, n := range s.sk.names() {
			if s.sk.flags[n].files[rel] {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			continue
		}
		if pkgName != "" {
			return nil, fmt.Errorf("%s: flags on both Go's flag and pflag command lines", rel)
		}
		pkgName, flags = s.name, names
	}
	if pkgName == "" {
		return nil, fmt.Errorf("%s: no flags found", rel)
	}
	sort.Strings(flags)
	out := obj{"file": rel, "package": pkgName, "flags": strs(flags)}
	if pkgName == "pflag" && ev.pflagGlobal.normalize != "" {
		out["normalizeFunc"] = ev.pflagGlobal.normalize
	}
	if len(ev.unresolved) > 0 {
		sort.Strings(ev.unresolved)
		out["unresolved"] = strs(ev.unresolved)
	}
	return out, nil
}
