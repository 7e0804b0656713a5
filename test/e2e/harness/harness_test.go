package harness

// These tests need no binaries: they check the parts of the harness that
// read and edit rendered trees, and the certificates it makes.

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const handMade = "../testdata/tree"

func TestKustomizationDirsBuild(t *testing.T) {
	dirs, err := KustomizationDirs(handMade)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"master", "seeds/eu-west", "seeds/eu-west/clusters/alpha", "seeds/eu-west/clusters/beta", "seeds/eu-west/flux"}
	if !slices.Equal(dirs, want) {
		t.Fatalf("KustomizationDirs = %v, want %v", dirs, want)
	}
	for _, d := range dirs {
		objs, err := Build(filepath.Join(handMade, d))
		if err != nil || len(objs) == 0 {
			t.Errorf("build %s: %d objects, %v", d, len(objs), err)
		}
	}
}

func TestFindBuiltObject(t *testing.T) {
	o, file, err := FindBuiltObject(handMade, "apps", "Deployment")
	if err != nil {
		t.Fatal(err)
	}
	if file != "seeds/eu-west/clusters/alpha/deployment-apiserver.yaml" || o.GetName() != "apiserver" {
		t.Fatalf("got %s in %s", ObjectRef(o), file)
	}
}

func TestLoadSeed(t *testing.T) {
	s, err := LoadSeed(handMade, "eu-west")
	if err != nil {
		t.Fatal(err)
	}
	if s.Prefix != "" || s.GitRepository.GetName() != "fleetc" || len(s.Clusters) != 2 ||
		s.Clusters[0].Name != "alpha" || s.Clusters[0].Kustomization.GetName() != "cluster-alpha" ||
		s.Clusters[1].Dir != "seeds/eu-west/clusters/beta" {
		t.Fatalf("LoadSeed = %+v", s)
	}
}

// A config repo keeps its render under master.gitops.path ("rendered" by
// default); the Flux paths then start with it.
func TestLoadSeedPrefix(t *testing.T) {
	tree := copyHandMade(t)
	for _, c := range []string{"alpha", "beta"} {
		f := filepath.Join(tree, "seeds/eu-west/flux/kustomization-cluster-"+c+".yaml")
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.Replace(string(data), "path: ./seeds/", "path: ./rendered/seeds/", 1))
		if err := os.WriteFile(f, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := LoadSeed(tree, "eu-west")
	if err != nil {
		t.Fatal(err)
	}
	if s.Prefix != "rendered" {
		t.Fatalf("Prefix = %q, want rendered", s.Prefix)
	}
}

func TestLoadSeedMissingKustomization(t *testing.T) {
	tree := copyHandMade(t)
	if err := os.MkdirAll(filepath.Join(tree, "seeds/eu-west/clusters/gamma"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSeed(tree, "eu-west"); err == nil || !strings.Contains(err.Error(), "clusters/gamma") {
		t.Fatalf("LoadSeed with an unwired cluster: %v", err)
	}
}

func TestRemoveCluster(t *testing.T) {
	tree := copyHandMade(t)
	s, err := LoadSeed(tree, "eu-west")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveCluster(tree, "alpha"); err != nil {
		t.Fatal(err)
	}
	after, err := LoadSeed(tree, "eu-west")
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Clusters) != 1 || after.Clusters[0].Name != "beta" {
		t.Fatalf("clusters after removal: %+v", after.Clusters)
	}
	dirs, err := KustomizationDirs(tree)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, err := Build(filepath.Join(tree, d)); err != nil {
			t.Errorf("build %s after removal: %v", d, err)
		}
	}
	objs, err := Build(filepath.Join(tree, "seeds/eu-west"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if strings.Contains(o.GetName(), "alpha") {
			t.Errorf("seed still builds %s", ObjectRef(o))
		}
	}
}

func TestPKI(t *testing.T) {
	p, err := newPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(p.caPEM) {
		t.Fatal("CA PEM")
	}
	serving := readCert(t, p.servingCertFile)
	if _, err := serving.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("serving cert: %v", err)
	}
	block, _ := pem.Decode(p.adminCertPEM)
	admin, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("admin cert: %v", err)
	}
	if !slices.Equal(admin.Subject.Organization, []string{"system:masters"}) {
		t.Errorf("admin organization = %v", admin.Subject.Organization)
	}
}

func TestTailBuffer(t *testing.T) {
	b := newTailBuffer(3)
	for _, s := range []string{"a\nb", "\nc\n", "d\ne"} {
		b.Write([]byte(s))
	}
	if got := b.Tail(10); got != "b\nc\nd\ne" {
		t.Fatalf("Tail = %q", got)
	}
	if got := b.Tail(1); got != "d\ne" {
		t.Fatalf("Tail(1) = %q", got)
	}
}

func TestRejectionString(t *testing.T) {
	r := Rejection{Dir: "seeds/s/clusters/c", File: "seeds/s/clusters/c/service-a.yaml", Kind: "Service", Namespace: "cluster-c", Name: "a", Message: "bad"}
	if got, want := r.String(), "seeds/s/clusters/c/service-a.yaml: Service cluster-c/a: bad"; got != want {
		t.Fatalf("String = %q, want %q", got, want)
	}
}

func copyHandMade(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "tree")
	if err := CopyTree(handMade, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

func readCert(t *testing.T, file string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
