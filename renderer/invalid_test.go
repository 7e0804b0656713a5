package renderer_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/internal/golden"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/source"
)

const invalidDir = "../fixtures/invalid"

// invalidCase builds the files of a case: the base config overlaid with the
// case's files.
func invalidCase(t testing.TB, name string) ([]source.File, *txtar.Archive) {
	t.Helper()
	c, err := txtar.ParseFile(filepath.Join(invalidDir, name+".txtar"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range baseFiles(t) {
		files[f.Path] = f.Data
	}
	for _, f := range c.Files {
		if f.Name != "want" {
			files[f.Name] = f.Data
		}
	}
	var out []source.File
	for name, data := range files {
		out = append(out, source.File{Path: name, Data: data})
	}
	slices.SortFunc(out, func(a, b source.File) int { return strings.Compare(a.Path, b.Path) })
	return out, c
}

// TestInvalidConfigs loads every case of fixtures/invalid and compares the
// problems reported with the case's want section (-update rewrites it).
func TestInvalidConfigs(t *testing.T) {
	entries, err := os.ReadDir(invalidDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".txtar")
		if !ok || name == "base" {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			files, archive := invalidCase(t, name)
			_, err := renderer.Load(files, catalog.Default())
			if err == nil {
				t.Fatalf("config was accepted; want problems")
			}
			got := err.Error() + "\n"
			if *golden.Update {
				for i := range archive.Files {
					if archive.Files[i].Name == "want" {
						archive.Files[i].Data = []byte(got)
					}
				}
				if err := os.WriteFile(filepath.Join(invalidDir, name+".txtar"), txtar.Format(archive), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			var want string
			for _, f := range archive.Files {
				if f.Name == "want" {
					want = string(f.Data)
				}
			}
			if got != want {
				t.Errorf("problems differ\n--- want\n%s--- got\n%s", want, got)
			}
		})
	}
	if n < 20 {
		t.Fatalf("found %d invalid cases, want at least 20", n)
	}
}

// baseFiles reads the valid config that the invalid cases start from.
func baseFiles(t testing.TB) []source.File {
	t.Helper()
	base, err := txtar.ParseFile(filepath.Join(invalidDir, "base.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	var files []source.File
	for _, f := range base.Files {
		files = append(files, source.File{Path: f.Name, Data: f.Data})
	}
	return files
}

func TestBaseConfigIsValid(t *testing.T) {
	if _, err := renderer.Load(baseFiles(t), catalog.Default()); err != nil {
		t.Fatalf("base config rejected:\n%v", err)
	}
}
