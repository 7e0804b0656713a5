package diff

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// diffObjects lists the field changes from a to b, in path order.
func diffObjects(a, b map[string]any) []FieldChange {
	var out []FieldChange
	diffValue("", a, b, &out)
	return out
}

func diffValue(p string, a, b any, out *[]FieldChange) {
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			diffMaps(p, av, bv, out)
			return
		}
	case []any:
		if bv, ok := b.([]any); ok {
			diffLists(p, av, bv, out)
			return
		}
	default:
		if equalScalar(a, b) {
			return
		}
	}
	*out = append(*out, FieldChange{Path: p, Change: Changed, Old: raw(a), New: raw(b)})
}

func equalScalar(a, b any) bool {
	switch b.(type) {
	case map[string]any, []any:
		return false
	}
	return a == b // string, json.Number, bool, nil: comparable
}

func diffMaps(p string, a, b map[string]any, out *[]FieldChange) {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		kp := joinKey(p, k)
		av, inA := a[k]
		bv, inB := b[k]
		switch {
		case !inA:
			*out = append(*out, FieldChange{Path: kp, Change: Added, New: raw(bv)})
		case !inB:
			*out = append(*out, FieldChange{Path: kp, Change: Removed, Old: raw(av)})
		default:
			diffValue(kp, av, bv, out)
		}
	}
}

// joinKey appends a map key to a path: `.key`, or `["key"]` when the key
// is not a plain identifier (labels like app.kubernetes.io/name).
func joinKey(p, k string) string {
	if plainKey(k) {
		if p == "" {
			return k
		}
		return p + "." + k
	}
	return p + "[" + strconv.Quote(k) + "]"
}

func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' && i > 0) {
			return false
		}
	}
	return true
}

// listKey picks the field that identifies the elements of two lists of
// objects: "name" when every element of both lists has a distinct string
// name (containers, initContainers, env, ports, volumes, ...), else
// "mountPath" (volumeMounts that mount one volume twice); "" when neither
// works, and the lists are compared by index.
func listKey(a, b []any) string {
	for _, k := range [...]string{"name", "mountPath"} {
		if keyedBy(a, k) && keyedBy(b, k) {
			return k
		}
	}
	return ""
}

func keyedBy(l []any, k string) bool {
	seen := make(map[string]bool, len(l))
	for _, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			return false
		}
		s, ok := m[k].(string)
		if !ok || seen[s] {
			return false
		}
		seen[s] = true
	}
	return true
}

func diffLists(p string, a, b []any, out *[]FieldChange) {
	if len(a) == 0 && len(b) == 0 {
		return
	}
	if k := listKey(a, b); k != "" {
		diffKeyedLists(p, k, a, b, out)
		return
	}
	if allScalars(a) && allScalars(b) {
		diffScalarLists(p, a, b, out)
		return
	}
	n := min(len(a), len(b))
	for i := range n {
		diffValue(p+"["+strconv.Itoa(i)+"]", a[i], b[i], out)
	}
	for i := n; i < len(a); i++ {
		*out = append(*out, FieldChange{Path: p + "[" + strconv.Itoa(i) + "]", Change: Removed, Old: raw(a[i])})
	}
	for i := n; i < len(b); i++ {
		*out = append(*out, FieldChange{Path: p + "[" + strconv.Itoa(i) + "]", Change: Added, New: raw(b[i])})
	}
}

// diffKeyedLists matches elements by key: a reorder is not a change.
// Changes are listed in the order of b, then the elements removed in the
// order of a.
func diffKeyedLists(p, k string, a, b []any, out *[]FieldChange) {
	inA := make(map[string]any, len(a))
	for _, e := range a {
		inA[e.(map[string]any)[k].(string)] = e
	}
	inB := make(map[string]bool, len(b))
	for _, e := range b {
		name := e.(map[string]any)[k].(string)
		inB[name] = true
		ep := p + "[" + name + "]"
		if ae, ok := inA[name]; ok {
			diffValue(ep, ae, e, out)
		} else {
			*out = append(*out, FieldChange{Path: ep, Change: Added, New: raw(e)})
		}
	}
	for _, e := range a {
		name := e.(map[string]any)[k].(string)
		if !inB[name] {
			*out = append(*out, FieldChange{Path: p + "[" + name + "]", Change: Removed, Old: raw(e)})
		}
	}
}

func allScalars(l []any) bool {
	for _, e := range l {
		switch e.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

// diffScalarLists compares lists of strings or numbers (args, command,
// dnsNames). Equal lengths with a few positions changed: one change per
// position. Otherwise the elements added and removed (`path[]`); a pure
// reorder is one change of the whole list.
func diffScalarLists(p string, a, b []any, out *[]FieldChange) {
	if len(a) == len(b) {
		var diff []int
		for i := range a {
			if a[i] != b[i] {
				diff = append(diff, i)
			}
		}
		if len(diff) == 0 {
			return
		}
		if 2*len(diff) <= len(a) || len(a) <= 2 {
			for _, i := range diff {
				*out = append(*out, FieldChange{Path: p + "[" + strconv.Itoa(i) + "]", Change: Changed, Old: raw(a[i]), New: raw(b[i])})
			}
			return
		}
	}
	count := make(map[any]int, len(a))
	for _, e := range a {
		count[e]++
	}
	var added []any
	for _, e := range b {
		if count[e] > 0 {
			count[e]--
		} else {
			added = append(added, e)
		}
	}
	var removed []any
	for _, e := range a {
		if count[e] > 0 {
			count[e]--
			removed = append(removed, e)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		*out = append(*out, FieldChange{Path: p, Change: Changed, Old: raw(a), New: raw(b)})
		return
	}
	for _, e := range removed {
		*out = append(*out, FieldChange{Path: p + "[]", Change: Removed, Old: raw(e)})
	}
	for _, e := range added {
		*out = append(*out, FieldChange{Path: p + "[]", Change: Added, New: raw(e)})
	}
}

// raw encodes a decoded value back to JSON (map keys sorted, no HTML
// escaping).
func raw(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return json.RawMessage(`null`)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// hasPrefixPath reports whether field path p is prefix or below it.
func hasPrefixPath(p, prefix string) bool {
	if !strings.HasPrefix(p, prefix) {
		return false
	}
	if len(p) == len(prefix) {
		return true
	}
	c := p[len(prefix)]
	return c == '.' || c == '['
}
