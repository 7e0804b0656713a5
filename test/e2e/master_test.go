package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/fleetc/fleetc/test/e2e/harness"
)

// MasterSeed is the seed of fixtures/example that TestMasterAndSeedBootstrap
// brings up next to the master (one API server plays both, as a master that
// is also a seed does).
const MasterSeed = "eu-central"

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// TestMasterAndSeedBootstrap starts from an API server with only Flux's and
// cert-manager's CRDs (no Kubermatic CRD), applies what `fleetc bootstrap
// --master` and `fleetc bootstrap --seed` print, and lets real Flux take
// over: the Kubermatic CRDs come from master/crds (Kustomization
// kubermatic-crds), then master/ (kubermatic-master, dependsOn the CRDs)
// and the seed's Cluster objects (kubermatic-clusters, dependsOn the CRDs)
// and its per-cluster Kustomizations. Every Kubermatic object is accepted
// by the real CRDs; nothing runs pods (no kubelet).
func TestMasterAndSeedBootstrap(t *testing.T) {
	t.Parallel()
	bin := harness.Binaries(t)
	if os.Getenv(TreeEnv) != "" {
		t.Skipf("%s is set: this test renders fixtures/example itself (it needs the config for fleetc bootstrap)", TreeEnv)
	}
	tree := renderFixture(t)
	root := harness.RepoRoot(t)
	fleetc := filepath.Join(shared.dir, "fleetc")
	config := filepath.Join(root, "fixtures", "example")

	cp := harness.StartControlPlane(t, bin)
	cp.InstallCRDs(t, harness.FluxCertManagerCRDFiles(t)...)
	flux := harness.StartFlux(t, cp, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	master := bootstrapObjects(t, fleetc, config, "--master")
	seed := bootstrapObjects(t, fleetc, config, "--seed", MasterSeed)
	gitRepo, masterRoot := split(t, master)
	_, seedRoot := split(t, seed)
	if masterRoot.GetName() == seedRoot.GetName() {
		t.Fatalf("the master's and the seed's root Kustomizations are both %s", masterRoot.GetName())
	}

	// The rendered repo as Flux sees it: the tree at gitops.path.
	branch, _, _ := unstructured.NestedString(gitRepo.Object, "spec", "ref", "branch")
	repo := harness.NewGitRepo(t, branch)
	// gitops.path: the master's root applies <gitops.path>/master/flux.
	prefix := strings.TrimPrefix(path.Clean("/"+rootPath(t, masterRoot)), "/")
	prefix = strings.TrimSuffix(strings.TrimSuffix(prefix, "master/flux"), "/")
	if err := harness.CopyTree(tree, filepath.Join(repo.Work, filepath.FromSlash(prefix))); err != nil {
		t.Fatal(err)
	}
	rev := repo.CommitAll(t, "render")
	url := repo.Serve(t)

	mustSet(t, gitRepo, url, "spec", "url")
	unstructured.RemoveNestedField(gitRepo.Object, "spec", "secretRef")
	if _, err := cp.Apply(ctx, gitRepo, false); err != nil {
		t.Fatalf("create GitRepository: %v", err)
	}
	for _, k := range []*unstructured.Unstructured{masterRoot, seedRoot} {
		patchRoot(t, k, gitRepo, url)
		if _, err := cp.Apply(ctx, k, false); err != nil {
			t.Fatalf("create root Kustomization %s: %v", k.GetName(), err)
		}
	}

	// What must appear, applied by which Flux Kustomization.
	want := map[string][]*unstructured.Unstructured{}
	for _, dir := range []string{"master/crds", "master"} {
		objs, err := harness.Build(filepath.Join(tree, filepath.FromSlash(dir)))
		if err != nil {
			t.Fatalf("kustomize build %s: %v", dir, err)
		}
		name := map[string]string{"master/crds": "kubermatic-crds", "master": "kubermatic-master"}[dir]
		want[name] = objs
	}
	clusters, err := harness.Build(filepath.Join(tree, "seeds", MasterSeed, "kubermatic"))
	if err != nil {
		t.Fatal(err)
	}
	want["kubermatic-clusters"] = clusters
	n := 0
	for _, o := range clusters {
		if o.GetKind() == "Cluster" {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("seeds/%s/kubermatic holds no Cluster", MasterSeed)
	}
	s, err := harness.LoadSeed(tree, MasterSeed)
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	waitFor(t, ctx, flux, "master/, the CRDs and seed "+MasterSeed+" applied by Flux", func() (bool, string) {
		var missing []string
		for ks, objs := range want {
			for _, o := range objs {
				live, err := cp.Get(ctx, o)
				switch {
				case err != nil:
					missing = append(missing, harness.ObjectRef(o)+": "+shortErr(err))
				case live.GetLabels()[harness.FluxNameLabel] != ks:
					missing = append(missing, fmt.Sprintf("%s: applied by %q, want %q", harness.ObjectRef(o), live.GetLabels()[harness.FluxNameLabel], ks))
				}
			}
		}
		for _, c := range s.Clusters {
			k := c.Kustomization
			if _, err := cp.Dynamic.Resource(harness.KustomizationGVR).Namespace(k.GetNamespace()).Get(ctx, k.GetName(), metav1.GetOptions{}); err != nil {
				missing = append(missing, "Kustomization "+k.GetName()+": "+shortErr(err))
			}
		}
		return len(missing) == 0, summarize("missing", missing)
	})
	t.Logf("Flux applied the Kubermatic CRDs, master/ (%d objects) and %d Cluster objects of seed %s (revision %s) in %s",
		len(want["kubermatic-master"]), n, MasterSeed, rev[:12], time.Since(start).Round(time.Millisecond))

	// The CRDs came from the render, not from the test.
	crd, err := cp.Dynamic.Resource(crdGVR).Get(ctx, "clusters.kubermatic.k8c.io", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := crd.GetLabels()[harness.FluxNameLabel]; got != "kubermatic-crds" {
		t.Errorf("CRD clusters.kubermatic.k8c.io applied by %q, want kubermatic-crds", got)
	}

	// The admission policy refuses Kubermatic's operator.
	op := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "kubermatic-operator", "namespace": "kubermatic"},
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": "op"}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": "op"}},
				"spec":     map[string]any{"containers": []any{map[string]any{"name": "op", "image": "quay.io/kubermatic/kubermatic:v2.31.0"}}},
			},
		},
	}}
	waitFor(t, ctx, flux, "Deployment kubermatic-operator refused", func() (bool, string) {
		_, err := cp.Apply(ctx, op, true)
		if err == nil {
			return false, "accepted (the policy may not be active yet)"
		}
		if strings.Contains(err.Error(), "must not run here") {
			return true, ""
		}
		return false, err.Error()
	})
}

// bootstrapObjects runs `fleetc bootstrap` and decodes what it prints.
func bootstrapObjects(t *testing.T, fleetc, config string, args ...string) []*unstructured.Unstructured {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(fleetc, append([]string{"bootstrap", "--repo", config}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("fleetc bootstrap %v: %v\n%s", args, err, errb.String())
	}
	objs, err := harness.DecodeYAML(out.Bytes())
	if err != nil {
		t.Fatalf("fleetc bootstrap %v: %v", args, err)
	}
	return objs
}

// split returns the GitRepository and the root Kustomization of a
// bootstrap.
func split(t *testing.T, objs []*unstructured.Unstructured) (repo, root *unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		switch o.GetKind() {
		case "GitRepository":
			repo = o
		case "Kustomization":
			root = o
		}
	}
	if len(objs) != 2 || repo == nil || root == nil {
		t.Fatalf("bootstrap printed %d objects, want a GitRepository and a Kustomization", len(objs))
	}
	if repo.GetNamespace() != harness.FluxNamespace || root.GetNamespace() != harness.FluxNamespace {
		t.Fatalf("bootstrap objects outside %s", harness.FluxNamespace)
	}
	return repo, root
}

func rootPath(t *testing.T, k *unstructured.Unstructured) string {
	t.Helper()
	p, _, _ := unstructured.NestedString(k.Object, "spec", "path")
	if p == "" {
		t.Fatalf("root Kustomization %s has no path", k.GetName())
	}
	return p
}

// patchRoot makes the root Kustomization fit this test, as the objects go
// through Flux: the rendered GitRepository points at the local server, and
// every Kustomization it applies does not wait (no kubelet: no Deployment
// ever becomes ready), so dependsOn is satisfied once an apply succeeds.
func patchRoot(t *testing.T, k, gitRepo *unstructured.Unstructured, url string) {
	t.Helper()
	repoPatch := fmt.Sprintf("apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  url: %s\n  secretRef: null\n",
		gitRepo.GetName(), gitRepo.GetNamespace(), url)
	const ksPatch = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: any\nspec:\n  wait: false\n  healthChecks: null\n"
	patches := []any{
		map[string]any{"patch": repoPatch, "target": map[string]any{"group": "source.toolkit.fluxcd.io", "kind": "GitRepository", "name": gitRepo.GetName()}},
		map[string]any{"patch": ksPatch, "target": map[string]any{"group": "kustomize.toolkit.fluxcd.io", "kind": "Kustomization"}},
	}
	if err := unstructured.SetNestedSlice(k.Object, patches, "spec", "patches"); err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedField(k.Object, "2m", "spec", "timeout"); err != nil {
		t.Fatal(err)
	}
}
