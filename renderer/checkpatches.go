package renderer

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/controlplane"
	"github.com/fleetc/fleetc/renderer/model"
)

// CheckPatches runs every patch of a validated config on the objects of
// the clusters it applies to, without encoding anything, and reports what
// Compile would report about them (a patch that fails, leaves its
// cluster, or matches nothing in its scope) at the patch's position. It
// is how `validate` knows everything that `render` can reject. Clusters
// without patches are not built.
func CheckPatches(cfg *model.Config, cat *catalog.Catalog, workers int) error {
	ix := model.NewIndex(cfg)
	var clusters []*model.Cluster
	for i := range cfg.Clusters {
		c := &cfg.Clusters[i]
		if len(clusterPatches(cfg, ix.Seeds[c.Resolved.Seed], c)) > 0 {
			clusters = append(clusters, c)
		}
	}
	if len(clusters) == 0 {
		return nil
	}
	results := make([]clusterResult, len(clusters))
	errs := make([]error, len(clusters))
	var next atomic.Int64
	var wg sync.WaitGroup
	if workers <= 0 {
		workers = 1
	}
	for range min(workers, len(clusters)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(clusters); i = int(next.Add(1) - 1) {
				results[i], errs[i] = patchCluster(cfg, ix, cat, clusters[i])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return patchProblems(cfg, clusters, results)
}

// patchCluster builds a cluster's objects and applies its patches.
func patchCluster(cfg *model.Config, ix *model.Index, cat *catalog.Catalog, c *model.Cluster) (clusterResult, error) {
	objs, err := controlplane.Objects(clusterInput(cfg, ix, cat, c))
	if err != nil {
		return clusterResult{}, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	r := clusterResult{patches: clusterPatches(cfg, ix.Seeds[c.Resolved.Seed], c)}
	_, r.matched, r.problems = applyPatches(objs, r.patches)
	return r, nil
}
