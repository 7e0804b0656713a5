package renderer_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	gitobject "github.com/go-git/go-git/v5/plumbing/object"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/internal/golden"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/disk"
	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/tree"
	"github.com/fleetc/fleetc/renderer/typed"
)

const (
	exampleDir = "../fixtures/example"
	goldenDir  = "../fixtures/golden/example"
)

func loadExample(t testing.TB) *model.Config {
	t.Helper()
	snap, err := source.Read(exampleDir, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := renderer.Load(snap.Files, catalog.Default())
	if err != nil {
		t.Fatalf("example fleet rejected:\n%v", err)
	}
	return cfg
}

func renderFiles(t testing.TB, files []source.File, opts renderer.Options) *tree.Tree {
	t.Helper()
	cfg, err := renderer.Load(files, catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	out, err := renderer.Compile(cfg, catalog.Default(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func renderExample(t testing.TB) *tree.Tree {
	t.Helper()
	out, err := renderer.Compile(loadExample(t), catalog.Default(), renderer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGoldenExample compares the render of the example fleet with the tree
// checked in under fixtures/golden/example (-update rewrites it).
func TestGoldenExample(t *testing.T) {
	out := renderExample(t)
	if *golden.Update {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		if _, err := disk.Write(goldenDir, out); err != nil {
			t.Fatal(err)
		}
		return
	}
	drift, err := disk.Compare(goldenDir, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !drift.Empty() {
		t.Errorf("render differs from %s (run go test ./renderer -update and review the diff):\nmissing: %v\nstale: %v\nextra: %v",
			goldenDir, first(drift.Missing), first(drift.Stale), first(drift.Extra))
	}
}

// TestDeterministic renders the example in different ways that must not
// matter: shuffled file order, one or many workers, from a git commit or
// from the working tree.
func TestDeterministic(t *testing.T) {
	want := renderExample(t)
	snap, err := source.Read(exampleDir, "")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("shuffled files and workers", func(t *testing.T) {
		for i, workers := range []int{1, 2, 8, 64} {
			files := slices.Clone(snap.Files)
			r := rand.New(rand.NewPCG(uint64(i), 42))
			r.Shuffle(len(files), func(a, b int) { files[a], files[b] = files[b], files[a] })
			assertSameTree(t, want, renderFiles(t, files, renderer.Options{Workers: workers}))
		}
	})

	t.Run("git revision", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(exampleDir)); err != nil {
			t.Fatal(err)
		}
		repo, err := git.PlainInit(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		wt, _ := repo.Worktree()
		if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
			t.Fatal(err)
		}
		sig := &gitobject.Signature{Name: "t", Email: "t@example.com", When: time.Unix(0, 0)}
		if _, err := wt.Commit("example", &git.CommitOptions{Author: sig}); err != nil {
			t.Fatal(err)
		}
		// An uncommitted edit must not be seen when reading the commit.
		if err := os.WriteFile(filepath.Join(dir, "clusters", "zz.cue"), []byte("package fleet\nclusters: zz: {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		snap, err := source.Read(dir, "HEAD")
		if err != nil {
			t.Fatal(err)
		}
		assertSameTree(t, want, renderFiles(t, snap.Files, renderer.Options{}))
	})
}

func assertSameTree(t *testing.T, want, got *tree.Tree) {
	t.Helper()
	if !slices.Equal(want.Paths(), got.Paths()) {
		t.Fatalf("paths differ: %d vs %d files", want.Len(), got.Len())
	}
	for _, p := range want.Paths() {
		a, _ := want.Get(p)
		b, _ := got.Get(p)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s differs", p)
		}
	}
}

// TestEveryFolderBuilds runs kustomize (as Flux's kustomize-controller
// does) on every folder of the rendered example that has a
// kustomization.yaml, and checks it yields exactly the folder's objects.
func TestEveryFolderBuilds(t *testing.T) {
	assertFoldersBuild(t, renderExample(t))
}

func assertFoldersBuild(t *testing.T, out *tree.Tree) {
	t.Helper()
	fsys := filesys.MakeFsInMemory()
	var dirs []string
	for _, p := range out.Paths() {
		data, _ := out.Get(p)
		if err := fsys.WriteFile("/"+p, data); err != nil {
			t.Fatal(err)
		}
		if path.Base(p) == "kustomization.yaml" {
			dirs = append(dirs, path.Dir(p))
		}
	}
	if len(dirs) == 0 {
		t.Fatal("no kustomization.yaml rendered")
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	for _, d := range dirs {
		rm, err := k.Run(fsys, "/"+d)
		if err != nil {
			t.Errorf("kustomize build %s: %v", d, err)
			continue
		}
		if rm.Size() == 0 {
			t.Errorf("kustomize build %s: no objects", d)
		}
	}
}

// TestObjectsDecodeStrictly decodes every rendered object into its Go type
// with unknown fields disallowed: a misspelt or misplaced field fails.
func TestObjectsDecodeStrictly(t *testing.T) {
	out := renderExample(t)
	kinds := map[string]int{}
	for _, p := range out.Paths() {
		if !strings.HasSuffix(p, ".yaml") || path.Base(p) == "kustomization.yaml" {
			continue
		}
		data, _ := out.Get(p)
		gvk, err := typed.DecodeStrict(data)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		kinds[gvk]++
	}
	for _, want := range []string{
		"apps/v1/Deployment", "apps/v1/StatefulSet", "v1/Service", "v1/Namespace", "v1/ConfigMap",
		"policy/v1/PodDisruptionBudget", "cert-manager.io/v1/Certificate", "cert-manager.io/v1/Issuer",
		"kustomize.toolkit.fluxcd.io/v1/Kustomization", "source.toolkit.fluxcd.io/v1/GitRepository",
		"kubermatic.k8c.io/v1/User", "kubermatic.k8c.io/v1/Project", "kubermatic.k8c.io/v1/UserProjectBinding",
		"kubermatic.k8c.io/v1/UserSSHKey", "kubermatic.k8c.io/v1/Seed",
		"kubermatic.k8c.io/v1/Cluster", "kubermatic.k8c.io/v1/KubermaticConfiguration",
		"networking.k8s.io/v1/Ingress", "apiextensions.k8s.io/v1/CustomResourceDefinition",
	} {
		if kinds[want] == 0 {
			t.Errorf("no %s rendered", want)
		}
	}
}

// TestDecodeStrictRejects proves the strict decoder can fail.
func TestDecodeStrictRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field":  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replica: 2}\n",
		"wrong type":     "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: \"http\"}]}\n",
		"unknown kind":   "apiVersion: v1\nkind: Gadget\nmetadata: {name: x}\n",
		"kkp bad field":  "apiVersion: kubermatic.k8c.io/v1\nkind: User\nmetadata: {name: x}\nspec: {nam: x}\n",
		"flux bad field": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: x}\nspec: {prun: true}\n",
	} {
		if _, err := typed.DecodeStrict([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestNoSecretsRendered scans every rendered file for private material.
func TestNoSecretsRendered(t *testing.T) {
	out := renderExample(t)
	assertNoSecrets(t, out)
}

var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),
	regexp.MustCompile(`(?m)^kind: Secret$`),
	// A value on the key's line: the CRDs' schemas have properties named
	// password or token, whose values are on the next lines.
	regexp.MustCompile(`(?mi)^[ \t]*(password|token|client-key-data|clientSecret|secretAccessKey)[ \t]*:[ \t]*\S`),
	regexp.MustCompile(`(?m)^\s*[\w-]*-data:\s*[A-Za-z0-9+/=]{40,}`),
}

func assertNoSecrets(t *testing.T, out *tree.Tree) {
	t.Helper()
	for _, p := range out.Paths() {
		data, _ := out.Get(p)
		for _, re := range secretPatterns {
			if loc := re.FindIndex(data); loc != nil {
				t.Errorf("%s: looks like a secret: %q", p, data[loc[0]:loc[1]])
			}
		}
	}
}

func TestSecretScannerCatches(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n",
		"data:\n  tls.key: |\n    -----BEGIN RSA PRIVATE KEY-----\n",
		"users:\n- user:\n    token: abcdef.0123456789abcdef\n",
		"spec:\n  clientSecret: |\n    abc\n",
		"auth:\n  password: |\n    hunter2\n",
	} {
		found := false
		for _, re := range secretPatterns {
			found = found || re.MatchString(doc)
		}
		if !found {
			t.Errorf("scanner misses %q", doc)
		}
	}
}

// TestIndexListsEveryFile checks .fleetc/index.json against the tree.
func TestIndexListsEveryFile(t *testing.T) {
	out := renderExample(t)
	data, ok := out.Get(layout.IndexPath)
	if !ok {
		t.Fatal("no index")
	}
	var idx tree.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatal(err)
	}
	if idx.Generator != "fleetc "+renderer.Version || !strings.HasPrefix(idx.InputDigest, "sha256:") {
		t.Errorf("index header: %q %q", idx.Generator, idx.InputDigest)
	}
	if len(idx.Files) != out.Len()-1 {
		t.Errorf("index lists %d files, tree has %d besides the index", len(idx.Files), out.Len()-1)
	}
}

// TestSeedSubset renders one seed: master/ and that seed only.
func TestSeedSubset(t *testing.T) {
	cfg := loadExample(t)
	out, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{Seeds: []string{"us-east"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range out.Paths() {
		if strings.HasPrefix(p, "seeds/") && !strings.HasPrefix(p, "seeds/us-east/") {
			t.Errorf("%s rendered with --seed us-east", p)
		}
	}
	if _, ok := out.Get("seeds/us-east/clusters/payments-us/kustomization.yaml"); !ok {
		t.Error("seed us-east not rendered")
	}
	if _, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{Seeds: []string{"mars"}}); err == nil {
		t.Error("unknown seed accepted")
	}
}

func ExampleCompile() {
	snap, _ := source.Read(exampleDir, "")
	cfg, _ := renderer.Load(snap.Files, catalog.Default())
	out, _ := renderer.Compile(cfg, catalog.Default(), renderer.Options{})
	data, _ := out.Get("seeds/eu-central/kustomization.yaml")
	var k map[string]any
	_ = yaml.Unmarshal(data, &k)
	fmt.Println(k["resources"])
	// Output: [flux kustomization-kubermatic-clusters.yaml kustomization-kubermatic-crds.yaml nodeport-proxy]
}

// first shortens a list of paths for a message.
func first(ps []string) string {
	if len(ps) > 10 {
		return fmt.Sprintf("%v and %d more", ps[:10], len(ps)-10)
	}
	return fmt.Sprint(ps)
}

// TestRegistryRewrite: master.registry replaces the registry of every image.
func TestRegistryRewrite(t *testing.T) {
	cfg := loadExample(t)
	cfg.Master.Registry = "mirror.acme.example:5000/kkp"
	out, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	imageRE := regexp.MustCompile(`(?m)^\s*image: (\S+)$`)
	n := 0
	for _, p := range out.Paths() {
		if strings.HasPrefix(path.Base(p), "machinedeployment-") {
			continue // image: there is an OpenStack image name, not a container image
		}
		data, _ := out.Get(p)
		for _, m := range imageRE.FindAllSubmatch(data, -1) {
			n++
			if !strings.HasPrefix(string(m[1]), "mirror.acme.example:5000/kkp/") {
				t.Errorf("%s: image %s not rewritten", p, m[1])
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d images found", n)
	}
}

// TestGOMAXPROCS renders with one and with eight OS threads.
func TestGOMAXPROCS(t *testing.T) {
	want := renderExample(t)
	for _, procs := range []int{1, 8} {
		old := runtime.GOMAXPROCS(procs)
		got := renderExample(t)
		runtime.GOMAXPROCS(old)
		assertSameTree(t, want, got)
	}
}
