package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// The table is printed the way prettier (printWidth 110, as configured for the repository) prints
// JSON, so `prettier --check .` accepts the generated file unchanged: objects always expanded with
// sorted keys, and arrays of scalars on one line when they fit, else one element per line.

const printWidth = 110

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "null", true
	case string:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(x)
		return strings.TrimSuffix(buf.String(), "\n"), true
	case bool, int, int64, float64:
		return fmt.Sprint(x), true
	}
	return "", false
}

func render(v any) ([]byte, error) {
	var b strings.Builder
	if err := write(&b, v, 0, 0, 0); err != nil {
		return nil, err
	}
	b.WriteString("\n")
	return []byte(b.String()), nil
}

// write prints v starting at column col, at nesting indent, followed on the same line by trailing
// characters (a comma).
func write(b *strings.Builder, v any, indent, col, trailing int) error {
	if s, ok := scalar(v); ok {
		b.WriteString(s)
		return nil
	}
	pad := strings.Repeat(" ", indent+2)
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{\n")
		for i, k := range keys {
			ks, _ := scalar(k)
			b.WriteString(pad + ks + ": ")
			comma := 0
			if i < len(keys)-1 {
				comma = 1
			}
			if err := write(b, x[k], indent+2, indent+2+utf8.RuneCountInString(ks)+2, comma); err != nil {
				return err
			}
			if comma == 1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(strings.Repeat(" ", indent) + "}")
		return nil
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return nil
		}
		flat := make([]string, 0, len(x))
		allScalar := true
		for _, el := range x {
			s, ok := scalar(el)
			if !ok {
				allScalar = false
				break
			}
			flat = append(flat, s)
		}
		if allScalar {
			line := "[" + strings.Join(flat, ", ") + "]"
			if col+utf8.RuneCountInString(line)+trailing <= printWidth {
				b.WriteString(line)
				return nil
			}
			for _, el := range x {
				if _, isNum := el.(int); isNum {
					return fmt.Errorf("an array of numbers too long for one line (prettier would fill it): %v", x)
				}
			}
		}
		b.WriteString("[\n")
		for i, el := range x {
			b.WriteString(pad)
			comma := 0
			if i < len(x)-1 {
				comma = 1
			}
			if err := write(b, el, indent+2, indent+2, comma); err != nil {
				return err
			}
			if comma == 1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(strings.Repeat(" ", indent) + "]")
		return nil
	}
	return fmt.Errorf("cannot print %T", v)
}

// diff lists the JSON paths at which two documents differ.
func diff(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			p := path + "." + k
			av, ain := am[k]
			bv, bin := bm[k]
			switch {
			case !ain:
				*out = append(*out, "+ "+p)
			case !bin:
				*out = append(*out, "- "+p)
			default:
				diff(p, av, bv, out)
			}
		}
		return
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && allStrings(al) && allStrings(bl) {
		as, bs := map[string]bool{}, map[string]bool{}
		for _, x := range al {
			as[x.(string)] = true
		}
		for _, x := range bl {
			bs[x.(string)] = true
		}
		for _, x := range sortedKeys(bs) {
			if !as[x] {
				*out = append(*out, fmt.Sprintf("+ %s: %q", path, x))
			}
		}
		for _, x := range sortedKeys(as) {
			if !bs[x] {
				*out = append(*out, fmt.Sprintf("- %s: %q", path, x))
			}
		}
		if sameSet(as, bs) && len(al) == len(bl) {
			for i := range al {
				if al[i] != bl[i] {
					*out = append(*out, "~ "+path+": order")
					break
				}
			}
		}
		return
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		*out = append(*out, fmt.Sprintf("~ %s: %s -> %s", path, clip(string(ja)), clip(string(jb))))
	}
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func allStrings(xs []any) bool {
	for _, x := range xs {
		if _, ok := x.(string); !ok {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}
