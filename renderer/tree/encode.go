package tree

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// EncodeYAML encodes obj as one YAML document: obj's JSON encoding (its
// json tags, MarshalJSON methods) with map keys sorted, block style,
// ending with a newline. It drops the noise that typed Kubernetes structs
// produce, structurally (on the decoded JSON, not on the text):
//   - "creationTimestamp: null" in any "metadata" object (the object's own
//     and those of embedded templates such as spec.template.metadata);
//   - the top-level "status": a rendered object states what is wanted, and
//     status is written by controllers (typed structs marshal zero values
//     such as StatefulSet's "replicas: 0" into it);
//   - nested "status" objects that hold nothing but empty objects (a
//     StatefulSet's volumeClaimTemplates carry "status: {}").
//
// Integers keep full 64-bit precision (json.Number). The output depends
// only on obj, so it is stable across runs and machines.
//
// The YAML is written by a direct transcoder (yaml.go) that gives the same
// bytes as the sigs.k8s.io/yaml path below, which it falls back to for the
// rare input it does not handle. The transcoder's input tree is built from
// obj by reflection (reflect.go), as encoding/json would encode it, or,
// where that walker gives up, parsed from obj's JSON (encodeViaJSON).
func EncodeYAML(obj any) ([]byte, error) {
	if out, ok := transcodeValue(obj, true); ok {
		return out, nil
	}
	return encodeViaJSON(obj)
}

// encodeViaJSON is EncodeYAML through obj's JSON text: encoding/json,
// then the transcoder's parser (or, failing that, the reference path).
// EncodeYAML takes it where the reflection walker gives up; the tests
// compare the two.
func encodeViaJSON(obj any) ([]byte, error) {
	buf := jsonBufPool.Get().(*bytes.Buffer)
	defer jsonBufPool.Put(buf)
	buf.Reset()
	// json.Encoder writes what json.Marshal returns, and a newline.
	if err := json.NewEncoder(buf).Encode(obj); err != nil {
		return nil, fmt.Errorf("tree: encode: %w", err)
	}
	j := buf.Bytes()
	if out, ok := encodeFast(j); ok {
		return out, nil
	}
	return encodeViaYAML(j)
}

// MarshalYAML returns exactly what sigs.k8s.io/yaml.Marshal(obj) returns
// (the same bytes, the same errors), several times faster for objects: it
// transcodes obj's JSON directly, as EncodeYAML does, but keeps every
// field. Use it for YAML documents embedded in objects (kubeconfigs,
// component configurations).
func MarshalYAML(obj any) ([]byte, error) {
	if out, ok := transcodeValue(obj, false); ok {
		return out, nil
	}
	return marshalViaJSON(obj)
}

// marshalViaJSON is MarshalYAML through obj's JSON text (see
// encodeViaJSON).
func marshalViaJSON(obj any) ([]byte, error) {
	buf := jsonBufPool.Get().(*bytes.Buffer)
	defer jsonBufPool.Put(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(obj); err != nil {
		return nil, fmt.Errorf("error marshaling into JSON: %v", err)
	}
	if out, ok := transcode(buf.Bytes(), false); ok {
		return out, nil
	}
	return yaml.Marshal(obj)
}

var jsonBufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodeViaYAML is EncodeYAML's reference path: decode the JSON, drop the
// noise, and encode with sigs.k8s.io/yaml.
func encodeViaYAML(j []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("tree: encode: %w", err)
	}
	if m, ok := v.(map[string]any); ok {
		delete(m, "status")
	}
	dropNoise(v)
	out, err := yaml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("tree: encode: %w", err)
	}
	if len(out) == 0 || out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return out, nil
}

// isEmptyValue: null, or an object whose values are all empty objects.
func isEmptyValue(v any) bool {
	if v == nil {
		return true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, x := range m {
		if xm, ok := x.(map[string]any); !ok || !isEmptyValue(xm) {
			return false
		}
	}
	return true
}

func dropNoise(v any) {
	switch v := v.(type) {
	case map[string]any:
		if md, ok := v["metadata"].(map[string]any); ok {
			if ts, ok := md["creationTimestamp"]; ok && ts == nil {
				delete(md, "creationTimestamp")
			}
		}
		if s, ok := v["status"]; ok && isEmptyValue(s) {
			delete(v, "status")
		}
		for _, x := range v {
			dropNoise(x)
		}
	case []any:
		for _, x := range v {
			dropNoise(x)
		}
	}
}

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
	out, err := EncodeYAML(k)
	if err != nil {
		panic("tree: encode kustomization: " + err.Error()) // cannot happen: strings only
	}
	return out
}
