package tree

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/fleetc/fleetc/renderer/layout"
)

// IndexPath is layout.IndexPath, where the index lives in the tree (for
// this package's code; other packages name it layout.IndexPath).
const IndexPath = layout.IndexPath

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
// IndexPath. It hashes, in parallel, the files whose sha256 is not known
// yet (AddSum, Sum). Afterwards t is sealed: Add and Merge fail, so the
// index always matches the tree.
// generator must be non-empty (e.g. "fleetc v1.2.3"); inputDigest is
// recorded as given (by convention "sha256:<hex>").
func (t *Tree) WithIndex(generator, inputDigest string) error {
	return t.WithIndexOf(generator, inputDigest, nil)
}

// WithIndexOf is WithIndex for a tree that leaves out files it knows by
// their sha256 alone (Data unused), sorted by path: the index lists them
// with the tree's own files. check and render leave out the clusters
// whose folders on disk are sealed (disk.Sealing), and take their files'
// sha256 from the seals. A path of others that t also holds is an error.
func (t *Tree) WithIndexOf(generator, inputDigest string, others []File) error {
	if t.sealed {
		return errors.New("tree: WithIndex called twice")
	}
	if generator == "" {
		return errors.New("tree: WithIndex: empty generator")
	}
	own := t.paths()
	ps, sums := own, make([][32]byte, len(own)+len(others))
	mine := make([]int, 0, len(own)) // where in ps t's own files are
	if len(others) == 0 {
		for i := range own {
			mine = append(mine, i)
		}
	} else {
		ps = make([]string, 0, len(own)+len(others))
		i := 0
		for _, f := range others {
			for ; i < len(own) && own[i] < f.Path; i++ {
				mine = append(mine, len(ps))
				ps = append(ps, own[i])
			}
			if i < len(own) && own[i] == f.Path || len(ps) > 0 && ps[len(ps)-1] >= f.Path {
				return fmt.Errorf("tree: WithIndexOf: %s twice, or out of order", f.Path)
			}
			sums[len(ps)] = f.Sum
			ps = append(ps, f.Path)
		}
		for ; i < len(own); i++ {
			mine = append(mine, len(ps))
			ps = append(ps, own[i])
		}
	}
	inChunks(len(mine), func(j int) {
		k := mine[j]
		sum, ok := t.sums[ps[k]] // read-only here: every worker only reads
		if !ok {
			sum = sha256.Sum256(t.files[ps[k]])
		}
		sums[k] = sum
	})
	data := appendIndexFunc(nil, generator, inputDigest, ps, 71, func(b []byte, i int) []byte {
		b = append(b, `"`+digestPrefix...)
		b = hex.AppendEncode(b, sums[i][:])
		return append(b, '"')
	})
	if err := t.add(IndexPath, data); err != nil {
		return err
	}
	t.sealed = true
	t.indexed, t.indexedSums = ps, sums
	return nil
}

// IndexedSum is the sha256 the index lists for the file p (of the tree,
// or one WithIndexOf was given), and false for a path it does not list
// (the index itself).
func (t *Tree) IndexedSum(p string) ([32]byte, bool) {
	i, ok := slices.BinarySearch(t.indexed, p)
	if !ok {
		return [32]byte{}, false
	}
	return t.indexedSums[i], true
}

func encodeIndex(idx *Index) ([]byte, error) {
	paths := make([]string, 0, len(idx.Files))
	for p := range idx.Files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	digests := make([]string, len(paths))
	for i, p := range paths {
		digests[i] = idx.Files[p]
	}
	return appendIndex(nil, idx.Generator, idx.InputDigest, paths, digests), nil
}

// appendIndex appends the index of the files paths (sorted) with their
// digests, exactly as a json.Encoder with SetEscapeHTML(false) and
// SetIndent("", "  ") encodes an Index, written directly: the index of
// 10,000 clusters has 600,000 entries, which encoding/json would sort
// again and then re-indent.
func appendIndex(b []byte, generator, inputDigest string, paths, digests []string) []byte {
	return appendIndexFunc(b, generator, inputDigest, paths, 71, func(b []byte, i int) []byte {
		return appendJSONString(b, digests[i])
	})
}

// appendIndexFunc is appendIndex with digest i written by digest, as a
// JSON string (about digestSize bytes).
func appendIndexFunc(b []byte, generator, inputDigest string, paths []string, digestSize int, digest func(b []byte, i int) []byte) []byte {
	size := 64 + len(generator) + len(inputDigest)
	for _, p := range paths {
		size += len(p) + digestSize + 12
	}
	b = slices.Grow(b, size)
	b = append(b, "{\n  \"generator\": "...)
	b = appendJSONString(b, generator)
	b = append(b, ",\n  \"inputDigest\": "...)
	b = appendJSONString(b, inputDigest)
	b = append(b, ",\n  \"files\": {"...)
	for i, p := range paths {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		b = appendJSONString(b, p)
		b = append(b, ": "...)
		b = digest(b, i)
	}
	if len(paths) > 0 {
		b = append(b, "\n  "...)
	}
	return append(b, "}\n}\n"...)
}

// appendJSONString appends s as a JSON string, as a json.Encoder with
// SetEscapeHTML(false) writes it: directly for printable ASCII without
// quotes or backslashes (every path fleetc renders), through
// encoding/json otherwise.
func appendJSONString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		plain = 0x20 <= s[i] && s[i] < 0x7f && s[i] != '"' && s[i] != '\\'
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// ParseIndex parses and checks the bytes of an index (disk.ReadIndex,
// or one read from a git branch). Valid means: one JSON object with a
// non-empty generator and a "files" object whose keys are valid tree
// paths outside .fleetc/ and whose values are "sha256:<64 lowercase
// hex>". Unknown fields are ignored (forward compatibility). The paths
// are checked because Write removes files the index lists: a tampered
// index must not make it delete outside its folder.
func ParseIndex(data []byte) (*Index, error) { return parseIndex(data) }

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

// ValidDigest reports whether d is an index digest: "sha256:" and 64
// lowercase hex digits.
func ValidDigest(d string) bool { return validDigest(d) }

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

// inChunks calls fn(i) for every i in [0, n), on GOMAXPROCS goroutines
// that each take one contiguous chunk.
func inChunks(n int, fn func(i int)) {
	chunk := max(1, (n+runtime.GOMAXPROCS(0)-1)/runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				fn(i)
			}
		})
	}
	wg.Wait()
}
