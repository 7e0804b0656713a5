package diff

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// This file prepares a Result for the text and markdown outputs: cluster
// groups with identical changes are collapsed into one entry, and equal
// warnings of many clusters into one line.

// member is a cluster of an entry (or "master" when Cluster is "").
type member struct{ seed, cluster string }

func (m member) label() string {
	if m.cluster == "" {
		if m.seed == "" {
			return "master"
		}
		return "seed " + m.seed
	}
	return m.cluster + " (" + m.seed + ")"
}

type dispField struct {
	change        Change
	path, old, nw string
}

type dispObj struct {
	change                Change
	kind, namespace, name string
	path                  string // file, for objects that could not be decoded
	fields                []dispField
}

func (o dispObj) title() string {
	if o.kind == "" {
		return o.path
	}
	if o.namespace == "" {
		return o.kind + " " + o.name
	}
	return o.kind + " " + o.namespace + "/" + o.name
}

// entry is one or more groups with the same changes. With several
// members, names of the cluster and seed in the changes are replaced by
// {cluster} and {seed}.
type entry struct {
	scope   Scope
	change  Change
	members []member
	objects []dispObj
	counts  Counts
}

func (e *entry) collapsed() bool { return len(e.members) > 1 }

// entries returns the master and seed groups, one entry each, and the
// cluster groups collapsed by identical (normalized) changes: removed
// clusters first, then added, then changed.
func entries(r *Result) (fixed, clusters []*entry) {
	type pending struct {
		e    *entry
		norm []dispObj
	}
	bySig := make(map[string]*pending)
	var order []*pending
	for _, g := range r.Groups {
		objs := dispObjects(g.Objects, nil)
		var counts Counts
		for _, o := range g.Objects {
			counts.add(o.Change)
		}
		m := member{seed: g.Seed, cluster: g.Cluster}
		if g.Scope == ScopeMaster {
			fixed = append(fixed, &entry{scope: g.Scope, change: g.Change, members: []member{m}, objects: objs, counts: counts})
			continue
		}
		// Seeds with the same changes of their own are collapsed too.
		n := newNormalizer(g.Seed, g.Cluster)
		norm := dispObjects(g.Objects, n)
		sig := string(g.Scope) + "\x00" + signature(g.Change, norm)
		if p, ok := bySig[sig]; ok {
			p.e.members = append(p.e.members, m)
			continue
		}
		p := &pending{e: &entry{scope: g.Scope, change: g.Change, members: []member{m}, objects: objs, counts: counts}, norm: norm}
		bySig[sig] = p
		order = append(order, p)
	}
	for _, p := range order {
		if p.e.collapsed() {
			p.e.objects = p.norm
		}
		slices.SortFunc(p.e.members, func(a, b member) int {
			return cmp.Or(cmp.Compare(a.cluster, b.cluster), cmp.Compare(a.seed, b.seed))
		})
		if p.e.scope == ScopeSeed {
			fixed = append(fixed, p.e)
		} else {
			clusters = append(clusters, p.e)
		}
	}
	rank := map[Change]int{Removed: 0, Added: 1, Changed: 2}
	slices.SortStableFunc(clusters, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(rank[a.change], rank[b.change]),
			cmp.Compare(a.members[0].cluster, b.members[0].cluster), cmp.Compare(a.members[0].seed, b.members[0].seed))
	})
	return fixed, clusters
}

func dispObjects(objs []ObjectChange, n *normalizer) []dispObj {
	out := make([]dispObj, len(objs))
	for i, o := range objs {
		d := dispObj{change: o.Change, kind: o.Kind, namespace: n.apply(o.Namespace), name: n.apply(o.Name)}
		if o.Kind == "" {
			d.path = n.apply(o.Path)
		}
		for _, f := range o.Fields {
			d.fields = append(d.fields, dispField{
				change: f.Change, path: n.apply(f.Path),
				old: n.apply(formatValue(f.Old)), nw: n.apply(formatValue(f.New)),
			})
		}
		out[i] = d
	}
	return out
}

func signature(ch Change, objs []dispObj) string {
	var b strings.Builder
	b.WriteString(string(ch))
	for _, o := range objs {
		b.WriteString("\x00o")
		for _, s := range []string{string(o.change), o.kind, o.namespace, o.name, o.path} {
			b.WriteString(s)
			b.WriteByte('\x01')
		}
		for _, f := range o.fields {
			b.WriteString("\x00f")
			for _, s := range []string{string(f.change), f.path, f.old, f.nw} {
				b.WriteString(s)
				b.WriteByte('\x01')
			}
		}
	}
	return b.String()
}

// normalizer replaces a cluster's and its seed's names, where they stand
// as whole DNS tokens, by placeholders. Collapsing is sound: two clusters
// share an entry only if putting each one's names back into the
// placeholders gives exactly its own changes.
type normalizer struct{ seed, cluster string }

func newNormalizer(seed, cluster string) *normalizer {
	return &normalizer{seed: seed, cluster: cluster}
}

func (n *normalizer) apply(s string) string {
	if n == nil || s == "" {
		return s
	}
	if n.cluster != "" {
		s = replaceToken(s, "cluster-"+n.cluster, "cluster-{cluster}")
		s = replaceToken(s, n.cluster, "{cluster}")
	}
	if n.seed != "" {
		s = replaceToken(s, n.seed, "{seed}")
	}
	return s
}

func tokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || 'A' <= c && c <= 'Z'
}

// replaceToken replaces old in s where it is not part of a longer token
// of letters, digits and dashes.
func replaceToken(s, old, repl string) string {
	if old == "" || !strings.Contains(s, old) {
		return s
	}
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(s[i:], old)
		if j < 0 {
			break
		}
		j += i
		end := j + len(old)
		if (j == 0 || !tokenByte(s[j-1])) && (end == len(s) || !tokenByte(s[end])) {
			b.WriteString(s[i:j])
			b.WriteString(repl)
		} else {
			b.WriteString(s[i:end])
		}
		i = end
	}
	if b.Len() == 0 && i == 0 {
		return s
	}
	b.WriteString(s[i:])
	return b.String()
}

// formatValue shows a JSON value: a string as it is when unambiguous,
// JSON-quoted otherwise; anything else as compact JSON. "" for absent.
func formatValue(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	if v[0] != '"' {
		return string(v)
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return string(v)
	}
	if plainString(s) {
		return s
	}
	return strconv.Quote(s)
}

func plainString(s string) bool {
	if s == "" || s != strings.TrimSpace(s) || strings.Contains(s, "→") {
		return false
	}
	switch s {
	case "null", "true", "false":
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return false
	}
	if strings.ContainsAny(s[:1], `"{[`) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// warnGroup is equal warnings of several places.
type warnGroup struct {
	w       Warning // with Namespace and Name normalized when collapsed
	members []member
}

func warnGroups(ws []Warning) []*warnGroup {
	by := make(map[string]*warnGroup)
	var out []*warnGroup
	for _, w := range ws {
		n := newNormalizer("", w.Cluster)
		if w.Scope != ScopeCluster {
			n = nil
		}
		key := strings.Join([]string{w.Code, string(w.Scope), w.Kind, n.apply(w.Namespace), n.apply(w.Name), w.Message}, "\x00")
		g, ok := by[key]
		if !ok {
			g = &warnGroup{w: w}
			by[key] = g
			out = append(out, g)
		} else if len(g.members) == 1 {
			g.w.Namespace, g.w.Name = n.apply(w.Namespace), n.apply(w.Name)
		}
		g.members = append(g.members, member{seed: w.Seed, cluster: w.Cluster})
	}
	return out
}

func (g *warnGroup) object() string {
	w := g.w
	if w.Kind == "" {
		return w.Name
	}
	return w.Kind + " " + w.Name
}

// plural returns "1 cluster", "2 clusters".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// sign is the one-character mark of a change.
func sign(c Change) string {
	switch c {
	case Added:
		return "+"
	case Removed:
		return "-"
	}
	return "~"
}
