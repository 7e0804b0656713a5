package tree

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// IndexPath is where the index lives in the rendered tree.
const IndexPath = ".fleetc/index.json"

// Index is the content of .fleetc/index.json: who generated the tree, from
// which input, and the sha256 of every other file of the tree. It marks
// the output folder as fleetc's and lists the files fleetc owns there.
//
// Encoded as JSON with the fields in this order, the files' keys sorted,
// 2-space indent and a trailing newline.
type Index struct {
	Generator   string            `json:"generator"`
	InputDigest string            `json:"inputDigest"`
	Files       map[string]string `json:"files"`
}

const digestPrefix = "sha256:"

// WithIndex computes the index over all files of t and adds it at
// IndexPath. It hashes each file once (in parallel). Afterwards t is
// sealed: Add and Merge fail, so the index always matches the tree.
// generator must be non-empty (e.g. "fleetc v1.2.3"); inputDigest is
// recorded as given (by convention "sha256:<hex>").
func (t *Tree) WithIndex(generator, inputDigest string) error {
	if t.sealed {
		return errors.New("tree: WithIndex called twice")
	}
	if generator == "" {
		return errors.New("tree: WithIndex: empty generator")
	}
	ps := t.paths()
	digests := make([]string, len(ps))
	_ = parallel(len(ps), func(_, i int) error {
		sum := sha256.Sum256(t.files[ps[i]])
		digests[i] = digestPrefix + hex.EncodeToString(sum[:])
		return nil
	})
	idx := Index{Generator: generator, InputDigest: inputDigest, Files: make(map[string]string, len(ps))}
	for i, p := range ps {
		idx.Files[p] = digests[i]
	}
	data, err := encodeIndex(&idx)
	if err != nil {
		return err
	}
	if err := t.add(IndexPath, data); err != nil {
		return err
	}
	t.sealed = true
	return nil
}

func encodeIndex(idx *Index) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(idx); err != nil { // Encode ends with '\n'; map keys are sorted
		return nil, fmt.Errorf("tree: encode index: %w", err)
	}
	return buf.Bytes(), nil
}

// ReadIndex reads dir/.fleetc/index.json. A missing index (or missing dir)
// gives (nil, nil); an unreadable or invalid one an error. Valid means: one
// JSON object with a non-empty generator and a "files" object whose keys
// are valid tree paths outside .fleetc/ and whose values are
// "sha256:<64 lowercase hex>". Unknown fields are ignored (forward
// compatibility). The paths are checked because Write removes files the
// index lists: a tampered index must not make it delete outside dir.
func ReadIndex(dir string) (*Index, error) {
	name := filepath.Join(dir, filepath.FromSlash(IndexPath))
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tree: read index: %w", err)
	}
	idx, err := parseIndex(data)
	if err != nil {
		return nil, fmt.Errorf("tree: invalid index %s: %w", name, err)
	}
	return idx, nil
}

func parseIndex(data []byte) (*Index, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var idx Index
	if err := dec.Decode(&idx); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON object")
	}
	if idx.Generator == "" {
		return nil, errors.New(`missing "generator"`)
	}
	if idx.Files == nil {
		return nil, errors.New(`missing "files"`)
	}
	for p, d := range idx.Files {
		if err := validPath(p); err != nil {
			return nil, err
		}
		if isReserved(p) {
			return nil, fmt.Errorf("file %q is under %s/", p, reservedDir)
		}
		if !validDigest(d) {
			return nil, fmt.Errorf("file %q: bad digest %q", p, d)
		}
	}
	return &idx, nil
}

func validDigest(d string) bool {
	h, ok := strings.CutPrefix(d, digestPrefix)
	if !ok || len(h) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
