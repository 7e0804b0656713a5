package encode

import (
	"slices"
	"testing"
)

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
