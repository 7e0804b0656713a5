package publish

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// checkedOut returns the worktree (its folder, as git records it, or
// "the main worktree") that has ref checked out, if any: the repository's
// own HEAD, the main repository's HEAD seen from a linked worktree, and
// every linked worktree's HEAD (<common dir>/worktrees/*/HEAD). Moving a
// branch checked out anywhere would make every file of that worktree look
// modified.
func checkedOut(repo *git.Repository, ref plumbing.ReferenceName) (string, bool) {
	if head, err := repo.Storer.Reference(plumbing.HEAD); err == nil && head.Type() == plumbing.SymbolicReference && head.Target() == ref {
		if _, err := repo.Worktree(); err == nil {
			return "here", true
		}
	}
	st, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return "", false
	}
	gitDir := st.Filesystem().Root()
	dirs := []string{gitDir}
	if data, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		c := strings.TrimSpace(string(data))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitDir, c)
		}
		dirs = append(dirs, filepath.Clean(c))
	}
	want := "ref: " + ref.String()
	for _, d := range dirs {
		if d != gitDir && !isBare(d) && headIs(filepath.Join(d, "HEAD"), want) {
			return "the main worktree", true
		}
		heads, _ := filepath.Glob(filepath.Join(d, "worktrees", "*", "HEAD"))
		for _, h := range heads {
			if !headIs(h, want) {
				continue
			}
			where := filepath.Base(filepath.Dir(h))
			if data, err := os.ReadFile(filepath.Join(filepath.Dir(h), "gitdir")); err == nil {
				where = filepath.Dir(strings.TrimSpace(string(data)))
			}
			return where, true
		}
	}
	return "", false
}

func headIs(name, want string) bool {
	data, err := os.ReadFile(name)
	return err == nil && strings.TrimSpace(string(data)) == want
}

// isBare reports whether the git directory d has no worktree of its own
// (core.bare, or a folder not named .git).
func isBare(d string) bool {
	data, err := os.ReadFile(filepath.Join(d, "config"))
	if err == nil && strings.Contains(strings.ReplaceAll(string(data), " ", ""), "bare=true") {
		return true
	}
	return filepath.Base(d) != ".git"
}
