package patch

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// fuzzObjects is a small cluster: its Namespace and objects in it.
func fuzzObjects() []object.Object {
	ns := "cluster-a"
	one := int32(1)
	return []object.Object{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cfg"}, Data: map[string]string{"k": "v"}},
		&corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other"}},
		&rbacv1.RoleBinding{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"}, ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rb"},
			RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "r"}},
		&appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "apiserver"},
			Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "a"}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "a"}}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}}},
	}
}

// FuzzPatchContainment: whatever the patch, what Apply accepts stays in
// the cluster: the objects it returns are of the kinds and apiVersions it
// was given, in the cluster's namespace (the Namespace keeps its name), no
// more of them, no Secret with data; and Apply never panics.
func FuzzPatchContainment(f *testing.F) {
	for _, s := range []struct {
		kind, name, patch string
	}{
		{"ConfigMap", "cfg", `[{"op": "replace", "path": "/metadata/namespace", "value": "cluster-b"}]`},
		{"ConfigMap", "cfg", `[{"op": "replace", "path": "/kind", "value": "Secret"}]`},
		{"Namespace", "", `[{"op": "replace", "path": "/metadata/name", "value": "flux-system"}]`},
		{"RoleBinding", "rb", `[{"op": "replace", "path": "/kind", "value": "ClusterRoleBinding"}, {"op": "remove", "path": "/metadata/namespace"}]`},
		{"ConfigMap", "", "metadata: {labels: {a: b}}"},
		{"ConfigMap", "cfg", "$patch: delete"},
		{"Deployment", "apiserver", "spec: {replicas: 3}"},
		{"ConfigMap", "cfg", "metadata: {name: other}"},
		{"ConfigMap", "cfg", "metadata: {namespace: kube-system}"},
		{"ConfigMap", "cfg", "apiVersion: v2"},
	} {
		f.Add(s.kind, s.name, s.patch)
	}
	f.Fuzz(func(t *testing.T, kind, name, text string) {
		if len(text) > 4096 {
			return
		}
		in := fuzzObjects()
		given := map[string]bool{}
		for _, o := range in {
			given[object.APIVersion(o)+"/"+object.Kind(o)] = true
		}
		out, _, problems := Apply(fuzzObjects(), []Patch{{Patch: model.Patch{Target: model.PatchTarget{Kind: kind, Name: name}, Patch: text}, Scope: ScopeCluster}})
		if len(problems) > 0 {
			return
		}
		if len(out) > len(in) {
			t.Fatalf("%d objects from %d", len(out), len(in))
		}
		for _, o := range out {
			switch {
			case !given[object.APIVersion(o)+"/"+object.Kind(o)]:
				t.Fatalf("new kind %s/%s", object.APIVersion(o), object.Kind(o))
			case object.Kind(o) == "Namespace" && (o.GetName() != "cluster-a" || o.GetNamespace() != ""):
				t.Fatalf("Namespace %s/%s", o.GetNamespace(), o.GetName())
			case object.Kind(o) != "Namespace" && o.GetNamespace() != "cluster-a":
				t.Fatalf("%s %s in namespace %q", object.Kind(o), o.GetName(), o.GetNamespace())
			}
			if s, ok := o.(*corev1.Secret); ok && (len(s.Data) > 0 || len(s.StringData) > 0) {
				t.Fatalf("Secret %s with data", s.Name)
			}
		}
	})
}
