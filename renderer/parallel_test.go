package renderer_test

import (
	"bytes"
	"testing"

	"github.com/fleetc/fleetc/internal/fleetgen"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/source"
)

// TestParallelCompileEqualsSequential renders a generated fleet of 200
// clusters with one worker and with eight, each from its own Load, and
// requires the same files with the same bytes. Under -short (make unit's
// -race pass, whose point is the race detector on the concurrent compile,
// ten times slower) the fleet has 40 clusters on three seeds; the plain
// pass compares the 200.
func TestParallelCompileEqualsSequential(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 40
	}
	gen := fleetgen.Generate(n, 42)
	var files []source.File
	for _, p := range fleetgen.Paths(gen) {
		files = append(files, source.File{Path: p, Data: gen[p]})
	}
	seq := renderFiles(t, files, renderer.Options{Workers: 1})
	par := renderFiles(t, files, renderer.Options{Workers: 8})

	if seq.Len() < n*30 {
		t.Fatalf("only %d files rendered for %d clusters", seq.Len(), n)
	}
	sp, pp := seq.Paths(), par.Paths()
	if len(sp) != len(pp) {
		t.Fatalf("sequential render has %d files, parallel %d", len(sp), len(pp))
	}
	for i, p := range sp {
		if pp[i] != p {
			t.Fatalf("file %d: sequential %s, parallel %s", i, p, pp[i])
		}
		a, _ := seq.Get(p)
		b, _ := par.Get(p)
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between Workers 1 and 8", p)
		}
	}
}
