package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/fleetc/fleetc/renderer/diff"
	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/source"
)

// fileMap is a rendered tree read back from a folder or a commit, as
// diff.Compare reads it.
type fileMap map[string][]byte

func (m fileMap) Paths() []string { return slices.Sorted(maps.Keys(m)) }

func (m fileMap) Get(p string) ([]byte, bool) {
	b, ok := m[p]
	return b, ok
}

// readTreeFolder reads every regular file below dir (symbolic links are
// skipped, as Flux's kustomize build would not follow them out).
func readTreeFolder(dir string) (fileMap, error) {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return nil, &source.Error{Msg: fmt.Sprintf("rendered tree %s: no such folder", dir)}
	}
	out := fileMap{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		return nil, &source.Error{Msg: fmt.Sprintf("rendered tree %s: %v", dir, err)}
	}
	return out, nil
}

// readTreeRevision reads the folder dir (relative to repo) of a commit.
func readTreeRevision(repo, rev, dir string) (fileMap, string, error) {
	r, sub, err := source.OpenRepo(repo)
	if err != nil {
		return nil, "", err
	}
	c, err := source.ResolveCommit(r, rev)
	if err != nil {
		return nil, "", err
	}
	t, err := c.Tree()
	if err != nil {
		return nil, "", err
	}
	full := path.Clean(path.Join(sub, filepath.ToSlash(dir)))
	if full == ".." || strings.HasPrefix(full, "../") {
		return nil, "", &usageError{fmt.Errorf("--tree %s: outside the repository", dir)}
	}
	if full != "." {
		t, err = t.Tree(full)
		if errors.Is(err, object.ErrDirectoryNotFound) {
			return nil, "", &source.Error{Msg: fmt.Sprintf("revision %s has no folder %s", rev, dir)}
		}
		if err != nil {
			return nil, "", err
		}
	}
	out := fileMap{}
	err = t.Files().ForEach(func(f *object.File) error {
		if f.Mode != filemode.Regular && f.Mode != filemode.Executable {
			return nil
		}
		rd, err := f.Reader()
		if err != nil {
			return err
		}
		defer rd.Close()
		data, err := io.ReadAll(rd)
		if err != nil {
			return err
		}
		out[f.Name] = data
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, fmt.Sprintf("%s:%s (%s)", rev, dir, c.Hash.String()[:12]), nil
}

// compareTrees is diff on committed rendered trees: with --trees, BASE
// and HEAD are folders; with --tree DIR, they are revisions of the repo
// and DIR the rendered folder in them (HEAD absent: DIR in the working
// tree).
func (o *diffOptions) compareTrees(args []string) (*diff.Result, error) {
	var (
		base, head           fileMap
		baseLabel, headLabel string
		err                  error
	)
	if o.trees {
		if len(args) != 2 {
			return nil, &usageError{fmt.Errorf("--trees takes two folders: BASE HEAD")}
		}
		if base, err = readTreeFolder(args[0]); err != nil {
			return nil, err
		}
		if head, err = readTreeFolder(args[1]); err != nil {
			return nil, err
		}
		baseLabel, headLabel = args[0], args[1]
	} else {
		if base, baseLabel, err = readTreeRevision(o.repo, args[0], o.tree); err != nil {
			return nil, err
		}
		if len(args) == 2 {
			head, headLabel, err = readTreeRevision(o.repo, args[1], o.tree)
		} else {
			head, err = readTreeFolder(filepath.Join(o.repo, filepath.FromSlash(o.tree)))
			headLabel = o.tree + " (working tree)"
		}
		if err != nil {
			return nil, err
		}
	}
	mine := layout.InSeeds(o.seeds)
	for _, m := range []fileMap{base, head} {
		maps.DeleteFunc(m, func(p string, _ []byte) bool { return !mine(p) })
	}
	r := diff.Compare(base, head)
	r.Base, r.Head = baseLabel, headLabel
	return r, nil
}
