package disk

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
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
	// Sealed is how many files were vouched for by the seals of
	// Sealing.Skip: up to date, and not in the tree.
	Sealed int
}

// Sealing lets CompareSealed vouch for whole folders (a cluster's) and
// files (the index) of the render without the tree holding them.
type Sealing struct {
	// Keys holds, per folder or file of the render, the key of what it
	// renders from ("" or absent: never sealed). Those found whole (every
	// file holds the tree's bytes, nothing else is there) are sealed for
	// their key in the Seen; paths that share a key (a cluster's two
	// folders) are sealed together, or none of them.
	Keys map[string]string
	// Skip are paths that the tree leaves out because Seen.Sealed holds
	// for them and their key: they are vouched for by their seals, or
	// CompareSealed fails with ErrSealBroken.
	Skip []string
	// Outdated are paths that the tree leaves out, sealed for a key that
	// the caller knows to render other bytes (the index, for another
	// config): when their seals hold, they still hold those bytes, so
	// they are Stale (and stay sealed); when not, CompareSealed fails
	// with ErrSealBroken.
	Outdated []string
}

// ErrSealBroken is CompareSealed's answer when a folder or file of
// Sealing.Skip changed on disk since it was sealed: compare again with a
// tree that holds it.
var ErrSealBroken = errors.New("tree: a sealed folder changed on disk")

// Empty reports whether there is no drift at all.
func (d Drift) Empty() bool {
	return len(d.Missing) == 0 && len(d.Stale) == 0 && len(d.Extra) == 0
}

// Compare compares t with dir, for `fleetc check`. A missing dir is not an
// error: every file is then Missing. It writes nothing in dir; seen (may
// be nil) spares reading the files it vouches for, and learns the others.
func Compare(dir string, t *Tree, seen *Seen) (Drift, error) {
	return CompareSealed(dir, t, seen, Sealing{})
}

// CompareSealed is Compare with seals (see Sealing): the paths of
// sealing.Skip, left out of t, are vouched for by their seals in seen.
func CompareSealed(dir string, t *Tree, seen *Seen, sealing Sealing) (Drift, error) {
	var d Drift
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return d, fmt.Errorf("tree: %s is not a directory", dir)
	}
	sealed := slices.Concat(sealing.Skip, sealing.Outdated)
	counts, err := holdSeals(dir, seen, sealed)
	if err != nil {
		return d, err
	}
	for _, n := range counts[:len(sealing.Skip)] {
		d.Sealed += n
	}
	left := make(map[string]bool, len(sealed))
	for _, p := range sealed {
		left[p] = true
	}
	var skip func(string) bool
	if len(left) > 0 {
		skip = func(p string) bool { return left[p] }
	}
	disk, err := scanSortedSkip(dir, skip)
	if err != nil {
		return d, err
	}
	d.Stale = append(d.Stale, sealing.Outdated...)
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
	sealWhole(dir, t, ps, seen, sealing.Keys, d, disk)
	return d, nil
}

// holdSeals checks the seals of paths against the disk (Seen.checkSeal;
// done already if Seen.CheckSealsAhead was called with them) and, when
// every one holds, keeps them in seen and returns how many files each
// vouches for; ErrSealBroken when one does not hold.
func holdSeals(dir string, seen *Seen, paths []string) ([]int, error) {
	if seen == nil && len(paths) > 0 {
		return nil, ErrSealBroken
	}
	held := seen.takeAhead(dir, paths)
	if held == nil {
		held = checkSeals(dir, seen, paths, nil)
	}
	for _, k := range held {
		if k.sl == nil {
			seen.broke()
			return nil, ErrSealBroken
		}
	}
	counts := make([]int, len(paths))
	for i, k := range held {
		counts[i] = len(k.entries)
		seen.keep(k.sl, k.entries)
	}
	return counts, nil
}

// keptSeal is a seal that checkSeal found to hold, with its entries.
type keptSeal struct {
	sl      *seal // nil: it does not hold (or was not checked)
	entries []seenEntry
}

// checkSeals is checkSeal for each of paths (those want accepts; nil:
// all), on every core.
func checkSeals(dir string, seen *Seen, paths []string, want func(string) bool) []keptSeal {
	held := make([]keptSeal, len(paths))
	_ = parallel(len(paths), func(_, i int) error {
		if want != nil && !want(paths[i]) {
			return nil
		}
		if sl, entries, ok := seen.checkSeal(dir, paths[i]); ok {
			held[i] = keptSeal{sl, entries}
		}
		return nil
	})
	return held
}

// sealWhole seals, for its key, each path of keys that t holds (a file, or a
// folder with files) and that d finds whole: nothing missing, stale or
// extra at it or under it (ps: t's paths, sorted). The folders under a
// folder are disk's.
func sealWhole(dir string, t *Tree, ps []string, seen *Seen, keys map[string]string, d Drift, disk []dent) {
	if seen == nil || len(keys) == 0 {
		return
	}
	drifted := slices.Concat(d.Missing, d.Stale, d.Extra)
	slices.Sort(drifted)
	var dirs []string
	for _, e := range disk {
		if e.kind == kindDir {
			dirs = append(dirs, e.path)
		}
	}
	sealUntouched(dir, t, ps, seen, keys, drifted, func(p string) ([]string, bool) { return under(dirs, p), true })
}

// under is the paths of a sorted list that are under the folder p.
func under(list []string, p string) []string {
	lo, _ := slices.BinarySearch(list, p+"/")
	hi := lo
	for hi < len(list) && strings.HasPrefix(list[hi], p+"/") {
		hi++
	}
	return list[lo:hi]
}

// sealUntouched seals, for its key, each path of keys that t holds (a
// file, or a folder with files) with nothing of touched (sorted) at it or
// under it, and so every other path of its key (ps: t's paths, sorted); dirsOf gives the folders on disk under a folder (false: not
// known, do not seal it).
func sealUntouched(dir string, t *Tree, ps []string, seen *Seen, keys map[string]string, touched []string, dirsOf func(p string) ([]string, bool)) {
	type job struct {
		p, key string
		files  int
		dirs   []string
	}
	var jobs []job
	unsealed := map[string]bool{} // keys with a path not sealed
	for p, key := range keys {
		_, hit := slices.BinarySearch(touched, p)
		_, file := t.Get(p)
		files := under(ps, p)
		switch {
		case key == "":
			continue
		case hit || len(under(touched, p)) > 0:
			unsealed[key] = true
		case file:
			jobs = append(jobs, job{p: p, key: key, files: 1})
		case len(files) > 0:
			sub, ok := dirsOf(p)
			if !ok {
				unsealed[key] = true
				continue
			}
			jobs = append(jobs, job{p: p, key: key, files: len(files), dirs: append([]string{p}, sub...)})
		}
	}
	// The paths of one key (a cluster's two folders) are sealed together
	// or not at all: the caller skips them together.
	jobs = slices.DeleteFunc(jobs, func(j job) bool { return unsealed[j.key] })
	_ = parallel(len(jobs), func(_, i int) error {
		seen.addSeal(dir, jobs[i].p, jobs[i].key, jobs[i].files, jobs[i].dirs)
		return nil
	})
}

// impliedDirs are the folders under p that t's files (ps, sorted) imply,
// sorted.
func impliedDirs(ps []string, p string) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range under(ps, p) {
		for i := len(p) + 1; i < len(f); i++ {
			if f[i] == '/' && !seen[f[:i]] {
				seen[f[:i]] = true
				out = append(out, f[:i])
			}
		}
	}
	slices.Sort(out)
	return out
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
