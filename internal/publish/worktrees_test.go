package publish

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
)

func runGit(t *testing.T, dir string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git not installed (hack/e2e-deps.sh installs it)")
	}
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestRefusesBranchOfAnyWorktree: a branch checked out in a linked
// worktree (seen from the main one) or in the main worktree (seen from a
// linked one) is not moved; neither is "HEAD".
func TestRefusesBranchOfAnyWorktree(t *testing.T) {
	root := t.TempDir()
	main := filepath.Join(root, "main")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(main, 0o755))
	runGit(t, main, "init", "-q", "-b", "trunk")
	must(os.WriteFile(filepath.Join(main, "a"), []byte("a"), 0o644))
	runGit(t, main, "add", "a")
	runGit(t, main, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "c")
	runGit(t, main, "worktree", "add", "-q", "-b", "rendered", filepath.Join(root, "linked"))

	open := func(dir string) *git.Repository {
		r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
		must(err)
		return r
	}
	for _, tc := range []struct {
		from, branch, want string
	}{
		{main, "rendered", "branch rendered is checked out in " + filepath.Join(root, "linked")},
		{filepath.Join(root, "linked"), "trunk", "branch trunk is checked out in the main worktree"},
		{main, "trunk", "branch trunk is checked out here"},
		{main, "HEAD", `branch "HEAD": not a valid branch name`},
	} {
		_, err := Publish(open(tc.from), files{"x": "x"}, Options{Branch: tc.branch, Message: "m", Signature: sig})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("from %s, branch %s: got %v, want %q", filepath.Base(tc.from), tc.branch, err, tc.want)
		}
	}
	// A branch checked out nowhere is published.
	if _, err := Publish(open(main), files{"x": "x"}, Options{Branch: "free", Message: "m", Signature: sig}); err != nil {
		t.Fatal(err)
	}
}
