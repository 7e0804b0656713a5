package source

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// repo makes a folder with files (path: content; content "-> target" makes
// a symlink) and, when git is installed and commit is set, commits it.
func repo(t *testing.T, files map[string]string, commit bool) string {
	t.Helper()
	dir := t.TempDir()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(data, "-> "); ok {
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if strings.HasSuffix(p, "/") {
			continue
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if commit {
		runGit(t, dir, "init", "-q")
		runGit(t, dir, "add", "-A")
		runGit(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "c")
	}
	return dir
}

func runGit(t *testing.T, dir string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git not installed (hack/e2e-deps.sh installs it)")
	}
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_ALLOW_PROTOCOL=file")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func paths(s *Snapshot) []string {
	var out []string
	for _, f := range s.Files {
		out = append(out, f.Path)
	}
	return out
}

// bothWays reads the working tree and HEAD and requires the same result:
// the error wantErr (a substring), or the files want.
func bothWays(t *testing.T, dir string, wantErr string, want ...string) {
	t.Helper()
	for _, rev := range []string{"", "HEAD"} {
		s, err := Read(dir, rev)
		switch {
		case wantErr != "" && err == nil:
			t.Errorf("rev %q: read %v, want error %q", rev, paths(s), wantErr)
		case wantErr != "" && !strings.Contains(err.Error(), wantErr):
			t.Errorf("rev %q: error %q, want %q", rev, err, wantErr)
		case wantErr == "" && err != nil:
			t.Errorf("rev %q: %v", rev, err)
		case wantErr == "" && !slices.Equal(paths(s), want):
			t.Errorf("rev %q: read %v, want %v", rev, paths(s), want)
		}
	}
}

func TestNothingSilentlyDropped(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   map[string]string
		wantErr string
		want    []string
	}{
		{"symlinked folder", map[string]string{"fleet.cue": "package fleet", "real/a.cue": "package fleet", "clusters": "-> real"},
			"clusters: a symlink to a folder; fleetc does not follow folder links", nil},
		{"symlinked folder ignored", map[string]string{"fleet.cue": "package fleet", "real/a.cue": "package fleet", "clusters": "-> real", ".fleetcignore": "# links\nclusters\n"},
			"", []string{"fleet.cue", "real/a.cue"}},
		{"link outside", map[string]string{"fleet.cue": "package fleet", "x.cue": "-> ../../outside.cue"},
			"x.cue: symlink points outside the repo", nil},
		{"folder link outside", map[string]string{"fleet.cue": "package fleet", "clusters": "-> /"},
			"clusters: symlink points outside the repo", nil},
		{"upper-case extension", map[string]string{"fleet.cue": "package fleet", "clusters/a.CUE": "package fleet"},
			"clusters/a.CUE: the extension must be .cue in lower case", nil},
		{"mixed-case extension ignored", map[string]string{"fleet.cue": "package fleet", "clusters/a.Cue": "package fleet", ".fleetcignore": "clusters/*.Cue"},
			"", []string{"fleet.cue"}},
		{"ignored folder", map[string]string{"fleet.cue": "package fleet", "tools/x.cue": "package tools", ".fleetcignore": "tools/"},
			"", []string{"fleet.cue"}},
		{"file link inside", map[string]string{"fleet.cue": "package fleet", "real/a.cue": "package fleet", "b.cue": "-> real/a.cue"},
			"", []string{"b.cue", "fleet.cue", "real/a.cue"}},
		{"control characters in a name", map[string]string{"fleet.cue": "package fleet", "a\x1b[31m.CUE": "package fleet"},
			`"a\x1b[31m.CUE": the extension must be`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bothWays(t, repo(t, tc.files, true), tc.wantErr, tc.want...)
		})
	}
}

func TestSubmoduleRefusedBothWays(t *testing.T) {
	sub := repo(t, map[string]string{"x.cue": "package fleet"}, true)
	dir := repo(t, map[string]string{"fleet.cue": "package fleet"}, true)
	runGit(t, dir, "-c", "protocol.file.allow=always", "submodule", "add", "-q", sub, "vendor/shared")
	runGit(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "sub")
	bothWays(t, dir, "vendor/shared: a git submodule or nested repository; fleetc reads neither")
	// Not checked out: still refused in the working tree (.gitmodules).
	if err := os.RemoveAll(filepath.Join(dir, "vendor", "shared")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "vendor", "shared"), 0o755); err != nil {
		t.Fatal(err)
	}
	bothWays(t, dir, "vendor/shared: a git submodule")
	// Listed in the ignore file: left out both ways.
	if err := os.WriteFile(filepath.Join(dir, IgnoreFile), []byte("vendor/shared\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, dir, "add", IgnoreFile)
	runGit(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "ignore")
	bothWays(t, dir, "", "fleet.cue")
}

func TestSpecialFilesRefused(t *testing.T) {
	for _, tc := range []struct {
		name, link, want string
	}{
		{"fifo", "x.cue", "x.cue: not a regular file (a FIFO)"},
		{"link to a fifo", "y.cue", "y.cue: not a regular file (a FIFO)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := repo(t, map[string]string{"fleet.cue": "package fleet"}, false)
			if err := syscall.Mkfifo(filepath.Join(dir, "x.cue"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.link != "x.cue" {
				if err := os.Symlink("x.cue", filepath.Join(dir, tc.link)); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, IgnoreFile), []byte("x.cue\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan error, 1)
			go func() { _, err := Read(dir, ""); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want %q", err, tc.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Read hangs on a FIFO")
			}
		})
	}
	t.Run("link to a device", func(t *testing.T) {
		dir := repo(t, map[string]string{"fleet.cue": "package fleet"}, false)
		// /dev/zero is outside the repo: refused before it is opened.
		if err := os.Symlink("/dev/zero", filepath.Join(dir, "z.cue")); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(dir, ""); err == nil || !strings.Contains(err.Error(), "z.cue: symlink points outside the repo") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestIgnorePatterns(t *testing.T) {
	ig, err := ParseIgnore([]byte("# c\n\n/tools/\n*.gen.cue\nx/[ab].cue\n"))
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		"tools/a.cue": true, "tools": true, "a.gen.cue": true, "x/a.cue": true, "x/c.cue": false,
		"sub/a.gen.cue": false, "toolsx/a.cue": false, "fleet.cue": false,
	} {
		if got := ig.Match(p); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
	if _, err := ParseIgnore([]byte("a/[b\n")); err == nil || !strings.Contains(err.Error(), ".fleetcignore:1: bad pattern") {
		t.Errorf("bad pattern: %v", err)
	}
}
