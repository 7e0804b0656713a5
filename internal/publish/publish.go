// Package publish writes a rendered tree as a commit on a branch of a git
// repository, with go-git's object storer only: blobs and trees are
// written as objects, the commit on top of the branch's tip, and the
// branch moved with a compare-and-swap. No worktree, no index, no
// checkout, no git binary.
//
// The branch keeps whatever it holds outside the published folder (a
// README, or the config itself when publishing onto the config's own
// branch); inside the folder, the files of the previous render (those its
// .fleetc/index.json lists) are replaced by the new render, and every
// other file is kept: publish never deletes a file fleetc does not own. A render whose tree is the
// tip's tree makes no commit. The commit's author and committer are given
// by the caller, with the source commit's time rather than the clock, so
// the same source published onto the same tip always gives the same
// commit: publishing is reproducible.
package publish

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Files is the rendered tree; *tree.Tree implements it.
type Files interface {
	Paths() []string
	Get(path string) ([]byte, bool)
}

// Options say where and how to publish.
type Options struct {
	// Branch is the short branch name ("rendered"); created if missing.
	Branch string
	// Path is the folder of the branch's tree that receives the files
	// (slash-separated, relative); "" or "." is the root, and then the
	// whole tree is replaced.
	Path string
	// Message is the commit message.
	Message string
	// Signature is the author and committer, time included.
	Signature object.Signature
}

// Result says what Publish did.
type Result struct {
	// Commit is the new commit, or the tip when nothing changed.
	Commit plumbing.Hash
	// Parent is the branch's previous tip; zero when it was created.
	Parent plumbing.Hash
	// Unchanged: the tip already held this render; no commit was made.
	Unchanged bool
	// Created: the branch did not exist.
	Created bool
}

// Error is a problem with what the caller asked for (a bad branch name or
// path, a checked-out branch).
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// CleanPath validates a folder path for Options.Path and returns it
// cleaned ("" for the root).
func CleanPath(p string) (string, error) {
	if p == "" || p == "." {
		return "", nil
	}
	if strings.Contains(p, "\\") || path.IsAbs(p) {
		return "", errorf("path %q: must be a relative, slash-separated folder", p)
	}
	c := path.Clean(p)
	for seg := range strings.SplitSeq(c, "/") {
		if seg == ".." || seg == ".git" || seg == "" {
			return "", errorf("path %q: must stay inside the repository and not name .git", p)
		}
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

// BranchRef validates a short branch name and returns its reference name.
func BranchRef(branch string) (plumbing.ReferenceName, error) {
	if branch == "" {
		return "", errorf("empty branch name")
	}
	if branch == "HEAD" || strings.HasPrefix(branch, "-") {
		return "", errorf("branch %q: not a valid branch name (HEAD names the current checkout, not a branch)", branch)
	}
	if strings.HasPrefix(branch, "refs/") {
		return "", errorf("branch %q: give the short name (without refs/heads/)", branch)
	}
	ref := plumbing.NewBranchReferenceName(branch)
	if err := ref.Validate(); err != nil {
		return "", errorf("branch %q: not a valid branch name", branch)
	}
	return ref, nil
}

// Publish writes files under opts.Path as a commit on opts.Branch.
func Publish(repo *git.Repository, files Files, opts Options) (*Result, error) {
	ref, err := BranchRef(opts.Branch)
	if err != nil {
		return nil, err
	}
	dir, err := CleanPath(opts.Path)
	if err != nil {
		return nil, err
	}
	// Moving the checked-out branch under the worktree's feet would make
	// every file look modified.
	if where, ok := checkedOut(repo, ref); ok {
		if where == "here" {
			return nil, errorf("branch %s is checked out here; publish to another branch (or check out another one first)", opts.Branch)
		}
		return nil, errorf("branch %s is checked out in %s; publish to another branch (or check out another one there first)", opts.Branch, where)
	}

	res := &Result{}
	old, err := repo.Storer.Reference(ref)
	var tip *object.Commit
	switch {
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		old = nil
		res.Created = true
	case err != nil:
		return nil, fmt.Errorf("branch %s: %w", opts.Branch, err)
	default:
		tip, err = repo.CommitObject(old.Hash())
		if err != nil {
			return nil, fmt.Errorf("branch %s: tip %s: %w", opts.Branch, old.Hash(), err)
		}
		res.Parent = tip.Hash
	}

	w := &writer{s: repo.Storer}
	var base *object.Tree
	if tip != nil {
		if base, err = tip.Tree(); err != nil {
			return nil, fmt.Errorf("branch %s: %w", opts.Branch, err)
		}
	}
	keep, err := foreign(base, dir, files)
	if err != nil {
		return nil, fmt.Errorf("branch %s: %w", opts.Branch, err)
	}
	sub, err := w.buildTree(files, keep)
	if err != nil {
		return nil, err
	}
	if dir == "" {
		base = nil
	}
	root, err := w.graft(base, strings.Split(dir, "/"), sub)
	if err != nil {
		return nil, err
	}
	if tip != nil && tip.TreeHash == root {
		res.Commit, res.Unchanged = tip.Hash, true
		return res, nil
	}

	c := &object.Commit{
		Author:    opts.Signature,
		Committer: opts.Signature,
		Message:   opts.Message,
		TreeHash:  root,
	}
	if tip != nil {
		c.ParentHashes = []plumbing.Hash{tip.Hash}
	}
	obj := repo.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return nil, fmt.Errorf("encode commit: %w", err)
	}
	h, err := repo.Storer.SetEncodedObject(obj)
	if err != nil {
		return nil, fmt.Errorf("write commit: %w", err)
	}
	if err := repo.Storer.CheckAndSetReference(plumbing.NewHashReference(ref, h), old); err != nil {
		return nil, fmt.Errorf("move branch %s (did it change meanwhile?): %w", opts.Branch, err)
	}
	res.Commit = h
	return res, nil
}

type writer struct{ s storer.EncodedObjectStorer }

// put stores an object unless the repository has it already.
func (w *writer) put(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	h := plumbing.ComputeHash(t, data)
	if w.s.HasEncodedObject(h) == nil {
		return h, nil
	}
	obj := w.s.NewEncodedObject()
	obj.SetType(t)
	obj.SetSize(int64(len(data)))
	wr, err := obj.Writer()
	if err != nil {
		return h, err
	}
	if _, err := wr.Write(data); err != nil {
		wr.Close()
		return h, err
	}
	if err := wr.Close(); err != nil {
		return h, err
	}
	got, err := w.s.SetEncodedObject(obj)
	if err != nil {
		return h, fmt.Errorf("write object: %w", err)
	}
	if got != h {
		return h, fmt.Errorf("write object: hash %s, want %s", got, h)
	}
	return h, nil
}

func (w *writer) putTree(entries []object.TreeEntry) (plumbing.Hash, error) {
	slices.SortFunc(entries, func(a, b object.TreeEntry) int { return strings.Compare(sortName(a), sortName(b)) })
	t := &object.Tree{Entries: entries}
	var mem plumbing.MemoryObject
	if err := t.Encode(&mem); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode tree: %w", err)
	}
	r, _ := mem.Reader()
	data, err := io.ReadAll(r)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return w.put(plumbing.TreeObject, data)
}

// sortName is git's order of tree entries: a folder sorts as if its name
// ended with "/".
func sortName(e object.TreeEntry) string {
	if e.Mode == filemode.Dir {
		return e.Name + "/"
	}
	return e.Name
}

// dir is a folder of the tree buildTree writes.
type dir struct {
	entries []object.TreeEntry
	subdirs map[string]*dir
}

func newDir() *dir { return &dir{subdirs: map[string]*dir{}} }

// parentOf returns the folder that holds path p (made as needed) and p's
// last element.
func (d *dir) parentOf(p string) (*dir, string) {
	segs := strings.Split(p, "/")
	for _, s := range segs[:len(segs)-1] {
		sd, ok := d.subdirs[s]
		if !ok {
			sd = newDir()
			d.subdirs[s] = sd
		}
		d = sd
	}
	return d, segs[len(segs)-1]
}

// buildTree writes every file and folder of files and returns the root
// tree's hash. Paths are slash-separated and sorted.
// keep are entries of the previous folder to carry over, by path.
func (w *writer) buildTree(files Files, keep map[string]object.TreeEntry) (plumbing.Hash, error) {
	root := newDir()
	for _, p := range files.Paths() {
		data, _ := files.Get(p)
		h, err := w.put(plumbing.BlobObject, data)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("%s: %w", p, err)
		}
		d, name := root.parentOf(p)
		d.entries = append(d.entries, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h})
	}
	for _, p := range slices.Sorted(maps.Keys(keep)) {
		d, name := root.parentOf(p)
		e := keep[p]
		e.Name = name
		d.entries = append(d.entries, e)
	}
	var write func(d *dir) (plumbing.Hash, error)
	write = func(d *dir) (plumbing.Hash, error) {
		for name, sd := range d.subdirs {
			h, err := write(sd)
			if err != nil {
				return h, err
			}
			d.entries = append(d.entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
		}
		return w.putTree(d.entries)
	}
	return write(root)
}

// foreign returns the files of the folder dir of base (the branch's tip)
// that fleetc does not own: not listed in the folder's previous index
// (.fleetc/index.json) and not part of the new render. Publish keeps them,
// so that files others wrote into the folder (say the flux-system/ folder
// of 'flux bootstrap') survive. A kept file whose path collides with a
// folder of the render, or the reverse, is an error.
func foreign(base *object.Tree, dir string, files Files) (map[string]object.TreeEntry, error) {
	if base == nil {
		return nil, nil
	}
	t := base
	if dir != "" {
		var err error
		t, err = base.Tree(dir)
		if errors.Is(err, object.ErrDirectoryNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	owned := map[string]bool{}
	if f, err := t.File(indexPath); err == nil {
		content, err := f.Contents()
		if err != nil {
			return nil, err
		}
		var idx struct {
			Files map[string]string `json:"files"`
		}
		if err := json.Unmarshal([]byte(content), &idx); err != nil {
			return nil, fmt.Errorf("%s: %w", path.Join(dir, indexPath), err)
		}
		for p := range idx.Files {
			owned[p] = true
		}
		owned[indexPath] = true
	}
	renderFiles := map[string]bool{}
	renderDirs := map[string]bool{}
	for _, p := range files.Paths() {
		renderFiles[p] = true
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			renderDirs[d] = true
		}
	}
	keep := map[string]object.TreeEntry{}
	walker := object.NewTreeWalker(t, true, nil)
	defer walker.Close()
	for {
		name, e, err := walker.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if e.Mode == filemode.Dir || owned[name] || renderFiles[name] {
			continue
		}
		if renderDirs[name] {
			return nil, errorf("%s is not fleetc's and is in the way of the render's folder of that name; move it", path.Join(dir, name))
		}
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if renderFiles[d] {
				return nil, errorf("%s is not fleetc's and is in the way of the render's file %s; move it", path.Join(dir, name), path.Join(dir, d))
			}
		}
		keep[name] = e
	}
	return keep, nil
}

// indexPath is fleetc's index in a rendered folder (tree.IndexPath).
const indexPath = ".fleetc/index.json"

// graft returns the hash of base (nil: an empty tree) with the folder at
// segs replaced by the tree sub.
func (w *writer) graft(base *object.Tree, segs []string, sub plumbing.Hash) (plumbing.Hash, error) {
	if len(segs) == 0 || segs[0] == "" {
		return sub, nil
	}
	var entries []object.TreeEntry
	var child *object.Tree
	if base != nil {
		for _, e := range base.Entries {
			if e.Name == segs[0] {
				if e.Mode == filemode.Dir && len(segs) > 1 {
					t, err := base.Tree(e.Name)
					if err != nil {
						return plumbing.ZeroHash, fmt.Errorf("%s: %w", e.Name, err)
					}
					child = t
				}
				continue // replaced
			}
			entries = append(entries, e)
		}
	}
	h, err := w.graft(child, segs[1:], sub)
	if err != nil {
		return h, err
	}
	entries = append(entries, object.TreeEntry{Name: segs[0], Mode: filemode.Dir, Hash: h})
	return w.putTree(entries)
}

// Read returns the files below dir ("" for the root) in the tip of
// branch, and the tip's hash; (nil, zero, nil) when the branch does not
// exist. Symbolic links and submodules are skipped.
func Read(repo *git.Repository, branch, dir string) (map[string][]byte, plumbing.Hash, error) {
	ref, err := BranchRef(branch)
	if err != nil {
		return nil, plumbing.ZeroHash, err
	}
	if dir, err = CleanPath(dir); err != nil {
		return nil, plumbing.ZeroHash, err
	}
	r, err := repo.Storer.Reference(ref)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, plumbing.ZeroHash, nil
	}
	if err != nil {
		return nil, plumbing.ZeroHash, err
	}
	c, err := repo.CommitObject(r.Hash())
	if err != nil {
		return nil, plumbing.ZeroHash, err
	}
	t, err := c.Tree()
	if err != nil {
		return nil, plumbing.ZeroHash, err
	}
	if dir != "" {
		t, err = t.Tree(dir)
		if errors.Is(err, object.ErrDirectoryNotFound) {
			return map[string][]byte{}, c.Hash, nil
		}
		if err != nil {
			return nil, plumbing.ZeroHash, err
		}
	}
	out := map[string][]byte{}
	err = t.Files().ForEach(func(f *object.File) error {
		if f.Mode != filemode.Regular && f.Mode != filemode.Executable {
			return nil
		}
		rd, err := f.Reader()
		if err != nil {
			return err
		}
		defer rd.Close()
		var b bytes.Buffer
		if _, err := io.Copy(&b, rd); err != nil {
			return err
		}
		out[f.Name] = b.Bytes()
		return nil
	})
	if err != nil {
		return nil, plumbing.ZeroHash, err
	}
	return out, c.Hash, nil
}
