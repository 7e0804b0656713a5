package renderer_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/diff"
	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/tree"
)

// exampleFiles is the example fleet's files, with edit applied to the
// file at name (old → new, which must occur), and extra files added.
func exampleFiles(t *testing.T, name, old, new string, extra ...source.File) []source.File {
	t.Helper()
	snap, err := source.Read(exampleDir, "")
	if err != nil {
		t.Fatal(err)
	}
	files := append([]source.File(nil), snap.Files...)
	for i, f := range files {
		if f.Path == name {
			if !strings.Contains(string(f.Data), old) {
				t.Fatalf("%s does not hold %q", name, old)
			}
			files[i].Data = []byte(strings.Replace(string(f.Data), old, new, 1))
		}
	}
	return append(files, extra...)
}

func loadFiles(t *testing.T, files []source.File) *model.Config {
	t.Helper()
	cfg, err := renderer.Load(files, catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func compileSkip(t *testing.T, cfg *model.Config, skip map[string]bool) *tree.Tree {
	t.Helper()
	out, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{Skip: skip})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const patchedUS = `package fleet

clusters: "payments-us": patches: [{
	target: {kind: "Deployment", name: "apiserver"}
	patch: """
		metadata:
		  annotations:
		    owner: payments
		"""
}]
`

// TestSkipGivesTheSameDiff: diff leaves out of both trees the clusters
// and the seeds' own folders that renderer.Same finds unchanged; the
// result must be the one of the whole trees, for a change to one cluster,
// to a seed (all its clusters change) and to nothing.
func TestSkipGivesTheSameDiff(t *testing.T) {
	patch := source.File{Path: "patches.cue", Data: []byte(patchedUS)}
	base := exampleFiles(t, "fleet.cue", "", "", patch)
	for _, tc := range []struct {
		name      string
		head      []source.File
		changed   []string // clusters that must not be skipped
		unchanged string   // a cluster that must be skipped
		seeds     []string // seeds whose own folders must be skipped
	}{
		{"one cluster", exampleFiles(t, "clusters/payments.cue", `labels: {env: "prod", team: "payments"}`, `labels: {env: "prod", team: "billing"}`, patch),
			[]string{"payments-prod"}, "payments-batch", []string{"ap-southeast"}},
		{"a seed", exampleFiles(t, "seeds/europe.cue", `location: "Frankfurt"`, `location: "Frankfurt am Main"`, patch),
			[]string{"payments-prod", "payments-staging"}, "payments-batch", []string{"ap-southeast"}},
		{"nothing", base, nil, "payments-prod", []string{"ap-southeast", "eu-central"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bc, hc := loadFiles(t, base), loadFiles(t, tc.head)
			same := renderer.Same(bc, hc, catalog.Default())
			dirOf := func(name string) string {
				for _, c := range hc.Clusters {
					if c.Name == name {
						return layout.Cluster(c.Resolved.Seed, c.Name)
					}
				}
				t.Fatalf("no cluster %s", name)
				return ""
			}
			for _, c := range tc.changed {
				if same[dirOf(c)] {
					t.Errorf("Same holds %s, which the change renders differently", c)
				}
			}
			if !same[dirOf(tc.unchanged)] {
				t.Errorf("Same misses %s, which the change does not touch", tc.unchanged)
			}
			if same[dirOf("payments-us")] {
				t.Error("Same holds payments-us, which a patch applies to")
			}
			for _, s := range []string{"ap-southeast", "eu-central", "us-east"} {
				want := slices.Contains(tc.seeds, s)
				if same[layout.Seed(s)] != want {
					t.Errorf("Same holds seed %s: %v, want %v (us-east: a patch applies to one of its clusters)", s, same[layout.Seed(s)], want)
				}
			}
			whole := diff.Compare(compileSkip(t, bc, nil), compileSkip(t, hc, nil))
			part := diff.Compare(compileSkip(t, bc, same), compileSkip(t, hc, same))
			w, _ := json.Marshal(whole)
			p, _ := json.Marshal(part)
			if string(w) != string(p) {
				t.Errorf("diff without the unchanged clusters differs from the whole diff:\nwhole: %s\npart:  %s", w, p)
			}
		})
	}
}

// TestSkipLeavesOutTheFoldersOnly: a skipped cluster has neither of its
// folders in the tree, its seed's Flux objects are still there, and the
// tree has no index (disk.Write refuses it).
func TestSkipLeavesOutTheFoldersOnly(t *testing.T) {
	cfg := loadExample(t)
	c := cfg.Clusters[0]
	skip := map[string]bool{layout.Cluster(c.Resolved.Seed, c.Name): true}
	whole, part := compileSkip(t, cfg, nil), compileSkip(t, cfg, skip)
	if part.Sealed() {
		t.Error("a tree compiled with Skip has an index")
	}
	var missing []string
	for _, p := range whole.Paths() {
		if _, ok := part.Get(p); ok || p == layout.IndexPath {
			continue
		}
		missing = append(missing, p)
		if !strings.HasPrefix(p, layout.Cluster(c.Resolved.Seed, c.Name)+"/") && !strings.HasPrefix(p, layout.UserCluster(c.Resolved.Seed, c.Name)+"/") {
			t.Errorf("%s is missing, outside the skipped cluster's folders", p)
		}
	}
	if len(missing) == 0 {
		t.Fatal("nothing was left out")
	}
	found := false
	for _, p := range part.Paths() {
		if strings.HasPrefix(p, layout.SeedFlux(c.Resolved.Seed)+"/") && strings.Contains(p, c.Name) {
			found = true
		}
	}
	if !found {
		t.Errorf("the seed's Flux objects for %s are gone", c.Name)
	}
}

// TestSkipLeavesOutTheSeedsFolders: a skipped seed has none of its own
// folders in the tree, and its clusters' folders are still there.
func TestSkipLeavesOutTheSeedsFolders(t *testing.T) {
	cfg := loadExample(t)
	c := cfg.Clusters[0]
	seed := c.Resolved.Seed
	whole, part := compileSkip(t, cfg, nil), compileSkip(t, cfg, map[string]bool{layout.Seed(seed): true})
	clusters := []string{}
	for _, x := range cfg.ClustersOfSeed(seed) {
		clusters = append(clusters, layout.Cluster(seed, x.Name)+"/", layout.UserCluster(seed, x.Name)+"/")
	}
	inCluster := func(p string) bool {
		return slices.ContainsFunc(clusters, func(d string) bool { return strings.HasPrefix(p, d) })
	}
	left := 0
	for _, p := range whole.Paths() {
		_, ok := part.Get(p)
		switch {
		case p == layout.IndexPath:
		case inCluster(p) && !ok:
			t.Errorf("%s, a cluster's file, is missing", p)
		case !inCluster(p) && strings.HasPrefix(p, layout.Seed(seed)+"/"):
			if ok {
				t.Errorf("%s, the skipped seed's own file, is there", p)
			}
			left++
		case !ok:
			t.Errorf("%s is missing, outside the skipped seed's folders", p)
		}
	}
	if left == 0 {
		t.Fatal("nothing was left out")
	}
}
