package renderer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/patch"
	"github.com/fleetc/fleetc/renderer/tree"
)

// Cache keeps rendered cluster folders, keyed by the digest of everything
// a cluster's folder depends on (ClusterKey). Implementations must be safe
// for concurrent use, and must never return files they cannot vouch for: a
// damaged entry is a miss. The renderer stays pure: the CLI passes a cache
// backed by disk (internal/rendercache), tests pass maps or nothing.
//
// The key covers the inputs, not the code that renders them: a Cache that
// outlives the process must also key its entries by that code, or a
// changed fleetc would read an older one's output (internal/rendercache
// adds the sha256 of the running executable).
type Cache interface {
	Get(key string) (Entry, bool)
	Put(key string, e Entry)
}

// Entry is one cached cluster folder.
type Entry struct {
	// Files of the folder, sorted by path.
	Files []CachedFile
	// Matched says, per patch that applies to the cluster (in order),
	// whether it selected an object.
	Matched []bool
}

// CachedFile is a file of a cached folder with its sha256, which the
// rendered tree's index reuses as it is: like the data, a Cache returns
// it only if it can vouch for it (rendercache checks each entry's CRC).
// Path is relative to the tree root.
type CachedFile = tree.File

// clusterInputs is everything compileCluster reads, for the cache key.
// Positions are left out: they only matter for errors, and failed renders
// are never cached.
type clusterInputs struct {
	Format     string
	Catalog    string
	Cluster    *model.Cluster
	Resolved   model.Resolved
	Seed       *model.Seed
	Datacenter *model.Datacenter
	Master     *model.Master
	Project    *model.Project // the members' RBAC in the customer cluster
	Keys       []keyInput
	Patches    []patchInput
}

type keyInput struct {
	Key         *model.SSHKey
	Fingerprint string
}

type patchInput struct {
	Scope  patch.Scope
	Target model.PatchTarget
	Patch  string
}

// ClusterKey is the cache key of a cluster's folder: a sha256 over the
// output format version, the catalog and the cluster's inputs (the cluster
// with what was resolved for it, its seed and datacenter, the master
// settings, its SSH keys, and the patches that apply to it). Names, file
// paths and times play no part beyond what the inputs hold. The renderer's
// own code is not in it (see Cache).
func ClusterKey(cfg *model.Config, ix *model.Index, cat *catalog.Catalog, c *model.Cluster) string {
	in := clusterInputs{
		Format:     Version,
		Catalog:    cat.Digest(),
		Cluster:    c,
		Resolved:   c.Resolved,
		Seed:       ix.Seeds[c.Resolved.Seed],
		Datacenter: ix.Datacenters[c.Datacenter],
		Master:     &cfg.Master,
		Project:    ix.Projects[c.Project],
	}
	for _, k := range clusterKeys(ix, c) {
		in.Keys = append(in.Keys, keyInput{Key: k, Fingerprint: k.Fingerprint})
	}
	for _, p := range clusterPatches(cfg, in.Seed, c) {
		in.Patches = append(in.Patches, patchInput{Scope: p.Scope, Target: p.Target, Patch: p.Patch.Patch})
	}
	return digest(in)
}

// Same returns the folders that render the same in a and b, for
// Options.Skip: each cluster's, by its control plane's folder
// (layout.Cluster), when it has the same seed and name on both sides and
// the same ClusterKey, which covers everything its folders are compiled
// from; and each seed's own folders, by the seed's folder (layout.Seed),
// when its seedKey is the same on both sides: the seed, the master, and
// its clusters' names and keys, in order, all of them in Same. A cluster
// that any patch applies to is never in it, nor is its seed: whether a
// patch matches anything is judged over all the clusters it applies to.
func Same(a, b *model.Config, cat *catalog.Catalog) map[string]bool {
	var keysA, keysB map[string]string
	var wg sync.WaitGroup
	wg.Go(func() { keysA = FolderKeys(a, cat) })
	keysB = FolderKeys(b, cat)
	wg.Wait()
	same := make(map[string]bool)
	for dir, k := range keysA {
		if k != "" && keysB[dir] == k {
			same[dir] = true
		}
	}
	return same
}

// seedInputs is everything a seed's own folders are compiled from (its
// Flux objects, Kubermatic Cluster objects, nodeport-proxy and root)
// besides the catalog: the seed, the master settings, and its clusters,
// each by its folder and ClusterKey, which cover the cluster, its
// datacenter and its project.
type seedInputs struct {
	Format      string
	Catalog     string
	Name        string
	Seed        *model.Seed
	Datacenters []model.Datacenter
	Master      *model.Master
	Clusters    [][2]string // folder, ClusterKey
}

// FolderKeys maps each cluster's folder (layout.Cluster) to its
// ClusterKey, and each seed's folder (layout.Seed) to the digest of what
// its own folders are compiled from (seedInputs); "" when a patch applies
// to the cluster or, for a seed, to one of its clusters. Same compares
// them between two configs; check seals the folders of a cluster for its
// key (disk.Sealing).
func FolderKeys(cfg *model.Config, cat *catalog.Catalog) map[string]string {
	ix := model.NewIndex(cfg)
	out := make(map[string]string, len(cfg.Clusters)+len(cfg.Seeds))
	bySeed := make(map[string][][2]string, len(cfg.Seeds))
	patched := make(map[string]bool)
	// The clusters' keys (a JSON digest each), on every core; "" for a
	// patched cluster.
	keys := make([]string, len(cfg.Clusters))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(cfg.Clusters); i += workers {
				c := &cfg.Clusters[i]
				if s := ix.Seeds[c.Resolved.Seed]; s != nil && len(clusterPatches(cfg, s, c)) == 0 {
					keys[i] = ClusterKey(cfg, ix, cat, c)
				}
			}
		})
	}
	wg.Wait()
	for i := range cfg.Clusters {
		c := &cfg.Clusters[i]
		s := ix.Seeds[c.Resolved.Seed]
		if s == nil {
			continue
		}
		key := keys[i]
		if key == "" {
			patched[s.Name] = true
		}
		dir := layout.Cluster(c.Resolved.Seed, c.Name)
		out[dir] = key
		bySeed[s.Name] = append(bySeed[s.Name], [2]string{dir, key})
	}
	for i := range cfg.Seeds {
		s := &cfg.Seeds[i]
		if patched[s.Name] {
			out[layout.Seed(s.Name)] = ""
			continue
		}
		clusters := bySeed[s.Name]
		slices.SortFunc(clusters, func(x, y [2]string) int { return strings.Compare(x[0], y[0]) })
		out[layout.Seed(s.Name)] = digest(seedInputs{
			Format: Version, Catalog: cat.Digest(), Name: s.Name, Seed: s,
			Datacenters: s.Datacenters, Master: &cfg.Master, Clusters: clusters,
		})
	}
	return out
}

// digest is the hex sha256 of v's JSON.
func digest(v any) string {
	h := sha256.New()
	if err := json.NewEncoder(h).Encode(v); err != nil {
		// Every field is a plain value: this cannot fail.
		panic("renderer: cache key: " + err.Error())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fromCache rebuilds a cluster result from a cache entry: its files,
// checked here (on the compiling goroutine) for tree.AddFiles. An entry that does
// not fit the cluster (files outside its two folders, dir and ucDir, a
// different number of patches) is a miss.
func fromCache(e Entry, dir, ucDir string, patches []patch.Patch) (clusterResult, bool) {
	if len(e.Matched) != len(patches) || len(e.Files) == 0 {
		return clusterResult{}, false
	}
	for _, f := range e.Files {
		if !(strings.HasPrefix(f.Path, dir+"/") || strings.HasPrefix(f.Path, ucDir+"/")) {
			return clusterResult{}, false
		}
	}
	files, err := tree.CheckFiles(e.Files)
	if err != nil {
		return clusterResult{}, false
	}
	return clusterResult{files: files, patches: patches, matched: e.Matched}, true
}

// toCache makes the cache entry of a successful cluster result.
func toCache(r clusterResult) Entry {
	e := Entry{Files: make([]CachedFile, 0, r.tree.Len()), Matched: r.matched}
	for _, p := range r.tree.Paths() {
		data, _ := r.tree.Get(p)
		sum, _ := r.tree.Sum(p) // kept by the tree too: its index needs it
		e.Files = append(e.Files, CachedFile{Path: p, Data: data, Sum: sum})
	}
	return e
}
