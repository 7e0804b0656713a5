package disk

import (
	"bytes"
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
