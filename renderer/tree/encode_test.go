package tree

import (
	"slices"
	"strings"
	"testing"
)

func TestFileName(t *testing.T) {
	long := strings.Repeat("n", 300)
	tests := []struct{ kind, name, want string }{
		{"Deployment", "apiserver", "deployment-apiserver.yaml"},
		{"ClusterRole", "kubermatic:foo", "clusterrole-kubermatic-foo.yaml"},
		{"ClusterRoleBinding", "system:kubermatic:seed-admin", "clusterrolebinding-system-kubermatic-seed-admin.yaml"},
		{"ConfigMap", "kube.config", "configmap-kube.config.yaml"},
		{"Role", "Mixed_Case/x", "role-mixed-case-x.yaml"},
		{"Role", "ü", "role--.yaml"}, // one '-' per character, not per byte
		{"Certificate", "etcd-0", "certificate-etcd-0.yaml"},
	}
	for _, tc := range tests {
		if got := FileName(tc.kind, tc.name); got != tc.want {
			t.Errorf("FileName(%q, %q) = %q, want %q", tc.kind, tc.name, got, tc.want)
		}
	}
	a, b := FileName("ConfigMap", long), FileName("ConfigMap", long+"x")
	if len(a) != maxFileName || len(b) != maxFileName || a == b || !strings.HasSuffix(a, ".yaml") || !strings.HasPrefix(a, "configmap-nnnn") {
		t.Fatalf("long names: %q (%d), %q (%d)", a, len(a), b, len(b))
	}
	if FileName("ConfigMap", long) != a {
		t.Fatal("long name not deterministic")
	}
	// Collisions are left to Add.
	tr := New()
	must(t, tr.Add(FileName("ClusterRole", "a:b"), nil))
	if err := tr.Add(FileName("ClusterRole", "a-b"), nil); err == nil {
		t.Fatal("colliding file names not reported by Add")
	}
}

func TestKustomization(t *testing.T) {
	in := []string{"flux", "clusters/c2", "clusters/c1", "certificate-ca.yaml"}
	orig := slices.Clone(in)
	got := string(Kustomization(in))
	want := `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- certificate-ca.yaml
- clusters/c1
- clusters/c2
- flux
`
	if got != want {
		t.Fatalf("Kustomization =\n%s\nwant\n%s", got, want)
	}
	if !slices.Equal(in, orig) {
		t.Fatal("Kustomization modified its argument")
	}
	if got, want := string(Kustomization(nil)), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"; got != want {
		t.Fatalf("empty Kustomization = %q, want %q", got, want)
	}
}
