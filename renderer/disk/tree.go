package disk

import (
	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/tree"
)

// Tree is the file set Write and Compare work on.
type Tree = tree.Tree

// IndexPath is layout.IndexPath, for this package's code.
const IndexPath = layout.IndexPath

// reservedDir is fleetc's own folder in the output.
const reservedDir = layout.Reserved

// content is the bytes of file p of t.
func content(t *Tree, p string) []byte {
	b, _ := t.Get(p)
	return b
}

// parseIndex parses and checks an index's bytes.
func parseIndex(data []byte) (*tree.Index, error) { return tree.ParseIndex(data) }
