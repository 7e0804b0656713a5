package patch

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/object"
)

type configMap = corev1.ConfigMap

func cm(ns, name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

func TestContain(t *testing.T) {
	ns := func(name string) *corev1.Namespace {
		return &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: name}}
	}
	secret := func(data map[string][]byte, str map[string]string) *corev1.Secret {
		return &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: metav1.ObjectMeta{Namespace: "cluster-a", Name: "s"}, Data: data, StringData: str}
	}
	oldAPI := cm("cluster-a", "x")
	oldAPI.APIVersion = "v2"
	rb := &rbacv1.RoleBinding{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"}, ObjectMeta: metav1.ObjectMeta{Namespace: "cluster-a", Name: "r"}}
	crb := &rbacv1.ClusterRoleBinding{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"}, ObjectMeta: metav1.ObjectMeta{Name: "r"}}
	for _, tc := range []struct {
		name    string
		in, out []object.Object
		want    string // "" for allowed
	}{
		{"content and rename of a namespaced object", []object.Object{cm("cluster-a", "x")}, []object.Object{cm("cluster-a", "y")}, ""},
		{"delete", []object.Object{cm("cluster-a", "x"), cm("cluster-a", "y")}, []object.Object{cm("cluster-a", "y")}, ""},
		{"namespace", []object.Object{cm("cluster-a", "x")}, []object.Object{cm("cluster-b", "x")}, `moves ConfigMap x from namespace "cluster-a" to "cluster-b"`},
		{"namespace removed", []object.Object{cm("cluster-a", "x")}, []object.Object{cm("", "x")}, `moves ConfigMap x from namespace "cluster-a" to ""`},
		{"kind", []object.Object{rb}, []object.Object{crb}, "changes the kind of RoleBinding r to ClusterRoleBinding"},
		{"apiVersion", []object.Object{cm("cluster-a", "x")}, []object.Object{oldAPI}, "changes the apiVersion of ConfigMap x from v1 to v2"},
		{"cluster-scoped rename", []object.Object{ns("cluster-a")}, []object.Object{ns("flux-system")}, "renames the cluster-scoped Namespace cluster-a to flux-system"},
		{"secret data", []object.Object{secret(nil, nil)}, []object.Object{secret(map[string][]byte{"p": []byte("x")}, nil)}, "the patched Secret s has data"},
		{"secret stringData", []object.Object{secret(nil, nil)}, []object.Object{secret(nil, map[string]string{"p": "x"})}, "the patched Secret s has data"},
		{"secret without data", []object.Object{secret(nil, nil)}, []object.Object{secret(nil, nil)}, ""},
		{"added object", []object.Object{cm("cluster-a", "x")}, []object.Object{cm("cluster-a", "x"), cm("cluster-a", "y")}, "never add one"},
		{"delete and move", []object.Object{cm("cluster-a", "x"), cm("cluster-a", "y")}, []object.Object{cm("cluster-b", "y")}, "deletes objects and also changes the identity of ConfigMap y"},
		{"delete and secret data", []object.Object{secret(nil, nil), cm("cluster-a", "y")}, []object.Object{secret(map[string][]byte{"p": []byte("x")}, nil)}, "the patched Secret s has data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := contain(tc.in, tc.out)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("allowed, want %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestClashOnFileName(t *testing.T) {
	// Names that a file name cannot tell apart (kubeRules refuses the
	// upper-case one first; this is the second line of defence).
	if err := clash([]object.Object{cm("cluster-a", "X")}, []object.Object{cm("cluster-a", "x")}); err == nil || !strings.Contains(err.Error(), "would be written to configmap-x.yaml") {
		t.Fatalf("got %v", err)
	}
	if err := clash([]object.Object{cm("cluster-a", "y")}, []object.Object{cm("cluster-a", "x")}); err != nil {
		t.Fatal(err)
	}
}
