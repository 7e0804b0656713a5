package harness

import (
	"bytes"
	"io/fs"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// GitRepo is a working repository with a bare twin that GitServer serves.
// Commits are made in Work and pushed to the bare repository.
type GitRepo struct {
	Work   string // working tree
	Bare   string // bare repository, served over smart HTTP
	Branch string
	env    []string
}

// gitDate fixes author and committer dates so commits are reproducible.
const gitDate = "2026-01-01T00:00:00Z"

// NewGitRepo makes an empty repository on branch, isolated from the user's
// and the system's git configuration.
func NewGitRepo(t testing.TB, branch string) *GitRepo {
	t.Helper()
	dir := t.TempDir()
	r := &GitRepo{
		Work:   filepath.Join(dir, "work"),
		Bare:   filepath.Join(dir, "srv", "fleet.git"),
		Branch: branch,
		env: append(baseEnv(),
			"HOME="+dir,
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL="+os.DevNull,
			"GIT_AUTHOR_NAME=fleetc e2e", "GIT_AUTHOR_EMAIL=e2e@fleetc.invalid", "GIT_AUTHOR_DATE="+gitDate,
			"GIT_COMMITTER_NAME=fleetc e2e", "GIT_COMMITTER_EMAIL=e2e@fleetc.invalid", "GIT_COMMITTER_DATE="+gitDate,
		),
	}
	r.Git(t, dir, "init", "--quiet", "--initial-branch="+branch, r.Work)
	r.Git(t, dir, "init", "--quiet", "--bare", "--initial-branch="+branch, r.Bare)
	return r
}

// Git runs git in dir and returns its trimmed stdout.
func (r *GitRepo) Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = r.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// CommitAll commits every change in the working tree, pushes it to the bare
// repository, and returns the commit's hash.
func (r *GitRepo) CommitAll(t testing.TB, message string) string {
	t.Helper()
	r.Git(t, r.Work, "add", "--all")
	r.Git(t, r.Work, "commit", "--quiet", "--allow-empty", "-m", message)
	r.Git(t, r.Work, "push", "--quiet", r.Bare, "HEAD:refs/heads/"+r.Branch)
	return r.Git(t, r.Work, "rev-parse", "HEAD")
}

// Serve serves the bare repository over git's smart HTTP protocol (the only
// one go-git, inside source-controller, speaks) from an httptest.Server on
// 127.0.0.1 running `git http-backend`. It returns the clone URL.
func (r *GitRepo) Serve(t testing.TB) string {
	t.Helper()
	execPath := r.Git(t, r.Work, "--exec-path")
	backend := filepath.Join(execPath, "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Fatalf("git http-backend: %v", err)
	}
	h := &cgi.Handler{
		Path: backend,
		Dir:  filepath.Dir(r.Bare),
		Env: append(r.env,
			"GIT_PROJECT_ROOT="+filepath.Dir(r.Bare),
			"GIT_HTTP_EXPORT_ALL=1",
		),
	}
	srv := httptest.NewServer(h) // httptest listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv.URL + "/" + filepath.Base(r.Bare)
}

// CopyTree copies the regular files and folders of src into dst (created
// as needed), leaving out .git.
func CopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			if d.Name() == ".git" && path != src {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		default:
			return nil // links and the like have no place in a rendered tree
		}
	})
}
