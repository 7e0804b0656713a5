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

// UserClusterKubeconfig names the Secret (in flux-system, key "value") that
// holds the customer cluster's admin kubeconfig, made on the seed.
func UserClusterKubeconfig(cluster string) string { return "usercluster-" + cluster + "-kubeconfig" }

// Objects renders the GitRepository and one Kustomization per cluster for a
// seed's flux/ folder, sorted with object.Sort.
func Objects(in Input) ([]object.Object, error) {
	if in.Master == nil || in.Seed == nil {
		return nil, fmt.Errorf("flux: master and seed are required")
	}
	g := in.Master.GitOps
	if !validURL(g.URL) {
		return nil, fmt.Errorf("flux: master.gitops.url %q: Flux needs an http://, https:// or ssh:// URL (write git@host:org/repo as ssh://git@host/org/repo)", g.URL)
	}
	if g.Branch == "" {
		return nil, fmt.Errorf("flux: master.gitops.branch is empty")
	}
	if escapes(g.Path) {
		return nil, fmt.Errorf("flux: master.gitops.path %q leaves the repository", g.Path)
	}
	interval, err := parseInterval(g.Interval)
	if err != nil {
		return nil, fmt.Errorf("flux: master.gitops.interval: %w", err)
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
				Path:          ClusterPath(g, in.Seed.Name, c.Name),
				Interval:      metav1.Duration{Duration: interval},
				RetryInterval: &metav1.Duration{Duration: RetryInterval},
				Timeout:       &metav1.Duration{Duration: Timeout},
				Prune:         true,
				Wait:          true,
				Suspend:       c.Paused,
			},
		})
		if in.Master.OIDC != nil {
			// The project members' RBAC inside the customer cluster
			// (package usercluster), once its control plane is ready.
			objs = append(objs, &kustomizev1.Kustomization{
				TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
				ObjectMeta: objectMeta(UserClusterName(c.Name)),
				Spec: kustomizev1.KustomizationSpec{
					DependsOn: []kustomizev1.DependencyReference{{Name: KustomizationName(c.Name)}},
					SourceRef: kustomizev1.CrossNamespaceSourceReference{
						Kind: sourcev1.GitRepositoryKind,
						Name: SourceName,
					},
					KubeConfig: &meta.KubeConfigReference{
						SecretRef: &meta.SecretKeyReference{Name: UserClusterKubeconfig(c.Name), Key: "value"},
					},
					Path:          UserClusterPath(g, in.Seed.Name, c.Name),
					Interval:      metav1.Duration{Duration: interval},
					RetryInterval: &metav1.Duration{Duration: RetryInterval},
					Timeout:       &metav1.Duration{Duration: Timeout},
					Prune:         true,
					Suspend:       c.Paused,
				},
			})
		}
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
