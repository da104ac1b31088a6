package main

import (
	"fmt"
	"sort"
	"strings"
)

const etcdModule = "github.com/coreos/etcd"

// etcdStandIns: the etcd releases the legacy salt manifests run that the module proxy does not
// serve (it answers 403 for them), with the nearest release it serves, read in their place. They are
// fixed here rather than probed on each run, so the table does not change when the proxy's answers do.
// A tag without an entry is read as itself.
var etcdStandIns = map[string]struct{ version, note string }{
	"2.0.12": {"v2.0.8", "the module proxy here does not serve v2.0.12, nor v2.0.9 to v2.0.11 (403); v2.0.8 is the nearest it serves"},
	"2.2.1":  {"v2.2.0", "the module proxy here does not serve v2.2.1 (403); v2.2.0 is the nearest it serves"},
}

// etcdFlags reads the flags etcd's own flag set registers in etcdmain/config.go (etcd uses Go's flag
// package, which accepts -name and --name alike).
func etcdFlags(tag string) (obj, error) {
	requested := "v" + strings.TrimPrefix(tag, "v")
	version, note := requested, ""
	if s, ok := etcdStandIns[strings.TrimPrefix(tag, "v")]; ok {
		version, note = s.version, s.note
	}
	f, err := fetch(etcdModule, version+"+incompatible")
	if err != nil {
		return nil, err
	}
	l := newLoader(f.dir, etcdModule)
	p, err := l.load(etcdModule + "/etcdmain")
	if err != nil {
		return nil, err
	}
	const rel = "etcdmain/config.go"
	ev := newEvaluator(l)
	for _, name := range sortedKeys(p.funcs) {
		if p.funcs[name].file.rel == rel {
			ev.evalFunc(p.funcs[name], nil, 0, 0, false)
		}
	}
	var sets []*sink
	for _, sk := range ev.localSinks {
		if strings.Contains(sk.id, "@"+rel+":") && len(sk.flags) > 0 {
			sets = append(sets, sk)
		}
	}
	if len(sets) != 1 {
		return nil, fmt.Errorf("%s@%s: %d flag sets with flags in %s", etcdModule, f.version, len(sets), rel)
	}
	fs := sets[0]
	var deprecated, ignored []string
	for _, name := range fs.names() {
		rec := fs.flags[name]
		if rec.ignoredType {
			ignored = append(ignored, name)
		} else if rec.deprecatedType || rec.usageDeprecated {
			deprecated = append(deprecated, name)
		}
	}
	out := obj{
		"requested":  requested,
		"module":     f.module + "@" + f.version,
		"file":       rel,
		"flagSet":    fs.id,
		"flags":      strs(prefixed(fs.names())),
		"deprecated": strs(prefixed(deprecated)),
		"ignored":    strs(prefixed(ignored)),
	}
	if note != "" {
		out["note"] = note
	}
	if len(ev.unresolved) > 0 {
		sort.Strings(ev.unresolved)
		out["unresolved"] = strs(ev.unresolved)
	}
	return out, nil
}
