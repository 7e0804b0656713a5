package renderer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"runtime"
	"slices"
	"sync"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/controlplane"
	"github.com/fleetc/fleetc/renderer/flux"
	"github.com/fleetc/fleetc/renderer/master"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/tree"
)

// Options tune Compile. The zero value renders the whole fleet.
type Options struct {
	// Seeds, when not empty, limits the seeds rendered (master/ is always
	// rendered). Unknown names are an error.
	Seeds []string
	// Workers bounds the clusters compiled at once; 0 means GOMAXPROCS.
	Workers int
}

// Folders of the rendered tree.
const (
	MasterDir = "master"
	SeedsDir  = "seeds"
)

// SeedDir is the folder of a seed in the rendered tree.
func SeedDir(seed string) string { return path.Join(SeedsDir, seed) }

// ClusterDir is the folder of a customer cluster in the rendered tree.
func ClusterDir(seed, cluster string) string {
	return path.Join(SeedsDir, seed, "clusters", cluster)
}

// Compile renders a validated config into the rendered tree, index
// included. It is pure and deterministic: the same config gives the same
// bytes whatever Options.Workers is.
func Compile(cfg *model.Config, cat *catalog.Catalog, opts Options) (*tree.Tree, error) {
	seeds, err := selectSeeds(cfg, opts.Seeds)
	if err != nil {
		return nil, err
	}
	ix := model.NewIndex(cfg)
	t := tree.New()

	masterObjs, err := master.Objects(master.Input{Config: cfg, Images: cat.Images(cat.Default(), cfg.Master.Registry)})
	if err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	if err := addFolder(t, MasterDir, masterObjs, nil); err != nil {
		return nil, err
	}

	var jobs []*model.Cluster
	for _, s := range seeds {
		clusters := cfg.ClustersOfSeed(s.Name)
		fluxObjs, err := flux.Objects(flux.Input{Master: &cfg.Master, Seed: s, Clusters: clusters})
		if err != nil {
			return nil, fmt.Errorf("seed %s: flux: %w", s.Name, err)
		}
		if err := addFolder(t, path.Join(SeedDir(s.Name), "flux"), fluxObjs, nil); err != nil {
			return nil, err
		}
		if err := t.Add(path.Join(SeedDir(s.Name), "kustomization.yaml"), tree.Kustomization([]string{"flux"})); err != nil {
			return nil, err
		}
		jobs = append(jobs, clusters...)
	}

	trees, err := compileClusters(cfg, ix, cat, jobs, opts.Workers)
	if err != nil {
		return nil, err
	}
	for _, ct := range trees {
		if err := t.Merge(ct); err != nil {
			return nil, err
		}
	}
	if err := t.WithIndex("fleetc "+Version, InputDigest(cfg, cat)); err != nil {
		return nil, err
	}
	return t, nil
}

func selectSeeds(cfg *model.Config, names []string) ([]*model.Seed, error) {
	var out []*model.Seed
	for i := range cfg.Seeds {
		s := &cfg.Seeds[i]
		if len(names) == 0 || slices.Contains(names, s.Name) {
			out = append(out, s)
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(out, func(s *model.Seed) bool { return s.Name == n }) {
			return nil, fmt.Errorf("--seed %s: no such seed in the config", n)
		}
	}
	return out, nil
}

// compileClusters renders each cluster's folder on a bounded pool of
// workers; results are returned in the order of clusters.
func compileClusters(cfg *model.Config, ix *model.Index, cat *catalog.Catalog, clusters []*model.Cluster, workers int) ([]*tree.Tree, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	out := make([]*tree.Tree, len(clusters))
	errs := make([]error, len(clusters))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(workers, max(len(clusters), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = compileCluster(cfg, ix, cat, clusters[i])
			}
		}()
	}
	for i := range clusters {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func compileCluster(cfg *model.Config, ix *model.Index, cat *catalog.Catalog, c *model.Cluster) (*tree.Tree, error) {
	ver := catalog.Version{Version: c.Resolved.Version, Minor: c.Resolved.Minor}
	var keys []*model.SSHKey
	for _, name := range c.SSHKeys {
		keys = append(keys, ix.SSHKeys[name])
	}
	slices.SortFunc(keys, func(a, b *model.SSHKey) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	objs, err := controlplane.Objects(controlplane.Input{
		Cluster:    c,
		Seed:       ix.Seeds[c.Resolved.Seed],
		Datacenter: ix.Datacenters[c.Datacenter],
		Master:     &cfg.Master,
		Images:     cat.Images(ver, cfg.Master.Registry),
		SSHKeys:    keys,
	})
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	t := tree.New()
	if err := addFolder(t, ClusterDir(c.Resolved.Seed, c.Name), objs, nil); err != nil {
		return nil, err
	}
	return t, nil
}

// addFolder writes objs one per file into dir, with a kustomization.yaml
// listing them (and the extra sub-folders).
func addFolder(t *tree.Tree, dir string, objs []object.Object, extra []string) error {
	object.Sort(objs)
	resources := slices.Clone(extra)
	for _, o := range objs {
		data, err := tree.EncodeYAML(o)
		if err != nil {
			return fmt.Errorf("%s: encoding %s %s: %w", dir, object.Kind(o), o.GetName(), err)
		}
		name := tree.FileName(object.Kind(o), o.GetName())
		if err := t.Add(path.Join(dir, name), data); err != nil {
			return err
		}
		resources = append(resources, name)
	}
	return t.Add(path.Join(dir, "kustomization.yaml"), tree.Kustomization(resources))
}

// InputDigest identifies everything a render depends on: the output format
// version, the catalog, and every config file's content and path.
func InputDigest(cfg *model.Config, cat *catalog.Catalog) string {
	h := sha256.New()
	fmt.Fprintf(h, "fleetc %s\ncatalog %s\n", Version, cat.Digest())
	for _, f := range cfg.Files {
		fmt.Fprintf(h, "%s %s\n", f.SHA256, f.Path)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
