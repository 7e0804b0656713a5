package tree

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/fleetc/fleetc/renderer/layout"
)

// Tree is a set of files: slash-separated relative paths → content.
//
// A Tree is write-once: adding a path twice is an error (a renderer bug),
// and so is a path that would be both a file and a directory ("a" and
// "a/b"). The content slices are stored as given, not copied: callers
// must not modify a slice after Add, nor the slice that Get returns.
//
// A Tree is not safe for concurrent use. For a parallel render, give each
// worker its own Tree and Merge them afterwards.
//
// The zero value is an empty, usable Tree; New is provided for symmetry.
type Tree struct {
	files map[string][]byte
	// dirs holds every directory that contains a file, at any depth
	// ("a" and "a/b" for the file "a/b/c"). Used to reject file/dir clashes.
	dirs map[string]struct{}
	// sums holds the sha256 of the files whose digest is known already
	// (AddSum, Sum): WithIndex hashes only the others.
	sums map[string][32]byte
	// grow is the size Grow was given: the sums map, made on the first
	// known sum, starts at that size.
	grow int
	// sorted caches the sorted file paths; nil when stale.
	sorted []string
	// sealed is set by WithIndex: the index covers every file, so no
	// file may be added afterwards.
	sealed bool
}

// New returns an empty Tree.
func New() *Tree { return &Tree{} }

func (t *Tree) init() {
	if t.files == nil {
		t.files = make(map[string][]byte)
		t.dirs = make(map[string]struct{})
	}
}

// Add adds a file. It rejects an invalid path (see validPath), a path
// under the reserved ".fleetc/" folder, a path added before, a path that
// clashes with a directory of the tree (or whose parent is a file), and
// any Add after WithIndex.
func (t *Tree) Add(path string, data []byte) error {
	if err := validPath(path); err != nil {
		return err
	}
	if isReserved(path) {
		return fmt.Errorf("tree: path %q is reserved for fleetc's own files", path)
	}
	return t.add(path, data)
}

func (t *Tree) add(p string, data []byte) error {
	if t.sealed {
		return fmt.Errorf("tree: cannot add %q: the tree already has its index (WithIndex was called)", p)
	}
	t.init()
	if err := t.conflict(p); err != nil {
		return err
	}
	t.insert(p, data)
	return nil
}

// AddSum is Add for a file whose sha256 the caller knows (a cache that
// verified it, say), so that WithIndex need not hash it again.
func (t *Tree) AddSum(path string, data []byte, sum [32]byte) error {
	if err := t.Add(path, data); err != nil {
		return err
	}
	t.setSum(path, sum)
	return nil
}

func (t *Tree) setSum(p string, sum [32]byte) {
	if t.sums == nil {
		t.sums = make(map[string][32]byte, t.grow)
	}
	t.sums[p] = sum
}

// Sum returns the sha256 of the file at path, hashing it on the first
// call; false when there is no such file.
func (t *Tree) Sum(path string) ([32]byte, bool) {
	if sum, ok := t.sums[path]; ok {
		return sum, true
	}
	data, ok := t.files[path]
	if !ok {
		return [32]byte{}, false
	}
	sum := sha256.Sum256(data)
	t.setSum(path, sum)
	return sum, true
}

// conflict reports whether adding the file p would break the tree.
func (t *Tree) conflict(p string) error {
	if _, ok := t.files[p]; ok {
		return fmt.Errorf("tree: duplicate path %q", p)
	}
	if _, ok := t.dirs[p]; ok {
		return fmt.Errorf("tree: path %q is already a directory of the tree", p)
	}
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			if _, ok := t.files[p[:i]]; ok {
				return fmt.Errorf("tree: path %q: parent %q is already a file of the tree", p, p[:i])
			}
		}
	}
	return nil
}

func (t *Tree) insert(p string, data []byte) {
	t.files[p] = data
	t.sorted = nil
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			d := p[:i]
			if _, ok := t.dirs[d]; ok {
				break // its ancestors are recorded too
			}
			t.dirs[d] = struct{}{}
		}
	}
}

// Grow makes room for n files in all, so that merging many trees into t
// does not rehash its maps over and over.
func (t *Tree) Grow(n int) {
	if n <= len(t.files) {
		return
	}
	t.grow = n
	files := make(map[string][]byte, n)
	for p, b := range t.files {
		files[p] = b
	}
	dirs := make(map[string]struct{}, n/4)
	for d := range t.dirs {
		dirs[d] = struct{}{}
	}
	t.files, t.dirs = files, dirs
}

// Paths returns the file paths in byte order (a fresh slice).
func (t *Tree) Paths() []string { return slices.Clone(t.paths()) }

// paths returns the cached sorted paths; callers must not modify it.
func (t *Tree) paths() []string {
	if t.sorted == nil {
		t.sorted = make([]string, 0, len(t.files))
		for p := range t.files {
			t.sorted = append(t.sorted, p)
		}
		sortParallel(t.sorted, runtime.GOMAXPROCS(0))
	}
	return t.sorted
}

// sortParallel sorts ps on up to procs goroutines: halves sorted at once,
// then merged (a 10,000-cluster tree has 600,000 paths).
func sortParallel(ps []string, procs int) {
	if procs < 2 || len(ps) < 1<<14 {
		slices.Sort(ps)
		return
	}
	mid := len(ps) / 2
	a, b := ps[:mid], ps[mid:]
	var wg sync.WaitGroup
	wg.Go(func() { sortParallel(a, procs/2) })
	sortParallel(b, procs-procs/2)
	wg.Wait()
	merged := make([]string, 0, len(ps))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if b[j] < a[i] {
			merged = append(merged, b[j])
			j++
		} else {
			merged = append(merged, a[i])
			i++
		}
	}
	merged = append(merged, a[i:]...)
	merged = append(merged, b[j:]...)
	copy(ps, merged)
}

// Get returns a file's content. The slice must not be modified.
func (t *Tree) Get(path string) ([]byte, bool) {
	b, ok := t.files[path]
	return b, ok
}

// Sealed reports whether t has its index (WithIndex was called).
func (t *Tree) Sealed() bool { return t.sealed }

// Len returns the number of files.
func (t *Tree) Len() int { return len(t.files) }

// Merge adds every file of other to t. It is all-or-nothing: on a
// duplicate or clashing path (reported for the first such path in byte
// order) t is left unchanged. Neither tree may have its index yet. other
// is not modified; its content slices become shared with t.
func (t *Tree) Merge(other *Tree) error {
	if other == nil {
		return nil
	}
	if other == t && t.Len() > 0 {
		return errors.New("tree: cannot merge a tree into itself")
	}
	if t.sealed {
		return errors.New("tree: cannot merge into a tree that already has its index (WithIndex was called)")
	}
	if other.sealed {
		return errors.New("tree: cannot merge a tree that already has its index (WithIndex was called)")
	}
	t.init()
	ps := other.paths()
	if !t.disjoint(ps) {
		for _, p := range ps {
			if err := t.conflict(p); err != nil {
				return err
			}
		}
	}
	for _, p := range ps {
		t.insert(p, other.files[p])
	}
	for p, sum := range other.sums {
		t.setSum(p, sum)
	}
	return nil
}

// disjoint reports, cheaply, that no path of ps (sorted, non-empty) can
// clash with t: they share a folder that t has no file in, and neither it
// nor its ancestors are files of t. (A cluster's folder merged into the
// fleet's tree, say.) False means "check each path".
func (t *Tree) disjoint(ps []string) bool {
	if len(ps) == 0 {
		return true
	}
	first, last := ps[0], ps[len(ps)-1]
	n := 0
	for n < len(first) && n < len(last) && first[n] == last[n] {
		n++
	}
	i := strings.LastIndexByte(first[:n], '/')
	if i <= 0 {
		return false
	}
	dir := first[:i]
	if _, ok := t.dirs[dir]; ok {
		return false
	}
	for d := dir; ; {
		if _, ok := t.files[d]; ok {
			return false
		}
		j := strings.LastIndexByte(d, '/')
		if j < 0 {
			return true
		}
		d = d[:j]
	}
}

// validPath reports whether p is acceptable as a tree path: non-empty,
// relative, slash-separated, clean (no empty, "." or ".." segments, no
// trailing slash), without backslash, colon or NUL (so that it means the
// same on every OS), and without a ".git" segment.
func validPath(p string) error {
	if p == "" {
		return errors.New("tree: empty path")
	}
	if p[0] == '/' {
		return fmt.Errorf("tree: absolute path %q", p)
	}
	if i := strings.IndexAny(p, "\\:\x00"); i >= 0 {
		return fmt.Errorf("tree: path %q contains %q", p, p[i])
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			return fmt.Errorf("tree: path %q has an empty segment", p)
		case ".", "..":
			return fmt.Errorf("tree: path %q has a %q segment", p, seg)
		case ".git":
			return fmt.Errorf("tree: path %q has a .git segment", p)
		}
	}
	return nil
}

// reservedDir is fleetc's own folder in the output: the index and, while
// Write runs, its staging area.
const reservedDir = layout.Reserved

func isReserved(p string) bool {
	return p == reservedDir || strings.HasPrefix(p, reservedDir+"/")
}
