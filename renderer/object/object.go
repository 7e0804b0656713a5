// Package object defines the typed Kubernetes object every render stage
// returns, and the order in which objects are listed.
package object

import (
	"cmp"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Object is a typed Kubernetes object (k8s.io/api, Flux, cert-manager or
// Kubermatic type) with its TypeMeta set.
type Object interface {
	metav1.Object
	runtime.Object
}

// Kind returns the object's kind from its TypeMeta.
func Kind(o Object) string { return o.GetObjectKind().GroupVersionKind().Kind }

// APIVersion returns the object's apiVersion from its TypeMeta.
func APIVersion(o Object) string {
	return o.GetObjectKind().GroupVersionKind().GroupVersion().String()
}

// Sort orders objects by kind, then namespace, then name: a total order, so
// that every listing derived from it is deterministic.
func Sort(objs []Object) {
	slices.SortStableFunc(objs, func(a, b Object) int {
		return cmp.Or(
			cmp.Compare(Kind(a), Kind(b)),
			cmp.Compare(a.GetNamespace(), b.GetNamespace()),
			cmp.Compare(a.GetName(), b.GetName()),
		)
	})
}
