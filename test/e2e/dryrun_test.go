package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/fleetc/fleetc/test/e2e/harness"
)

// startCluster starts etcd and kube-apiserver with the Flux, cert-manager and
// Kubermatic CRDs installed.
func startCluster(t *testing.T, bin string) *harness.ControlPlane {
	t.Helper()
	cp := harness.StartControlPlane(t, bin)
	cp.InstallCRDs(t, harness.CRDFiles(t)...)
	return cp
}

// TestDryRun builds every kustomization folder of the rendered tree and
// server-side applies every object with dryRun=All and strict field
// validation against a real kube-apiserver. Every refusal is an error.
//
// Its subtest "rejects" (what TestDryRunRejects was) proves the check can
// fail, on the same kube-apiserver: its broken trees are copies of this one,
// with the same Namespaces and CRDs, so sharing the server hides nothing
// from either. The generated fleet and the hand-made tree, whose
// Namespaces differ, get servers of their own.
func TestDryRun(t *testing.T) {
	t.Parallel()
	bin := harness.Binaries(t)
	tree := renderedTree(t)
	cp := startCluster(t, bin)
	t.Run("example", func(t *testing.T) {
		t.Parallel()
		dryRun(t, cp, tree)
	})
	t.Run("rejects", func(t *testing.T) {
		t.Parallel()
		dryRunRejects(t, cp, tree)
	})
}

// TestDryRunGenerated is TestDryRun on a generated fleet: every provider,
// expose strategy, tunnel and Kubernetes version of the catalog.
func TestDryRunGenerated(t *testing.T) {
	t.Parallel()
	if os.Getenv(TreeEnv) != "" {
		t.Skipf("%s is set: checking that tree only", TreeEnv)
	}
	bin := harness.Binaries(t)
	tree := renderGenerated(t)
	dryRun(t, startCluster(t, bin), tree)
}

// TestHandMadeTree keeps the harness's own small tree passing.
func TestHandMadeTree(t *testing.T) {
	t.Parallel()
	bin := harness.Binaries(t)
	dryRun(t, startCluster(t, bin), handMadeTree(t))
}

func dryRun(t *testing.T, cp *harness.ControlPlane, tree string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	res, err := harness.DryRunTree(ctx, cp, tree, harness.DryRunOptions{})
	if err != nil {
		t.Fatalf("dry run of %s: %v", tree, err)
	}
	t.Logf("dry run: %d folders, %d objects, %d rejections in %s",
		res.Dirs, res.Objects, len(res.Rejections), time.Since(start).Round(time.Millisecond))
	for _, r := range res.Rejections {
		t.Errorf("rejected: %s", r)
	}
	if res.Objects == 0 {
		t.Errorf("%s: kustomize built no objects; the test proved nothing", tree)
	}
}

// dryRunRejects proves TestDryRun can fail: it breaks one field of one
// rendered file in a copy of the tree and expects a rejection that names the
// file, the object and the API server's reason.
func dryRunRejects(t *testing.T, cp *harness.ControlPlane, tree string) {
	cases := []struct {
		name        string
		group, kind string
		breakIt     func(o *unstructured.Unstructured) error
		want        []string // all must appear in the message
	}{
		{
			name: "service port out of range", group: "", kind: "Service",
			breakIt: func(o *unstructured.Unstructured) error {
				ports, _, err := unstructured.NestedSlice(o.Object, "spec", "ports")
				if err != nil || len(ports) == 0 {
					return fmt.Errorf("Service %s has no spec.ports", o.GetName())
				}
				ports[0].(map[string]any)["port"] = int64(70000)
				return unstructured.SetNestedSlice(o.Object, ports, "spec", "ports")
			},
			want: []string{"spec.ports[0].port", "70000", "must be between 1 and 65535"},
		},
		{
			name: "unknown field in deployment spec", group: "apps", kind: "Deployment",
			breakIt: func(o *unstructured.Unstructured) error {
				return unstructured.SetNestedField(o.Object, int64(3), "spec", "replica")
			},
			want: []string{".spec.replica", "field not declared in schema"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			broken := filepath.Join(t.TempDir(), "tree")
			if err := harness.CopyTree(tree, broken); err != nil {
				t.Fatal(err)
			}
			target, file, err := harness.FindBuiltObject(broken, tc.group, tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(broken, filepath.FromSlash(file))
			objs, err := harness.ReadObjects(path)
			if err != nil {
				t.Fatal(err)
			}
			hit := false
			for _, o := range objs {
				if o.GetKind() == tc.kind && o.GetName() == target.GetName() {
					if err := tc.breakIt(o); err != nil {
						t.Fatal(err)
					}
					hit = true
				}
			}
			if !hit {
				t.Fatalf("%s: no %s %s in the file", file, tc.kind, target.GetName())
			}
			if err := harness.WriteObjects(path, objs); err != nil {
				t.Fatal(err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			res, err := harness.DryRunTree(ctx, cp, broken, harness.DryRunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Rejections {
				if r.File != file || r.Kind != tc.kind || r.Name != target.GetName() {
					continue
				}
				for _, w := range tc.want {
					if !strings.Contains(r.Message, w) {
						t.Errorf("rejection of %s lacks %q: %s", file, w, r)
					}
				}
				if s := r.String(); !strings.HasPrefix(s, file+": ") {
					t.Errorf("rejection does not start with the file: %s", s)
				}
				t.Logf("rejected as expected: %s", r)
				return
			}
			t.Fatalf("breaking %s (%s %s) gave no rejection for it; got %d: %v",
				file, tc.kind, target.GetName(), len(res.Rejections), res.Rejections)
		})
	}
}
