package disk

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// countingReader counts the bytes read through it.
type countingReader struct {
	r *bytes.Reader
	n int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// The binary search over an index's lines finds what reading it whole
// finds (lookupText), for paths present and absent, paths that prefix
// one another and paths that need JSON escapes, reading a small part of
// it; an index laid out otherwise is read whole.
func TestIndexSearchAgreesWithTheText(t *testing.T) {
	files := map[string]string{}
	var ask []string
	for i := range 3000 {
		for _, p := range []string{
			fmt.Sprintf("seeds/s%d/c/x.yaml", i),
			fmt.Sprintf("seeds/s%d/c-b/x.yaml", i),
			fmt.Sprintf("seeds/s%d/c.b/x\"q&<.yaml", i),
		} {
			if i%7 != 3 {
				files[p] = fmt.Sprint(i)
			}
			ask = append(ask, p, p+"x", strings.TrimSuffix(p, ".yaml"))
		}
	}
	ask = append(ask, "", "a", "zzz", "seeds/s0", "master/é.yaml")
	files["master/é.yaml"] = "e"
	data, _ := mkTree(t, files).Get(IndexPath)
	want, err := parseIndex(data) // what reading it whole finds
	if err != nil {
		t.Fatal(err)
	}
	r := &countingReader{r: bytes.NewReader(data)}
	s, err := newIndexSearch(r, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, p := range ask {
		got, err := s.find(p)
		if err != nil || got != want.Files[p] {
			t.Fatalf("%q: %q, %v; the text has %q", p, got, err, want.Files[p])
		}
		if got != "" {
			found++
		}
	}
	if found != len(files) {
		t.Errorf("%d paths found, want %d", found, len(files))
	}
	if per := r.n / int64(len(ask)); per > 40*probeSize {
		t.Errorf("%d bytes read per path (the index has %d)", per, len(data))
	}
	// Laid out otherwise (tabs): not plain, so LookupIndex reads it whole.
	tabs := bytes.ReplaceAll(data, []byte("\n    \""), []byte("\n\t\""))
	if s, err := newIndexSearch(bytes.NewReader(tabs), int64(len(tabs))); err == nil {
		if _, err := s.find(ask[0]); !errors.Is(err, errNotPlain) {
			t.Errorf("an index indented with tabs: %v; want errNotPlain", err)
		}
	}
}
