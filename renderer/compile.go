package renderer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/controlplane"
	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/encode"
	"github.com/fleetc/fleetc/renderer/flux"
	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/master"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/patch"
	"github.com/fleetc/fleetc/renderer/tree"
	"github.com/fleetc/fleetc/renderer/usercluster"
	kubermaticcrds "github.com/fleetc/fleetc/third_party/kubermatic-crds"
)

// Options tune Compile. The zero value renders the whole fleet.
type Options struct {
	// Seeds, when not empty, limits the seeds rendered (master/ is always
	// rendered). Unknown names are an error.
	Seeds []string
	// Workers bounds the clusters compiled at once; 0 means GOMAXPROCS.
	Workers int
	// Cache, when set, keeps cluster folders between renders: a cluster
	// whose inputs did not change is not compiled again.
	Cache Cache
	// Progress, when set, is called after each cluster with the number of
	// clusters done and the total, from the compiling goroutines.
	Progress func(done, total int)
	// Skip leaves out the folders of these clusters (by their control
	// plane's folder, layout.Cluster) and these seeds' own folders (by the
	// seed's folder, layout.Seed: its root, flux/, kubermatic/ and
	// nodeport-proxy/, not its clusters'): diff renders two revisions
	// without what renders the same in both (Same). Everything else (the
	// master's folder, the other seeds' folders, whose Flux objects still
	// name every cluster) is rendered as usual. A tree compiled with Skip
	// is not a render: it has no index, so that disk.Write refuses it.
	Skip map[string]bool
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

	var jobs []*model.Cluster
	bySeed := make([][]*model.Cluster, len(seeds))
	for i, s := range seeds {
		bySeed[i] = cfg.ClustersOfSeed(s.Name)
		for _, c := range bySeed[i] {
			if !opts.Skip[layout.Cluster(c.Resolved.Seed, c.Name)] {
				jobs = append(jobs, c)
			}
		}
	}
	// The master's and the seeds' own folders are built into a tree of
	// their own while the control planes compile.
	shared := tree.New()
	var sharedErr error
	sharedDone := make(chan struct{})
	go func() {
		defer close(sharedDone)
		sharedErr = addShared(shared, cfg, ix, cat, seeds, bySeed, opts)
	}()
	results, cerr, merr := compileInto(t, cfg, ix, cat, jobs, opts)
	<-sharedDone
	if sharedErr != nil {
		return nil, sharedErr
	}
	if cerr != nil {
		return nil, cerr
	}
	if err := patchProblems(cfg, jobs, results); err != nil {
		return nil, err
	}
	if merr != nil {
		return nil, merr
	}
	if err := t.Merge(shared); err != nil {
		return nil, err
	}
	if len(opts.Skip) > 0 {
		return t, nil
	}
	if err := WithIndexOf(t, cfg, cat, nil); err != nil {
		return nil, err
	}
	return t, nil
}

// WithIndexOf adds its index to t, a tree of cfg compiled with
// Options.Skip, listing with t's files the others, known by their sha256
// (the skipped clusters' files, sorted by path): the index of the whole
// render, as Compile writes it when nothing is skipped.
func WithIndexOf(t *tree.Tree, cfg *model.Config, cat *catalog.Catalog, others []tree.File) error {
	return t.WithIndexOf("fleetc "+Version, InputDigest(cfg, cat), others)
}

// compileInto compiles the clusters on every core and merges each one into
// t as soon as it and those before it are done: in job order, so that the
// tree and any error are the same every run. It returns the results (their
// trees merged and dropped), the first cluster's error (cerr) and the
// first merge error (merr).
func compileInto(t *tree.Tree, cfg *model.Config, ix *model.Index, cat *catalog.Catalog, jobs []*model.Cluster, opts Options) (results []clusterResult, cerr, merr error) {
	results = make([]clusterResult, len(jobs))
	ready := make([]chan struct{}, len(jobs))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		cerr = compileClusters(cfg, ix, cat, jobs, opts, func(i int, r clusterResult) {
			results[i] = r
			close(ready[i])
		})
	}()
	for i := range jobs {
		select {
		case <-ready[i]:
		case <-done: // a cluster failed: the rest may never come
			select {
			case <-ready[i]:
			default:
				return results, cerr, nil
			}
		}
		if i == 0 {
			n := results[0].files.Len()
			if results[0].tree != nil {
				n = results[0].tree.Len()
			}
			t.Grow(len(jobs)*n + 1024)
		}
		var err error
		if results[i].tree != nil {
			err = t.Merge(results[i].tree)
		} else {
			err = t.AddFiles(results[i].files)
		}
		if err != nil {
			<-done
			return results, cerr, err
		}
		results[i].tree, results[i].files = nil, tree.Files{} // its files are t's now
	}
	<-done
	return results, cerr, nil
}

// workers is Workers, or GOMAXPROCS when 0.
func (o Options) workers() int {
	if o.Workers <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return o.Workers
}

// addShared adds what does not belong to one cluster: the master's
// folder, and per seed not in opts.Skip its Flux objects, its
// nodeport-proxy and its kustomization (bySeed[i]: the clusters of
// seeds[i]). A cluster's
// usercluster folder is rendered (and cached) with its control plane.
// The objects are built here and encoded on every core (the master's
// folder alone holds an object per user, project, key and seed).
func addShared(t *tree.Tree, cfg *model.Config, ix *model.Index, cat *catalog.Catalog, seeds []*model.Seed, bySeed [][]*model.Cluster, opts Options) error {
	masterObjs, err := master.Objects(master.Input{Config: cfg, Images: cat.Images(cat.Default(), cfg.Master.Registry)})
	if err != nil {
		return fmt.Errorf("master: %w", err)
	}
	masterFlux, err := flux.MasterObjects(&cfg.Master)
	if err != nil {
		return fmt.Errorf("master: %w", err)
	}
	if err := addCRDs(t, opts.Cache); err != nil {
		return err
	}
	folders := []folder{{dir: layout.MasterDir, objs: masterObjs}, {dir: layout.MasterFlux, objs: masterFlux}}
	seedRoots := make([][]object.Object, len(seeds))
	proxySeeds := map[string]bool{}
	for i, s := range seeds {
		if opts.Skip[layout.Seed(s.Name)] {
			continue
		}
		clusters := bySeed[i]
		fluxObjs, err := flux.Objects(flux.Input{Master: &cfg.Master, Seed: s, Clusters: clusters})
		if err != nil {
			return fmt.Errorf("seed %s: flux: %w", s.Name, err)
		}
		folders = append(folders, folder{dir: layout.SeedFlux(s.Name), objs: fluxObjs})
		if seedRoots[i], err = flux.SeedKubermaticObjects(&cfg.Master, s.Name); err != nil {
			return fmt.Errorf("seed %s: flux: %w", s.Name, err)
		}
		kkpClusters, err := master.Clusters(s, ix.Datacenters, clusters)
		if err != nil {
			return fmt.Errorf("seed %s: %w", s.Name, err)
		}
		folders = append(folders, folder{dir: layout.SeedKubermatic(s.Name), objs: append(kkpClusters, master.Guard("seed")...)})
		proxy, err := controlplane.SeedProxyObjects(controlplane.SeedProxyInput{
			Seed: s, Master: &cfg.Master, Clusters: clusters, Images: cat.Images(cat.Default(), cfg.Master.Registry),
		})
		if err != nil {
			return fmt.Errorf("seed %s: %w", s.Name, err)
		}
		if len(proxy) > 0 {
			folders = append(folders, folder{dir: layout.SeedProxy(s.Name), objs: proxy})
			proxySeeds[s.Name] = true
		}
	}
	if err := addFolders(t, folders, opts.workers()); err != nil {
		return err
	}
	// A seed's root: its flux/ folder, its nodeport-proxy (Tunneling and
	// NodePort seeds) and the Kustomizations of the CRDs and of its Cluster
	// objects.
	for i, s := range seeds {
		if opts.Skip[layout.Seed(s.Name)] {
			continue
		}
		resources := []string{layout.FluxDir}
		if proxySeeds[s.Name] {
			resources = append(resources, layout.ProxyDir)
		}
		if err := addFolder(t, layout.Seed(s.Name), seedRoots[i], resources); err != nil {
			return err
		}
	}
	return nil
}

// crdFiles are Kubermatic's CRDs that Kubermatic installs on the master or
// on a seed, as files of layout.CRDs: name and YAML in fleetc's encoding (keys
// sorted), sorted by file name. Computed once: the vendored data never
// changes while fleetc runs.
var crdFiles = sync.OnceValues(func() ([]crdFile, error) {
	all, err := kubermaticcrds.All()
	if err != nil {
		return nil, fmt.Errorf("kubermatic CRDs: %w", err)
	}
	var out []crdFile
	for _, c := range all {
		if !slices.Contains(c.Locations, "master") && !slices.Contains(c.Locations, "seed") {
			continue
		}
		var u unstructured.Unstructured
		if err := yaml.Unmarshal(c.YAML, &u.Object); err != nil {
			return nil, fmt.Errorf("kubermatic CRD %s: %w", c.File, err)
		}
		data, err := encode.Document(&u)
		if err != nil {
			return nil, fmt.Errorf("kubermatic CRD %s: %w", c.File, err)
		}
		out = append(out, crdFile{name: layout.FileName("CustomResourceDefinition", c.Name), data: data})
	}
	slices.SortFunc(out, func(a, b crdFile) int { return strings.Compare(a.name, b.name) })
	return out, nil
})

// Warm computes the data every compile needs that depend on the binary
// alone (Kubermatic's CRDs in fleetc's encoding), so that a caller
// without a cache can have it done on an idle core while the config loads
// (CUE evaluation is single-threaded). Compile works the same without it.
func Warm() { _, _ = crdFiles() }

// crdKey is the cache key of the CRD files: they depend on fleetc's
// embedded data and code alone, which a Cache keys its entries by.
var crdKey = func() string {
	sum := sha256.Sum256([]byte("fleetc kubermatic CRDs " + Version))
	return hex.EncodeToString(sum[:])
}()

// cachedCRDs is crdFiles through the cache (nil: none): decoding the
// vendored YAML costs more than reading the encoded files back.
func cachedCRDs(cache Cache) ([]crdFile, error) {
	if cache != nil {
		if e, ok := cache.Get(crdKey); ok && len(e.Matched) == 0 && len(e.Files) > 0 {
			out := make([]crdFile, 0, len(e.Files))
			for _, f := range e.Files {
				name, ok := strings.CutPrefix(f.Path, layout.CRDs+"/")
				if !ok || strings.Contains(name, "/") || len(out) > 0 && name <= out[len(out)-1].name {
					out = nil
					break
				}
				out = append(out, crdFile{name: name, data: f.Data})
			}
			if out != nil {
				return out, nil
			}
		}
	}
	files, err := crdFiles()
	if err == nil && cache != nil {
		e := Entry{Files: make([]CachedFile, len(files))}
		for i, f := range files {
			e.Files[i] = CachedFile{Path: path.Join(layout.CRDs, f.name), Data: f.data, Sum: sha256.Sum256(f.data)}
		}
		cache.Put(crdKey, e)
	}
	return files, err
}

type crdFile struct {
	name string
	data []byte
}

// addCRDs writes Kubermatic's CRDs into layout.CRDs, one per file.
func addCRDs(t *tree.Tree, cache Cache) error {
	files, err := cachedCRDs(cache)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		if err := t.Add(path.Join(layout.CRDs, f.name), f.data); err != nil {
			return err
		}
		names = append(names, f.name)
	}
	return t.Add(path.Join(layout.CRDs, layout.Kustomization), encode.Kustomization(names))
}

// folder is a folder of objects and its kustomization (see addFolder).
type folder struct {
	dir  string
	objs []object.Object
}

// addFolders is addFolder for many folders, encoding their objects on
// workers goroutines. The result, errors included, is addFolder's for
// each folder in turn.
func addFolders(t *tree.Tree, folders []folder, workers int) error {
	var items []encoded
	for _, f := range folders {
		object.Sort(f.objs)
		for _, o := range f.objs {
			items = append(items, encoded{obj: o})
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, max(len(items), 1)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(items); i = int(next.Add(1) - 1) {
				items[i].data, items[i].err = encode.Document(items[i].obj)
			}
		})
	}
	wg.Wait()
	for _, f := range folders {
		n := len(f.objs)
		if err := addEncoded(t, f.dir, items[:n], nil); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}

// encoded is an object with its YAML, or the error encoding it.
type encoded struct {
	obj  object.Object
	data []byte
	err  error
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

// clusterResult is one cluster's rendered folder and how its patches went.
type clusterResult struct {
	tree     *tree.Tree
	files    tree.Files      // instead of tree: a cached folder
	patches  []patch.Patch   // the patches that apply to the cluster, in order
	matched  []bool          // per patch: it selected at least one object
	problems []patch.Problem // patches that failed
}

// compileClusters renders each cluster's folder on a bounded pool of
// workers and hands each result to done (from the worker, as soon as it
// is ready) with its index in clusters. After a failure no further
// cluster is started; the error returned is that of the first cluster (in
// the order of clusters) that failed.
func compileClusters(cfg *model.Config, ix *model.Index, cat *catalog.Catalog, clusters []*model.Cluster, opts Options, done func(i int, r clusterResult)) error {
	workers := opts.workers()
	var finished atomic.Int64
	errs := make([]error, len(clusters))
	var failed atomic.Bool
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(workers, max(len(clusters), 1)) {
		wg.Go(func() {
			for i := range next {
				r, err := cachedCluster(cfg, ix, cat, clusters[i], opts.Cache)
				if err != nil {
					errs[i] = err
					failed.Store(true)
					continue
				}
				done(i, r)
				if opts.Progress != nil {
					opts.Progress(int(finished.Add(1)), len(clusters))
				}
			}
		})
	}
	for i := range clusters {
		if failed.Load() {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// cachedCluster is compileCluster behind the cache, when there is one.
func cachedCluster(cfg *model.Config, ix *model.Index, cat *catalog.Catalog, c *model.Cluster, cache Cache) (clusterResult, error) {
	if cache == nil {
		return compileCluster(cfg, ix, cat, c)
	}
	key := ClusterKey(cfg, ix, cat, c)
	if e, ok := cache.Get(key); ok {
		if r, ok := fromCache(e, layout.Cluster(c.Resolved.Seed, c.Name), layout.UserCluster(c.Resolved.Seed, c.Name), clusterPatches(cfg, ix.Seeds[c.Resolved.Seed], c)); ok {
			return r, nil
		}
	}
	r, err := compileCluster(cfg, ix, cat, c)
	if err == nil && len(r.problems) == 0 {
		cache.Put(key, toCache(r))
	}
	return r, err
}

func compileCluster(cfg *model.Config, ix *model.Index, cat *catalog.Catalog, c *model.Cluster) (clusterResult, error) {
	in := clusterInput(cfg, ix, cat, c)
	objs, err := controlplane.Objects(in)
	if err != nil {
		return clusterResult{}, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	r := clusterResult{patches: clusterPatches(cfg, ix.Seeds[c.Resolved.Seed], c)}
	objs, r.matched, r.problems = applyPatches(objs, r.patches)
	r.tree = tree.New()
	if err := addFolder(r.tree, layout.Cluster(c.Resolved.Seed, c.Name), objs, nil); err != nil {
		return clusterResult{}, err
	}
	// What Flux applies inside the customer cluster (its own folder,
	// cached with the control plane; patches do not apply to it).
	ucObjs, err := usercluster.Objects(usercluster.Input{
		Cluster:    c,
		Seed:       ix.Seeds[c.Resolved.Seed],
		Datacenter: ix.Datacenters[c.Datacenter],
		Master:     &cfg.Master,
		Project:    ix.Projects[c.Project],
		Images:     in.Images,
		SSHKeys:    in.SSHKeys,
	})
	if err != nil {
		return clusterResult{}, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	if err := addFolder(r.tree, layout.UserCluster(c.Resolved.Seed, c.Name), ucObjs, nil); err != nil {
		return clusterResult{}, err
	}
	return r, nil
}

// clusterInput is what controlplane.Objects needs for c.
func clusterInput(cfg *model.Config, ix *model.Index, cat *catalog.Catalog, c *model.Cluster) controlplane.Input {
	ver := catalog.Version{Version: c.Resolved.Version, Minor: c.Resolved.Minor}
	return controlplane.Input{
		Cluster:    c,
		Seed:       ix.Seeds[c.Resolved.Seed],
		Datacenter: ix.Datacenters[c.Datacenter],
		Master:     &cfg.Master,
		Images:     cat.Images(ver, cfg.Master.Registry),
		SSHKeys:    clusterKeys(ix, c),
	}
}

// clusterKeys returns the cluster's SSH keys, sorted by name.
func clusterKeys(ix *model.Index, c *model.Cluster) []*model.SSHKey {
	var keys []*model.SSHKey
	for _, name := range c.SSHKeys {
		keys = append(keys, ix.SSHKeys[name])
	}
	slices.SortFunc(keys, func(a, b *model.SSHKey) int { return strings.Compare(a.Name, b.Name) })
	return keys
}

// applyPatches is patch.Apply, given only the objects of the kinds that the
// patches target: each patch runs all the objects it is given through
// kustomize, which is most of a patched cluster's compile time, and a patch
// selects by kind (and name), so the objects of other kinds come back
// unchanged. Objects of a targeted kind all go, so that patch.Apply can
// refuse a rename onto another object of that kind.
func applyPatches(objs []object.Object, patches []patch.Patch) ([]object.Object, []bool, []patch.Problem) {
	if len(patches) == 0 {
		return patch.Apply(objs, patches)
	}
	var targets, rest []object.Object
	for _, o := range objs {
		if slices.ContainsFunc(patches, func(p patch.Patch) bool { return p.Target.Kind == object.Kind(o) }) {
			targets = append(targets, o)
		} else {
			rest = append(rest, o)
		}
	}
	patched, matched, problems := patch.Apply(targets, patches)
	return append(rest, patched...), matched, problems
}

// clusterPatches lists the patches that apply to c: fleet, seed, cluster.
func clusterPatches(cfg *model.Config, s *model.Seed, c *model.Cluster) []patch.Patch {
	var ps []patch.Patch
	for _, group := range []struct {
		scope   patch.Scope
		patches []model.Patch
	}{{patch.ScopeFleet, cfg.Patches}, {patch.ScopeSeed, s.Patches}, {patch.ScopeCluster, c.Patches}} {
		for _, p := range group.patches {
			ps = append(ps, patch.Patch{Patch: p, Scope: group.scope})
		}
	}
	return ps
}

// patchProblems reports patches that failed on a cluster, and patches that
// matched no object in their whole scope (a cluster patch in its cluster, a
// seed patch in the seed's clusters, a fleet patch anywhere).
func patchProblems(cfg *model.Config, clusters []*model.Cluster, results []clusterResult) error {
	var diags diag.List
	matched := map[model.Pos]bool{}
	seen := map[model.Pos]patch.Patch{}
	// A fleet-wide patch that fails, fails on every cluster: report it
	// once, on the first cluster, with the number of others.
	type failure struct {
		first, msg string
		others     int
	}
	failed := map[model.Pos]*failure{}
	for i, r := range results {
		for _, pr := range r.problems {
			if f := failed[pr.Patch.Pos]; f != nil {
				f.others++
				continue
			}
			failed[pr.Patch.Pos] = &failure{first: clusters[i].Name, msg: pr.Msg}
			seen[pr.Patch.Pos] = pr.Patch
		}
		for j, p := range r.patches {
			seen[p.Pos] = p
			matched[p.Pos] = matched[p.Pos] || r.matched[j]
		}
	}
	for pos, f := range failed {
		also := ""
		if f.others > 0 {
			also = fmt.Sprintf(" (and %d more clusters)", f.others)
		}
		diags.Addf(pos, "patch of %s: cluster %s%s: %s", target(seen[pos]), f.first, also, f.msg)
	}
	for pos, p := range seen {
		if !matched[pos] && failed[pos] == nil {
			diags.Addf(pos, "patch of %s matches no object of the %s (check target.kind and target.name)", target(p), scopeName(p))
		}
	}
	return diags.Err()
}

func target(p patch.Patch) string {
	if p.Target.Name == "" {
		return "every " + p.Target.Kind
	}
	return p.Target.Kind + " " + p.Target.Name
}

func scopeName(p patch.Patch) string {
	switch p.Scope {
	case patch.ScopeFleet:
		return "fleet"
	case patch.ScopeSeed:
		return "seed's clusters"
	}
	return "cluster"
}

// addFolder writes objs one per file into dir, with a kustomization.yaml
// listing them (and the extra sub-folders).
func addFolder(t *tree.Tree, dir string, objs []object.Object, extra []string) error {
	object.Sort(objs)
	items := make([]encoded, len(objs))
	for i, o := range objs {
		items[i].obj = o
		items[i].data, items[i].err = encode.Document(o)
	}
	return addEncoded(t, dir, items, extra)
}

// addEncoded adds encoded objects (sorted) as files of dir, and the
// kustomization listing them after the extra resources.
func addEncoded(t *tree.Tree, dir string, items []encoded, extra []string) error {
	resources := slices.Clone(extra)
	for _, it := range items {
		o := it.obj
		if it.err != nil {
			return fmt.Errorf("%s: encoding %s %s: %w", dir, object.Kind(o), o.GetName(), it.err)
		}
		name := layout.FileName(object.Kind(o), o.GetName())
		if err := t.Add(path.Join(dir, name), it.data); err != nil {
			return err
		}
		resources = append(resources, name)
	}
	return t.Add(path.Join(dir, "kustomization.yaml"), encode.Kustomization(resources))
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
