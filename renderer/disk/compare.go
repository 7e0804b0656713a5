package disk

import (
	"fmt"
	"os"
	"slices"
	"sync/atomic"
)

// Drift is how a directory on disk differs from a tree. Each list is
// sorted and holds slash-separated paths relative to the directory.
type Drift struct {
	// Missing: in the tree, nothing at that path on disk.
	Missing []string
	// Stale: in the tree, but the disk holds other bytes there, or not a
	// regular file (a directory, a symlink). The index counts like any
	// other file.
	Stale []string
	// Extra: files (anything but a directory) on disk that are not in the
	// tree. Directories are not listed themselves; a top-level ".git" is
	// not looked into.
	Extra []string
}

// Empty reports whether there is no drift at all.
func (d Drift) Empty() bool {
	return len(d.Missing) == 0 && len(d.Stale) == 0 && len(d.Extra) == 0
}

// Compare compares t with dir, for `fleetc check`. A missing dir is not an
// error: every file is then Missing. It writes nothing in dir; seen (may
// be nil) spares reading the files it vouches for, and learns the others.
func Compare(dir string, t *Tree, seen *Seen) (Drift, error) {
	var d Drift
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return d, fmt.Errorf("tree: %s is not a directory", dir)
	}
	disk, err := scanSorted(dir)
	if err != nil {
		return d, err
	}
	// Both lists are in byte order: walk them side by side.
	ps := t.Paths()
	var check []string // on disk as regular files: compare bytes
	i := 0
	for _, p := range ps {
		for ; i < len(disk) && disk[i].path < p; i++ {
			if disk[i].kind != kindDir {
				d.Extra = append(d.Extra, disk[i].path)
			}
		}
		switch {
		case i == len(disk) || disk[i].path != p:
			d.Missing = append(d.Missing, p)
			continue
		case disk[i].kind == kindFile:
			check = append(check, p)
		default:
			d.Stale = append(d.Stale, p)
		}
		i++
	}
	for ; i < len(disk); i++ {
		if disk[i].kind != kindDir {
			d.Extra = append(d.Extra, disk[i].path)
		}
	}
	stale, err := differing(dir, t, check, seen)
	if err != nil {
		return Drift{}, err
	}
	d.Stale = append(d.Stale, stale...)
	slices.Sort(d.Stale)
	return d, nil
}

// differing returns, in the order of ps (sorted), the paths whose file
// under dir does not hold t's bytes. A file that seen vouches for is not
// read; every file found to hold t's bytes is recorded in seen. The reads
// run in parallel, one reusable buffer per worker.
func differing(dir string, t *Tree, ps []string, seen *Seen) ([]string, error) {
	diff := make([]bool, len(ps))
	known := seen.lookup(ps)
	var sums [][32]byte
	if seen != nil {
		sums = make([][32]byte, len(ps))
		for i, p := range ps {
			sums[i], _ = t.Sum(p) // before the workers: Sum may fill t's map
		}
	}
	var verified []seenEntry // by i; path "" where nothing was verified
	if seen != nil {
		verified = make([]seenEntry, len(ps))
	}
	bufs := make([][]byte, workers(len(ps)))
	var learned atomic.Bool
	err := parallel(len(ps), func(w, i int) error {
		name := osPath(dir, ps[i])
		if known != nil && known[i].unchanged(name, sums[i]) {
			verified[i] = *known[i]
			seen.trusted.Add(1)
			return nil
		}
		same, st, err := sameContent(name, content(t, ps[i]), &bufs[w])
		if err != nil {
			return fmt.Errorf("tree: compare %s: %w", ps[i], err)
		}
		diff[i] = !same
		if same && seen != nil {
			verified[i] = seen.entry(ps[i], st, sums[i])
			learned.Store(true)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	seen.add(verified, learned.Load())
	var out []string
	for i, p := range ps {
		if diff[i] {
			out = append(out, p)
		}
	}
	return out, nil
}
