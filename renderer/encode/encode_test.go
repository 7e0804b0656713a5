package encode

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testDeployment() *appsv1.Deployment {
	labels := map[string]string{"app": "apiserver", "cluster": "c1"}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "apiserver", Namespace: "cluster-c1", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:  "apiserver",
						Image: "registry.k8s.io/kube-apiserver:v1.31.0",
						Args:  []string{"--secure-port=6443", "--etcd-servers=https://etcd:2379"},
						Ports: []corev1.ContainerPort{{Name: "https", ContainerPort: 6443}},
					}},
				},
			},
		},
	}
}

const wantDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: apiserver
    cluster: c1
  name: apiserver
  namespace: cluster-c1
spec:
  replicas: 2
  selector:
    matchLabels:
      app: apiserver
      cluster: c1
  strategy: {}
  template:
    metadata:
      labels:
        app: apiserver
        cluster: c1
    spec:
      containers:
      - args:
        - --secure-port=6443
        - --etcd-servers=https://etcd:2379
        image: registry.k8s.io/kube-apiserver:v1.31.0
        name: apiserver
        ports:
        - containerPort: 6443
          name: https
        resources: {}
`

func TestDocumentDeployment(t *testing.T) {
	first, err := Document(testDeployment())
	must(t, err)
	if string(first) != wantDeployment {
		t.Fatalf("EncodeYAML =\n%s\nwant\n%s", first, wantDeployment)
	}
	for range 50 {
		again, err := Document(testDeployment())
		must(t, err)
		if string(again) != string(first) {
			t.Fatalf("unstable output:\n%s\nvs\n%s", again, first)
		}
	}
}

func TestDocument(t *testing.T) {
	tests := []struct {
		name string
		obj  any
		want string
	}{
		{
			name: "null creationTimestamp dropped at top and in templates, other nulls kept",
			obj: map[string]any{
				"metadata": map[string]any{"name": "x", "creationTimestamp": nil},
				"spec": map[string]any{
					"template":    map[string]any{"metadata": map[string]any{"creationTimestamp": nil}},
					"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{"creationTimestamp": nil, "name": "y"}}}},
					"other":       nil,
				},
			},
			want: "metadata:\n  name: x\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          name: \"y\"\n  other: null\n  template:\n    metadata: {}\n",
		},
		{
			name: "creationTimestamp outside metadata kept",
			obj:  map[string]any{"spec": map[string]any{"creationTimestamp": nil}},
			want: "spec:\n  creationTimestamp: null\n",
		},
		{
			name: "set creationTimestamp kept",
			obj:  map[string]any{"metadata": map[string]any{"creationTimestamp": "2024-01-01T00:00:00Z"}},
			want: "metadata:\n  creationTimestamp: \"2024-01-01T00:00:00Z\"\n",
		},
		{
			name: "empty status dropped",
			obj:  map[string]any{"kind": "X", "status": map[string]any{}},
			want: "kind: X\n",
		},
		{
			name: "typed Service: status.loadBalancer {} dropped",
			obj: &corev1.Service{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
				ObjectMeta: metav1.ObjectMeta{Name: "s"},
				Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 443}}},
			},
			want: "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 443\n    targetPort: 0\n",
		},
		{
			name: "top-level status always dropped",
			obj:  map[string]any{"kind": "StatefulSet", "status": map[string]any{"replicas": 0, "x": map[string]any{}}},
			want: "kind: StatefulSet\n",
		},
		{
			name: "nested empty status dropped, nested status with content kept",
			obj:  map[string]any{"spec": map[string]any{"a": map[string]any{"status": map[string]any{}}, "b": map[string]any{"status": "Ready"}}},
			want: "spec:\n  a: {}\n  b:\n    status: Ready\n",
		},
		{
			name: "64-bit integers and yaml-ish strings",
			obj:  map[string]any{"big": int64(9007199254740993), "s": "yes", "n": "0123", "f": 1.5},
			want: "big: 9007199254740993\nf: 1.5\n\"n\": \"0123\"\ns: \"yes\"\n",
		},
		{
			name: "list",
			obj:  []string{"a", "b"},
			want: "- a\n- b\n",
		},
		{
			name: "null",
			obj:  nil,
			want: "null\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Document(tc.obj)
			must(t, err)
			if string(got) != tc.want {
				t.Fatalf("EncodeYAML =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
	if _, err := Document(func() {}); err == nil {
		t.Fatal("Document(func) succeeded")
	}
}

func ptr[T any](v T) *T { return &v }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
