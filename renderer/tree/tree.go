package tree

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	// runs hold every file path once, in sorted runs of one folder each
	// (a file added alone is a run of its own): paths merges them.
	runs [][]string
	// sealed is set by WithIndex: the index covers every file, so no
	// file may be added afterwards.
	sealed bool
	// indexed are the paths the index lists, sorted, with their sha256
	// (IndexedSum).
	indexed     []string
	indexedSums [][32]byte
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
	t.runs = append(t.runs, []string{p})
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
		t.sorted = mergeRuns(t.runs, len(t.files))
		t.runs = [][]string{t.sorted}
		if len(t.sorted) == 0 {
			t.runs = nil
		}
	}
	return t.sorted
}

// mergeRuns returns the paths of runs (each sorted, none empty, no path in
// two) in byte order. The runs are ordered by their first path and laid
// end to end; a run that starts before the end of those laid already (a
// folder's files around one of its sub-folders) is merged into their
// tail. A tree's runs are its folders (a cluster's folder is added
// whole), so a million paths cost a sort of some thousand runs and a
// copy, not a comparison sort of a million paths with long common
// prefixes.
func mergeRuns(runs [][]string, n int) []string {
	slices.SortFunc(runs, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	out := make([]string, 0, n)
	for _, r := range runs {
		if len(out) == 0 || out[len(out)-1] < r[0] {
			out = append(out, r...)
			continue
		}
		pos, _ := slices.BinarySearch(out, r[0])
		tail := slices.Clone(out[pos:])
		out = out[:pos]
		i, j := 0, 0
		for i < len(tail) && j < len(r) {
			if tail[i] < r[j] {
				out = append(out, tail[i])
				i++
			} else {
				out = append(out, r[j])
				j++
			}
		}
		out = append(append(out, tail[i:]...), r[j:]...)
	}
	return out
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
	// other is a valid tree: its paths clash only with t's.
	if err := t.clashes(ps); err != nil {
		return err
	}
	t.insertSorted(ps, func(i int) []byte { return other.files[ps[i]] })
	for p, sum := range other.sums {
		t.setSum(p, sum)
	}
	return nil
}

// File is a file with its known sha256 (a cache that verified it).
type File struct {
	Path string
	Data []byte
	Sum  [32]byte
}

// Files is a list of files that CheckFiles found fit to be added to a tree
// together: sorted, valid paths, no file where another one has a folder.
// Its zero value is an empty list.
type Files struct {
	files []File
	paths []string
}

// Len is the number of files.
func (fs Files) Len() int { return len(fs.files) }

// CheckFiles checks files, sorted by path, for AddFiles: each path valid
// (Add's rules), strictly after the one before, and no file of the list
// in the place of a folder of another (a and a/b). It can run on any
// goroutine (a cache checks the folders it reads in parallel); AddFiles
// then only looks for clashes with the tree.
func CheckFiles(files []File) (Files, error) {
	ps := make([]string, len(files))
	for i, f := range files {
		if err := validPath(f.Path); err != nil {
			return Files{}, err
		}
		if isReserved(f.Path) {
			return Files{}, fmt.Errorf("tree: path %q is reserved for fleetc's own files", f.Path)
		}
		if i > 0 && f.Path <= ps[i-1] {
			return Files{}, fmt.Errorf("tree: %q is not after %q", f.Path, ps[i-1])
		}
		ps[i] = f.Path
	}
	lastDir := ""
	for _, p := range ps {
		d := parentDir(p)
		if d == lastDir {
			continue
		}
		lastDir = d
		for a := d; a != ""; a = parentDir(a) {
			if _, ok := slices.BinarySearch(ps, a); ok {
				return Files{}, fmt.Errorf("tree: path %q: parent %q is already a file of the tree", p, a)
			}
		}
	}
	return Files{files: files, paths: ps}, nil
}

// AddFiles adds checked files with their sha256: AddSum for each, all or
// nothing (a cached folder added to the tree at once).
func (t *Tree) AddFiles(fs Files) error {
	if t.sealed {
		return errors.New("tree: cannot add files: the tree already has its index (WithIndex was called)")
	}
	t.init()
	if err := t.clashes(fs.paths); err != nil {
		return err
	}
	t.insertSorted(fs.paths, func(i int) []byte { return fs.files[i].Data })
	for _, f := range fs.files {
		t.setSum(f.Path, f.Sum)
	}
	return nil
}

// parentDir is the folder of p ("" at the top).
func parentDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return ""
}

// clashes reports the first path of ps (sorted, distinct, without clashes
// among themselves) that cannot be added to t: a file of t already, a
// directory of t, or under a file of t. The ancestors are looked at once
// per folder of ps.
func (t *Tree) clashes(ps []string) error {
	lastDir := "\x00" // no folder is named that
	for _, p := range ps {
		if d := parentDir(p); d != lastDir {
			lastDir = d
			for a := d; a != ""; a = parentDir(a) {
				if _, ok := t.files[a]; ok {
					return fmt.Errorf("tree: path %q: parent %q is already a file of the tree", p, a)
				}
			}
		}
		if _, ok := t.files[p]; ok {
			return fmt.Errorf("tree: duplicate path %q", p)
		}
		if _, ok := t.dirs[p]; ok {
			return fmt.Errorf("tree: path %q is already a directory of the tree", p)
		}
	}
	return nil
}

// insertSorted inserts the files ps (sorted), their folders once per run.
func (t *Tree) insertSorted(ps []string, data func(i int) []byte) {
	t.sorted = nil
	lastDir := "\x00"
	start := 0
	for i, p := range ps {
		t.files[p] = data(i)
		if d := parentDir(p); d != lastDir {
			if i > start {
				t.runs = append(t.runs, ps[start:i:i])
			}
			start = i
			lastDir = d
			for a := d; a != ""; a = parentDir(a) {
				if _, ok := t.dirs[a]; ok {
					break // its ancestors are recorded too
				}
				t.dirs[a] = struct{}{}
			}
		}
	}
	if len(ps) > start {
		t.runs = append(t.runs, ps[start:len(ps):len(ps)])
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
