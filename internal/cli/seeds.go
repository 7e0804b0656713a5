package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/tree"
)

// inSeeds reports whether a rendered path belongs to what a render of
// only these seeds owns: master/ (always rendered), the seeds' folders, and
// anything outside seeds/. With no seeds, everything.
func inSeeds(seeds []string) func(p string) bool {
	return func(p string) bool {
		if len(seeds) == 0 {
			return true
		}
		rest, ok := strings.CutPrefix(p, renderer.SeedsDir+"/")
		if !ok {
			return true
		}
		seed, _, _ := strings.Cut(rest, "/")
		return slices.Contains(seeds, seed)
	}
}

// withOtherSeeds completes the render of some seeds (part) with the files
// of the other seeds that the previous render of out holds, as they are on
// disk, so that writing it touches only the seeds rendered. It returns
// the tree to write and the number of files kept.
func withOtherSeeds(out string, part *tree.Tree, cfg *model.Config, seeds []string) (*tree.Tree, int, error) {
	idx, err := tree.ReadIndex(out)
	if err != nil || idx == nil {
		return part, 0, nil // a new folder (or not fleetc's: Write says so)
	}
	mine := inSeeds(seeds)
	t := tree.New()
	for _, p := range part.Paths() {
		if p == tree.IndexPath {
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

// onlySeeds drops the drift outside the seeds (and the index, which a
// render of some seeds does not match), for check --seed.
func onlySeeds(d tree.Drift, seeds []string) tree.Drift {
	if len(seeds) == 0 {
		return d
	}
	mine := inSeeds(seeds)
	keep := func(ps []string) []string {
		return slices.DeleteFunc(ps, func(p string) bool { return p == tree.IndexPath || !mine(p) })
	}
	return tree.Drift{Missing: keep(d.Missing), Stale: keep(d.Stale), Extra: keep(d.Extra)}
}
