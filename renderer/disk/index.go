package disk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/fleetc/fleetc/renderer/tree"
)

// ReadIndex reads dir/.fleetc/index.json. A missing index (or missing dir)
// gives (nil, nil); an unreadable or invalid one an error. Valid means: one
// JSON object with a non-empty generator and a "files" object whose keys
// are valid tree paths outside .fleetc/ and whose values are
// "sha256:<64 lowercase hex>". Unknown fields are ignored (forward
// compatibility). The paths are checked because Write removes files the
// index lists: a tampered index must not make it delete outside dir.
func ReadIndex(dir string) (*tree.Index, error) {
	idx, _, err := readOldIndex(dir, nil)
	return idx, err
}

// readOldIndex is ReadIndex that reports same (and parses nothing) when
// the index holds exactly the bytes want.
func readOldIndex(dir string, want []byte) (idx *tree.Index, same bool, err error) {
	data, same, err := readIndexText(dir, want)
	if err != nil || data == nil {
		return nil, same, err
	}
	if idx, err = parseIndex(data); err != nil {
		return nil, false, fmt.Errorf("tree: invalid index %s: %w", filepath.Join(dir, filepath.FromSlash(IndexPath)), err)
	}
	return idx, false, nil
}

// readIndexText reads the stored index's bytes: nil without an index, or
// when they are exactly want's (same).
func readIndexText(dir string, want []byte) (data []byte, same bool, err error) {
	name := filepath.Join(dir, filepath.FromSlash(IndexPath))
	// .fleetc must be a real folder and the index a regular file of
	// bounded size, opened without following links (safeopen.go).
	if err := checkMeta(dir); err != nil {
		return nil, false, err
	}
	data, err = readBounded(name, MaxIndexSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("tree: read index: %w", err)
	}
	if want != nil && bytes.Equal(data, want) {
		return nil, true, nil
	}
	return data, false, nil
}

// LookupIndex returns the entries of dir's stored index for the given
// paths only (those it lists), found in the index's text instead of
// parsing all of it: `check` classifies a handful of differing files, and
// the index of 10,000 clusters is 160 MB of JSON. The text is the one
// fleetc writes (tree.Index: keys as a json.Encoder without HTML escaping
// writes them, values "sha256:<hex>"); nil, nil without an index, and an
// error for a file that does not start as fleetc's index.
func LookupIndex(dir string, paths []string) (*tree.Index, error) {
	if err := checkMeta(dir); err != nil {
		return nil, err
	}
	name := filepath.Join(dir, filepath.FromSlash(IndexPath))
	f, fi, err := openBounded(name, MaxIndexSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tree: read index: %w", err)
	}
	defer f.Close()
	// Found by binary search over its lines (lookup.go); read whole when
	// it is not laid out as fleetc writes it.
	s, err := newIndexSearch(f, fi.Size())
	if err == nil {
		idx := &tree.Index{Files: map[string]string{}}
		for _, p := range paths {
			var d string
			if d, err = s.find(p); err != nil {
				break
			}
			if d != "" {
				idx.Files[p] = d
			}
		}
		if err == nil {
			return idx, nil
		}
	}
	if !errors.Is(err, errNotPlain) {
		return nil, fmt.Errorf("tree: read index: %w", err)
	}
	data, err := readBounded(name, MaxIndexSize)
	if err != nil {
		return nil, fmt.Errorf("tree: read index: %w", err)
	}
	return lookupText(data, paths)
}

// lookupText finds the entries of paths in an index's text (LookupIndex).
func lookupText(data []byte, paths []string) (*tree.Index, error) {
	files := bytes.Index(data, []byte("\n  \"files\": {\n"))
	if !bytes.HasPrefix(data, []byte("{\n  \"generator\": \"")) || files < 0 {
		return nil, errors.New("tree: the index is not fleetc's")
	}
	idx := &tree.Index{Files: map[string]string{}}
	var key bytes.Buffer
	enc := json.NewEncoder(&key)
	enc.SetEscapeHTML(false)
	for _, p := range paths {
		key.Reset()
		if err := enc.Encode(p); err != nil {
			return nil, err
		}
		// "\n    <key>: \"sha256:<hex>\"": an entry of the files object.
		pat := append(append([]byte("\n    "), bytes.TrimSuffix(key.Bytes(), []byte("\n"))...), `: "`...)
		i := bytes.Index(data[files:], pat)
		if i < 0 {
			continue
		}
		rest := data[files+i+len(pat):]
		end := bytes.IndexByte(rest, '"')
		if end < 0 {
			return nil, errors.New("tree: the index is damaged")
		}
		if d := string(rest[:end]); tree.ValidDigest(d) {
			idx.Files[p] = d
		}
	}
	return idx, nil
}

// maxLookups is how many paths indexOf looks up in an index's text before
// parsing it whole instead (each lookup reads the text once).
const maxLookups = 32

// indexOf is the stored index data as Write needs it: the entries of
// paths, the files on disk that the new tree does not have (the only ones
// whose ownership decides anything). A few are looked up in the text,
// which must be valid JSON and fleetc's; more, and the index is parsed
// and checked whole (parseIndex).
func indexOf(data []byte, paths []string) (*tree.Index, error) {
	if len(paths) > maxLookups {
		return parseIndex(data)
	}
	if plainIndex(data) {
		return lookupText(data, paths)
	}
	// Valid JSON with a generator (what parseIndex checks first), without
	// building the map of a million entries.
	var head struct {
		Generator string `json:"generator"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, err
	}
	if head.Generator == "" {
		return nil, errors.New("no generator")
	}
	return lookupText(data, paths)
}

// plainIndex reports whether data is an index exactly as fleetc writes it
// (tree's appendIndexFunc), with a non-empty generator and every string
// plain (printable ASCII, no '"' or '\\'): such text is valid JSON, which
// this one pass over it shows several times faster than a JSON scanner
// (160 MB at 10,000 clusters). Anything else is left to encoding/json.
func plainIndex(data []byte) bool {
	rest := data
	cut := func(prefix string) bool {
		var ok bool
		rest, ok = bytes.CutPrefix(rest, []byte(prefix))
		return ok
	}
	str := func(min int) bool { // a plain string's text and its closing quote
		end := bytes.IndexByte(rest, '"')
		if end < min {
			return false
		}
		for _, c := range rest[:end] {
			if c < 0x20 || c >= 0x7f || c == '\\' {
				return false
			}
		}
		rest = rest[end+1:]
		return true
	}
	if !cut("{\n  \"generator\": \"") || !str(1) || !cut(",\n  \"inputDigest\": \"") || !str(0) || !cut(",\n  \"files\": {") {
		return false
	}
	if cut("}\n}\n") {
		return len(rest) == 0
	}
	for {
		if !cut("\n    \"") || !str(1) || !cut(": \"sha256:") || len(rest) < 65 {
			return false
		}
		for _, c := range rest[:64] {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
		rest = rest[64:]
		if !cut("\"") {
			return false
		}
		if !cut(",") {
			break
		}
	}
	return cut("\n  }\n}\n") && len(rest) == 0
}
