package cli

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/internal/fleetgen"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/source"
)

// TestCheckFindsAHandEditAtScale: check trusts what it verified before
// (disk.Seen and its seals, the load memo, the render cache) and still
// reports one byte edited by hand in one file of an unchanged cluster of
// a 1,000-cluster fleet, also when every one of those caches is damaged.
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
	if n, want := sealedClusters(t, repo, "HEAD", cache, out); n != want || n < 900 {
		t.Fatalf("%d clusters sealed after a check, want %d (those no patch applies to)", n, want)
	}
	run(ExitOK, "check") // now from the memos: no cluster rendered

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

// sealedClusters is how many clusters of the config at rev of repo the
// next check leaves out of its render (sealed, for their inputs, in the
// memo of out in cache), and how many can be (no patch applies to them).
func sealedClusters(t *testing.T, repo, rev, cache, out string) (sealed, sealable int) {
	t.Helper()
	snap, err := source.Read(repo, rev)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := renderer.Load(snap.Files, catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	o := compileOptions{cacheDir: cache}
	_, build := o.cacheRoot()
	keys, skip, _ := sealKeys(cfg, build, o.openSeen(out))
	for _, c := range cfg.Clusters {
		if keys[layout.Cluster(c.Resolved.Seed, c.Name)] != "" {
			sealable++
		}
	}
	return len(skip), sealable
}

// TestCheckSealsAgreeWithTheWholeCheck: with the clusters sealed, check
// of a config that changes one cluster renders that cluster alone, and
// reports what a check without any cache reports: its files and the
// index stale. Back on the first config, the sealed check passes.
func TestCheckSealsAgreeWithTheWholeCheck(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	fleet := fleetgen.Generate(30, 1)
	if err := fleetgen.WriteDir(repo, fleet); err != nil {
		t.Fatal(err)
	}
	if _, err := fleetgen.Commit(repo, "fleet"); err != nil {
		t.Fatal(err)
	}
	cache, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	run := func(want int, rev string, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append(args, "--repo", repo, "--out", out, "--quiet")
		if rev != "" {
			args = append(args, "--rev", rev)
		}
		if !slices.Contains(args, "--no-cache") {
			args = append(args, "--cache-dir", cache)
		}
		if code := Main(args, &stdout, &stderr); code != want {
			t.Fatalf("fleetc %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	run(ExitOK, "HEAD", "render")
	time.Sleep(150 * time.Millisecond) // past the racy margin of the last files written
	run(ExitOK, "HEAD", "check")
	all, want := sealedClusters(t, repo, "HEAD", cache, out)
	if all != want || all < 25 {
		t.Fatalf("%d clusters sealed, want %d (those no patch applies to)", all, want)
	}
	var name string
	for p := range fleet {
		if strings.HasPrefix(p, "clusters/") && (name == "" || p < name) {
			name = p
		}
	}
	edited := strings.Replace(string(fleet[name]), "labels: {", "labels: {extra: \"yes\", ", 1)
	if edited == string(fleet[name]) {
		t.Fatalf("the edit did not apply to %s", name)
	}
	if err := os.WriteFile(filepath.Join(repo, name), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	// The change is read from the working tree (no --rev).
	if n, _ := sealedClusters(t, repo, "", cache, out); n != all-1 {
		t.Fatalf("%d clusters sealed for the changed config, want %d", n, all-1)
	}
	sealed := run(ExitDifferences, "", "check")
	whole := run(ExitDifferences, "", "check", "--no-cache")
	if sealed != whole {
		t.Fatalf("the sealed check reports:\n%s\nthe check without caches:\n%s", sealed, whole)
	}
	if !strings.Contains(sealed, "stale    "+filepath.Join(out, ".fleetc", "index.json")) {
		t.Errorf("the index is not reported stale:\n%s", sealed)
	}
	run(ExitOK, "HEAD", "check")
}

// TestRenderWithSealsWritesTheWholeRender: after a check sealed the
// clusters, a render of a config that changes one cluster renders that
// cluster alone, and leaves the folder byte for byte what a render
// without caches writes (the index included); the check after it passes.
func TestRenderWithSealsWritesTheWholeRender(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	fleet := fleetgen.Generate(30, 1)
	if err := fleetgen.WriteDir(repo, fleet); err != nil {
		t.Fatal(err)
	}
	cache, out, fresh := t.TempDir(), filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "fresh")
	run := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append(args, "--repo", repo, "--quiet")
		if !slices.Contains(args, "--no-cache") {
			args = append(args, "--cache-dir", cache)
		}
		if code := Main(args, &stdout, &stderr); code != ExitOK {
			t.Fatalf("fleetc %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	if _, err := fleetgen.Commit(repo, "fleet"); err != nil {
		t.Fatal(err)
	}
	run("render", "--out", out)
	time.Sleep(150 * time.Millisecond) // past the racy margin of the last files written
	run("check", "--out", out)
	var name string
	for p := range fleet {
		if strings.HasPrefix(p, "clusters/") && (name == "" || p < name) {
			name = p
		}
	}
	edited := strings.Replace(string(fleet[name]), "labels: {", "labels: {extra: \"yes\", ", 1)
	if err := os.WriteFile(filepath.Join(repo, name), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	sealed, sealable := sealedClusters(t, repo, "", cache, out)
	if sealed != sealable-1 || sealed < 25 {
		t.Fatalf("%d clusters sealed for the changed config, want %d", sealed, sealable-1)
	}
	got := run("render", "--out", out)
	if !strings.Contains(got, ": 2 files written,") || !strings.Contains(got, fmt.Sprintf("(%d clusters sealed by an earlier run, not rendered again)", sealed)) {
		t.Errorf("the sealed render did not leave the sealed clusters out, or wrote more than the changed cluster's Namespace and the index: %s", got)
	}
	// The seals it rendered without are kept.
	if n, _ := sealedClusters(t, repo, "", cache, out); n != sealed {
		t.Errorf("%d clusters sealed after the render, want %d", n, sealed)
	}
	run("render", "--no-cache", "--out", fresh)
	if diffs := treeDiff(t, out, fresh); len(diffs) > 0 {
		t.Fatalf("the sealed render differs from a render without caches: %s", strings.Join(diffs, ", "))
	}
	time.Sleep(150 * time.Millisecond)
	run("check", "--out", out)
	run("check", "--out", out)
}

// treeDiff lists the files that differ between the folders a and b (the
// staging area and the lock of .fleetc/ aside).
func treeDiff(t *testing.T, a, b string) []string {
	t.Helper()
	read := func(root string) map[string]string {
		m := map[string]string{}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if rel != filepath.Join(".fleetc", "index.json") && strings.HasPrefix(rel, ".fleetc") {
				return nil
			}
			data, err := os.ReadFile(p)
			m[filepath.ToSlash(rel)] = string(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ma, mb := read(a), read(b)
	var out []string
	for p, x := range ma {
		if y, ok := mb[p]; !ok || x != y {
			out = append(out, p)
		}
	}
	for p := range mb {
		if _, ok := ma[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
