package tree

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	kusttypes "sigs.k8s.io/kustomize/api/types"

	"github.com/fleetc/fleetc/renderer/encode"
)

// maxFileName is the longest file name (in bytes) FileName returns; most
// filesystems allow 255.
const maxFileName = 255

// FileName returns the file name for an object: "<kind>-<name>.yaml",
// lowercased, e.g. ("Deployment", "apiserver") → "deployment-apiserver.yaml".
//
// Kind and name are mapped byte-stably: ASCII letters are lowercased, and
// every character outside [a-z0-9.-] (after lowercasing) becomes one '-'
// (RBAC's "kubermatic:foo" → "clusterrole-kubermatic-foo.yaml"). Lowercasing
// keeps names distinct on case-insensitive filesystems (macOS, Windows)
// exactly when they are distinct here. A name longer than 255 bytes is cut
// and ends with "-" and 16 hex digits of sha256("<kind>/<name>") (of the
// original strings), then ".yaml".
//
// Collisions: the mapping is not injective ("a:b" and "a-b", "A" and "a"
// give the same name). FileName does not resolve them; it returns the base
// name and the caller detects a collision as Tree.Add's duplicate-path
// error (a renderer bug or a config the validator should reject).
func FileName(kind, name string) string {
	b := make([]byte, 0, len(kind)+len(name)+6)
	b = appendSafe(b, kind)
	b = append(b, '-')
	b = appendSafe(b, name)
	if len(b)+len(".yaml") > maxFileName {
		sum := sha256.Sum256([]byte(kind + "/" + name))
		suffix := "-" + hex.EncodeToString(sum[:8])
		b = append(b[:maxFileName-len(".yaml")-len(suffix)], suffix...)
	}
	return string(append(b, ".yaml"...))
}

func appendSafe(b []byte, s string) []byte {
	for _, r := range s {
		switch {
		case 'A' <= r && r <= 'Z':
			b = append(b, byte(r-'A'+'a'))
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '.', r == '-':
			b = append(b, byte(r))
		default:
			b = append(b, '-')
		}
	}
	return b
}

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
	out, err := encode.Document(k)
	if err != nil {
		panic("tree: encode kustomization: " + err.Error()) // cannot happen: strings only
	}
	return out
}
