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
	name := filepath.Join(dir, filepath.FromSlash(IndexPath))
	// .fleetc must be a real folder and the index a regular file of
	// bounded size, opened without following links (safeopen.go).
	if err := checkMeta(dir); err != nil {
		return nil, false, err
	}
	data, err := readBounded(name, MaxIndexSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("tree: read index: %w", err)
	}
	if want != nil && bytes.Equal(data, want) {
		return nil, true, nil
	}
	idx, err = parseIndex(data)
	if err != nil {
		return nil, false, fmt.Errorf("tree: invalid index %s: %w", name, err)
	}
	return idx, false, nil
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
	data, err := readBounded(filepath.Join(dir, filepath.FromSlash(IndexPath)), MaxIndexSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tree: read index: %w", err)
	}
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
