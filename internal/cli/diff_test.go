package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/fleetc/fleetc/internal/fleetgen"
)

// TestDiffSharesTheCacheWithoutARace: diff compiles the head and the base
// at the same time, sharing one render cache; run under `go test -race`
// (make unit) it fails if the shared cache is set up while the head's
// compile already reads the options.
func TestDiffSharesTheCacheWithoutARace(t *testing.T) {
	files := map[string][]byte{}
	src := filepath.Join("..", "..", "fixtures", "example")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(src, p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(t.TempDir(), "repo")
	if err := fleetgen.WriteDir(repo, files); err != nil {
		t.Fatal(err)
	}
	if _, err := fleetgen.Commit(repo, "example"); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	for range 2 { // a cold cache, then a warm one
		var stdout, stderr bytes.Buffer
		code := Main([]string{"diff", "--repo", repo, "--cache-dir", cache, "--exit-code", "HEAD"}, &stdout, &stderr)
		if code != ExitOK {
			t.Fatalf("diff HEAD against an unchanged working tree: exit %d\n%s%s", code, stdout.String(), stderr.String())
		}
	}
	if ents, _ := os.ReadDir(cache); len(ents) == 0 {
		t.Error("diff wrote nothing into the render cache")
	}
}
