// Package drift tells how a stored rendered tree (an output folder, or a
// folder on a published branch) differs from the render of the config,
// for `fleetc check`: which files are stale, edited, missing or extra, and
// where in the tree they are. It does no I/O: the caller compares (disk
// or a git branch) and passes the stored files' contents in.
package drift

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/tree"
)

// State is how a file differs.
type State string

const (
	// Stale: the config now renders the file differently, and the stored
	// bytes are those fleetc wrote (render not re-run).
	Stale State = "stale"
	// Edited: changed by hand since fleetc wrote it.
	Edited State = "edited"
	// Missing: in the render, not in the stored tree.
	Missing State = "missing"
	// Extra: in the stored tree, not in the render.
	Extra State = "extra"
)

// Paths are the raw differences between a stored tree and the render.
type Paths struct {
	Changed []string // in both, with other bytes (or not a regular file)
	Missing []string // in the render only
	Extra   []string // in the stored tree only
}

// Empty reports no difference.
func (p Paths) Empty() bool {
	return len(p.Changed) == 0 && len(p.Missing) == 0 && len(p.Extra) == 0
}

// OnlySeeds drops the differences outside the seeds (and the index,
// which a render of some seeds does not match), for check --seed. With no
// seeds, p is returned as it is.
func (p Paths) OnlySeeds(seeds []string) Paths {
	if len(seeds) == 0 {
		return p
	}
	mine := layout.InSeeds(seeds)
	keep := func(ps []string) []string {
		return slices.DeleteFunc(slices.Clone(ps), func(q string) bool { return q == layout.IndexPath || !mine(q) })
	}
	return Paths{Changed: keep(p.Changed), Missing: keep(p.Missing), Extra: keep(p.Extra)}
}

// CompareFiles compares the render t with a stored tree held in memory
// (files by path: a folder read from a branch), paths sorted.
func CompareFiles(t *tree.Tree, files map[string][]byte) Paths {
	var d Paths
	for _, p := range t.Paths() {
		got, ok := files[p]
		want, _ := t.Get(p)
		switch {
		case !ok:
			d.Missing = append(d.Missing, p)
		case !bytes.Equal(got, want):
			d.Changed = append(d.Changed, p)
		}
	}
	for p := range files {
		if _, ok := t.Get(p); !ok {
			d.Extra = append(d.Extra, p)
		}
	}
	slices.Sort(d.Extra)
	return d
}

// Stored is what classification needs of the stored tree.
type Stored struct {
	// Content returns a stored file's bytes (false when not a regular
	// file).
	Content func(p string) ([]byte, bool)
	// Index is the stored tree's own index (nil: none, or invalid: every
	// changed file then counts as edited).
	Index *tree.Index
	// ForeignFixed: re-running the fix also removes extra files that the
	// index does not list (publish replaces the whole folder; render
	// leaves them alone).
	ForeignFixed bool
}

// File is one differing file.
type File struct {
	Path  string
	State State
	Note  string
	// Foreign: extra, and not fleetc's; the fix leaves it.
	Foreign bool
}

// Classify tells stale from edited files with the stored tree's own
// index (a file whose bytes are those fleetc wrote is stale, one whose
// bytes are not is edited), and fleetc's extra files from foreign ones.
func Classify(d Paths, st Stored) []File {
	var out []File
	for _, p := range d.Changed {
		f := File{Path: p, State: Edited}
		if p == layout.IndexPath {
			f.State = Stale
		} else if data, ok := st.Content(p); !ok {
			f.Note = "not a regular file"
		} else if st.Index != nil {
			sum := sha256.Sum256(data)
			if st.Index.Files[p] == "sha256:"+hex.EncodeToString(sum[:]) {
				f.State = Stale
			}
		}
		out = append(out, f)
	}
	for _, p := range d.Missing {
		out = append(out, File{Path: p, State: Missing})
	}
	for _, p := range d.Extra {
		f := File{Path: p, State: Extra}
		owned := false
		if st.Index != nil {
			_, owned = st.Index.Files[p]
		}
		switch {
		case strings.HasPrefix(p, layout.StagingTag):
			f.Note = "left by an interrupted render, which the next render removes"
		case owned || st.ForeignFixed:
		default:
			f.Foreign = true
			f.Note = "not fleetc's: render leaves it alone, delete it by hand"
		}
		out = append(out, f)
	}
	return out
}

// Group is the differing files of one part of the tree: the master, a
// seed (with its usercluster folders), a cluster's control plane,
// fleetc's own folder, or elsewhere.
type Group struct {
	Title string
	Files []File // sorted by path
	// Whole is set when the group is a cluster folder missing or left
	// over as a whole: the folder, with State its files' state.
	Whole string
	State State
	key   string
}

// Groups sorts files into groups, in the order master, seeds (each
// seed's own files, then its clusters by name), fleetc's index,
// elsewhere; t is the render.
func Groups(files []File, t *tree.Tree) []Group {
	byKey := map[string]int{}
	var groups []Group
	for _, f := range files {
		k, title := place(f.Path)
		i, ok := byKey[k]
		if !ok {
			i = len(groups)
			byKey[k] = i
			groups = append(groups, Group{Title: title, key: k})
		}
		groups[i].Files = append(groups[i].Files, f)
	}
	slices.SortFunc(groups, func(a, b Group) int { return strings.Compare(a.key, b.key) })
	inRender := map[string]int{}
	for _, p := range t.Paths() {
		if d := clusterDir(p); d != "" {
			inRender[d]++
		}
	}
	for i := range groups {
		g := &groups[i]
		slices.SortFunc(g.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
		g.Whole, g.State = whole(g.Files, inRender)
	}
	return groups
}

// Count returns how many files are in each state.
func Count(files []File) map[State]int {
	n := map[State]int{}
	for _, f := range files {
		n[f.State]++
	}
	return n
}

// place is the group of path p: its sort key and title.
func place(p string) (key, title string) {
	l := layout.Parse(p)
	switch l.Place {
	case layout.Master:
		return "0", "master"
	case layout.Own:
		return "3", "fleetc's index"
	case layout.ClusterPart:
		return "1" + l.Seed + "\x00" + "1" + l.Cluster, fmt.Sprintf("cluster %s (seed %s)", l.Cluster, l.Seed)
	case layout.Elsewhere:
		return "4", "elsewhere"
	}
	// A seed's own files, its usercluster folders included.
	return "1" + l.Seed + "\x00" + "0", "seed " + l.Seed
}

// clusterDir is the control-plane folder of a cluster that p is in, or "".
func clusterDir(p string) string {
	if l := layout.Parse(p); l.Place == layout.ClusterPart {
		return layout.Cluster(l.Seed, l.Cluster)
	}
	return ""
}

// whole reports files (one group, sorted) that are a cluster's whole
// control-plane folder, all missing or all extra.
func whole(files []File, inRender map[string]int) (string, State) {
	d := clusterDir(files[0].Path)
	if d == "" {
		return "", ""
	}
	s := files[0].State
	for _, f := range files {
		if f.State != s || f.Foreign || !strings.HasPrefix(f.Path, d+"/") {
			return "", ""
		}
	}
	if s == Missing && inRender[d] == len(files) || s == Extra && inRender[d] == 0 {
		return d, s
	}
	return "", ""
}
