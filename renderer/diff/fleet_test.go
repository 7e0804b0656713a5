package diff_test

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/diff"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/tree"
)

// fleetConfig generates a config of 3 seeds, one datacenter each, and n
// clusters spread over them, all at version.
func fleetConfig(n int, version string) []source.File {
	var b strings.Builder
	b.WriteString(`package fleet

master: {
	domain: "kkp.example.com"
	gitops: url: "https://git.example.com/fleet.git"
}
users: "ops@example.com": {name: "Ops", admin: true}
projects: shop: owners: ["ops@example.com"]
`)
	seeds := []string{"eu", "us", "ap"}
	for _, s := range seeds {
		fmt.Fprintf(&b, "seeds: %s: {location: %q, country: \"DE\", datacenters: \"dc-%s\": {location: \"x\", country: \"DE\", provider: bringyourown: {}}}\n", s, s, s)
	}
	for i := range n {
		fmt.Fprintf(&b, "clusters: \"shop-%03d\": {project: \"shop\", datacenter: \"dc-%s\", version: %q}\n", i, seeds[i%len(seeds)], version)
	}
	return []source.File{{Path: "fleet.cue", Data: []byte(b.String())}}
}

func renderFleet(t testing.TB, files []source.File) *tree.Tree {
	t.Helper()
	cfg, err := renderer.Load(files, catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	out, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestVersionBump300 bumps every cluster of a 300-cluster fleet from 1.34
// to 1.35: the comment fits GitHub's limit, summary first and intact.
func TestVersionBump300(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 600 clusters")
	}
	base := renderFleet(t, fleetConfig(300, "1.34"))
	head := renderFleet(t, fleetConfig(300, "1.35"))
	start := time.Now()
	r := diff.Compare(base, head)
	t.Logf("compared %d and %d files in %v", base.Len(), head.Len(), time.Since(start))
	r.Base, r.Head = "main", "bump"
	if got := len(r.Summary.Clusters.Changed); got != 300 {
		t.Fatalf("clusters changed = %d, want 300", got)
	}
	if got := len(r.Summary.Seeds.Changed); got != 3 {
		t.Errorf("seeds changed = %d, want 3", got)
	}
	md := diff.Markdown(r, diff.MarkdownOptions{Command: "fleetc diff main"})
	if len(md) > diff.MaxComment {
		t.Fatalf("markdown is %d bytes, over %d", len(md), diff.MaxComment)
	}
	for _, want := range []string{
		diff.Marker + "\n### fleetc diff",
		"| Clusters | 0 | 0 | 300 |",
		"| Deployment | 0 | 0 | 900 |",
		"**rollout** `Deployment apiserver`",
		"300 clusters changed</b> identically",
		"`spec.template.spec.containers[apiserver].image`: `registry.k8s.io/kube-apiserver:v1.34.11` → `registry.k8s.io/kube-apiserver:v1.35.8`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// Summary first: the tables come before warnings and changes.
	if s, w := strings.Index(md, "| Clusters |"), strings.Index(md, "Warnings"); s < 0 || w < s {
		t.Errorf("summary not first")
	}
	if t.Failed() || testing.Verbose() {
		t.Log(md)
	}

	// Without collapsing (each cluster's change different), the comment
	// is cut to the limit, the summary kept.
	small := diff.Markdown(r, diff.MarkdownOptions{MaxLen: 8000})
	if len(small) > 8000 || !strings.Contains(small, "| Clusters | 0 | 0 | 300 |") || !strings.Contains(small, "Shortened") {
		t.Errorf("shortened markdown (%d bytes) lacks the summary or the note:\n%s", len(small), small)
	}
}

// mapTree is a rendered tree in a map.
type mapTree map[string][]byte

func (m mapTree) Paths() []string { return slices.Sorted(maps.Keys(m)) }
func (m mapTree) Get(p string) ([]byte, bool) {
	b, ok := m[p]
	return b, ok
}

// BenchmarkCompare diffs a version bump of every cluster of fleets of
// 100 and 1,000 clusters, the trees made by copying one rendered cluster
// (the render itself is not measured).
func BenchmarkCompare(b *testing.B) {
	base := renderFleet(b, fleetConfig(1, "1.34"))
	head := renderFleet(b, fleetConfig(1, "1.35"))
	const dir = "seeds/eu/clusters/shop-000/"
	fleet := func(t *tree.Tree, n int) mapTree {
		m := mapTree{}
		for _, p := range t.Paths() {
			data, _ := t.Get(p)
			if !strings.HasPrefix(p, dir) {
				m[p] = data
				continue
			}
			for i := range n {
				name := fmt.Sprintf("shop-%05d", i)
				m[strings.Replace(p, "shop-000", name, 1)] = bytes.ReplaceAll(data, []byte("shop-000"), []byte(name))
			}
		}
		return m
	}
	for _, n := range []int{100, 1000} {
		bt, ht := fleet(base, n), fleet(head, n)
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			for b.Loop() {
				r := diff.Compare(bt, ht)
				if len(r.Summary.Clusters.Changed) != n {
					b.Fatalf("%d clusters changed", len(r.Summary.Clusters.Changed))
				}
				_ = diff.Markdown(r, diff.MarkdownOptions{})
			}
			b.ReportMetric(float64(len(bt)), "files")
		})
	}
}
