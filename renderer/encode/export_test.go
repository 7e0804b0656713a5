package encode

import (
	"bytes"
	"encoding/json"
)

// ViaLibrary encodes v with sigs.k8s.io/yaml as Document (document) or
// Marshal would if they handed it to the library, and says who writes it
// in Document or Marshal: "own", "fixed" or "library".
func ViaLibrary(v any, document bool) ([]byte, string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		_, err = run(v, document)
		return nil, "library", err
	}
	out, err := viaLibrary(buf.Bytes(), document)
	var st state
	_, p, _ := st.fromJSON(buf.Bytes(), document)
	return out, [...]string{"own", "fixed", "library"}[p], err
}

// ViaJSON encodes v as Document (document) or Marshal do by the JSON path
// alone (encoding/json, the parser, the emitter), as they did before the
// walker.
func ViaJSON(v any, document bool) ([]byte, error) {
	st := pool.Get().(*state)
	defer pool.Put(st)
	return st.viaJSON(v, document)
}

// Walked reports whether Document (document) or Marshal writes v by
// walking it (rather than by the JSON path).
func Walked(v any, document bool) bool {
	var st state
	_, ok := st.typed(v, document)
	return ok
}
