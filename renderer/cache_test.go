package renderer_test

import (
	"crypto/sha256"
	"path"
	"sync"
	"testing"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer"
)

// mapCache is an in-memory renderer.Cache that counts its use.
type mapCache struct {
	mu           sync.Mutex
	m            map[string]renderer.Entry
	hits, misses int
}

func (c *mapCache) Get(k string) (renderer.Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if ok {
		c.hits++
	} else {
		c.misses++
	}
	return e, ok
}

func (c *mapCache) Put(k string, e renderer.Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]renderer.Entry{}
	}
	c.m[k] = e
}

// TestCache: a render from the cache is byte-identical to a fresh one, and
// a change to one cluster compiles that cluster only.
func TestCache(t *testing.T) {
	want := renderExample(t)
	cache := &mapCache{}
	cfg := loadExample(t)
	first, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	assertSameTree(t, want, first)
	// Every cluster's folder, and the CRDs (they depend on the binary alone).
	if cache.hits != 0 || cache.misses != len(cfg.Clusters)+1 {
		t.Fatalf("first render: %d hits, %d misses", cache.hits, cache.misses)
	}
	second, err := renderer.Compile(loadExample(t), catalog.Default(), renderer.Options{Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	assertSameTree(t, want, second)
	if cache.hits != len(cfg.Clusters)+1 {
		t.Fatalf("second render: %d hits, want %d", cache.hits, len(cfg.Clusters)+1)
	}

	// One cluster changes: one miss; the rest comes from the cache.
	changed := loadExample(t)
	for i := range changed.Clusters {
		if changed.Clusters[i].Name == "payments-prod" {
			changed.Clusters[i].APIServer.Replicas = 5
		}
	}
	cache.hits, cache.misses = 0, 0
	got, err := renderer.Compile(changed, catalog.Default(), renderer.Options{Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if cache.misses != 1 || cache.hits != len(cfg.Clusters) {
		t.Fatalf("after one change: %d hits, %d misses", cache.hits, cache.misses)
	}
	fresh, err := renderer.Compile(changed, catalog.Default(), renderer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	assertSameTree(t, fresh, got)

	// A master setting every cluster depends on invalidates them all.
	cache.hits, cache.misses = 0, 0
	changed.Master.Domain = "kkp.other.example"
	if _, err := renderer.Compile(changed, catalog.Default(), renderer.Options{Cache: cache}); err != nil {
		t.Fatal(err)
	}
	if cache.hits != 1 { // the CRDs
		t.Fatalf("after a domain change: %d hits, want 1 (the CRDs only)", cache.hits)
	}
}

// TestCacheRejectsForeignEntries: an entry with files outside the
// cluster's folder is a miss, not trusted.
func TestCacheRejectsForeignEntries(t *testing.T) {
	cache := &mapCache{}
	cfg := loadExample(t)
	if _, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{Cache: cache}); err != nil {
		t.Fatal(err)
	}
	for k, e := range cache.m {
		evil := []byte("kind: Evil\n")
		e.Files = []renderer.CachedFile{{Path: "master/evil.yaml", Data: evil, Sum: sha256.Sum256(evil)}}
		cache.m[k] = e
	}
	got, err := renderer.Compile(loadExample(t), catalog.Default(), renderer.Options{Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	assertSameTree(t, renderExample(t), got)
}

// TestCacheRejectsBrokenEntries: an entry whose files are in the
// cluster's folder but could not form a tree (out of order, a file where
// another has a folder, an unclean path) is a miss: the render is a fresh
// one's, not an error.
func TestCacheRejectsBrokenEntries(t *testing.T) {
	for name, broken := range map[string]func(dir string) []string{
		"unsorted":         func(dir string) []string { return []string{dir + "/b.yaml", dir + "/a.yaml"} },
		"file over folder": func(dir string) []string { return []string{dir + "/a", dir + "/a/b.yaml"} },
		"unclean path":     func(dir string) []string { return []string{dir + "/x/../a.yaml"} },
	} {
		t.Run(name, func(t *testing.T) {
			cache := &mapCache{}
			if _, err := renderer.Compile(loadExample(t), catalog.Default(), renderer.Options{Cache: cache}); err != nil {
				t.Fatal(err)
			}
			for k, e := range cache.m {
				if len(e.Files) == 0 {
					continue
				}
				dir := path.Dir(e.Files[0].Path)
				e.Files = nil
				for _, p := range broken(dir) {
					e.Files = append(e.Files, renderer.CachedFile{Path: p, Data: []byte("x"), Sum: sha256.Sum256([]byte("x"))})
				}
				cache.m[k] = e
			}
			got, err := renderer.Compile(loadExample(t), catalog.Default(), renderer.Options{Cache: cache})
			if err != nil {
				t.Fatal(err)
			}
			assertSameTree(t, renderExample(t), got)
		})
	}
}

// TestCacheKeyHasProject: a cluster's folder includes its customer-cluster
// folder, whose RBAC follows the project's members: a member change is a
// miss for the project's clusters, and the result is a fresh render's.
func TestCacheKeyHasProject(t *testing.T) {
	cache := &mapCache{}
	if _, err := renderer.Compile(loadExample(t), catalog.Default(), renderer.Options{Cache: cache}); err != nil {
		t.Fatal(err)
	}
	changed := loadExample(t)
	n := 0
	for i := range changed.Projects {
		if changed.Projects[i].Name == "payments" {
			changed.Projects[i].Viewers = nil
		}
	}
	for _, c := range changed.Clusters {
		if c.Project == "payments" {
			n++
		}
	}
	cache.hits, cache.misses = 0, 0
	got, err := renderer.Compile(changed, catalog.Default(), renderer.Options{Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if cache.misses != n {
		t.Fatalf("after a member change: %d misses, want %d (the project's clusters)", cache.misses, n)
	}
	fresh, err := renderer.Compile(changed, catalog.Default(), renderer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	assertSameTree(t, fresh, got)
}
