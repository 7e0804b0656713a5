package diff

import (
	"encoding/json"
	"io"
)

// SchemaVersion is the version of the JSON output's schema (see the
// package documentation). It changes only when a field is renamed or
// removed, or its meaning changes; new fields may appear without it.
const SchemaVersion = 1

// WriteJSON writes r as one indented JSON document. Lists are never null.
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
