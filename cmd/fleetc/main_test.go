package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/fleetc/fleetc/internal/cli"
	"github.com/fleetc/fleetc/internal/golden"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"fleetc": func() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI specs in testdata/script (-update rewrites their
// expected output sections).
func TestScripts(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *golden.Update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("FIXTURES", filepath.Join(root, "fixtures"))
			// The render cache goes into the script's work folder.
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"git-commit": gitCommit,
			"git-init":   gitInit,
			"copy-dir":   copyDir,
			"damage-dir": damageDir,
		},
	})
}

// gitCommit commits every file of the directory args[0] (default $WORK)
// with a fixed author and date, creating the repository if needed:
//
//	git-commit [dir] [message]
func gitCommit(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! git-commit")
	}
	dir, msg := ts.Getenv("WORK"), "commit"
	if len(args) > 0 {
		dir = ts.MkAbs(args[0])
	}
	if len(args) > 1 {
		msg = args[1]
	}
	repo, err := git.PlainOpen(dir)
	if err == git.ErrRepositoryNotExists {
		repo, err = git.PlainInit(dir, false)
	}
	ts.Check(err)
	wt, err := repo.Worktree()
	ts.Check(err)
	ts.Check(wt.AddWithOptions(&git.AddOptions{All: true}))
	sig := &object.Signature{Name: "Fleet Test", Email: "test@example.com", When: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	_, err = wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	ts.Check(err)
}

// gitInit creates an empty repository (no commits) in args[0].
func gitInit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: git-init dir")
	}
	_, err := git.PlainInit(ts.MkAbs(args[0]), false)
	ts.Check(err)
}

// copyDir copies the folder args[0] to args[1] (created).
func copyDir(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: copy-dir src dst")
	}
	src, dst := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	ts.Check(os.CopyFS(dst, os.DirFS(src)))
	// os.CopyFS keeps read-only modes; make the copy editable.
	ts.Check(filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(p, mode)
	}))
}

// damageDir flips the last byte of every file below args[0] (a render
// cache: the last bytes of an entry are its last file's content), and
// fails if there is none.
func damageDir(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: damage-dir dir")
	}
	n := 0
	ts.Check(filepath.WalkDir(ts.MkAbs(args[0]), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil || len(data) == 0 {
			return err
		}
		data[len(data)-1] ^= 0xff
		n++
		return os.WriteFile(p, data, 0o644)
	}))
	if n == 0 {
		ts.Fatalf("damage-dir: no file below %s", args[0])
	}
}
