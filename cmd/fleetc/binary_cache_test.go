package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCacheIsPerBinary: two fleetc builds that render one flag differently
// share a cache folder, and the second never reads the first one's
// entries. Build 1 renders the example; build 2's check of that output
// says stale (a cache keyed on the config alone would serve build 1's
// folders and say up to date), every cluster is a miss for it, and build 1
// still finds its own entries.
//
// It builds fleetc twice (build 2 from a copy of the module with the first
// bare flag of the kube-apiserver renamed), so -short skips it.
func TestCacheIsPerBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds fleetc twice")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("no go command")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	build := func(dir, out string) {
		cmd := exec.Command(goBin, "build", "-buildvcs=false", "-o", out, "./cmd/fleetc")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=-mod=readonly", "GOPROXY=off")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build in %s: %v\n%s", dir, err, b)
		}
	}
	bin1, bin2 := filepath.Join(tmp, "fleetc-1"), filepath.Join(tmp, "fleetc-2")
	build(root, bin1)

	// Build 2's copy of the module is made afresh in a folder that stays
	// the same from run to run (one per checkout): the build cache keys a
	// package by its folder too, so in a folder new every time, every
	// package of the module would be compiled again on every run (minutes
	// on 2 cores); here only what changed since the last run is.
	sum := sha256.Sum256([]byte(root))
	mod2 := filepath.Join(os.TempDir(), "fleetc-test-module-"+hex.EncodeToString(sum[:6]))
	if err := os.RemoveAll(mod2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(mod2) })
	copyModule(t, root, mod2)
	src := filepath.Join(mod2, "renderer", "controlplane", "apiserver.go")
	code, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	flag := regexp.MustCompile(`"--[a-z][a-z-]*"`).Find(code)
	if flag == nil {
		t.Fatalf("%s: no bare flag literal to change", src)
	}
	changed := bytes.Replace(code, flag, []byte(`"--build-2-`+string(flag[3:])), 1)
	if err := os.WriteFile(src, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	build(mod2, bin2)

	example, cache, out := filepath.Join(root, "fixtures", "example"), filepath.Join(tmp, "cache"), filepath.Join(tmp, "out")
	run := func(bin string, wantCode int, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--repo", example, "--out", out, "--cache-dir", cache)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != wantCode {
			t.Fatalf("%s %s: exit %d, want %d\n%s%s", filepath.Base(bin), args[0], code, wantCode, stdout.String(), stderr.String())
		}
		return stdout.String()
	}

	run(bin1, 0, "render")
	entries := countFiles(t, cache)
	if entries == 0 {
		t.Fatal("build 1 wrote no cache entries")
	}
	if got := run(bin2, 1, "check"); !strings.Contains(got, "stale") || !strings.Contains(got, "deployment-apiserver.yaml") {
		t.Errorf("build 2's check: want the kube-apiserver Deployments reported stale, got\n%s", got)
	}
	if got := countFiles(t, cache); got != 2*entries {
		t.Errorf("after build 2's check the cache holds %d entries, want %d: build 2 read some of build 1's", got, 2*entries)
	}
	run(bin1, 0, "check")
}

// copyModule copies the module's sources (no tests, test data, fixtures
// or the e2e module) from root to dst.
func copyModule(t *testing.T, root, dst string) {
	t.Helper()
	skip := map[string]bool{".git": true, "bin": true, "out": true, "test": true, "fixtures": true, "testdata": true, "docs": true}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel != "." && (skip[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(p, "_test.go") || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// countFiles counts the files of the cache folder dir that are keyed by
// the build: every one but the memo of verified output files (seen/), which
// is per output folder and holds stat data and sha256s, nothing a build
// renders.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "seen" {
			return filepath.SkipDir
		}
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
