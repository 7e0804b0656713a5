package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/disk"
	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/tree"
)

// withOtherSeeds completes the render of some seeds (part) with the files
// of the other seeds that the previous render of out holds, as they are on
// disk, so that writing it touches only the seeds rendered. It returns
// the tree to write and the number of files kept.
func withOtherSeeds(out string, part *tree.Tree, cfg *model.Config, seeds []string) (*tree.Tree, int, error) {
	idx, err := disk.ReadIndex(out)
	if err != nil || idx == nil {
		return part, 0, nil // a new folder (or not fleetc's: Write says so)
	}
	mine := layout.InSeeds(seeds)
	t := tree.New()
	for _, p := range part.Paths() {
		if p == layout.IndexPath {
			continue
		}
		data, _ := part.Get(p)
		if err := t.Add(p, data); err != nil {
			return nil, 0, err
		}
	}
	kept := 0
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range idx.Files {
			if !yield(p) {
				return
			}
		}
	}) {
		if mine(p) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(p)))
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed by hand: check reports it missing
		}
		if err != nil {
			return nil, 0, fmt.Errorf("keeping %s: %w", p, err)
		}
		if err := t.Add(p, data); err != nil {
			return nil, 0, err
		}
		kept++
	}
	if err := t.WithIndex("fleetc "+renderer.Version, renderer.InputDigest(cfg, catalog.Default())); err != nil {
		return nil, 0, err
	}
	return t, kept, nil
}
