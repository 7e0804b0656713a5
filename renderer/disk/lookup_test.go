package disk

import (
	"os"
	"path/filepath"
	"testing"
)

// LookupIndex finds exactly what ReadIndex parses, for the paths asked.
func TestLookupIndexAgreesWithReadIndex(t *testing.T) {
	files := map[string]string{
		"master/a.yaml":            "a\n",
		"master/ab.yaml":           "ab\n",
		"seeds/s1/x.yaml":          "x\n",
		"seeds/s1/clusters/a.yaml": "ca\n",
		"odd/quo\"te & <tag>.yaml": "q\n",
	}
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := Write(dir, mkTree(t, files)); err != nil {
		t.Fatal(err)
	}
	full, err := ReadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ask []string
	for p := range files {
		ask = append(ask, p)
	}
	ask = append(ask, "a.yaml", "master/b.yaml", "s1/x.yaml") // suffixes of listed paths, and absent ones
	got, err := LookupIndex(dir, ask)
	if err != nil {
		t.Fatal(err)
	}
	for p := range files {
		if got.Files[p] != full.Files[p] || got.Files[p] == "" {
			t.Errorf("%s: %q, ReadIndex has %q", p, got.Files[p], full.Files[p])
		}
	}
	if len(got.Files) != len(files) {
		t.Errorf("%d entries found, want %d (absent paths must not match)", len(got.Files), len(files))
	}
	// Not fleetc's index: an error, as ReadIndex's.
	must(t, os.WriteFile(filepath.Join(dir, filepath.FromSlash(IndexPath)), []byte("{}\n"), 0o644))
	if _, err := LookupIndex(dir, ask); err == nil {
		t.Error("a foreign index was read")
	}
}
