package encode

import (
	"slices"

	kusttypes "sigs.k8s.io/kustomize/api/types"
)

// Kustomization returns an explicit kustomization.yaml listing resources
// (sorted; the caller's slice is not modified), encoded from the typed
// kustomize struct:
//
//	apiVersion: kustomize.config.k8s.io/v1beta1
//	kind: Kustomization
//	resources:
//	- a.yaml
//
// Duplicates are kept (kustomize rejects them, which the directory-builds
// check reports). With no resources, the list is omitted.
func Kustomization(resources []string) []byte {
	k := kusttypes.Kustomization{
		TypeMeta: kusttypes.TypeMeta{
			APIVersion: kusttypes.KustomizationVersion,
			Kind:       kusttypes.KustomizationKind,
		},
		Resources: slices.Sorted(slices.Values(resources)),
	}
	out, err := Document(k)
	if err != nil {
		panic("encode: kustomization: " + err.Error()) // cannot happen: strings only
	}
	return out
}
