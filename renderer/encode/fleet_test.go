package encode_test

// Differential test of Document and Marshal on real objects: every object
// that the renderers build for the example fleet and a generated one
// (patches applied) encodes to the same bytes as with sigs.k8s.io/yaml,
// and the emitter writes every one of them itself.

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/internal/fleetgen"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/controlplane"
	"github.com/fleetc/fleetc/renderer/encode"
	"github.com/fleetc/fleetc/renderer/flux"
	"github.com/fleetc/fleetc/renderer/master"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/patch"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

func TestFleetExample(t *testing.T) {
	snap, err := source.Read("../../fixtures/example", "")
	if err != nil {
		t.Fatal(err)
	}
	checkFleet(t, snap.Files, 100)
}

func TestFleetGenerated(t *testing.T) {
	n := 100
	if testing.Short() {
		n = 10
	}
	files := fleetgen.Generate(n, 1)
	var srcs []source.File
	for _, p := range fleetgen.Paths(files) {
		srcs = append(srcs, source.File{Path: p, Data: files[p]})
	}
	checkFleet(t, srcs, 5*n)
}

// checkFleet compares the two paths on every object of the fleet; it
// expects at least min objects.
func checkFleet(t *testing.T, files []source.File, min int) {
	t.Helper()
	cfg, err := renderer.Load(files, catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	objs := fleetObjects(t, cfg, catalog.Default())
	if len(objs) < min {
		t.Fatalf("only %d objects", len(objs))
	}
	kinds := map[string]int{}
	var library, unwalked []string
	for i, o := range objs {
		what := fmt.Sprintf("object %d (%s %s/%s)", i, object.Kind(o), o.GetNamespace(), o.GetName())
		kinds[object.Kind(o)]++
		// The walker (Document, Marshal) against the JSON path.
		for _, document := range []bool{true, false} {
			got, gerr := encode.Document(o)
			if !document {
				got, gerr = encode.Marshal(o)
			}
			want, werr := encode.ViaJSON(o, document)
			if !bytes.Equal(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Fatalf("%s (document %v): the walker differs from the JSON path\ngot (%v):\n%s\nwant (%v):\n%s", what, document, gerr, got, werr, want)
			}
			if !encode.Walked(o, document) && !slices.Contains(unwalked, what) {
				unwalked = append(unwalked, what)
			}
		}
		got, gerr := encode.Document(o)
		want, path, werr := encode.ViaLibrary(o, true)
		if path != "own" {
			library = append(library, what)
		}
		if !bytes.Equal(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("%s: Document differs from sigs.k8s.io/yaml\ngot (%v):\n%s\nwant (%v):\n%s", what, gerr, got, werr, want)
		}
		got, gerr = encode.Marshal(o)
		want, path, werr = encode.ViaLibrary(o, false)
		if path != "own" && !slices.Contains(library, what) {
			library = append(library, what)
		}
		if !bytes.Equal(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("%s: Marshal differs from sigs.k8s.io/yaml\ngot (%v):\n%s\nwant (%v):\n%s", what, gerr, got, werr, want)
		}
	}
	// Only the rare object with long quoted text (an admission policy's
	// message, the vendored CRDs' descriptions) may go to the library.
	var ours []string
	for _, w := range library {
		if !strings.Contains(w, "(CustomResourceDefinition ") {
			ours = append(ours, w)
		}
	}
	if len(ours) > len(objs)/100+2 {
		t.Errorf("%d of %d objects written by the library: %v", len(library), len(objs), library)
	}
	// The walker leaves to the JSON path only the objects written by the
	// library (which needs the JSON text), and CRDs (whose schemas hold
	// floats: minimum, maximum).
	var extra []string
	for _, w := range unwalked {
		if !slices.Contains(library, w) && !strings.Contains(w, "(CustomResourceDefinition ") {
			extra = append(extra, w)
		}
	}
	if len(extra) > 0 {
		t.Errorf("%d of %d objects not walked (%d by the library); not by the library: %v", len(unwalked), len(objs), len(library), extra)
	}
	t.Logf("%d objects: %v; by the library: %v; not walked: %d", len(objs), kinds, library, len(unwalked))
}

// fleetObjects returns every object that renderer.Compile encodes for
// cfg, as it builds them (compile.go): the master's, each seed's Flux
// objects, the user-cluster objects, and each cluster's control plane with
// its patches applied.
func fleetObjects(t *testing.T, cfg *model.Config, cat *catalog.Catalog) []object.Object {
	t.Helper()
	ix := model.NewIndex(cfg)
	objs, err := master.Objects(master.Input{Config: cfg, Images: cat.Images(cat.Default(), cfg.Master.Registry)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Seeds {
		s := &cfg.Seeds[i]
		clusters := cfg.ClustersOfSeed(s.Name)
		fo, err := flux.Objects(flux.Input{Master: &cfg.Master, Seed: s, Clusters: clusters})
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, fo...)
		for _, c := range clusters {
			uc, err := usercluster.Objects(usercluster.Input{
				Cluster: c, Seed: s, Datacenter: ix.Datacenters[c.Datacenter], Master: &cfg.Master,
				Project: ix.Projects[c.Project],
				Images:  cat.Images(catalog.Version{Version: c.Resolved.Version, Minor: c.Resolved.Minor}, cfg.Master.Registry),
			})
			if err != nil {
				t.Fatal(err)
			}
			objs = append(objs, uc...)
			objs = append(objs, clusterObjects(t, cfg, ix, cat, c)...)
		}
	}
	return objs
}

func clusterObjects(t *testing.T, cfg *model.Config, ix *model.Index, cat *catalog.Catalog, c *model.Cluster) []object.Object {
	t.Helper()
	var keys []*model.SSHKey
	for _, name := range c.SSHKeys {
		keys = append(keys, ix.SSHKeys[name])
	}
	slices.SortFunc(keys, func(a, b *model.SSHKey) int { return strings.Compare(a.Name, b.Name) })
	objs, err := controlplane.Objects(controlplane.Input{
		Cluster:    c,
		Seed:       ix.Seeds[c.Resolved.Seed],
		Datacenter: ix.Datacenters[c.Datacenter],
		Master:     &cfg.Master,
		Images:     cat.Images(catalog.Version{Version: c.Resolved.Version, Minor: c.Resolved.Minor}, cfg.Master.Registry),
		SSHKeys:    keys,
	})
	if err != nil {
		t.Fatal(err)
	}
	var ps []patch.Patch
	for _, group := range []struct {
		scope   patch.Scope
		patches []model.Patch
	}{{patch.ScopeFleet, cfg.Patches}, {patch.ScopeSeed, ix.Seeds[c.Resolved.Seed].Patches}, {patch.ScopeCluster, c.Patches}} {
		for _, p := range group.patches {
			ps = append(ps, patch.Patch{Patch: p, Scope: group.scope})
		}
	}
	if len(ps) > 0 {
		// Patched objects come back from kustomize re-decoded: more
		// variety (empty values dropped, fields set by the patches).
		patched, _, _ := patch.Apply(slices.Clone(objs), ps)
		objs = append(objs, patched...)
	}
	return objs
}

// BenchmarkObjects encodes the objects of a generated fleet of 10
// clusters, with Document, with its JSON path alone (encoding/json, the
// parser, the emitter) and with sigs.k8s.io/yaml.
func BenchmarkObjects(b *testing.B) {
	files := fleetgen.Generate(10, 1)
	var srcs []source.File
	for _, p := range fleetgen.Paths(files) {
		srcs = append(srcs, source.File{Path: p, Data: files[p]})
	}
	cfg, err := renderer.Load(srcs, catalog.Default())
	if err != nil {
		b.Fatal(err)
	}
	t := &testing.T{}
	objs := fleetObjects(t, cfg, catalog.Default())
	for _, path := range []struct {
		name string
		enc  func(any) ([]byte, error)
	}{{"own", encode.Document}, {"json", func(o any) ([]byte, error) {
		return encode.ViaJSON(o, true) // the path without the walker
	}}, {"library", func(o any) ([]byte, error) {
		out, _, err := encode.ViaLibrary(o, true)
		return out, err
	}}} {
		b.Run(path.name, func(b *testing.B) {
			b.ReportAllocs()
			runtime.GC()
			cpu := cpuTime()
			for b.Loop() {
				for _, o := range objs {
					if _, err := path.enc(o); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(objs)), "ns/object")
			// CPU time, with the garbage collector's: what a render of
			// many clusters pays, and steadier than the wall clock on a
			// busy machine.
			if cpu >= 0 {
				b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N*len(objs)), "cpu-ns/object")
			}
		})
	}
}
