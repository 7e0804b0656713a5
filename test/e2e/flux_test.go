package e2e

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/fleetc/fleetc/test/e2e/harness"
)

// SeedEnv picks the seed TestFluxSync syncs; by default, the seed with the
// most clusters (the first by name among equals).
const SeedEnv = "FLEETC_E2E_SEED"

// RootKustomization is the name of the root Flux Kustomization the test
// creates as a seed bootstrap would: it applies seeds/<seed> (the seed's
// kustomization.yaml), which holds the rendered GitRepository and one Flux
// Kustomization per cluster.
const RootKustomization = "fleetc-root"

// waitTimeout bounds every wait on Flux.
const waitTimeout = 3 * time.Minute

// TestFluxSync serves the rendered tree from a local git server and lets the
// real source-controller and kustomize-controller sync one seed the way the
// seed's bootstrap does; then it commits a render without one cluster and
// checks that Flux prunes that cluster and keeps the others.
func TestFluxSync(t *testing.T) {
	t.Parallel()
	bin := harness.Binaries(t)
	tree := renderedTree(t)
	seed := pickSeed(t, tree)
	t.Logf("seed %s: %d clusters, tree at %q in git", seed.Name, len(seed.Clusters), seed.Prefix)

	cp := startCluster(t, bin)
	flux := harness.StartFlux(t, cp, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	// The config repo as Flux sees it: the tree at the path its
	// Kustomizations name, on the branch its GitRepository names.
	branch, _, _ := unstructured.NestedString(seed.GitRepository.Object, "spec", "ref", "branch")
	if branch == "" {
		branch = "main" // Flux's default: no ref means the default branch, master or main
	}
	repo := harness.NewGitRepo(t, branch)
	root := filepath.Join(repo.Work, filepath.FromSlash(seed.Prefix))
	if err := harness.CopyTree(tree, root); err != nil {
		t.Fatal(err)
	}
	// A render that slipped through: an object of a cluster's folder that
	// names another namespace. Flux applies the folder with the cluster's
	// targetNamespace, so the object lands there, never in the other one.
	planted, plantedNS := plantForeignObject(t, root, seed)
	rev1 := repo.CommitAll(t, "render")
	url := repo.Serve(t)

	// The bootstrap: the GitRepository (the rendered one, pointed at the
	// local server) and a root Kustomization applying the seed folder.
	gitRepo := seed.GitRepository.DeepCopy()
	mustSet(t, gitRepo, url, "spec", "url")
	unstructured.RemoveNestedField(gitRepo.Object, "spec", "secretRef")
	if _, err := cp.Apply(ctx, gitRepo, false); err != nil {
		t.Fatalf("create GitRepository: %v", err)
	}
	rootKs := rootKustomization(t, seed, gitRepo, url)
	if _, err := cp.Apply(ctx, rootKs, false); err != nil {
		t.Fatalf("create root Kustomization: %v", err)
	}

	// Every object of every (not suspended) cluster appears, carrying the
	// label of the Flux Kustomization of that cluster.
	expected := map[string][]*unstructured.Unstructured{}
	var active []harness.SeedCluster
	for _, c := range seed.Clusters {
		if suspended(c.Kustomization) {
			t.Logf("cluster %s: Flux Kustomization %s is suspended; not expecting its objects", c.Name, c.Kustomization.GetName())
			continue
		}
		expected[c.Name] = clusterObjects(t, cp, tree, c)
		active = append(active, c)
	}
	if len(active) == 0 {
		t.Fatalf("seed %s has no cluster that Flux would apply", seed.Name)
	}
	start := time.Now()
	waitFor(t, ctx, flux, "every cluster's objects applied by Flux", func() (bool, string) {
		var missing []string
		for _, c := range active {
			missing = append(missing, absent(ctx, cp, c, expected[c.Name])...)
		}
		return len(missing) == 0, summarize("missing or not labelled", missing)
	})
	waitFor(t, ctx, flux, "the planted object applied in its cluster's namespace only", func() (bool, string) {
		if _, err := cp.Get(ctx, planted); err == nil {
			t.Fatalf("Flux applied %s outside the cluster's namespace %s", harness.ObjectRef(planted), plantedNS)
		} else if !apierrors.IsNotFound(err) {
			return false, err.Error()
		}
		own := planted.DeepCopy()
		own.SetNamespace(plantedNS)
		if _, err := cp.Get(ctx, own); err != nil {
			return false, harness.ObjectRef(own) + ": " + shortErr(err)
		}
		return true, "done"
	})
	n := 0
	for _, objs := range expected {
		n += len(objs)
	}
	t.Logf("Flux applied %d objects of %d clusters (revision %s) in %s",
		n, len(active), rev1[:12], time.Since(start).Round(time.Millisecond))

	// A new render without one cluster.
	victim := active[0]
	if err := seed.RemoveCluster(root, victim.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(victim.Dir))); !os.IsNotExist(err) {
		t.Fatalf("%s still exists after RemoveCluster", victim.Dir)
	}
	rev2 := repo.CommitAll(t, "remove cluster "+victim.Name)
	start = time.Now()
	if err := flux.RequestReconcile(ctx, harness.GitRepositoryGVR, gitRepo.GetNamespace(), gitRepo.GetName()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, flux, "GitRepository at revision "+rev2[:12], func() (bool, string) {
		o, err := cp.Dynamic.Resource(harness.GitRepositoryGVR).Namespace(gitRepo.GetNamespace()).
			Get(ctx, gitRepo.GetName(), metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		rev, _, _ := unstructured.NestedString(o.Object, "status", "artifact", "revision")
		return strings.HasSuffix(rev, rev2), "artifact revision " + rev
	})
	if err := flux.RequestReconcile(ctx, harness.KustomizationGVR, harness.FluxNamespace, RootKustomization); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, flux, "cluster "+victim.Name+" pruned, the others kept", func() (bool, string) {
		var problems []string
		k := victim.Kustomization
		_, err := cp.Dynamic.Resource(harness.KustomizationGVR).Namespace(k.GetNamespace()).Get(ctx, k.GetName(), metav1.GetOptions{})
		if err == nil {
			problems = append(problems, "Flux Kustomization "+k.GetName()+" still exists")
		} else if !apierrors.IsNotFound(err) {
			problems = append(problems, err.Error())
		}
		problems = append(problems, present(ctx, cp, expected[victim.Name])...)
		for _, c := range active[1:] {
			problems = append(problems, absent(ctx, cp, c, expected[c.Name])...)
		}
		return len(problems) == 0, summarize("not yet", problems)
	})
	t.Logf("Flux pruned cluster %s (%d objects) and kept %d clusters in %s",
		victim.Name, len(expected[victim.Name]), len(active)-1, time.Since(start).Round(time.Millisecond))
}

// pickSeed loads the seed named by FLEETC_E2E_SEED, or the one with the most
// clusters.
func pickSeed(t *testing.T, tree string) *harness.Seed {
	t.Helper()
	names, err := harness.Seeds(tree)
	if err != nil {
		t.Fatal(err)
	}
	if want := os.Getenv(SeedEnv); want != "" {
		if !slices.Contains(names, want) {
			t.Fatalf("%s=%s: the tree's seeds are %v", SeedEnv, want, names)
		}
		names = []string{want}
	}
	var best *harness.Seed
	for _, name := range names {
		s, err := harness.LoadSeed(tree, name)
		if err != nil {
			t.Fatal(err)
		}
		if best == nil || len(s.Clusters) > len(best.Clusters) {
			best = s
		}
	}
	if best == nil || len(best.Clusters) == 0 {
		t.Fatalf("%s: no seed with a cluster", tree)
	}
	return best
}

// rootKustomization is what a seed's bootstrap creates next to the
// GitRepository: a Flux Kustomization that applies seeds/<seed>. Its patches
// are the test's only changes to the rendered objects, made as the objects go
// through Flux:
//   - the rendered GitRepository gets the local server's URL (and loses any
//     secretRef), or the root would point it back at the real config repo;
//   - every Flux Kustomization gets wait: false and no healthChecks, because
//     no kubelet runs here: pods never start, so health checks never pass.
//     The test asserts what Flux applied and pruned, not readiness.
func rootKustomization(t *testing.T, seed *harness.Seed, gitRepo *unstructured.Unstructured, url string) *unstructured.Unstructured {
	t.Helper()
	for _, c := range seed.Clusters {
		if c.Kustomization.GetName() == RootKustomization && c.Kustomization.GetNamespace() == harness.FluxNamespace {
			t.Fatalf("rendered Flux Kustomization %s/%s has the name the test uses for the root", harness.FluxNamespace, RootKustomization)
		}
	}
	seedPath := "./" + path.Join(seed.Prefix, seed.Dir)
	repoPatch := fmt.Sprintf(`apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: %s
  namespace: %s
spec:
  url: %s
  secretRef: null
`, gitRepo.GetName(), gitRepo.GetNamespace(), url)
	const ksPatch = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: any
spec:
  wait: false
  healthChecks: null
`
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kustomize.toolkit.fluxcd.io/v1",
		"kind":       "Kustomization",
		"metadata":   map[string]any{"name": RootKustomization, "namespace": harness.FluxNamespace},
		"spec": map[string]any{
			"interval": "10m",
			"path":     seedPath,
			"prune":    true,
			"sourceRef": map[string]any{
				"kind": "GitRepository", "name": gitRepo.GetName(), "namespace": gitRepo.GetNamespace(),
			},
			"timeout": "2m",
			"patches": []any{
				map[string]any{
					"patch":  repoPatch,
					"target": map[string]any{"group": "source.toolkit.fluxcd.io", "kind": "GitRepository", "name": gitRepo.GetName()},
				},
				map[string]any{
					"patch":  ksPatch,
					"target": map[string]any{"group": "kustomize.toolkit.fluxcd.io", "kind": "Kustomization"},
				},
			},
		},
	}}
}

// clusterObjects is what kustomize builds from the cluster's folder, with
// the Flux Kustomization's targetNamespace applied as Flux applies it.
func clusterObjects(t *testing.T, cp *harness.ControlPlane, tree string, c harness.SeedCluster) []*unstructured.Unstructured {
	t.Helper()
	objs, err := harness.Build(filepath.Join(tree, filepath.FromSlash(c.Dir)))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", c.Dir, err)
	}
	if len(objs) == 0 {
		t.Fatalf("kustomize build %s: no objects", c.Dir)
	}
	tns, _, _ := unstructured.NestedString(c.Kustomization.Object, "spec", "targetNamespace")
	for _, o := range objs {
		if tns == "" {
			continue
		}
		namespaced, err := cp.IsNamespaced(o)
		if err != nil {
			t.Fatalf("%s: %s: %v", c.Dir, harness.ObjectRef(o), err)
		}
		if namespaced {
			o.SetNamespace(tns)
		}
	}
	return objs
}

// absent lists the objects of cluster c that do not exist (or are being
// deleted), or do not carry the labels of c's Flux Kustomization.
func absent(ctx context.Context, cp *harness.ControlPlane, c harness.SeedCluster, objs []*unstructured.Unstructured) []string {
	var out []string
	k := c.Kustomization
	for _, o := range objs {
		live, err := cp.Get(ctx, o)
		switch {
		case err != nil:
			out = append(out, harness.ObjectRef(o)+": "+shortErr(err))
		case live.GetDeletionTimestamp() != nil:
			out = append(out, harness.ObjectRef(o)+": being deleted")
		case live.GetLabels()[harness.FluxNameLabel] != k.GetName() ||
			live.GetLabels()[harness.FluxNamespaceLabel] != k.GetNamespace():
			out = append(out, fmt.Sprintf("%s: labels %s=%q %s=%q, want %q %q", harness.ObjectRef(o),
				harness.FluxNameLabel, live.GetLabels()[harness.FluxNameLabel],
				harness.FluxNamespaceLabel, live.GetLabels()[harness.FluxNamespaceLabel], k.GetName(), k.GetNamespace()))
		}
	}
	return out
}

// present lists the objects that still exist and are not being deleted.
// With no kube-controller-manager, a deleted Namespace stays Terminating (no
// namespace controller empties it and removes its finalizer), so a deletion
// timestamp counts as pruned: Flux asked for the deletion.
func present(ctx context.Context, cp *harness.ControlPlane, objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		live, err := cp.Get(ctx, o)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			out = append(out, harness.ObjectRef(o)+": "+shortErr(err))
		case live.GetDeletionTimestamp() == nil:
			out = append(out, harness.ObjectRef(o)+": not pruned")
		}
	}
	return out
}

func suspended(k *unstructured.Unstructured) bool {
	s, _, _ := unstructured.NestedBool(k.Object, "spec", "suspend")
	return s
}

func mustSet(t *testing.T, o *unstructured.Unstructured, value string, fields ...string) {
	t.Helper()
	if err := unstructured.SetNestedField(o.Object, value, fields...); err != nil {
		t.Fatal(err)
	}
}

func shortErr(err error) string {
	if apierrors.IsNotFound(err) {
		return "not found"
	}
	return err.Error()
}

func summarize(what string, items []string) string {
	if len(items) == 0 {
		return "done"
	}
	const limit = 15
	s := fmt.Sprintf("%d %s:\n  %s", len(items), what, strings.Join(items[:min(len(items), limit)], "\n  "))
	if len(items) > limit {
		s += fmt.Sprintf("\n  ... and %d more", len(items)-limit)
	}
	return s
}

// waitFor polls cond every second until it reports done, for at most
// waitTimeout. On timeout, or when a controller dies, it fails the test with
// cond's last status, the Flux objects' conditions and the controllers'
// last log lines.
func waitFor(t *testing.T, ctx context.Context, flux *harness.Flux, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		done, status := cond()
		if done {
			return
		}
		if err := flux.Alive(); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			t.Fatalf("timed out after %s waiting for %s\nlast status: %s\n--- Flux:\n%s",
				waitTimeout, what, status, flux.Report(rctx))
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// plantForeignObject adds to the folder (in the git work tree at root) of
// the seed's first cluster that Flux applies a ConfigMap in namespace
// default, listed in the folder's kustomization.yaml, as a render that
// slipped past fleetc's rules would. It returns the object and the
// cluster's targetNamespace.
func plantForeignObject(t *testing.T, root string, seed *harness.Seed) (*unstructured.Unstructured, string) {
	t.Helper()
	for _, c := range seed.Clusters {
		if suspended(c.Kustomization) {
			continue
		}
		tns, _, _ := unstructured.NestedString(c.Kustomization.Object, "spec", "targetNamespace")
		if tns == "" {
			t.Fatalf("Flux Kustomization %s has no targetNamespace", c.Kustomization.GetName())
		}
		dir := filepath.Join(root, filepath.FromSlash(c.Dir))
		const name = "configmap-planted-by-test.yaml"
		data := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: planted-by-test\n  namespace: default\ndata:\n  a: b\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		k, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(string(k), "\n") || !strings.Contains(string(k), "\nresources:\n") {
			t.Fatalf("%s/kustomization.yaml: resources are not its last list", c.Dir)
		}
		if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), append(k, "- "+name+"\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		o := &unstructured.Unstructured{}
		o.SetAPIVersion("v1")
		o.SetKind("ConfigMap")
		o.SetName("planted-by-test")
		o.SetNamespace("default")
		return o, tns
	}
	t.Fatal("no cluster that Flux applies")
	return nil, ""
}
