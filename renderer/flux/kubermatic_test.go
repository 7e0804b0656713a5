package flux

import (
	"strings"
	"testing"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"

	"github.com/fleetc/fleetc/renderer/object"
)

func deps(k *kustomizev1.Kustomization) []string {
	var out []string
	for _, d := range k.Spec.DependsOn {
		out = append(out, d.Name)
	}
	return out
}

// TestMasterObjects: the master's flux/ applies the CRDs first (never
// pruned) and then master/ (pruned).
func TestMasterObjects(t *testing.T) {
	m := testInput().Master
	objs, err := MasterObjects(m)
	if err != nil {
		t.Fatal(err)
	}
	repo := gitRepository(t, objs)
	if repo.Name != SourceName || repo.Spec.SecretRef == nil || repo.Spec.SecretRef.Name != "fleet-deploy-key" {
		t.Errorf("GitRepository %+v", repo)
	}
	ks := kustomizations(objs)
	if len(ks) != 2 {
		t.Fatalf("%d Kustomizations", len(ks))
	}
	crd, master := ks[CRDsName], ks[MasterName]
	if crd == nil || master == nil {
		t.Fatalf("Kustomizations %v", ks)
	}
	if crd.Spec.Path != "./rendered/master/crds" || crd.Spec.Prune || len(crd.Spec.DependsOn) != 0 || !crd.Spec.Wait {
		t.Errorf("CRDs: %+v", crd.Spec)
	}
	if master.Spec.Path != "./rendered/master" || !master.Spec.Prune || strings.Join(deps(master), ",") != CRDsName {
		t.Errorf("master: %+v", master.Spec)
	}
}

// TestSeedKubermaticObjects: on a seed, the Cluster objects wait for the
// CRDs.
func TestSeedKubermaticObjects(t *testing.T) {
	objs, err := SeedKubermaticObjects(testInput().Master, "eu")
	if err != nil {
		t.Fatal(err)
	}
	ks := kustomizations(objs)
	if len(objs) != 2 || len(ks) != 2 {
		t.Fatalf("objects %d, Kustomizations %v", len(objs), ks)
	}
	crd, cl := ks[CRDsName], ks[ClustersName]
	if crd == nil || crd.Spec.Prune || crd.Spec.Path != "./rendered/master/crds" {
		t.Errorf("CRDs: %+v", crd)
	}
	if cl == nil || cl.Spec.Path != "./rendered/seeds/eu/kubermatic" || !cl.Spec.Prune || strings.Join(deps(cl), ",") != CRDsName {
		t.Errorf("clusters: %+v", cl)
	}
	for _, k := range ks {
		if k.Spec.SourceRef.Name != SourceName || k.Spec.SourceRef.Kind != sourcev1.GitRepositoryKind {
			t.Errorf("%s: source %+v", k.Name, k.Spec.SourceRef)
		}
	}
	m := testInput().Master
	m.GitOps.URL = "git@example.com:x/y"
	if _, err := SeedKubermaticObjects(m, "eu"); err == nil {
		t.Error("bad URL accepted")
	}
}

// TestBootstrap: the GitRepository is the rendered one, the root
// Kustomization applies the master's or the seed's folder, the two roots
// differ (a master may be a seed), and none uses flux bootstrap's names.
func TestBootstrap(t *testing.T) {
	m := testInput().Master
	seed, err := BootstrapSeed(m, "eu")
	if err != nil {
		t.Fatal(err)
	}
	master, err := BootstrapMaster(m)
	if err != nil {
		t.Fatal(err)
	}
	rendered, _ := Objects(testInput())
	want := gitRepository(t, rendered)
	for _, objs := range [][]object.Object{seed, master} {
		repo := gitRepository(t, objs)
		if repo.Name != want.Name || repo.Spec.URL != want.Spec.URL || repo.Spec.SecretRef.Name != want.Spec.SecretRef.Name {
			t.Errorf("bootstrap GitRepository %+v differs from the rendered %+v", repo, want)
		}
		for _, o := range objs {
			if o.GetName() == "flux-system" || o.GetNamespace() != Namespace {
				t.Errorf("%s %s/%s", object.Kind(o), o.GetNamespace(), o.GetName())
			}
		}
	}
	sk, mk := kustomizations(seed), kustomizations(master)
	if len(sk) != 1 || sk[SeedRootName] == nil || sk[SeedRootName].Spec.Path != "./rendered/seeds/eu" || !sk[SeedRootName].Spec.Prune {
		t.Errorf("seed root %+v", sk)
	}
	if len(mk) != 1 || mk[MasterRootName] == nil || mk[MasterRootName].Spec.Path != "./rendered/master/flux" {
		t.Errorf("master root %+v", mk)
	}
	if MasterRootName == SeedRootName {
		t.Error("the master's and a seed's roots share a name")
	}
	m.GitOps.Path = "../x"
	if _, err := BootstrapMaster(m); err == nil {
		t.Error("path outside the repository accepted")
	}
}
