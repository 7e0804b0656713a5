package fleetgen_test

import (
	"bytes"
	"maps"
	"path"
	"strconv"
	"strings"
	"testing"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/internal/fleetgen"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
)

func sources(files map[string][]byte) []source.File {
	var out []source.File
	for _, p := range fleetgen.Paths(files) {
		out = append(out, source.File{Path: p, Data: files[p]})
	}
	return out
}

func TestGenerateLoads(t *testing.T) {
	sizes := []int{1, 2, 100, 1000}
	if testing.Short() {
		sizes = []int{1, 2, 100}
	}
	for _, n := range sizes {
		t.Run("n="+strconv.Itoa(n), func(t *testing.T) {
			files := fleetgen.Generate(n, 1)
			cfg, err := renderer.Load(sources(files), catalog.Default())
			if err != nil {
				t.Fatalf("generated fleet rejected:\n%v", err)
			}
			want := fleetgen.ShapeOf(n)
			dcs := 0
			for _, s := range cfg.Seeds {
				dcs += len(s.Datacenters)
			}
			got := fleetgen.Shape{Clusters: len(cfg.Clusters), Seeds: len(cfg.Seeds), Datacenters: dcs,
				Projects: len(cfg.Projects), Users: len(cfg.Users), SSHKeys: len(cfg.SSHKeys)}
			if got != want {
				t.Errorf("shape: got %+v, want %+v", got, want)
			}
			if n >= 100 {
				checkVariety(t, cfg)
			}
		})
	}
}

// checkVariety checks that a fleet of 100 clusters or more exercises every
// feature the brief asks for.
func checkVariety(t *testing.T, cfg *model.Config) {
	t.Helper()
	expose, provider, version, minor := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	tunnel := map[string]bool{}
	var paused, noMonitoring, nodePorts, patches, keys int
	for _, s := range cfg.Seeds {
		expose[s.Expose] = true
		for _, d := range s.Datacenters {
			provider[d.Provider.Name()] = true
		}
	}
	for _, c := range cfg.Clusters {
		version[c.Resolved.Version] = true
		if strings.Count(c.Version, ".") == 1 {
			minor[c.Version] = true
		}
		tunnel[c.Tunnel] = true
		if c.Paused {
			paused++
		}
		if !c.Monitoring {
			noMonitoring++
		}
		if c.APIServer.NodePort != nil {
			nodePorts++
		}
		patches += len(c.Patches)
		keys += len(c.SSHKeys)
	}
	cat := catalog.Default()
	if len(expose) != 3 || len(provider) != 8 || len(tunnel) != 2 {
		t.Errorf("expose %v, providers %v, tunnels %v: want 3, 8, 2", expose, provider, tunnel)
	}
	if len(version) != len(cat.Versions()) || len(minor) != len(cat.Minors()) {
		t.Errorf("%d versions and %d minors used, the catalog has %d and %d", len(version), len(minor), len(cat.Versions()), len(cat.Minors()))
	}
	if paused == 0 || noMonitoring == 0 || nodePorts == 0 || patches == 0 || keys == 0 {
		t.Errorf("paused %d, monitoring off %d, explicit nodePorts %d, patches %d, cluster keys %d: want some of each", paused, noMonitoring, nodePorts, patches, keys)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := fleetgen.Generate(300, 7), fleetgen.Generate(300, 7)
	if !maps.EqualFunc(a, b, bytes.Equal) {
		t.Fatal("same n and seed gave different files")
	}
	c := fleetgen.Generate(300, 8)
	if maps.EqualFunc(a, c, bytes.Equal) {
		t.Fatal("another seed gave the same files (the SSH keys should differ)")
	}
}

func TestGenerateLayout(t *testing.T) {
	files := fleetgen.Generate(100, 1)
	shape := fleetgen.ShapeOf(100)
	count := map[string]int{}
	for p := range files {
		switch dir := path.Dir(p); {
		case dir == ".":
			count[p]++
		case strings.HasPrefix(dir, "clusters/"):
			count["clusters"]++
		default:
			count[dir]++
		}
	}
	want := map[string]int{"fleet.cue": 1, "users.cue": 1, "projects": shape.Projects, "seeds": shape.Seeds, "clusters": 100}
	if !maps.Equal(count, want) {
		t.Errorf("layout: got %v, want %v", count, want)
	}
}

func TestCommit(t *testing.T) {
	files := fleetgen.Generate(20, 1)
	hash := func() string {
		dir := t.TempDir()
		if err := fleetgen.WriteDir(dir, files); err != nil {
			t.Fatal(err)
		}
		h, err := fleetgen.Commit(dir, "generated fleet")
		if err != nil {
			t.Fatal(err)
		}
		snap, err := source.Read(dir, "HEAD")
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Files) != len(files) {
			t.Fatalf("commit holds %d config files, want %d", len(snap.Files), len(files))
		}
		for _, f := range snap.Files {
			if !bytes.Equal(f.Data, files[f.Path]) {
				t.Fatalf("%s differs in the commit", f.Path)
			}
		}
		return h.String()
	}
	if a, b := hash(), hash(); a != b {
		t.Errorf("commit ids differ: %s, %s", a, b)
	}
}
