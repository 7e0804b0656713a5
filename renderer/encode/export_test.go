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
