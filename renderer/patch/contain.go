package patch

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetc/fleetc/renderer/object"
)

// contain checks that a patch kept each object it was given inside its
// cluster: in is what the patch was given, out what kustomize returned
// (in the same order; a strategic-merge `$patch: delete` may drop
// objects). A patch may change an object's content and rename a
// namespaced object (clash refuses a rename onto another object); it may
// never change an object's apiVersion, kind or namespace, rename a
// cluster-scoped object (the cluster's Namespace), add an object, or
// produce a Secret with data. Flux applies the rendered tree with rights
// on the whole seed, so each of these would let one cluster's config
// reach another customer's namespace or the seed itself.
func contain(in, out []object.Object) error {
	if len(out) > len(in) {
		return fmt.Errorf("the patch produced %d objects from %d; a patch may change objects, never add one", len(out), len(in))
	}
	if len(out) == len(in) {
		for i := range in {
			if err := containOne(in[i], out[i]); err != nil {
				return err
			}
			if err := kubeRules(out[i]); err != nil {
				return err
			}
		}
		return nil
	}
	// Objects were deleted: the rest must come back as they were named.
	type id struct{ apiVersion, kind, namespace, name string }
	given := map[id]bool{}
	for _, o := range in {
		given[id{object.APIVersion(o), object.Kind(o), o.GetNamespace(), o.GetName()}] = true
	}
	for _, o := range out {
		if !given[id{object.APIVersion(o), object.Kind(o), o.GetNamespace(), o.GetName()}] {
			return fmt.Errorf("the patch deletes objects and also changes the identity of %s %s; a patch may not change an object's apiVersion, kind, namespace or name while deleting", object.Kind(o), o.GetName())
		}
		if err := secretData(o); err != nil {
			return err
		}
		if err := kubeRules(o); err != nil {
			return err
		}
	}
	return nil
}

// containOne checks one patched object against the object it was.
func containOne(was, now object.Object) error {
	kind := object.Kind(was)
	switch {
	case object.Kind(now) != kind:
		return fmt.Errorf("the patch changes the kind of %s %s to %s; a patch may not change an object's kind", kind, was.GetName(), object.Kind(now))
	case object.APIVersion(now) != object.APIVersion(was):
		return fmt.Errorf("the patch changes the apiVersion of %s %s from %s to %s; a patch may not change an object's apiVersion", kind, was.GetName(), object.APIVersion(was), object.APIVersion(now))
	case now.GetNamespace() != was.GetNamespace():
		return fmt.Errorf("the patch moves %s %s from namespace %q to %q; a patch may not change an object's namespace", kind, was.GetName(), was.GetNamespace(), now.GetNamespace())
	case was.GetNamespace() == "" && now.GetName() != was.GetName():
		return fmt.Errorf("the patch renames the cluster-scoped %s %s to %s; a patch may not rename a cluster-scoped object", kind, was.GetName(), now.GetName())
	}
	return secretData(now)
}

// secretData refuses a Secret that carries data: the rendered tree holds
// no secret, and is readable by everyone who can read the config repo.
func secretData(o object.Object) error {
	if s, ok := o.(*corev1.Secret); ok && (len(s.Data) > 0 || len(s.StringData) > 0) {
		return fmt.Errorf("the patched Secret %s has data; the rendered tree never holds secrets (create the Secret on the seed and reference it by name)", s.Name)
	}
	return nil
}
