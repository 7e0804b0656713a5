package disk

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetc/fleetc/renderer/tree"
)

// ErrForeignDir is matched (errors.Is) by the error Write returns when it
// refuses a non-empty directory that fleetc did not create, or whose
// .fleetc/index.json is invalid.
var ErrForeignDir = errors.New("directory not created by fleetc")

type foreignDirError struct {
	dir   string
	cause error // nil: no index at all
}

func (e *foreignDirError) Error() string {
	if e.cause == nil {
		return fmt.Sprintf("refusing to write into non-empty directory %s not created by fleetc (no .fleetc/index.json)", e.dir)
	}
	return fmt.Sprintf("refusing to write into directory %s: no valid .fleetc/index.json: %v", e.dir, e.cause)
}

func (e *foreignDirError) Is(target error) bool { return target == ErrForeignDir }
func (e *foreignDirError) Unwrap() error        { return e.cause }

// WriteStats says what Write did.
type WriteStats struct {
	// Written: files of the tree written (new, or different on disk).
	Written int
	// Unchanged: files of the tree already on disk byte for byte.
	Unchanged int
	// Removed: files the old index listed that the tree no longer has.
	Removed int
	// Foreign: files on disk (not directories) that neither the old index
	// nor the tree lists; left alone. Sorted. A top-level ".git" is not
	// looked into.
	Foreign []string
}

const (
	stagingPrefix = "tmp-"             // .fleetc/tmp-XXXX: a Write's staging area
	stagedIndex   = "index.json"       // the planned index, first thing staged
	dirPerm       = fs.FileMode(0o755) // before umask
	filePerm      = fs.FileMode(0o644) // before umask
)

// Write syncs the tree t into dir; see the package documentation for the
// rules and the crash-safety guarantee. t must have its index (WithIndex).
func Write(dir string, t *Tree) (WriteStats, error) {
	return (&writer{}).write(dir, t)
}

// WriteSeen is Write that reads only the files seen does not vouch for,
// and teaches seen the files it found unchanged (see Seen).
func WriteSeen(dir string, t *Tree, seen *Seen) (WriteStats, error) {
	return (&writer{seen: seen}).write(dir, t)
}

// WriteSealed is WriteSeen with seals (Sealing; Outdated is not used).
// The paths of sealing.Skip are left out of t (t's index lists their
// files, WithIndexOf): their seals are checked against the disk first
// (ErrSealBroken when one does not hold: write a tree that holds them),
// and then they are left as they are, counted as unchanged. The paths of
// sealing.Keys that t holds and that Write found unchanged (nothing
// written, removed or foreign in them) are sealed for their keys.
func WriteSealed(dir string, t *Tree, seen *Seen, sealing Sealing) (WriteStats, error) {
	return (&writer{seen: seen, sealed: sealing.Skip, keys: sealing.Keys}).write(dir, t)
}

// writer carries test-only fault injection; Write uses the zero value.
type writer struct {
	// sealed: folders left out of the tree, vouched for by their seals in
	// seen; keys: what to seal the others for (WriteSealed).
	sealed []string
	keys   map[string]string
	// hook, when set, is called before every step that changes the
	// output: step "staged" (path "") once staging is complete, then
	// "remove", "write" and finally "index" with the path concerned. An
	// error from it is treated like a failure of that step.
	hook func(step, path string) error
	// seen, when set, spares reading files it vouches for.
	seen *Seen
}

func (w *writer) step(step, p string) error {
	if w.hook == nil {
		return nil
	}
	return w.hook(step, p)
}

func (w *writer) write(dir string, t *Tree) (st WriteStats, err error) {
	idxData, ok := t.Get(IndexPath)
	if !ok || !t.Sealed() {
		return st, errors.New("tree: Write needs a tree with its index: call WithIndex first")
	}

	fi, err := os.Stat(dir)
	created := false
	switch {
	case err == nil && !fi.IsDir():
		return st, fmt.Errorf("tree: %s is not a directory", dir)
	case errors.Is(err, fs.ErrNotExist):
		// Mkdir, not MkdirAll, for the folder itself: only the Write
		// that created it may remove it again (another first Write may
		// have created it in between; then this one locks, or fails on
		// the lock, without touching it).
		if err := os.MkdirAll(filepath.Dir(dir), dirPerm); err != nil {
			return st, fmt.Errorf("tree: %w", err)
		}
		if err := os.Mkdir(dir, dirPerm); err == nil {
			created = true
		} else if !errors.Is(err, fs.ErrExist) {
			return st, fmt.Errorf("tree: %w", err)
		}
	case err != nil:
		return st, fmt.Errorf("tree: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return st, err // another Write holds it: leave it to that one
	}
	defer unlock()
	if created {
		// Registered after unlock: runs first, while the lock is held.
		defer func() {
			if err != nil {
				os.Remove(dir) // still empty: every failure path cleans up first
			}
		}()
	}
	if err := checkMeta(dir); err != nil {
		return st, err
	}
	w.seen.adopt(dir) // a memo opened before this Write made the folder

	// Ownership: the index of the last complete Write, plus the planned
	// index of any Write that was interrupted (crash) after it started
	// changing the output.
	// An index the same bytes as the new one lists the tree's files: it
	// need not be parsed (160 MB of JSON at 10,000 clusters). One whose
	// seal holds is the index a check or render verified, fleetc's: it is
	// read only if files not in the tree are found (their ownership).
	indexSealed := w.seen.holds(dir, IndexPath)
	var oldData []byte
	var sameIndex bool
	if !indexSealed {
		if oldData, sameIndex, err = readIndexText(dir, idxData); err != nil {
			return st, &foreignDirError{dir: dir, cause: err}
		}
	}
	var old *tree.Index // the stored index's entries that matter (below)
	meta := osPath(dir, reservedDir)
	stale, planned, err := staleStaging(meta)
	if err != nil {
		return st, err
	}
	if oldData == nil && !sameIndex && planned == nil && !indexSealed {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return st, fmt.Errorf("tree: %w", err)
		}
		for _, e := range ents {
			if e.Name() != ".git" && e.Name() != reservedDir {
				return st, &foreignDirError{dir: dir}
			}
		}
	}
	// Stale staging areas are removed only once this Write has succeeded:
	// until then their planned indexes are still needed.
	removeStale := func() {
		for _, s := range stale {
			os.RemoveAll(s)
		}
	}
	owned := func(p string) bool {
		if old != nil {
			if _, ok := old.Files[p]; ok {
				return true
			}
		}
		if sameIndex {
			if _, ok := t.Get(p); ok {
				return true
			}
		}
		_, ok := planned[p]
		return ok
	}

	counts, err := holdSeals(dir, w.seen, w.sealed)
	if err != nil {
		return st, err
	}
	sealed := make(map[string]bool, len(w.sealed))
	for i, p := range w.sealed {
		sealed[p] = true
		st.Unchanged += counts[i]
	}
	disk, err := scan(dir, func(rel string) bool {
		return strings.HasPrefix(rel, reservedDir+"/"+stagingPrefix) || sealed[rel]
	})
	if err != nil {
		return st, err
	}
	// The files on disk that the tree does not have: removed if fleetc
	// owns them, left alone (Foreign) otherwise.
	var notInTree []string
	for p, k := range disk {
		if k != kindDir {
			if _, inTree := t.Get(p); !inTree {
				notInTree = append(notInTree, p)
			}
		}
	}
	slices.Sort(notInTree)
	if indexSealed && len(notInTree) > 0 {
		if oldData, sameIndex, err = readIndexText(dir, idxData); err != nil {
			return st, &foreignDirError{dir: dir, cause: err}
		}
	}
	if oldData != nil {
		if old, err = indexOf(oldData, notInTree); err != nil {
			return st, &foreignDirError{dir: dir, cause: fmt.Errorf("tree: invalid index %s: %w", osPath(dir, IndexPath), err)}
		}
	}

	// Plan.
	ps := t.Paths()
	var creates, check, replace, inWay []string
	for _, p := range ps {
		switch disk[p] {
		case 0:
			creates = append(creates, p)
		case kindFile:
			check = append(check, p)
		case kindOther: // e.g. a symlink where the tree has a file: replace the link
			replace = append(replace, p)
		case kindDir: // allowed only if the removals empty it; checked below
			inWay = append(inWay, p)
		}
	}
	changed, err := differing(dir, t, check, w.seen)
	if err != nil {
		return st, err
	}
	st.Unchanged += len(check) - len(changed)
	replace = append(replace, changed...)
	slices.Sort(replace)

	removing := make(map[string]bool)
	var removes []string
	addRemove := func(p string) {
		if _, inTree := t.Get(p); inTree || removing[p] {
			return
		}
		if k := disk[p]; k == kindFile || k == kindOther {
			removing[p] = true
			removes = append(removes, p)
		}
	}
	if old != nil {
		for p := range old.Files {
			addRemove(p)
		}
	}
	for p := range planned {
		addRemove(p)
	}
	slices.Sort(removes)

	// A directory where the tree now has a file (the reverse of a file
	// becoming a folder) is moved away whole, once the removals have
	// emptied it of files; anything else in it is in the way.
	var clear []string
	for _, p := range inWay {
		var blocking []string
		for q, k := range disk {
			if k != kindDir && strings.HasPrefix(q, p+"/") && !removing[q] {
				blocking = append(blocking, q)
			}
		}
		if len(blocking) > 0 {
			return st, fmt.Errorf("tree: cannot write %s: a directory is in the way (holding %s)", osPath(dir, p), osPath(dir, slices.Min(blocking)))
		}
		clear = append(clear, p)
		creates = append(creates, p)
	}
	if len(clear) > 0 {
		slices.Sort(creates)
	}

	for _, p := range notInTree {
		if !owned(p) {
			st.Foreign = append(st.Foreign, p)
		}
	}

	// Sealed once written: the folders of w.keys that this Write leaves
	// as they were.
	// Sealed once written: the folders of w.keys with nothing removed,
	// foreign or in the way in them. Where files were written, the
	// folders under one on disk are the tree's when they were before (a
	// Write only adds folders of the tree's files); otherwise it is not
	// sealed.
	sealAfter := func() {
		if w.seen == nil || len(w.keys) == 0 {
			return
		}
		blocked := slices.Concat(removes, st.Foreign, inWay)
		slices.Sort(blocked)
		var dirs []string
		for p, k := range disk {
			if k == kindDir {
				dirs = append(dirs, p)
			}
		}
		slices.Sort(dirs)
		sealUntouched(dir, t, ps, w.seen, w.keys, blocked, func(p string) ([]string, bool) {
			implied := impliedDirs(ps, p)
			for _, d := range under(dirs, p) {
				if _, ok := slices.BinarySearch(implied, d); !ok {
					return nil, false // a folder of someone else's
				}
			}
			return implied, true
		})
	}

	if len(creates) == 0 && len(replace) == 0 && len(removes) == 0 {
		removeStale()
		sealAfter()
		return st, nil
	}

	// A new file goes in with its highest new ancestor directory: one
	// rename moves a whole new folder (a new cluster, or everything on the
	// first Write). Parents of the tree's files must be directories or
	// files being removed; anything else is in the way.
	var roots []string // sorted: files and folders moved in whole
	rootOf := make(map[string]bool)
	for _, p := range creates {
		if p == IndexPath {
			continue // always moved in on its own, last
		}
		root := p
		for i := 0; i < len(p); i++ {
			if p[i] != '/' {
				continue
			}
			a := p[:i]
			if k := disk[a]; k == kindDir {
				continue
			} else if k != 0 && !removing[a] {
				return st, fmt.Errorf("tree: cannot write %s: %s is not a directory", osPath(dir, p), osPath(dir, a))
			}
			root = a
			break
		}
		if !rootOf[root] {
			rootOf[root] = true
			roots = append(roots, root)
		}
	}
	slices.Sort(roots) // "a-b" sorts before "a/…" but after its root "a"

	// Stage.
	createdMeta := false
	if _, err := os.Lstat(meta); errors.Is(err, fs.ErrNotExist) {
		createdMeta = true
	}
	if err := os.MkdirAll(meta, dirPerm); err != nil {
		return st, fmt.Errorf("tree: %w", err)
	}
	stg, err := os.MkdirTemp(meta, stagingPrefix)
	if err != nil {
		return st, fmt.Errorf("tree: %w", err)
	}
	discard := func() {
		os.RemoveAll(stg)
		if createdMeta {
			os.Remove(meta)
		}
	}
	// Tree paths are clean and relative: joined without filepath.Join's
	// cleaning, which costs seconds over a million files.
	newRoot := osPath(stg, "new") + string(filepath.Separator)
	newPath := func(p string) string {
		if p == IndexPath {
			return osPath(stg, stagedIndex)
		}
		return newRoot + filepath.FromSlash(p)
	}
	oldPath := func(p string) string { return osPath(stg, "old/"+p) }

	if err := w.stage(stg, t, idxData, creates, replace, removes, newPath); err != nil {
		discard()
		return st, fmt.Errorf("tree: write %s (previous tree left intact): %w", dir, err)
	}

	// Commit: removals, then new and changed files in path order, the
	// index last. Every step is journaled so that a failure can be undone.
	var j journal
	fail := func(err error) (WriteStats, error) {
		if rbErr := j.rollback(); rbErr != nil {
			return WriteStats{}, fmt.Errorf("tree: write %s: %w; rollback incomplete, previous files kept in %s: %v", dir, err, stg, rbErr)
		}
		discard()
		return WriteStats{}, fmt.Errorf("tree: write %s (previous tree left intact): %w", dir, err)
	}
	for _, p := range removes {
		if err := w.step("remove", p); err != nil {
			return fail(err)
		}
		if err := j.rename(osPath(dir, p), oldPath(p)); err != nil {
			return fail(err)
		}
	}
	for i, p := range clear {
		if err := w.step("remove", p); err != nil {
			return fail(err)
		}
		if err := j.rename(osPath(dir, p), osPath(stg, fmt.Sprintf("old-dir-%d", i))); err != nil {
			return fail(err)
		}
	}
	// Merge the two sorted lists: roots (moved in whole) and replace.
	var ri, pi int
	for ri < len(roots) || pi < len(replace) {
		if pi == len(replace) || ri < len(roots) && roots[ri] < replace[pi] {
			p := roots[ri]
			ri++
			if err := w.step("write", p); err != nil {
				return fail(err)
			}
			if err := j.rename(newPath(p), osPath(dir, p)); err != nil {
				return fail(err)
			}
			continue
		}
		p := replace[pi]
		pi++
		if p == IndexPath {
			continue
		}
		if err := w.step("write", p); err != nil {
			return fail(err)
		}
		if err := j.replace(osPath(dir, p), newPath(p), oldPath(p)); err != nil {
			return fail(err)
		}
	}
	if _, ok := slices.BinarySearch(replace, IndexPath); ok {
		if err := w.step("index", IndexPath); err != nil {
			return fail(err)
		}
		if err := j.replace(osPath(dir, IndexPath), newPath(IndexPath), oldPath(IndexPath)); err != nil {
			return fail(err)
		}
	} else if _, ok := slices.BinarySearch(creates, IndexPath); ok {
		if err := w.step("index", IndexPath); err != nil {
			return fail(err)
		}
		if err := j.rename(newPath(IndexPath), osPath(dir, IndexPath)); err != nil {
			return fail(err)
		}
	}
	// Committed. What follows is tidying; its failures change nothing
	// that matters (the next Write removes a leftover staging area).
	removeEmptied(dir, t, removes)
	os.RemoveAll(stg)
	removeStale()
	w.recordWritten(dir, t, idxData, slices.Concat(creates, replace))
	sealAfter()

	st.Written = len(creates) + len(replace)
	st.Removed = len(removes)
	return st, nil
}

// stage writes the planned index and every new or changed file under stg.
// recordWritten teaches w.seen the files this Write put in place (their
// stat data, taken now, and the sha256 the index lists for them), so that
// the next check or render does not read them again: a stat per file,
// one second of system time for a million on this VM. Only with a seen,
// so never on a render without a cache.
func (w *writer) recordWritten(dir string, t *Tree, idxData []byte, written []string) {
	if w.seen == nil || len(written) == 0 {
		return
	}
	slices.Sort(written)
	entries := make([]seenEntry, len(written))
	idxSum := sha256.Sum256(idxData)
	_ = parallel(len(written), func(_, i int) error {
		p := written[i]
		sum, ok := t.IndexedSum(p)
		if p == IndexPath {
			sum, ok = idxSum, true
		}
		if st, found := lstatFile(osPath(dir, p)); ok && found {
			entries[i] = w.seen.entry(p, st, sum)
		}
		return nil
	})
	w.seen.add(entries, true)
}

func (w *writer) stage(stg string, t *Tree, idxData []byte, creates, replace, removes []string, newPath func(string) string) error {
	// The planned index first: from here on, a crash leaves evidence of
	// which files this Write may have put in place.
	if err := writeNew(osPath(stg, stagedIndex), idxData); err != nil {
		return err
	}
	files := make([]string, 0, len(creates)+len(replace))
	for _, p := range creates {
		if p != IndexPath {
			files = append(files, p)
		}
	}
	for _, p := range replace {
		if p != IndexPath {
			files = append(files, p)
		}
	}
	// Directories first, sequentially: a parent sorts before its children.
	dirs := make(map[string]bool)
	addParents := func(prefix, p string) {
		for i := len(p) - 1; i > 0; i-- {
			if p[i] == '/' {
				d := prefix + p[:i]
				if dirs[d] {
					return
				}
				dirs[d] = true
			}
		}
	}
	for _, p := range files {
		addParents("new/", p)
	}
	for _, p := range replace {
		addParents("old/", p)
	}
	for _, p := range removes {
		addParents("old/", p)
	}
	dirs["new"], dirs["old"] = true, true
	sorted := make([]string, 0, len(dirs))
	for d := range dirs {
		sorted = append(sorted, d)
	}
	slices.Sort(sorted)
	for _, d := range sorted {
		if err := os.Mkdir(osPath(stg, d), dirPerm); err != nil {
			return fmt.Errorf("stage: %w", err)
		}
	}
	// One folder per work item: files created in the same folder by
	// several goroutines at once contend for its lock in the kernel
	// (~10% more system time on tmpfs).
	runs := folderRuns(files)
	if err := parallel(len(runs)-1, func(_, r int) error {
		for _, p := range files[runs[r]:runs[r+1]] {
			if err := writeNew(newPath(p), content(t, p)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return w.step("staged", "")
}

// folderRuns splits files into runs of consecutive files in the same
// folder: run r is files[runs[r]:runs[r+1]].
func folderRuns(files []string) []int {
	runs := []int{0}
	for i := 1; i < len(files); i++ {
		if path.Dir(files[i]) != path.Dir(files[i-1]) {
			runs = append(runs, i)
		}
	}
	if len(files) > 0 {
		runs = append(runs, len(files))
	}
	return runs
}

// writeNew creates name (which must not exist) with data. No fsync: see
// the package documentation. (createFile is per platform: on Unix it
// skips the os.File machinery, whose registration of every new file with
// the runtime poller costs a system call that fails for regular files.)
func writeNew(name string, data []byte) error {
	if err := createFile(name, data, filePerm); err != nil {
		return fmt.Errorf("stage: %w", err)
	}
	return nil
}

// staleStaging finds the staging areas left in .fleetc/ by interrupted
// Writes, and the union of the files their planned indexes list (nil when
// none has a valid planned index: such a Write never got to change the
// output).
func staleStaging(meta string) (stale []string, planned map[string]struct{}, err error) {
	if fi, err := os.Lstat(meta); err != nil || !fi.IsDir() {
		return nil, nil, nil // nothing there (or not a directory: Write fails on it later)
	}
	ents, err := os.ReadDir(meta)
	if err != nil {
		return nil, nil, fmt.Errorf("tree: %w", err)
	}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), stagingPrefix) {
			continue
		}
		s := osPath(meta, e.Name())
		stale = append(stale, s)
		data, err := readBounded(osPath(s, stagedIndex), MaxIndexSize)
		if err != nil {
			continue
		}
		idx, err := parseIndex(data)
		if err != nil {
			continue
		}
		if planned == nil {
			planned = make(map[string]struct{})
		}
		for p := range idx.Files {
			planned[p] = struct{}{}
		}
	}
	return stale, planned, nil
}

// removeEmptied removes, deepest first, the directories that removing the
// given files left empty (never dir itself, never .fleetc, never a path
// that is a file of t). Best effort:
// a directory that is not empty is simply kept.
func removeEmptied(dir string, t *Tree, removed []string) {
	seen := make(map[string]bool)
	var dirs []string
	for _, p := range removed {
		for d := path.Dir(p); d != "." && d != reservedDir && !seen[d]; d = path.Dir(d) {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	slices.SortFunc(dirs, func(a, b string) int {
		if c := strings.Count(b, "/") - strings.Count(a, "/"); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, d := range dirs {
		if _, isFile := t.Get(d); isFile {
			continue // a removed folder's name is now a file of the tree
		}
		name := osPath(dir, d)
		if fi, err := os.Lstat(name); err == nil && fi.IsDir() {
			os.Remove(name) // fails, harmlessly, when not empty
		}
	}
}

// journal records the renames of a commit so that they can be undone.
type journal struct{ undo []func() error }

// rename renames from to to and records how to undo it.
func (j *journal) rename(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	j.undo = append(j.undo, func() error { return os.Rename(to, from) })
	return nil
}

// replace puts staged in place of target, keeping the previous file at
// backup. With a hard link as backup, target is replaced by one atomic
// rename: at every moment it holds the complete old or new file. Where
// hard links are not supported, the old file is first moved to backup.
func (j *journal) replace(target, staged, backup string) error {
	if os.Link(target, backup) == nil {
		if err := os.Rename(staged, target); err != nil {
			return err
		}
		j.undo = append(j.undo, func() error { return os.Rename(backup, target) })
		return nil
	}
	if err := j.rename(target, backup); err != nil {
		return err
	}
	return j.rename(staged, target)
}

// rollback undoes every recorded step, newest first, continuing past
// failures; it returns them joined.
func (j *journal) rollback() error {
	var errs []error
	for i := len(j.undo) - 1; i >= 0; i-- {
		if err := j.undo[i](); err != nil {
			errs = append(errs, err)
		}
	}
	j.undo = nil
	return errors.Join(errs...)
}
