package flux

import (
	"fmt"
	"path"
	"strings"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

const (
	// Namespace is where Flux runs on every seed, and where the
	// GitRepository and the Kustomizations are rendered.
	Namespace = "flux-system"
	// SourceName is the GitRepository that every Kustomization syncs from.
	SourceName = "fleetc"

	// Timeout bounds one apply plus the wait for readiness of a cluster.
	Timeout = 10 * time.Minute
	// RetryInterval is how soon a failed reconciliation is retried.
	RetryInterval = time.Minute

	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "fleetc"
)

// Input is what one seed's flux/ folder is rendered from.
type Input struct {
	Master *model.Master
	Seed   *model.Seed
	// Clusters are the clusters placed on Seed (Resolved.Seed == Seed.Name),
	// as Config.ClustersOfSeed returns them.
	Clusters []*model.Cluster
}

// KustomizationName is the name of a cluster's Flux Kustomization.
func KustomizationName(cluster string) string { return "cluster-" + cluster }

// ClusterPath returns the repo-relative path Flux syncs for a cluster:
// its folder (layout.Cluster) under gitops.path (layout.RepoPath).
func ClusterPath(g model.GitOps, seed, cluster string) string {
	return layout.RepoPath(g.Path, layout.Cluster(seed, cluster))
}

// UserClusterPath is the repo-relative path of what is applied inside a
// customer cluster (package usercluster).
func UserClusterPath(g model.GitOps, seed, cluster string) string {
	return layout.RepoPath(g.Path, layout.UserCluster(seed, cluster))
}

// UserClusterName names the Flux Kustomization that applies a cluster's
// usercluster folder to the customer cluster.
func UserClusterName(cluster string) string { return "usercluster-" + cluster }

// UserClusterKubeconfig names the Secret (key "value", in the cluster's
// namespace on the seed) that holds the customer cluster's admin
// kubeconfig. The cluster's kubeconfig-writer (package controlplane) makes
// it from what cert-manager issued, and keeps it current.
const UserClusterKubeconfig = "usercluster-kubeconfig"

// UserCluster is the Flux Kustomization that applies a cluster's
// usercluster folder inside the customer cluster. It lives in the
// cluster's own namespace on the seed (rendered into the cluster's folder),
// beside the kubeconfig Secret it uses, so nothing of one cluster is
// written into flux-system; its source is the seed's GitRepository in
// flux-system (a cross-namespace reference, which Flux allows unless its
// controllers run with --no-cross-namespace-refs). It has no dependsOn: it
// retries until the kubeconfig Secret exists and the apiserver answers.
func UserCluster(m *model.Master, seed string, c *model.Cluster) (*kustomizev1.Kustomization, error) {
	interval, err := parseInterval(m.GitOps.Interval)
	if err != nil {
		return nil, fmt.Errorf("flux: master.gitops.interval: %w", err)
	}
	om := objectMeta(UserClusterName(c.Name))
	om.Namespace = c.Namespace()
	return &kustomizev1.Kustomization{
		TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
		ObjectMeta: om,
		Spec: kustomizev1.KustomizationSpec{
			SourceRef: kustomizev1.CrossNamespaceSourceReference{
				Kind:      sourcev1.GitRepositoryKind,
				Name:      SourceName,
				Namespace: Namespace,
			},
			KubeConfig: &meta.KubeConfigReference{
				SecretRef: &meta.SecretKeyReference{Name: UserClusterKubeconfig, Key: "value"},
			},
			Path:          UserClusterPath(m.GitOps, seed, c.Name),
			Interval:      metav1.Duration{Duration: interval},
			RetryInterval: &metav1.Duration{Duration: RetryInterval},
			Timeout:       &metav1.Duration{Duration: Timeout},
			Prune:         true,
			Suspend:       c.Paused,
		},
	}, nil
}

// Names of the Flux Kustomizations that apply Kubermatic's part: the
// CRDs (master and every seed, before anything else), the master's objects,
// and a seed's Cluster objects. MasterRootName and SeedRootName are the
// Kustomizations a team creates once per cluster (fleetc bootstrap); they
// differ so that a master that is also a seed holds both.
const (
	CRDsName       = "kubermatic-crds"
	MasterName     = "kubermatic-master"
	ClustersName   = "kubermatic-clusters"
	MasterRootName = "fleetc-master"
	SeedRootName   = "fleetc-seed"
)

// treePath is "./" + path.Join(gitops.path, elem...).
func treePath(g model.GitOps, elem ...string) string {
	return "./" + path.Join(append([]string{strings.TrimLeft(g.Path, "/")}, elem...)...)
}

// CRDsPath is the folder of Kubermatic's CRDs: master/crds.
func CRDsPath(g model.GitOps) string { return treePath(g, "master", "crds") }

// MasterPath is the folder of the master's objects: master.
func MasterPath(g model.GitOps) string { return treePath(g, "master") }

// MasterFluxPath is the master's Flux folder, which its root
// Kustomization applies: master/flux.
func MasterFluxPath(g model.GitOps) string { return treePath(g, "master", "flux") }

// SeedPath is the folder a seed's root Kustomization applies: seeds/<seed>.
func SeedPath(g model.GitOps, seed string) string { return treePath(g, "seeds", seed) }

// SeedClustersPath is the folder of a seed's Cluster objects:
// seeds/<seed>/kubermatic.
func SeedClustersPath(g model.GitOps, seed string) string {
	return treePath(g, "seeds", seed, "kubermatic")
}

// source checks master.gitops and returns the GitRepository and the
// interval.
func source(m *model.Master) (*sourcev1.GitRepository, time.Duration, error) {
	if m == nil {
		return nil, 0, fmt.Errorf("flux: master is required")
	}
	g := m.GitOps
	if !validURL(g.URL) {
		return nil, 0, fmt.Errorf("flux: master.gitops.url %q: Flux needs an http://, https:// or ssh:// URL (write git@host:org/repo as ssh://git@host/org/repo)", g.URL)
	}
	if g.Branch == "" {
		return nil, 0, fmt.Errorf("flux: master.gitops.branch is empty")
	}
	if escapes(g.Path) {
		return nil, 0, fmt.Errorf("flux: master.gitops.path %q leaves the repository", g.Path)
	}
	interval, err := parseInterval(g.Interval)
	if err != nil {
		return nil, 0, fmt.Errorf("flux: master.gitops.interval: %w", err)
	}
	repo := &sourcev1.GitRepository{
		TypeMeta:   metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.GitRepositoryKind},
		ObjectMeta: objectMeta(SourceName),
		Spec: sourcev1.GitRepositorySpec{
			URL:       g.URL,
			Reference: &sourcev1.GitRepositoryRef{Branch: g.Branch},
			Interval:  metav1.Duration{Duration: interval},
		},
	}
	if g.SecretRef != "" {
		repo.Spec.SecretRef = &meta.LocalObjectReference{Name: g.SecretRef}
	}
	return repo, interval, nil
}

// kustomization is a Flux Kustomization of the GitRepository SourceName.
func kustomization(name, path string, interval time.Duration, prune bool, dependsOn ...string) *kustomizev1.Kustomization {
	k := &kustomizev1.Kustomization{
		TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
		ObjectMeta: objectMeta(name),
		Spec: kustomizev1.KustomizationSpec{
			SourceRef: kustomizev1.CrossNamespaceSourceReference{
				Kind: sourcev1.GitRepositoryKind,
				Name: SourceName,
			},
			Path:          path,
			Interval:      metav1.Duration{Duration: interval},
			RetryInterval: &metav1.Duration{Duration: RetryInterval},
			Timeout:       &metav1.Duration{Duration: Timeout},
			Prune:         prune,
			Wait:          true,
		},
	}
	for _, d := range dependsOn {
		k.Spec.DependsOn = append(k.Spec.DependsOn, kustomizev1.DependencyReference{Name: d})
	}
	return k
}

// crds is the Kustomization of Kubermatic's CRDs. Never pruned: deleting a
// CRD deletes every object of its kind.
func crds(g model.GitOps, interval time.Duration) *kustomizev1.Kustomization {
	return kustomization(CRDsName, CRDsPath(g), interval, false)
}

// MasterObjects renders the master's flux/ folder: the GitRepository, the
// CRDs' Kustomization and the master's (which depends on it), sorted.
func MasterObjects(m *model.Master) ([]object.Object, error) {
	repo, interval, err := source(m)
	if err != nil {
		return nil, err
	}
	objs := []object.Object{
		repo,
		crds(m.GitOps, interval),
		kustomization(MasterName, MasterPath(m.GitOps), interval, true, CRDsName),
	}
	object.Sort(objs)
	return objs, nil
}

// SeedKubermaticObjects renders the two Kustomizations at the root of a
// seed's folder: the CRDs' and the seed's Cluster objects' (which depends
// on it), sorted.
func SeedKubermaticObjects(m *model.Master, seed string) ([]object.Object, error) {
	_, interval, err := source(m)
	if err != nil {
		return nil, err
	}
	objs := []object.Object{
		crds(m.GitOps, interval),
		kustomization(ClustersName, SeedClustersPath(m.GitOps, seed), interval, true, CRDsName),
	}
	object.Sort(objs)
	return objs, nil
}

// BootstrapMaster returns what a team applies once to the master so that
// Flux takes over: the GitRepository SourceName (the same object the render
// holds, which then keeps it up to date) and Kustomization MasterRootName
// applying MasterFluxPath, sorted. Both live in flux-system and never
// collide with the objects `flux bootstrap` makes (named flux-system).
func BootstrapMaster(m *model.Master) ([]object.Object, error) {
	return bootstrap(m, MasterRootName, MasterFluxPath(m.GitOps))
}

// BootstrapSeed is BootstrapMaster for a seed: Kustomization SeedRootName
// applying SeedPath.
func BootstrapSeed(m *model.Master, seed string) ([]object.Object, error) {
	return bootstrap(m, SeedRootName, SeedPath(m.GitOps, seed))
}

func bootstrap(m *model.Master, name, root string) ([]object.Object, error) {
	repo, interval, err := source(m)
	if err != nil {
		return nil, err
	}
	k := kustomization(name, root, interval, true)
	k.Spec.Wait = false // the root applies Flux objects; each reports its own health
	objs := []object.Object{repo, k}
	object.Sort(objs)
	return objs, nil
}

// Objects renders the GitRepository and one Kustomization per cluster for a
// seed's flux/ folder, sorted with object.Sort.
func Objects(in Input) ([]object.Object, error) {
	if in.Master == nil || in.Seed == nil {
		return nil, fmt.Errorf("flux: master and seed are required")
	}
	g := in.Master.GitOps
	repo, interval, err := source(in.Master)
	if err != nil {
		return nil, err
	}
	objs := []object.Object{repo}

	seen := make(map[string]bool, len(in.Clusters))
	for _, c := range in.Clusters {
		if c == nil || c.Name == "" {
			return nil, fmt.Errorf("flux: seed %q: cluster without a name", in.Seed.Name)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("flux: seed %q: cluster %q listed twice", in.Seed.Name, c.Name)
		}
		seen[c.Name] = true
		if c.Resolved.Seed != in.Seed.Name {
			return nil, fmt.Errorf("flux: cluster %q is placed on seed %q, not %q", c.Name, c.Resolved.Seed, in.Seed.Name)
		}
		objs = append(objs, &kustomizev1.Kustomization{
			TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
			ObjectMeta: objectMeta(KustomizationName(c.Name)),
			Spec: kustomizev1.KustomizationSpec{
				SourceRef: kustomizev1.CrossNamespaceSourceReference{
					Kind: sourcev1.GitRepositoryKind,
					Name: SourceName,
				},
				Path: ClusterPath(g, in.Seed.Name, c.Name),
				// Every namespaced object Flux applies for the cluster
				// lands in its namespace, whatever the folder says: a
				// render that slipped through cannot reach another
				// customer's namespace (the Namespace object is already
				// named so; kustomize leaves it as it is).
				TargetNamespace: c.Namespace(),
				Interval:        metav1.Duration{Duration: interval},
				RetryInterval:   &metav1.Duration{Duration: RetryInterval},
				Timeout:         &metav1.Duration{Duration: Timeout},
				Prune:           true,
				Wait:            true,
				Suspend:         c.Paused,
			},
		})
	}
	object.Sort(objs)
	return objs, nil
}

// validURL reports whether url has a scheme Flux's GitRepository accepts
// (its CRD pattern is ^(http|https|ssh)://.*$).
func validURL(url string) bool {
	for _, p := range []string{"http://", "https://", "ssh://"} {
		if strings.HasPrefix(url, p) && len(url) > len(p) {
			return true
		}
	}
	return false
}

// escapes reports whether a repo-relative path climbs above the root.
func escapes(p string) bool {
	c := path.Clean(strings.TrimLeft(p, "/"))
	return c == ".." || strings.HasPrefix(c, "../")
}

// parseInterval parses a Go duration ("5m", "1h30m") of at least a second
// (Flux's CRDs accept only ms, s, m and h units).
func parseInterval(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 5m or 1h", s)
	}
	if d < time.Second {
		return 0, fmt.Errorf("%q must be at least 1s", s)
	}
	return d, nil
}

func objectMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:      name,
		Namespace: Namespace,
		Labels:    map[string]string{LabelManagedBy: ManagedBy},
	}
}
