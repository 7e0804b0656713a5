package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetc/fleetc/internal/fleetgen"
)

// TestCheckFindsAHandEditAtScale: check trusts what it verified before
// (disk.Seen, the load memo, the render cache) and still reports one
// byte edited by hand in one file of an unchanged cluster of a
// 1,000-cluster fleet, also when every one of those caches is damaged.
func TestCheckFindsAHandEditAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 1,000 clusters; make unit runs it without -short")
	}
	repo := filepath.Join(t.TempDir(), "repo")
	if err := fleetgen.WriteDir(repo, fleetgen.Generate(1000, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := fleetgen.Commit(repo, "fleet"); err != nil {
		t.Fatal(err)
	}
	cache, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	run := func(want int, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append(args, "--repo", repo, "--rev", "HEAD", "--cache-dir", cache, "--out", out, "--quiet")
		if code := Main(args, &stdout, &stderr); code != want {
			t.Fatalf("fleetc %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	run(ExitOK, "render")
	time.Sleep(150 * time.Millisecond) // past the racy margin of the last files written
	run(ExitOK, "check")
	run(ExitOK, "check") // now from the memos

	// One byte of one file of a cluster whose config did not change.
	var victim string
	err := filepath.WalkDir(filepath.Join(out, "seeds"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && victim == "" && !d.IsDir() && strings.Contains(p, string(filepath.Separator)+"clusters"+string(filepath.Separator)) && strings.HasSuffix(p, ".yaml") {
			victim = p
		}
		return err
	})
	if err != nil || victim == "" {
		t.Fatalf("no cluster file found under %s: %v", out, err)
	}
	data, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.IndexByte(data, ':')
	data[i+1] = '\t' // was a space: same size
	if err := os.WriteFile(victim, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(out, victim)
	if got := run(ExitDifferences, "check"); !strings.Contains(got, "edited") || !strings.Contains(got, filepath.ToSlash(rel)) {
		t.Fatalf("check does not report the edit of %s:\n%s", rel, got)
	}

	// Damage every cache file (render cache entries, load memo, seen):
	// still reported.
	err = filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 40 {
			return err
		}
		b[len(b)/2] ^= 0xff
		return os.WriteFile(p, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := run(ExitDifferences, "check"); !strings.Contains(got, filepath.ToSlash(rel)) {
		t.Fatalf("with damaged caches, check does not report the edit of %s:\n%s", rel, got)
	}
	run(ExitOK, "render")
	run(ExitOK, "check")
}
