package main

import (
	"fmt"
	"strings"
)

// A reader for the block-style YAML subset the addon manifests use (mappings, sequences, plain
// scalars; no anchors, no multi-line scalars, no flow collections beyond "{}" and "[]" kept as text).
// Scalars are kept exactly as written, template placeholders included.

type ynode struct {
	keys  []string
	m     map[string]*ynode
	list  []*ynode
	s     string
	kind  byte // 'm', 'l', 's'
	line  int
	isNil bool
}

type yline struct {
	indent int
	text   string
	num    int
}

func yamlLines(src string) []yline {
	var out []yline
	for i, raw := range strings.Split(src, "\n") {
		raw = strings.TrimRight(raw, " \t\r")
		trimmed := strings.TrimLeft(raw, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || trimmed == "---" {
			continue
		}
		out = append(out, yline{indent: len(raw) - len(trimmed), text: stripComment(trimmed), num: i + 1})
	}
	return out
}

// stripComment drops a " #" comment outside quotes.
func stripComment(s string) string {
	var quote rune
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			if i == 0 || s[i-1] == ' ' || s[i-1] == ':' {
				quote = r
			}
		case r == '#' && i > 0 && (s[i-1] == ' ' || s[i-1] == '\t'):
			return strings.TrimRight(s[:i], " \t")
		}
	}
	return s
}

func parseYAMLish(src string) (*ynode, error) {
	p := &yparser{lines: yamlLines(src)}
	if len(p.lines) == 0 {
		return &ynode{kind: 'm', m: map[string]*ynode{}}, nil
	}
	n, err := p.block(p.lines[0].indent)
	if err != nil {
		return nil, err
	}
	if p.i != len(p.lines) {
		return nil, fmt.Errorf("line %d: unexpected indentation", p.lines[p.i].num)
	}
	return n, nil
}

type yparser struct {
	lines []yline
	i     int
}

func isItem(t string) bool { return t == "-" || strings.HasPrefix(t, "- ") }

func splitKey(t string) (string, string, bool) {
	if strings.HasSuffix(t, ":") && !strings.HasPrefix(t, "{") {
		return strings.TrimSuffix(t, ":"), "", true
	}
	if i := strings.Index(t, ": "); i > 0 && !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "\"") && !strings.HasPrefix(t, "'") {
		return t[:i], strings.TrimSpace(t[i+2:]), true
	}
	return "", "", false
}

func (p *yparser) block(indent int) (*ynode, error) {
	if isItem(p.lines[p.i].text) {
		return p.seq(indent)
	}
	return p.mapping(indent)
}

func (p *yparser) seq(indent int) (*ynode, error) {
	n := &ynode{kind: 'l', line: p.lines[p.i].num}
	for p.i < len(p.lines) && p.lines[p.i].indent == indent && isItem(p.lines[p.i].text) {
		l := p.lines[p.i]
		rest := strings.TrimSpace(strings.TrimPrefix(l.text, "-"))
		if rest == "" {
			p.i++
			if p.i < len(p.lines) && p.lines[p.i].indent > indent {
				child, err := p.block(p.lines[p.i].indent)
				if err != nil {
					return nil, err
				}
				n.list = append(n.list, child)
			} else {
				n.list = append(n.list, &ynode{kind: 's', isNil: true, line: l.num})
			}
			continue
		}
		if _, _, ok := splitKey(rest); ok {
			// "- key: value" opens a mapping whose keys sit where "key" starts.
			col := indent + (len(l.text) - len(strings.TrimLeft(strings.TrimPrefix(l.text, "-"), " ")))
			p.lines[p.i] = yline{indent: col, text: rest, num: l.num}
			child, err := p.mapping(col)
			if err != nil {
				return nil, err
			}
			n.list = append(n.list, child)
			continue
		}
		n.list = append(n.list, &ynode{kind: 's', s: rest, line: l.num})
		p.i++
	}
	return n, nil
}

func (p *yparser) mapping(indent int) (*ynode, error) {
	n := &ynode{kind: 'm', m: map[string]*ynode{}, line: p.lines[p.i].num}
	for p.i < len(p.lines) && p.lines[p.i].indent == indent && !isItem(p.lines[p.i].text) {
		l := p.lines[p.i]
		k, v, ok := splitKey(l.text)
		if !ok {
			return nil, fmt.Errorf("line %d: expected key: value, got %q", l.num, l.text)
		}
		p.i++
		var child *ynode
		switch {
		case v != "":
			child = &ynode{kind: 's', s: v, line: l.num}
		case p.i < len(p.lines) && p.lines[p.i].indent > indent:
			c, err := p.block(p.lines[p.i].indent)
			if err != nil {
				return nil, err
			}
			child = c
		case p.i < len(p.lines) && p.lines[p.i].indent == indent && isItem(p.lines[p.i].text):
			c, err := p.seq(indent)
			if err != nil {
				return nil, err
			}
			child = c
		default:
			child = &ynode{kind: 's', isNil: true, line: l.num}
		}
		if _, dup := n.m[k]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q", l.num, k)
		}
		n.keys = append(n.keys, k)
		n.m[k] = child
	}
	if p.i < len(p.lines) && p.lines[p.i].indent > indent {
		return nil, fmt.Errorf("line %d: unexpected indentation", p.lines[p.i].num)
	}
	return n, nil
}

// get walks a path of mapping keys.
func (n *ynode) get(path ...string) *ynode {
	cur := n
	for _, k := range path {
		if cur == nil || cur.kind != 'm' {
			return nil
		}
		cur = cur.m[k]
	}
	return cur
}

func (n *ynode) str() string {
	if n == nil || n.kind != 's' || n.isNil {
		return ""
	}
	return n.s
}

// unquoted strips one pair of matching quotes from a plain scalar.
func unquoted(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

func (n *ynode) strings() []string {
	if n == nil || n.kind != 'l' {
		return nil
	}
	out := []string{}
	for _, it := range n.list {
		out = append(out, it.str())
	}
	return out
}

func (n *ynode) stringMap() map[string]any {
	out := map[string]any{}
	if n == nil || n.kind != 'm' {
		return out
	}
	for _, k := range n.keys {
		out[k] = unquoted(n.m[k].str())
	}
	return out
}
