package disk

import (
	"testing"

	"github.com/fleetc/fleetc/renderer/tree"
)

// New is tree.New, for the tests.
func New() *Tree { return tree.New() }

func ptr[T any](v T) *T { return &v }

func must(t testing.TB, err error) {
	if t.Helper(); err != nil {
		t.Fatal(err)
	}
}

// oldCount is how many entries the memo read holds.
func (s *Seen) oldCount() int {
	n := len(s.loose.entries())
	for i := range s.oldSeals {
		n += len(s.oldSeals[i].blk.entries())
	}
	return n
}
