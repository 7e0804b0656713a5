// Package encode writes Go values (Kubernetes objects, kubeconfigs,
// component configurations) as YAML documents.
//
// A value's fields are what encoding/json would write (json tags,
// MarshalJSON and MarshalText methods decide them). The walker (walk.go)
// reads the value with reflect, following the encoding/json package
// documentation, into a flat list of nodes (objects, arrays, scalars; the
// strings in one byte buffer); a value with a MarshalJSON method
// (resource.Quantity, metav1.Time, IntOrString, RawExtension...) adds
// the nodes of that method's JSON output, parsed. Each type's plan (its
// fields, their names and options, promoted embedded fields) is computed
// once and kept in a memo. Where the walker is not sure to match
// encoding/json (floats, the ",string" option, two fields of one name at
// the same depth, invalid UTF-8, a method that fails, ...), the document
// takes the JSON path instead: encoding/json writes it as JSON text, which
// the parser (parse.go) reads into the same nodes. The tests check that
// both paths give the same bytes for every object of the example fleet.
//
// The nodes are then written as block-style YAML by this package's own
// emitter (emit.go), written from the YAML 1.2 specification (chapters
// 6-9). The output is meant to read the same as sigs.k8s.io/yaml's (same
// key order, indentation and scalar styles), and for the values fleetc
// renders it is byte-identical to it; the tests compare the two. Where
// this package cannot be sure that its choice of style matches (a long
// string with spaces, which the library folds at 80 columns; tabs;
// non-ASCII text; floats; keys whose order the library sorts by their
// digits), it hands the whole document, as JSON text, to
// sigs.k8s.io/yaml.
//
// It deliberately differs from sigs.k8s.io/yaml in one respect: a string
// that some YAML parser used by Kubernetes tools would read as something
// other than that string is always quoted (see needsQuotes: YAML 1.1's
// "=", dates that the library leaves plain). Such a document is written
// wholly by this package, never by the library.
package encode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"sigs.k8s.io/yaml"
)

// Document encodes obj as one YAML document for the rendered tree: obj's
// JSON encoding with map keys sorted, block style, ending with a newline,
// without the noise that typed Kubernetes structs produce. Dropped,
// structurally (on the decoded JSON, not on the text):
//   - "creationTimestamp: null" in any "metadata" object (the object's own
//     and those of embedded templates such as spec.template.metadata);
//   - the top-level "status": a rendered object states what is wanted, and
//     status is written by controllers;
//   - nested "status" objects that hold nothing but empty objects (a
//     StatefulSet's volumeClaimTemplates carry "status: {}").
//
// Integers keep full 64-bit precision. The output depends only on obj.
func Document(obj any) ([]byte, error) {
	return run(obj, true)
}

// Marshal returns what sigs.k8s.io/yaml.Marshal(obj) returns (except for
// the quoting described in the package comment), several times faster:
// every field is kept. Use it for YAML documents embedded in objects.
func Marshal(obj any) ([]byte, error) {
	return run(obj, false)
}

type state struct {
	buf bytes.Buffer
	p   parser
	e   emitter
	w   walker
	src []byte // the walker's buffer, kept between documents
}

var pool = sync.Pool{New: func() any { return new(state) }}

func run(obj any, document bool) ([]byte, error) {
	st := pool.Get().(*state)
	defer pool.Put(st)
	if out, ok := st.typed(obj, document); ok {
		return out, nil
	}
	return st.viaJSON(obj, document)
}

// typed writes obj by walking it (walk.go) rather than through its JSON
// text; false when the document must take the JSON path (viaJSON): the
// walker is not sure of something, or the emitter would hand the
// document to the library, which needs the JSON text.
func (st *state) typed(obj any, document bool) ([]byte, bool) {
	p := &st.p
	p.src = st.src
	root, ok := st.w.walk(p, obj)
	st.src = p.src
	if !ok {
		return nil, false
	}
	if document {
		p.dropNoise(root, true)
	}
	return st.e.emit(p, root)
}

// viaJSON is the JSON path: encoding/json writes obj as JSON text, which
// the parser reads back into nodes.
func (st *state) viaJSON(obj any, document bool) ([]byte, error) {
	st.buf.Reset()
	enc := json.NewEncoder(&st.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		if document {
			return nil, fmt.Errorf("encode: %w", err)
		}
		return nil, fmt.Errorf("error marshaling into JSON: %v", err)
	}
	out, _, err := st.fromJSON(st.buf.Bytes(), document)
	return out, err
}

// path says who wrote a document: the emitter, alone (pathOwn) or
// because the library would leave a string unquoted (pathFixed), or the
// library (pathLibrary).
type path int

const (
	pathOwn path = iota
	pathFixed
	pathLibrary
)

// fromJSON writes the JSON text j (encoding/json's output) as YAML.
func (st *state) fromJSON(j []byte, document bool) ([]byte, path, error) {
	p := &st.p
	root, ok := p.parse(j)
	if !ok {
		out, err := viaLibrary(j, document)
		return out, pathLibrary, err
	}
	if document {
		p.dropNoise(root, true)
	}
	out, certain := st.e.emit(p, root)
	switch {
	case !certain:
		out, err := viaLibrary(j, document)
		if err != nil {
			// The library fails on some text (a key over 1,024
			// characters): the emitter writes it on its own.
			return st.e.ownPass(root), pathFixed, nil
		}
		return out, pathLibrary, nil
	case st.e.fixed:
		return out, pathFixed, nil
	}
	return out, pathOwn, nil
}

// viaLibrary encodes the JSON text j with sigs.k8s.io/yaml, the reference
// the emitter is tested against, for the documents the emitter is not
// sure to write identically.
func viaLibrary(j []byte, document bool) ([]byte, error) {
	if !document {
		return yaml.JSONToYAML(j)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if m, ok := v.(map[string]any); ok {
		delete(m, "status")
	}
	dropNoiseAny(v)
	out, err := yaml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if len(out) == 0 || out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return out, nil
}

// dropNoiseAny is dropNoise on decoded JSON (the library path).
func dropNoiseAny(v any) {
	switch v := v.(type) {
	case map[string]any:
		if md, ok := v["metadata"].(map[string]any); ok {
			if ts, ok := md["creationTimestamp"]; ok && ts == nil {
				delete(md, "creationTimestamp")
			}
		}
		if s, ok := v["status"]; ok && hollowAny(s) {
			delete(v, "status")
		}
		for _, x := range v {
			dropNoiseAny(x)
		}
	case []any:
		for _, x := range v {
			dropNoiseAny(x)
		}
	}
}

// hollowAny: null, or an object whose values are all hollow objects.
func hollowAny(v any) bool {
	if v == nil {
		return true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, x := range m {
		if xm, ok := x.(map[string]any); !ok || !hollowAny(xm) {
			return false
		}
	}
	return true
}
