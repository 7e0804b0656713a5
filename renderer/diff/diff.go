package diff

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/renderer/layout"
)

// Files is a rendered tree as Compare reads it; *tree.Tree implements it.
type Files interface {
	// Paths returns the slash-separated file paths in byte order.
	Paths() []string
	// Get returns a file's bytes.
	Get(path string) ([]byte, bool)
}

// Change says what happened to a cluster, object or field.
type Change string

const (
	Added   Change = "added"
	Removed Change = "removed"
	Changed Change = "changed"
)

// Scope is what a Group holds: the master cluster's objects, a seed's own
// objects (its Flux GitRepository, ...), or one customer cluster's.
type Scope string

const (
	ScopeMaster  Scope = "master"
	ScopeSeed    Scope = "seed"
	ScopeCluster Scope = "cluster"
)

// Result is the difference between two rendered trees.
type Result struct {
	SchemaVersion int `json:"schemaVersion"`
	// Base and Head label the two sides (e.g. "origin/main (1a2b3c4d5e6f)",
	// "working tree"); set by the caller, for display only.
	Base     string    `json:"base"`
	Head     string    `json:"head"`
	Summary  Summary   `json:"summary"`
	Warnings []Warning `json:"warnings"`
	Groups   []Group   `json:"groups"`
}

// Empty reports whether the two trees hold the same objects.
func (r *Result) Empty() bool { return len(r.Groups) == 0 && len(r.Warnings) == 0 }

// Summary counts what changed.
type Summary struct {
	Seeds    SeedSummary    `json:"seeds"`
	Clusters ClusterSummary `json:"clusters"`
	Objects  Counts         `json:"objects"`
	Kinds    []KindCounts   `json:"kinds"`
	// Versions lists the clusters whose Kubernetes version changes.
	Versions []VersionChange `json:"versions"`
}

// SeedSummary lists seed names, sorted. A seed is changed when it is in
// both trees and any of its objects (its clusters' included) changed.
type SeedSummary struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
}

// ClusterSummary lists customer clusters, sorted by name then seed. A
// cluster moved between seeds is listed in Moved and also, on its old
// seed, in Removed and, on its new seed, in Added.
type ClusterSummary struct {
	Added   []ClusterRef `json:"added"`
	Removed []ClusterRef `json:"removed"`
	Changed []ClusterRef `json:"changed"`
	Moved   []Move       `json:"moved"`
}

// ClusterRef names a customer cluster on a seed.
type ClusterRef struct {
	Seed    string `json:"seed"`
	Cluster string `json:"cluster"`
}

// Move is a cluster that left one seed for another.
type Move struct {
	Cluster string `json:"cluster"`
	From    string `json:"from"`
	To      string `json:"to"`
}

// Counts counts objects.
type Counts struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
}

func (c Counts) total() int { return c.Added + c.Removed + c.Changed }

func (c *Counts) add(ch Change) {
	switch ch {
	case Added:
		c.Added++
	case Removed:
		c.Removed++
	case Changed:
		c.Changed++
	}
}

// KindCounts counts the objects of one kind.
type KindCounts struct {
	Kind string `json:"kind"`
	Counts
}

// Group is the changes of one master, seed or cluster.
type Group struct {
	Scope   Scope  `json:"scope"`
	Seed    string `json:"seed"`    // "" for master
	Cluster string `json:"cluster"` // "" unless Scope is cluster
	// Change is added or removed when the whole cluster (or seed) appeared
	// or disappeared; changed otherwise.
	Change  Change         `json:"change"`
	Objects []ObjectChange `json:"objects"`
}

// ObjectChange is one object added, removed or changed.
type ObjectChange struct {
	Change     Change `json:"change"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	// Path is the object's file in the head tree (in the base tree when
	// removed).
	Path string `json:"path"`
	// Fields lists what changed, for a changed object; empty otherwise.
	Fields []FieldChange `json:"fields"`
}

// FieldChange is one difference inside an object. Path is like
// `spec.template.spec.containers[apiserver].image`: map keys joined by
// dots (`["key"]` when a key is not a plain identifier), elements of lists
// matched by name in brackets (`[apiserver]`), others by index (`[2]`),
// and `[]` for an element added to or removed from a list of scalars.
// Old is absent when added, New when removed.
type FieldChange struct {
	Path   string          `json:"path"`
	Change Change          `json:"change"`
	Old    json.RawMessage `json:"old,omitempty"`
	New    json.RawMessage `json:"new,omitempty"`
}

// Compare compares two rendered trees object by object. Files with equal
// bytes at the same path are skipped without being parsed; only the
// others are decoded (in parallel) and matched by (seed or master,
// namespace, kind, name). kustomization.yaml files and fleetc's own
// .fleetc/ files are not objects and are not compared.
func Compare(base, head Files) *Result {
	c := newComparer()
	c.scan(base, head)
	c.parse(base, head)
	c.match()
	return c.result()
}

// object is a decoded file.
type object struct {
	path       string
	apiVersion string
	kind       string
	namespace  string
	name       string
	content    map[string]any
	err        error
}

type objKey struct{ scope, namespace, kind, name string }

type comparer struct {
	// presence of seeds and clusters in each tree
	baseSeeds, headSeeds       map[string]bool
	baseClusters, headClusters map[ClusterRef]bool
	// files to parse
	basePaths, headPaths []string
	baseObjs, headObjs   []*object
	changes              []located
}

type located struct {
	group groupKey
	obj   ObjectChange
	// for warnings
	base, head *object
}

type groupKey struct {
	scope   Scope
	seed    string
	cluster string
}

func newComparer() *comparer {
	return &comparer{
		baseSeeds: map[string]bool{}, headSeeds: map[string]bool{},
		baseClusters: map[ClusterRef]bool{}, headClusters: map[ClusterRef]bool{},
	}
}

// splitPath finds the seed and cluster of a rendered path:
// seeds/<seed>/clusters/<cluster>/... (the control plane) or
// seeds/<seed>/usercluster/<cluster>/... (what is applied inside the
// customer cluster).
func splitPath(p string) (seed, cluster string) {
	seed, cluster, _ = splitPathKind(p)
	return seed, cluster
}

// splitPathKind is splitPath that also tells a usercluster/ path.
func splitPathKind(p string) (seed, cluster string, inside bool) {
	l := layout.Parse(p)
	return l.Seed, l.Cluster, l.Place == layout.UserPart
}

// isObjectFile reports whether p holds a Kubernetes object.
func isObjectFile(p string) bool {
	if strings.HasPrefix(p, layout.Reserved+"/") || path.Base(p) == layout.Kustomization {
		return false
	}
	return strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".json")
}

func (c *comparer) scan(base, head Files) {
	bp, hp := base.Paths(), head.Paths()
	note := func(p string, seeds map[string]bool, clusters map[ClusterRef]bool) {
		seed, cluster := splitPath(p)
		if seed != "" {
			seeds[seed] = true
		}
		if cluster != "" {
			clusters[ClusterRef{Seed: seed, Cluster: cluster}] = true
		}
	}
	i, j := 0, 0
	for i < len(bp) || j < len(hp) {
		switch {
		case j == len(hp) || i < len(bp) && bp[i] < hp[j]:
			note(bp[i], c.baseSeeds, c.baseClusters)
			if isObjectFile(bp[i]) {
				c.basePaths = append(c.basePaths, bp[i])
			}
			i++
		case i == len(bp) || hp[j] < bp[i]:
			note(hp[j], c.headSeeds, c.headClusters)
			if isObjectFile(hp[j]) {
				c.headPaths = append(c.headPaths, hp[j])
			}
			j++
		default:
			p := bp[i]
			note(p, c.baseSeeds, c.baseClusters)
			note(p, c.headSeeds, c.headClusters)
			if isObjectFile(p) {
				b, _ := base.Get(p)
				h, _ := head.Get(p)
				if !bytes.Equal(b, h) {
					c.basePaths = append(c.basePaths, p)
					c.headPaths = append(c.headPaths, p)
				}
			}
			i++
			j++
		}
	}
}

func (c *comparer) parse(base, head Files) {
	c.baseObjs = make([]*object, len(c.basePaths))
	c.headObjs = make([]*object, len(c.headPaths))
	nb := len(c.basePaths)
	parallel(nb+len(c.headPaths), func(i int) {
		if i < nb {
			data, _ := base.Get(c.basePaths[i])
			c.baseObjs[i] = decode(c.basePaths[i], data)
			return
		}
		i -= nb
		data, _ := head.Get(c.headPaths[i])
		c.headObjs[i] = decode(c.headPaths[i], data)
	})
}

// decode parses one rendered file into a generic map, numbers kept exact.
func decode(p string, data []byte) *object {
	o := &object{path: p}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		o.err = err
		return o
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		o.err = err
		return o
	}
	m, ok := v.(map[string]any)
	if !ok {
		o.err = fmt.Errorf("not an object")
		return o
	}
	o.content = m
	o.apiVersion, _ = m["apiVersion"].(string)
	o.kind, _ = m["kind"].(string)
	if md, ok := m["metadata"].(map[string]any); ok {
		o.name, _ = md["name"].(string)
		o.namespace, _ = md["namespace"].(string)
	}
	if o.kind == "" || o.name == "" {
		o.err = fmt.Errorf("no kind or metadata.name")
	}
	return o
}

// key identifies an object across the two trees: its seed (or "master"),
// namespace, kind and name. A file that cannot be decoded is keyed by
// its path.
func (o *object) key() objKey {
	if o.err != nil {
		return objKey{scope: "\x00file", name: o.path}
	}
	seed, cluster, inside := splitPathKind(o.path)
	scope := seed
	if inside {
		// Objects applied inside a customer cluster: the same name in
		// two customer clusters is two objects.
		scope = seed + "\x00usercluster\x00" + cluster
	}
	if seed == "" {
		scope, _, _ = strings.Cut(o.path, "/")
		if scope == o.path {
			scope = ""
		}
		scope = "\x00" + scope // never equal to a seed name
	}
	return objKey{scope: scope, namespace: o.namespace, kind: o.kind, name: o.name}
}

// group finds the group an object belongs to. A seed's Flux
// Kustomization "cluster-<name>" belongs to that cluster.
func (c *comparer) group(o *object) groupKey {
	seed, cluster := splitPath(o.path)
	if seed == "" {
		return groupKey{scope: ScopeMaster}
	}
	if cluster == "" && o.kind == "Kustomization" && strings.HasPrefix(o.apiVersion, "kustomize.toolkit.fluxcd.io/") {
		name, ok := strings.CutPrefix(o.name, "cluster-")
		if !ok {
			name, ok = strings.CutPrefix(o.name, "usercluster-")
		}
		if ok {
			ref := ClusterRef{Seed: seed, Cluster: name}
			if c.baseClusters[ref] || c.headClusters[ref] {
				cluster = name
			}
		}
	}
	if cluster == "" {
		return groupKey{scope: ScopeSeed, seed: seed}
	}
	return groupKey{scope: ScopeCluster, seed: seed, cluster: cluster}
}

func (c *comparer) match() {
	headByKey := make(map[objKey]*object, len(c.headObjs))
	for _, o := range c.headObjs {
		headByKey[o.key()] = o
	}
	type pair struct{ base, head *object }
	var pairs []pair
	matched := make(map[objKey]bool, len(c.baseObjs))
	for _, b := range c.baseObjs {
		k := b.key()
		if h, ok := headByKey[k]; ok {
			pairs = append(pairs, pair{b, h})
			matched[k] = true
			continue
		}
		c.changes = append(c.changes, located{group: c.group(b), obj: objectChange(Removed, b), base: b})
	}
	for _, h := range c.headObjs {
		if !matched[h.key()] {
			c.changes = append(c.changes, located{group: c.group(h), obj: objectChange(Added, h), head: h})
		}
	}
	fields := make([][]FieldChange, len(pairs))
	parallel(len(pairs), func(i int) {
		b, h := pairs[i].base, pairs[i].head
		if b.err != nil || h.err != nil {
			fields[i] = []FieldChange{{Path: "", Change: Changed}}
			return
		}
		fields[i] = diffObjects(b.content, h.content)
	})
	for i, p := range pairs {
		if len(fields[i]) == 0 {
			continue // moved to another file, same object
		}
		oc := objectChange(Changed, p.head)
		oc.Fields = fields[i]
		c.changes = append(c.changes, located{group: c.group(p.head), obj: oc, base: p.base, head: p.head})
	}
}

func objectChange(ch Change, o *object) ObjectChange {
	return ObjectChange{
		Change: ch, APIVersion: o.apiVersion, Kind: o.kind, Namespace: o.namespace, Name: o.name,
		Path: o.path, Fields: []FieldChange{},
	}
}

func (c *comparer) result() *Result {
	r := &Result{
		SchemaVersion: SchemaVersion,
		Warnings:      []Warning{},
		Groups:        []Group{},
		Summary: Summary{
			Seeds:    SeedSummary{Added: []string{}, Removed: []string{}, Changed: []string{}},
			Clusters: ClusterSummary{Added: []ClusterRef{}, Removed: []ClusterRef{}, Changed: []ClusterRef{}, Moved: []Move{}},
			Kinds:    []KindCounts{},
			Versions: []VersionChange{},
		},
	}
	// Groups.
	byGroup := make(map[groupKey]*Group)
	kinds := make(map[string]*KindCounts)
	for _, l := range c.changes {
		g := byGroup[l.group]
		if g == nil {
			g = &Group{Scope: l.group.scope, Seed: l.group.seed, Cluster: l.group.cluster, Change: Changed}
			if l.group.scope == ScopeCluster {
				ref := ClusterRef{Seed: l.group.seed, Cluster: l.group.cluster}
				switch {
				case !c.baseClusters[ref]:
					g.Change = Added
				case !c.headClusters[ref]:
					g.Change = Removed
				}
			} else if l.group.scope == ScopeSeed {
				switch {
				case !c.baseSeeds[l.group.seed]:
					g.Change = Added
				case !c.headSeeds[l.group.seed]:
					g.Change = Removed
				}
			}
			byGroup[l.group] = g
		}
		g.Objects = append(g.Objects, l.obj)
		r.Summary.Objects.add(l.obj.Change)
		kind := l.obj.Kind
		if kind == "" {
			kind = "(file)"
		}
		kc := kinds[kind]
		if kc == nil {
			kc = &KindCounts{Kind: kind}
			kinds[kind] = kc
		}
		kc.add(l.obj.Change)
	}
	for _, g := range byGroup {
		slices.SortFunc(g.Objects, func(a, b ObjectChange) int {
			return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Path, b.Path))
		})
		r.Groups = append(r.Groups, *g)
	}
	slices.SortFunc(r.Groups, compareGroups)
	for _, kc := range kinds {
		r.Summary.Kinds = append(r.Summary.Kinds, *kc)
	}
	slices.SortFunc(r.Summary.Kinds, func(a, b KindCounts) int { return cmp.Compare(a.Kind, b.Kind) })

	// Seeds and clusters.
	s := &r.Summary
	for seed := range c.headSeeds {
		if !c.baseSeeds[seed] {
			s.Seeds.Added = append(s.Seeds.Added, seed)
		}
	}
	for seed := range c.baseSeeds {
		if !c.headSeeds[seed] {
			s.Seeds.Removed = append(s.Seeds.Removed, seed)
		}
	}
	changedSeeds := map[string]bool{}
	for _, g := range r.Groups {
		if g.Seed != "" && c.baseSeeds[g.Seed] && c.headSeeds[g.Seed] {
			changedSeeds[g.Seed] = true
		}
		if g.Scope != ScopeCluster {
			continue
		}
		ref := ClusterRef{Seed: g.Seed, Cluster: g.Cluster}
		switch g.Change {
		case Added:
			s.Clusters.Added = append(s.Clusters.Added, ref)
		case Removed:
			s.Clusters.Removed = append(s.Clusters.Removed, ref)
		default:
			s.Clusters.Changed = append(s.Clusters.Changed, ref)
		}
	}
	for seed := range changedSeeds {
		s.Seeds.Changed = append(s.Seeds.Changed, seed)
	}
	slices.Sort(s.Seeds.Added)
	slices.Sort(s.Seeds.Removed)
	slices.Sort(s.Seeds.Changed)
	for _, l := range [][]ClusterRef{s.Clusters.Added, s.Clusters.Removed, s.Clusters.Changed} {
		slices.SortFunc(l, compareRefs)
	}
	removedOn := make(map[string][]string)
	for _, ref := range s.Clusters.Removed {
		removedOn[ref.Cluster] = append(removedOn[ref.Cluster], ref.Seed)
	}
	for _, ref := range s.Clusters.Added {
		if from := removedOn[ref.Cluster]; len(from) == 1 {
			s.Clusters.Moved = append(s.Clusters.Moved, Move{Cluster: ref.Cluster, From: from[0], To: ref.Seed})
		}
	}
	s.Versions = c.versions()
	r.Warnings = c.warnings(r)
	return r
}

func compareRefs(a, b ClusterRef) int {
	return cmp.Or(cmp.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Seed, b.Seed))
}

var scopeOrder = map[Scope]int{ScopeMaster: 0, ScopeSeed: 1, ScopeCluster: 2}

func compareGroups(a, b Group) int {
	if a.Scope == ScopeMaster || b.Scope == ScopeMaster {
		return cmp.Compare(scopeOrder[a.Scope], scopeOrder[b.Scope])
	}
	return cmp.Or(cmp.Compare(a.Seed, b.Seed), cmp.Compare(scopeOrder[a.Scope], scopeOrder[b.Scope]), cmp.Compare(a.Cluster, b.Cluster))
}

// parallel runs fn(i) for i in [0, n) on GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	w := min(runtime.GOMAXPROCS(0), n)
	if w <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range w {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
