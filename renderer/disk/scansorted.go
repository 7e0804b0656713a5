package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// dent is a path found on disk and what it is.
type dent struct {
	path string
	kind entryKind
}

// scanSorted is scan as a list in byte order of the paths (folders
// included), so that Compare can walk it beside the tree's sorted paths
// instead of building and probing a map of a million entries. Each
// folder's entries are sorted by name, and its sub-folders' own entries
// by the sub-folder's name and "/". That is byte order of the whole
// paths: every path under folder d/s starts with "d/s/", so any path that
// sorts between two of them starts with it too, and a file name f (no
// "/", never s itself) compares with "s/..." as it compares with "s/".
// Sub-folders are read on up to GOMAXPROCS goroutines. A missing root
// gives an empty list.
func scanSorted(root string) ([]dent, error) { return scanSortedSkip(root, nil) }

// scanSortedSkip is scanSorted that leaves out every path that skip (when
// set) is true for, and what is under it.
func scanSortedSkip(root string, skip func(rel string) bool) ([]dent, error) {
	s := &sorter{root: root, skip: skip, slots: make(chan struct{}, max(runtime.GOMAXPROCS(0)-1, 0))}
	out, err := s.dir("")
	if err != nil {
		if errors.Is(err, errMissingRoot) {
			return nil, nil
		}
		return nil, fmt.Errorf("tree: scan %s: %w", root, err)
	}
	return out, nil
}

var errMissingRoot = errors.New("missing root")

type sorter struct {
	root  string
	skip  func(rel string) bool
	slots chan struct{} // free goroutines for sub-folders
}

// dir lists the folder rel ("" for the root) and everything under it.
func (s *sorter) dir(rel string) ([]dent, error) {
	f, err := os.Open(filepath.Join(s.root, filepath.FromSlash(rel)))
	if err != nil {
		if rel == "" && errors.Is(err, fs.ErrNotExist) {
			return nil, errMissingRoot
		}
		return nil, err
	}
	ents, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return nil, err
	}
	// A folder is two items: itself (key: its name) and its entries
	// (key: its name and "/"), which sort apart ("a" < "a-b" < "a/").
	type child struct {
		key  string
		d    dent
		tree bool   // the item of a folder's entries
		sub  []dent // a folder's entries, once read
		err  error
	}
	kids := make([]*child, 0, len(ents))
	for _, e := range ents {
		name := e.Name()
		if rel == "" && name == ".git" {
			continue
		}
		p := name
		if rel != "" {
			p = rel + "/" + name
		}
		if s.skip != nil && s.skip(p) {
			continue
		}
		c := &child{key: name, d: dent{path: p, kind: kindOther}}
		switch t := e.Type(); {
		case t.IsDir():
			c.d.kind = kindDir
			kids = append(kids, &child{key: name + "/", d: c.d, tree: true})
		case t.IsRegular():
			c.d.kind = kindFile
		}
		kids = append(kids, c)
	}
	slices.SortFunc(kids, func(a, b *child) int { return strings.Compare(a.key, b.key) })
	var wg sync.WaitGroup
	for _, c := range kids {
		if !c.tree {
			continue
		}
		select {
		case s.slots <- struct{}{}:
			wg.Go(func() {
				defer func() { <-s.slots }()
				c.sub, c.err = s.dir(c.d.path)
			})
		default:
			c.sub, c.err = s.dir(c.d.path)
		}
	}
	wg.Wait()
	n := len(kids)
	for _, c := range kids {
		if c.err != nil {
			return nil, c.err
		}
		n += len(c.sub)
	}
	out := make([]dent, 0, n)
	for _, c := range kids {
		if c.tree {
			out = append(out, c.sub...)
		} else {
			out = append(out, c.d)
		}
	}
	return out, nil
}
