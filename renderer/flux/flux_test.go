package flux

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

func testInput() Input {
	return Input{
		Master: &model.Master{
			Domain: "kkp.example.com",
			GitOps: model.GitOps{
				URL:       "ssh://git@git.example.com/fleet/rendered.git",
				Branch:    "main",
				Path:      "rendered",
				Interval:  "5m",
				SecretRef: "fleet-deploy-key",
			},
		},
		Seed: &model.Seed{Name: "eu"},
		Clusters: []*model.Cluster{
			{Name: "billing", Resolved: model.Resolved{Seed: "eu"}},
			{Name: "payments", Paused: true, Resolved: model.Resolved{Seed: "eu"}},
			{Name: "web", Resolved: model.Resolved{Seed: "eu"}},
		},
	}
}

func render(t *testing.T, in Input) []object.Object {
	t.Helper()
	objs, err := Objects(in)
	if err != nil {
		t.Fatalf("Objects: %v", err)
	}
	return objs
}

func kustomizations(objs []object.Object) map[string]*kustomizev1.Kustomization {
	out := map[string]*kustomizev1.Kustomization{}
	for _, o := range objs {
		if k, ok := o.(*kustomizev1.Kustomization); ok {
			out[k.Name] = k
		}
	}
	return out
}

func gitRepository(t *testing.T, objs []object.Object) *sourcev1.GitRepository {
	t.Helper()
	var repos []*sourcev1.GitRepository
	for _, o := range objs {
		if r, ok := o.(*sourcev1.GitRepository); ok {
			repos = append(repos, r)
		}
	}
	if len(repos) != 1 {
		t.Fatalf("%d GitRepositories, want 1", len(repos))
	}
	return repos[0]
}

func TestKustomizations(t *testing.T) {
	objs := render(t, testInput())
	ks := kustomizations(objs)
	// Per cluster its control plane; the usercluster Kustomizations live
	// in the clusters' folders (UserCluster).
	if len(objs) != 4 || len(ks) != 3 {
		t.Fatalf("%d objects, %d Kustomizations; want 4 and 3", len(objs), len(ks))
	}
	for _, c := range []string{"billing", "payments", "web"} {
		if _, ok := ks[UserClusterName(c)]; ok {
			t.Errorf("Kustomization %s is in flux-system: it belongs in the cluster's namespace", UserClusterName(c))
		}
	}
	tests := []struct {
		name, path string
		suspend    bool
	}{
		{"cluster-billing", "./rendered/seeds/eu/clusters/billing", false},
		{"cluster-payments", "./rendered/seeds/eu/clusters/payments", true},
		{"cluster-web", "./rendered/seeds/eu/clusters/web", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ok := ks[tt.name]
			if !ok {
				t.Fatalf("no Kustomization %s", tt.name)
			}
			want := kustomizev1.KustomizationSpec{
				SourceRef:       kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: "fleetc"},
				Path:            tt.path,
				TargetNamespace: tt.name,
				Interval:        metav1.Duration{Duration: 5 * time.Minute},
				RetryInterval:   &metav1.Duration{Duration: time.Minute},
				Timeout:         &metav1.Duration{Duration: 10 * time.Minute},
				Prune:           true,
				Wait:            true,
				Suspend:         tt.suspend,
			}
			if !reflect.DeepEqual(k.Spec, want) {
				t.Errorf("spec = %+v\nwant %+v", k.Spec, want)
			}
			if k.Namespace != "flux-system" || k.Spec.TargetNamespace != tt.name {
				t.Errorf("namespace %q, targetNamespace %q", k.Namespace, k.Spec.TargetNamespace)
			}
			if k.APIVersion != "kustomize.toolkit.fluxcd.io/v1" || k.Kind != "Kustomization" {
				t.Errorf("TypeMeta = %+v", k.TypeMeta)
			}
		})
	}
}

func TestGitRepository(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Input)
		want   sourcev1.GitRepositorySpec
	}{
		{"with secret", func(*Input) {}, sourcev1.GitRepositorySpec{
			URL:       "ssh://git@git.example.com/fleet/rendered.git",
			Reference: &sourcev1.GitRepositoryRef{Branch: "main"},
			Interval:  metav1.Duration{Duration: 5 * time.Minute},
			SecretRef: &meta.LocalObjectReference{Name: "fleet-deploy-key"},
		}},
		{"public https, other branch", func(in *Input) {
			in.Master.GitOps.URL = "https://github.com/acme/fleet-rendered"
			in.Master.GitOps.Branch = "release"
			in.Master.GitOps.SecretRef = ""
			in.Master.GitOps.Interval = "90s"
		}, sourcev1.GitRepositorySpec{
			URL:       "https://github.com/acme/fleet-rendered",
			Reference: &sourcev1.GitRepositoryRef{Branch: "release"},
			Interval:  metav1.Duration{Duration: 90 * time.Second},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := testInput()
			tt.mutate(&in)
			r := gitRepository(t, render(t, in))
			if r.Name != "fleetc" || r.Namespace != "flux-system" {
				t.Errorf("GitRepository %s/%s", r.Namespace, r.Name)
			}
			if r.APIVersion != "source.toolkit.fluxcd.io/v1" || r.Kind != "GitRepository" {
				t.Errorf("TypeMeta = %+v", r.TypeMeta)
			}
			if !reflect.DeepEqual(r.Spec, tt.want) {
				t.Errorf("spec = %+v\nwant %+v", r.Spec, tt.want)
			}
		})
	}
}

func TestClusterPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"rendered", "./rendered/seeds/eu/clusters/web"},
		{"./rendered", "./rendered/seeds/eu/clusters/web"},
		{"/rendered/", "./rendered/seeds/eu/clusters/web"},
		{"deploy/fleet", "./deploy/fleet/seeds/eu/clusters/web"},
		{"", "./seeds/eu/clusters/web"},
		{".", "./seeds/eu/clusters/web"},
	}
	for _, tt := range tests {
		if got := ClusterPath(model.GitOps{Path: tt.path}, "eu", "web"); got != tt.want {
			t.Errorf("ClusterPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestNoClusters(t *testing.T) {
	in := testInput()
	in.Clusters = nil
	objs := render(t, in)
	if len(objs) != 1 || len(kustomizations(objs)) != 0 {
		t.Fatalf("want only the GitRepository, got %d objects", len(objs))
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Input)
		want   string
	}{
		{"no master", func(in *Input) { in.Master = nil }, "required"},
		{"scp-like url", func(in *Input) { in.Master.GitOps.URL = "git@github.com:acme/fleet.git" }, "ssh://"},
		{"empty url", func(in *Input) { in.Master.GitOps.URL = "" }, "url"},
		{"no branch", func(in *Input) { in.Master.GitOps.Branch = "" }, "branch"},
		{"bad interval", func(in *Input) { in.Master.GitOps.Interval = "5 minutes" }, "interval"},
		{"tiny interval", func(in *Input) { in.Master.GitOps.Interval = "10ms" }, "at least 1s"},
		{"path escapes", func(in *Input) { in.Master.GitOps.Path = "../elsewhere" }, "leaves the repository"},
		{"cluster of another seed", func(in *Input) { in.Clusters[1].Resolved.Seed = "us" }, "payments"},
		{"cluster twice", func(in *Input) { in.Clusters = append(in.Clusters, in.Clusters[0]) }, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := testInput()
			tt.mutate(&in)
			objs, err := Objects(in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			if objs != nil {
				t.Error("objects returned with an error")
			}
		})
	}
}

func TestLabelsAndTypeMeta(t *testing.T) {
	for _, o := range render(t, testInput()) {
		if object.Kind(o) == "" || object.APIVersion(o) == "" {
			t.Errorf("%s: TypeMeta not set", o.GetName())
		}
		if o.GetLabels()[LabelManagedBy] != ManagedBy {
			t.Errorf("%s: labels %v", o.GetName(), o.GetLabels())
		}
	}
}

// TestStrictRoundTrip decodes every object strictly into its own type and
// requires the same JSON back.
func TestStrictRoundTrip(t *testing.T) {
	for _, o := range render(t, testInput()) {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		fresh := reflect.New(reflect.TypeOf(o).Elem()).Interface()
		strict, err := sigsjson.UnmarshalStrict(b, fresh)
		if err != nil || len(strict) > 0 {
			t.Errorf("%s: strict decode: %v %v", o.GetName(), err, strict)
			continue
		}
		b2, _ := json.Marshal(fresh)
		if string(b) != string(b2) {
			t.Errorf("%s: round trip changed the object:\n%s\n%s", o.GetName(), b, b2)
		}
		// The wire format Flux's CRDs validate: durations as Go strings.
		if !strings.Contains(string(b), `"interval":"5m0s"`) {
			t.Errorf("%s: interval not rendered as 5m0s: %s", o.GetName(), b)
		}
	}
}

func TestDeterministic(t *testing.T) {
	marshal := func(in Input) string {
		var sb strings.Builder
		for _, o := range render(t, in) {
			b, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			sb.Write(b)
		}
		return sb.String()
	}
	want := marshal(testInput())
	in := testInput()
	in.Clusters[0], in.Clusters[2] = in.Clusters[2], in.Clusters[0] // order of input does not matter
	for range 5 {
		if got := marshal(in); got != want {
			t.Fatalf("render differs:\n%s\n%s", got, want)
		}
	}
}

func TestUserCluster(t *testing.T) {
	in := testInput()
	for _, c := range in.Clusters {
		u, err := UserCluster(in.Master, in.Seed.Name, c)
		if err != nil {
			t.Fatal(err)
		}
		if u.Namespace != c.Namespace() || u.Name != UserClusterName(c.Name) {
			t.Errorf("%s: in %s/%s, want %s/%s", c.Name, u.Namespace, u.Name, c.Namespace(), UserClusterName(c.Name))
		}
		if u.Spec.Path != "./rendered/seeds/eu/usercluster/"+c.Name {
			t.Errorf("%s: path %s", c.Name, u.Spec.Path)
		}
		if u.Spec.KubeConfig == nil || u.Spec.KubeConfig.SecretRef == nil ||
			u.Spec.KubeConfig.SecretRef.Name != UserClusterKubeconfig || u.Spec.KubeConfig.SecretRef.Key != "value" {
			t.Errorf("%s: kubeConfig %+v, want Secret %s key value", c.Name, u.Spec.KubeConfig, UserClusterKubeconfig)
		}
		if u.Spec.SourceRef.Namespace != Namespace || u.Spec.SourceRef.Name != SourceName {
			t.Errorf("%s: source %+v, want %s/%s", c.Name, u.Spec.SourceRef, Namespace, SourceName)
		}
		if !u.Spec.Prune || u.Spec.Suspend != c.Paused {
			t.Errorf("%s: prune %v suspend %v (paused %v)", c.Name, u.Spec.Prune, u.Spec.Suspend, c.Paused)
		}
		if len(u.Spec.DependsOn) != 0 {
			t.Errorf("%s: dependsOn %v: the cluster's own Kustomization applies it (a cycle)", c.Name, u.Spec.DependsOn)
		}
	}
}
