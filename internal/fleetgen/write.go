package fleetgen

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Paths returns the paths of files in byte order.
func Paths(files map[string][]byte) []string {
	ps := make([]string, 0, len(files))
	for p := range files {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// WriteDir writes files below dir, creating folders as needed. dir must
// not exist or be empty.
func WriteDir(dir string, files map[string][]byte) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	made := map[string]bool{}
	for _, p := range Paths(files) {
		name := filepath.Join(dir, filepath.FromSlash(p))
		if d := filepath.Dir(name); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			made[d] = true
		}
		if err := os.WriteFile(name, files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Signature is the fixed author and committer of Commit, so that the same
// files always give the same commit id.
var Signature = object.Signature{
	Name:  "fleetc dev gen",
	Email: "gen@fleetc.invalid",
	When:  time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
}

// Commit makes dir (written by WriteDir) a git repository whose branch
// main has one commit holding every file, made with go-git (no git binary)
// by Signature. It returns the commit id.
func Commit(dir, message string) (plumbing.Hash, error) {
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		return plumbing.ZeroHash, err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git add: %w", err)
	}
	sig := Signature
	h, err := wt.Commit(message, &git.CommitOptions{Author: &sig, Committer: &sig})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git commit: %w", err)
	}
	return h, nil
}
