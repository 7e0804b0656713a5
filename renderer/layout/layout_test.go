package layout_test

import (
	"strings"
	"testing"

	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/tree"
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
		if got := layout.FileName(tc.kind, tc.name); got != tc.want {
			t.Errorf("layout.FileName(%q, %q) = %q, want %q", tc.kind, tc.name, got, tc.want)
		}
	}
	a, b := layout.FileName("ConfigMap", long), layout.FileName("ConfigMap", long+"x")
	if len(a) != 255 || len(b) != 255 || a == b || !strings.HasSuffix(a, ".yaml") || !strings.HasPrefix(a, "configmap-nnnn") {
		t.Fatalf("long names: %q (%d), %q (%d)", a, len(a), b, len(b))
	}
	if layout.FileName("ConfigMap", long) != a {
		t.Fatal("long name not deterministic")
	}
	// Collisions are left to Add.
	tr := tree.New()
	if err := tr.Add(layout.FileName("ClusterRole", "a:b"), nil); err != nil {
		t.Fatal(err)
	}
	if err := tr.Add(layout.FileName("ClusterRole", "a-b"), nil); err == nil {
		t.Fatal("colliding file names not reported by Add")
	}
}

func TestParse(t *testing.T) {
	for p, want := range map[string]layout.Location{
		"master/namespace-kubermatic.yaml":                 {Place: layout.Master},
		".fleetc/index.json":                               {Place: layout.Own},
		"seeds/eu/kustomization.yaml":                      {Place: layout.SeedFolder, Seed: "eu"},
		"seeds/eu/flux/gitrepository-fleet.yaml":           {Place: layout.SeedFolder, Seed: "eu"},
		"seeds/eu/clusters/prod/deployment-apiserver.yaml": {Place: layout.ClusterPart, Seed: "eu", Cluster: "prod"},
		"seeds/eu/usercluster/prod/kustomization.yaml":     {Place: layout.UserPart, Seed: "eu", Cluster: "prod"},
		"seeds/eu/clusters/prod":                           {Place: layout.SeedFolder, Seed: "eu"},
		"seeds/eu":                                         {},
		"README.md":                                        {},
	} {
		if got := layout.Parse(p); got != want {
			t.Errorf("Parse(%q) = %+v, want %+v", p, got, want)
		}
	}
	if got := layout.Parse(layout.Cluster("s", "c") + "/x.yaml"); got != (layout.Location{Place: layout.ClusterPart, Seed: "s", Cluster: "c"}) {
		t.Errorf("Parse(Cluster) = %+v", got)
	}
	if got := layout.Parse(layout.UserCluster("s", "c") + "/x.yaml"); got != (layout.Location{Place: layout.UserPart, Seed: "s", Cluster: "c"}) {
		t.Errorf("Parse(UserCluster) = %+v", got)
	}
	for g, want := range map[string]string{"": "./seeds/s", ".": "./seeds/s", "rendered": "./rendered/seeds/s", "/rendered": "./rendered/seeds/s", "./rendered": "./rendered/seeds/s"} {
		if got := layout.RepoPath(g, layout.Seed("s")); got != want {
			t.Errorf("RepoPath(%q) = %q, want %q", g, got, want)
		}
	}
}
