// Package source reads the CUE files of a config repo, either from the
// working tree (uncommitted edits included) or from a git revision's tree
// objects through go-git (no checkout, no git binary).
//
// It is the only package of the pipeline that touches the file system; the
// result is a sorted list of files, the input of the pure renderer.
package source

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// File is one config file: its slash-separated path relative to the repo
// root, and its bytes.
type File struct {
	Path string
	Data []byte
}

// Snapshot is what was read.
type Snapshot struct {
	Files []File // sorted by Path
	// Commit is the resolved commit hash when read from a revision, "" for
	// the working tree. It is for messages only; it never enters the render.
	Commit string
}

// Error is a problem with the repository itself (not with its content).
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// isCUE reports whether a file name has the .cue extension in any case.
func isCUE(name string) bool { return strings.EqualFold(path.Ext(name), ".cue") }

// cueName checks a *.cue file's name: CUE reads only lower-case .cue,
// so `x.CUE` would be left out by `cue vet` and is refused.
func cueName(p string) error {
	if path.Ext(p) != ".cue" {
		return errorf("%s: the extension must be .cue in lower case (rename the file, or list it in %s)", Quote(p), IgnoreFile)
	}
	return nil
}

// Messages for what is refused the same way with and without --rev.
func folderLinkError(p string) error {
	return errorf("%s: a symlink to a folder; fleetc does not follow folder links (move the folder into the repo, or list the link in %s)", Quote(p), IgnoreFile)
}

func outsideError(p string) error {
	return errorf("%s: symlink points outside the repo", Quote(p))
}

func submoduleError(p string) error {
	return errorf("%s: a git submodule or nested repository; fleetc reads neither (copy its files into the repo, or list it in %s)", Quote(p), IgnoreFile)
}

func skipDir(name string) bool {
	return name == "cue.mod" || (strings.HasPrefix(name, ".") && name != ".")
}

// skipFile reports whether a file name is never part of the config: a
// dot-file (the ignore file, editors' files).
func skipFile(name string) bool { return strings.HasPrefix(name, ".") }

// Read reads the config files of the repo at dir. With rev == "" it reads the
// working tree (dir need not be a git repository); otherwise it resolves rev
// (branch, tag, commit, HEAD~1, ...) in the git repository containing dir and
// reads that commit's tree, restricted to dir's subtree.
func Read(dir, rev string) (*Snapshot, error) {
	if rev == "" {
		return readWorkTree(dir)
	}
	return readRevision(dir, rev)
}

func readWorkTree(dir string) (*Snapshot, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, errorf("repo %s: %v", dir, err)
	}
	st, err := os.Stat(root)
	if err != nil {
		return nil, errorf("repo %s: no such directory", dir)
	}
	if !st.IsDir() {
		return nil, errorf("repo %s: not a directory", dir)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, errorf("repo %s: %v", dir, err)
	}
	ig, err := workTreeIgnore(root)
	if err != nil {
		return nil, err
	}
	submodules, err := workTreeSubmodules(root)
	if err != nil {
		return nil, err
	}
	var files []File
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return errorf("reading %s: %v", Quote(p), err)
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if ig.Match(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if skipDir(d.Name()) {
				return filepath.SkipDir
			}
			if _, err := os.Lstat(filepath.Join(p, ".git")); err == nil || submodules[rel] {
				return submoduleError(rel)
			}
			return nil
		}
		if skipDir(d.Name()) || skipFile(d.Name()) {
			return nil
		}
		cue := isCUE(d.Name())
		if d.Type()&fs.ModeSymlink != 0 {
			// Judged on the link's text first, as with --rev (where a
			// link is only its text), then on where it leads.
			if link, err := os.Readlink(p); err == nil {
				if j := filepath.ToSlash(filepath.Join(filepath.Dir(rel), link)); filepath.IsAbs(link) || j == ".." || strings.HasPrefix(j, "../") {
					return outsideError(rel)
				}
			}
			target, err := filepath.EvalSymlinks(p)
			if err != nil {
				if cue {
					return errorf("%s: broken symlink", Quote(rel))
				}
				return nil
			}
			if r, err := filepath.Rel(realRoot, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
				return outsideError(rel)
			}
			if st, err := os.Stat(target); err == nil && st.IsDir() {
				return folderLinkError(rel)
			}
		}
		if !cue {
			return nil
		}
		if err := cueName(rel); err != nil {
			return err
		}
		data, err := readRegular(p, rel)
		if err != nil {
			return err
		}
		files = append(files, File{Path: rel, Data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortFiles(files)
	return &Snapshot{Files: files}, nil
}

func sortFiles(files []File) {
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
}

// OpenRepo opens the git repository that contains dir and returns it with
// dir's path relative to the repository root ("" for the root itself).
func OpenRepo(dir string) (*git.Repository, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", errorf("repo %s: %v", dir, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, "", errorf("repo %s: no such directory", dir)
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, "", errorf("repo %s: not a git repository (--rev needs one; drop --rev to read the folder as it is)", dir)
	}
	if err != nil {
		return nil, "", errorf("repo %s: %v", dir, err)
	}
	sub := ""
	if wt, err := repo.Worktree(); err == nil {
		top, _ := filepath.EvalSymlinks(wt.Filesystem.Root())
		real, _ := filepath.EvalSymlinks(abs)
		if r, err := filepath.Rel(top, real); err == nil && r != "." {
			sub = filepath.ToSlash(r)
		}
	}
	return repo, sub, nil
}

// keepOpen is repo reading through a storage that keeps its pack files
// open until done is called: go-git otherwise opens a pack file again for
// each object it reads from it, once per config file (measured: a third of
// reading 10,000 files). It is repo itself where that cannot be done.
func keepOpen(repo *git.Repository) (_ *git.Repository, done func()) {
	s, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return repo, func() {}
	}
	ks := filesystem.NewStorageWithOptions(s.Filesystem(), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	r, err := git.Open(ks, nil)
	if err != nil {
		_ = ks.Close()
		return repo, func() {}
	}
	return r, func() { _ = ks.Close() }
}

// ResolveCommit resolves rev to a commit of repo.
func ResolveCommit(repo *git.Repository, rev string) (*object.Commit, error) {
	if before, after, ok := strings.Cut(rev, ":"); ok {
		// git's REV:PATH names a file or folder inside a revision; go-git
		// would resolve it as REV and read the whole tree.
		return nil, errorf("revision %q: REV:PATH is not supported; give the revision (%s) with --rev and the folder %q with --repo", rev, before, after)
	}
	if _, err := repo.Head(); errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, errorf("repository has no commits yet; commit the config first, or drop --rev to read the working tree")
	}
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, errorf("revision %q not found in the repository", rev)
	}
	c, err := repo.CommitObject(*h)
	if err != nil {
		return nil, errorf("revision %q: %v", rev, err)
	}
	return c, nil
}

func readRevision(dir, rev string) (*Snapshot, error) {
	repo, sub, err := OpenRepo(dir)
	if err != nil {
		return nil, err
	}
	repo, done := keepOpen(repo)
	defer done()
	c, err := ResolveCommit(repo, rev)
	if err != nil {
		return nil, err
	}
	files, err := ReadCommit(c, sub)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Files: files, Commit: c.Hash.String()}, nil
}

// ReadCommit reads the config files of commit c below the folder sub
// ("" for the whole tree), with paths relative to sub.
func ReadCommit(c *object.Commit, sub string) ([]File, error) {
	root, err := c.Tree()
	if err != nil {
		return nil, errorf("commit %s: %v", c.Hash, err)
	}
	tree := root
	if sub != "" {
		tree, err = root.Tree(sub)
		if errors.Is(err, object.ErrDirectoryNotFound) {
			return nil, errorf("folder %s does not exist in commit %s", sub, c.Hash.String()[:12])
		}
		if err != nil {
			return nil, errorf("commit %s: %v", c.Hash, err)
		}
	}
	ig, err := commitIgnore(tree)
	if err != nil {
		return nil, err
	}
	var files []File
	var walk func(t *object.Tree, prefix string) error
	walk = func(t *object.Tree, prefix string) error {
		for _, e := range t.Entries {
			p := path.Join(prefix, e.Name)
			if ig.Match(p) {
				continue
			}
			switch e.Mode {
			case filemode.Dir:
				if skipDir(e.Name) {
					continue
				}
				st, err := t.Tree(e.Name)
				if err != nil {
					return errorf("%s: %v", Quote(p), err)
				}
				if err := walk(st, p); err != nil {
					return err
				}
			case filemode.Submodule:
				if skipDir(e.Name) {
					continue
				}
				return submoduleError(p)
			default:
				if skipDir(e.Name) || skipFile(e.Name) {
					continue
				}
				cue := isCUE(e.Name)
				var data []byte
				if e.Mode == filemode.Symlink {
					link, err := blob(t, e.Name)
					if err != nil {
						return errorf("%s: %v", Quote(p), err)
					}
					var isDir bool
					data, isDir, err = followSymlink(root, sub, path.Join(sub, p), string(link))
					switch {
					case errors.Is(err, errOutside):
						return outsideError(p)
					case isDir:
						return folderLinkError(p)
					case err != nil && cue:
						return errorf("%s: %v", Quote(p), err)
					case err != nil:
						continue
					}
				}
				if !cue {
					continue
				}
				if err := cueName(p); err != nil {
					return err
				}
				if e.Mode != filemode.Symlink {
					if data, err = blob(t, e.Name); err != nil {
						return errorf("%s: %v", Quote(p), err)
					}
				}
				files = append(files, File{Path: p, Data: data})
			}
		}
		return nil
	}
	if err := walk(tree, ""); err != nil {
		return nil, err
	}
	sortFiles(files)
	return files, nil
}

func blob(t *object.Tree, name string) ([]byte, error) {
	f, err := t.File(name)
	if err != nil {
		return nil, err
	}
	r, err := f.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

var errOutside = errors.New("symlink points outside the repo")

// followSymlink resolves a symlink stored in a commit at full path p
// (relative to the tree root) to the bytes of its target, which must be
// inside the folder sub ("" for the whole tree). isDir reports a target
// that is a folder.
func followSymlink(root *object.Tree, sub, p, target string) (data []byte, isDir bool, err error) {
	for range 8 {
		if path.IsAbs(target) {
			return nil, false, errOutside
		}
		resolved := path.Join(path.Dir(p), target)
		if resolved == ".." || strings.HasPrefix(resolved, "../") {
			return nil, false, errOutside
		}
		if sub != "" && resolved != sub && !strings.HasPrefix(resolved, sub+"/") {
			return nil, false, errOutside
		}
		if resolved == "." || resolved == sub {
			return nil, true, nil
		}
		if _, err := root.Tree(resolved); err == nil {
			return nil, true, nil
		}
		f, err := root.File(resolved)
		if err != nil {
			return nil, false, fmt.Errorf("broken symlink to %s", target)
		}
		r, err := f.Reader()
		if err != nil {
			return nil, false, err
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, false, err
		}
		if f.Mode != filemode.Symlink {
			return data, false, nil
		}
		p, target = resolved, string(data)
	}
	return nil, false, errors.New("too many levels of symlinks")
}
