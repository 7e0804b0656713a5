package disk

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fleetc/fleetc/renderer/tree"
)

// Seen remembers, for the files of one output folder, what a Compare or
// Write verified: a file's stat data (size, modification and change
// times, inode) when its content was found to have a given sha256. A
// later comparison trusts a file whose stat data are unchanged and whose
// expected sha256 is the remembered one, without reading it: any write
// to a file changes its change time (ctime), which no program can set
// back (only the clock can). It is the same bargain as git's index.
//
// A file verified so soon after it last changed that a second change
// could share its ctime tick is remembered as "racy" and read again next
// time, as git does. A memo file that is damaged, or was made for
// another folder (device and inode of the folder differ), is ignored.
// Only regular files are remembered. The zero Seen (nil) remembers
// nothing.
//
// It also keeps seals: a folder of the tree (a cluster's) or a file (the
// index), verified whole for a key that the caller derives from what the
// path renders from (a cluster's cache key and fleetc's build). A later
// Compare given the same key for it (Sealing) need not have its files
// rendered at all: the folders' stat data (a file added, removed or
// renamed changes its folder's times) and the files' still hold.
type Seen struct {
	file       string // where Save writes
	dev, ino   uint64 // of the output folder
	loose      *block // the entries read that belong to no seal
	oldSeals   []seal // read, sorted by path, each with its entries' block
	seals      []seal // made or kept during this run
	mu         sync.Mutex
	now        []seenEntry  // verified during this run
	ahead      *ahead       // seals being checked in the background
	learned    bool         // some entry of now was verified by reading the file
	broken     bool         // a seal relied on did not hold
	trusted    atomic.Int64 // files vouched for, not read
	clock      func() time.Time
	racyMargin time.Duration
}

// seal is a folder (with its files' seenEntries) or a file verified whole
// for key; dirs holds the stat data of the folder and of every folder
// under it (none for a file).
type seal struct {
	path  string
	key   string
	files int // the render's files at path: each has an entry, or the seal does not hold
	dirs  []dirStat
	blk   *block // read: its entries, as the memo holds them (nil: made this run)
}

// block is the entries of one seal (or of none) as the memo file holds
// them, decoded when first needed: a check that relies on a seal stats
// its files on another core, and a Save that keeps it copies its bytes.
type block struct {
	base string // the seal's path ("" for the entries of no seal)
	n    int    // how many entries raw holds
	raw  []byte
	once sync.Once
	list []seenEntry // decoded, sorted by path; nil when damaged
}

// entries are the block's entries (none if it is damaged: a seal then
// does not hold, and no file is trusted).
func (b *block) entries() []seenEntry {
	if b == nil {
		return nil
	}
	b.once.Do(func() { b.list = decodeEntries(b.raw, b.n, b.base) })
	return b.list
}

// dirStat is what a seal compares of a folder.
type dirStat struct {
	path         string
	ino          uint64
	mtime, ctime int64
}

type seenEntry struct {
	path         string
	size, ino    uint64
	mtime, ctime int64
	sum          [32]byte
	racy         bool
}

const seenHeader = "fleetc seen v4\n"

// OpenSeen reads the memo in file for the output folder dir (which may
// not exist yet). Any problem reading it gives an empty memo.
func OpenSeen(file, dir string) *Seen {
	s := &Seen{file: file, clock: time.Now, racyMargin: 100 * time.Millisecond}
	s.dev, s.ino, _ = dirID(dir)
	if data, err := os.ReadFile(file); err == nil && s.ino != 0 {
		s.loose, s.oldSeals = decodeSeen(data, s.dev, s.ino)
	}
	return s
}

// adopt makes a memo opened for a folder that did not exist yet (it
// remembers nothing) the memo of dir, now that it does.
func (s *Seen) adopt(dir string) {
	if s == nil || s.ino != 0 {
		return
	}
	s.dev, s.ino, _ = dirID(dir)
}

// Trusted is how many files this Seen vouched for (not read) so far.
func (s *Seen) Trusted() int {
	if s == nil {
		return 0
	}
	return int(s.trusted.Load())
}

// lookup returns the remembered entries for the sorted paths ps (nil
// where none, or racy).
func (s *Seen) lookup(ps []string) []*seenEntry {
	if s == nil || (s.loose == nil && len(s.oldSeals) == 0) {
		return nil
	}
	out := make([]*seenEntry, len(ps))
	for i, p := range ps {
		list := s.blockOf(p).entries()
		j, ok := slices.BinarySearchFunc(list, p, func(e seenEntry, p string) int { return strings.Compare(e.path, p) })
		if ok && !list[j].racy {
			out[i] = &list[j]
		}
	}
	return out
}

// blockOf is the block that holds the entry of the file p, if the memo
// read has one: that of the seal of p or of a folder above it, or the
// loose one.
func (s *Seen) blockOf(p string) *block {
	for q := p; q != ""; {
		if sl := s.oldSeal(q); sl != nil {
			return sl.blk
		}
		i := strings.LastIndexByte(q, '/')
		if i < 0 {
			break
		}
		q = q[:i]
	}
	return s.loose
}

// unchanged reports whether the file at name still has the remembered
// stat data e and the remembered content is want's (sha256 sum).
func (e *seenEntry) unchanged(name string, sum [32]byte) bool {
	if e == nil || e.sum != sum {
		return false
	}
	st, ok := lstatFile(name)
	return ok && st.size == e.size && st.ino == e.ino && st.mtime == e.mtime && st.ctime == e.ctime
}

// entry is what to remember of the file at p, with the stat data st
// taken before it was read and found to hold content with the given
// sha256 (path "" when st is not known).
func (s *Seen) entry(p string, st fileStat, sum [32]byte) seenEntry {
	if st.ino == 0 {
		return seenEntry{}
	}
	e := seenEntry{path: p, size: st.size, ino: st.ino, mtime: st.mtime, ctime: st.ctime, sum: sum}
	// A change within the same ctime tick as this one would go unseen.
	e.racy = s.clock().UnixNano()-e.ctime < int64(s.racyMargin)
	return e
}

// add remembers the verified entries (sorted by path; those with path ""
// are skipped); learned says that some were verified by reading the file,
// not vouched for by the memo.
func (s *Seen) add(verified []seenEntry, learned bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var batch []seenEntry
	for _, e := range verified {
		if e.path != "" {
			batch = append(batch, e)
		}
	}
	// Two sorted lists (a Write's files compared, then those it wrote)
	// are merged, not sorted again.
	merged := make([]seenEntry, 0, len(s.now)+len(batch))
	i := 0
	for _, e := range batch {
		for ; i < len(s.now) && s.now[i].path < e.path; i++ {
			merged = append(merged, s.now[i])
		}
		merged = append(merged, e)
	}
	s.now = append(merged, s.now[i:]...)
	s.learned = s.learned || learned
}

// Save writes what this run verified (and only that: files not looked at
// are forgotten), unless this run learned nothing the memo read does not
// hold: every entry it verified and every seal it made or kept is one
// read, and no seal it relied on was broken. The memo then stays as it
// is, with entries and seals of files and folders this run did not look
// at, or that differ from the render now: they still record what was
// true of the disk, and a later run trusts them only where the disk
// still has their stat data (and a seal only for its key). Failing to
// write is not an error anyone must act on; it is returned for tests.
func (s *Seen) Save() error {
	if s == nil || s.ino == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seals := s.seals
	slices.SortFunc(seals, func(a, b seal) int { return strings.Compare(a.path, b.path) })
	if !s.learned && !s.broken && s.sealsRead(seals) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(s.file), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.file), ".seen-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	// Written part by part: the blocks of seals kept are the memo read's
	// bytes (tens of megabytes), not copied into one buffer first.
	w := bufio.NewWriterSize(tmp, 1<<20)
	for _, part := range seenParts(s.sortedNow(), seals, s.dev, s.ino) {
		w.Write(part) // the error sticks: Flush returns it
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.file)
}

// sortedNow is the entries verified during this run, sorted by path (each
// Compare or Write adds them in order).
func (s *Seen) sortedNow() []seenEntry {
	byPath := func(a, b seenEntry) int { return strings.Compare(a.path, b.path) }
	if !slices.IsSortedFunc(s.now, byPath) {
		slices.SortFunc(s.now, byPath)
	}
	return s.now
}

var seenCRC = crc32.MakeTable(crc32.Castagnoli)

// encodeSeen is the memo of the folder (dev, ino) with the seals (sorted
// by path) and the entries verified now (sorted): each seal with the
// entries under it (a seal kept from the memo read with its block's
// bytes as they were), then the entries of no seal.
func encodeSeen(now []seenEntry, seals []seal, dev, ino uint64) []byte {
	return bytes.Join(seenParts(now, seals, dev, ino), nil)
}

// seenParts is encodeSeen in parts, the blocks' bytes among them.
func seenParts(now []seenEntry, seals []seal, dev, ino uint64) [][]byte {
	var parts [][]byte
	var body []byte
	flush := func(raw []byte) { // body so far, then raw
		parts = append(parts, body, raw)
		body = nil
	}
	body = binary.BigEndian.AppendUint64(body, dev)
	body = binary.BigEndian.AppendUint64(body, ino)
	claimed := make([]bool, len(now)) // under a seal written
	var written []seal
	for i, sl := range seals {
		if i > 0 && sl.path == seals[i-1].path {
			continue // made and kept: once is enough
		}
		lo, hi := rangeUnder(now, sl.path)
		for j := lo; j < hi; j++ {
			claimed[j] = true
		}
		if sl.blk == nil {
			sl.blk = &block{base: sl.path, n: hi - lo, raw: encodeEntries(now[lo:hi])}
		}
		written = append(written, sl)
	}
	var loose []seenEntry
	for j, e := range now {
		if !claimed[j] {
			loose = append(loose, e)
		}
	}
	raw := encodeEntries(loose)
	body = binary.AppendUvarint(body, uint64(len(loose)))
	body = binary.AppendUvarint(body, uint64(len(raw)))
	flush(raw)
	body = binary.AppendUvarint(body, uint64(len(written)))
	for _, sl := range written {
		body = appendString(body, sl.path)
		body = appendString(body, sl.key)
		body = binary.AppendUvarint(body, uint64(sl.files))
		body = binary.AppendUvarint(body, uint64(len(sl.dirs)))
		for _, d := range sl.dirs {
			body = appendString(body, d.path)
			body = binary.AppendUvarint(body, d.ino)
			body = binary.BigEndian.AppendUint64(body, uint64(d.mtime))
			body = binary.BigEndian.AppendUint64(body, uint64(d.ctime))
		}
		body = binary.AppendUvarint(body, uint64(sl.blk.n))
		body = binary.AppendUvarint(body, uint64(len(sl.blk.raw)))
		flush(sl.blk.raw)
	}
	parts = append(parts, body)
	crc := uint32(0)
	for _, part := range parts {
		crc = crc32.Update(crc, seenCRC, part)
	}
	head := binary.BigEndian.AppendUint32([]byte(seenHeader), crc)
	return append([][]byte{head}, parts...)
}

// rangeUnder is where the entries of the file p, or of the files under
// the folder p, lie in the sorted entries.
func rangeUnder(entries []seenEntry, p string) (lo, hi int) {
	byPath := func(e seenEntry, p string) int { return strings.Compare(e.path, p) }
	if i, ok := slices.BinarySearchFunc(entries, p, byPath); ok {
		return i, i + 1 // a file
	}
	lo, _ = slices.BinarySearchFunc(entries, p+"/", byPath)
	hi = lo
	for hi < len(entries) && strings.HasPrefix(entries[hi].path, p+"/") {
		hi++
	}
	return lo, hi
}

// encodeEntries encodes sorted entries, each path by what it shares with
// the one before.
func encodeEntries(entries []seenEntry) []byte {
	var body []byte
	prev := ""
	for _, e := range entries {
		n := 0
		for n < len(prev) && n < len(e.path) && prev[n] == e.path[n] {
			n++
		}
		body = binary.AppendUvarint(body, uint64(n))
		body = binary.AppendUvarint(body, uint64(len(e.path)-n))
		body = append(body, e.path[n:]...)
		body = binary.AppendUvarint(body, e.size)
		body = binary.AppendUvarint(body, e.ino)
		body = binary.BigEndian.AppendUint64(body, uint64(e.mtime))
		body = binary.BigEndian.AppendUint64(body, uint64(e.ctime))
		body = append(body, e.sum[:]...)
		racy := byte(0)
		if e.racy {
			racy = 1
		}
		body = append(body, racy)
		prev = e.path
	}
	return body
}

// reader reads a memo's fields; bad is set by the first that is not
// there.
type reader struct {
	r   []byte
	bad bool
}

func (r *reader) uv() uint64 {
	v, n := binary.Uvarint(r.r)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.r = r.r[n:]
	return v
}

func (r *reader) take(n uint64) []byte {
	if r.bad || n > uint64(len(r.r)) {
		r.bad = true
		return nil
	}
	b := r.r[:n]
	r.r = r.r[n:]
	return b
}

func (r *reader) str() string { return string(r.take(r.uv())) }

func (r *reader) block(base string) *block {
	n, size := r.uv(), r.uv()
	raw := r.take(size)
	if r.bad || n > size {
		r.bad = true
		return nil
	}
	return &block{base: base, n: int(n), raw: raw}
}

// decodeSeen returns the loose block and the seals (sorted by path, each
// with its block) of a memo made for the folder (dev, ino); nil when it is
// not one, or damaged. The blocks' entries are decoded when first needed
// (decodeEntries).
func decodeSeen(data []byte, dev, ino uint64) (*block, []seal) {
	if !bytes.HasPrefix(data, []byte(seenHeader)) || len(data) < len(seenHeader)+4+16 {
		return nil, nil
	}
	data = data[len(seenHeader):]
	body := data[4:]
	if crc32.Checksum(body, seenCRC) != binary.BigEndian.Uint32(data) {
		return nil, nil
	}
	if binary.BigEndian.Uint64(body) != dev || binary.BigEndian.Uint64(body[8:]) != ino {
		return nil, nil
	}
	r := &reader{r: body[16:]}
	loose := r.block("")
	nseals := r.uv()
	if r.bad || nseals > uint64(len(r.r)) {
		return nil, nil
	}
	var seals []seal
	for range nseals {
		sl := seal{path: r.str(), key: r.str(), files: int(r.uv())}
		ndirs := r.uv()
		if r.bad || sl.path == "" || ndirs > uint64(len(r.r)) || len(seals) > 0 && sl.path <= seals[len(seals)-1].path {
			return nil, nil
		}
		for range ndirs {
			d := dirStat{path: r.str(), ino: r.uv()}
			t := r.take(16)
			if r.bad {
				return nil, nil
			}
			d.mtime, d.ctime = int64(binary.BigEndian.Uint64(t)), int64(binary.BigEndian.Uint64(t[8:]))
			sl.dirs = append(sl.dirs, d)
		}
		sl.blk = r.block(sl.path)
		if r.bad {
			return nil, nil
		}
		seals = append(seals, sl)
	}
	if r.bad || len(r.r) != 0 {
		return nil, nil
	}
	return loose, seals
}

// decodeEntries decodes the n entries of raw, each under the folder base
// or base itself (any path when base is ""), in order; nil when they are
// not that. The paths are cut from one string: one allocation, not one
// per entry (a million at 10,000 clusters).
func decodeEntries(raw []byte, n int, base string) []seenEntry {
	// First pass: where each path ends in the paths' bytes.
	r := &reader{r: raw}
	ends := make([]int, n)
	size, prevLen := 0, 0
	for i := range n {
		shared, rest := r.uv(), r.uv()
		r.take(rest)
		r.uv()
		r.uv()
		r.take(16 + 32 + 1)
		if r.bad || shared > uint64(prevLen) {
			return nil
		}
		prevLen = int(shared + rest)
		size += prevLen
		ends[i] = size
	}
	if len(r.r) != 0 {
		return nil
	}
	// Second pass: the paths' bytes and the entries.
	arena := make([]byte, 0, size)
	out := make([]seenEntry, n)
	r = &reader{r: raw}
	prevStart := 0
	for i := range n {
		shared, rest := r.uv(), r.uv()
		prev := arena[prevStart:]
		prevStart = len(arena)
		arena = append(arena, prev[:shared]...)
		arena = append(arena, r.take(rest)...)
		e := &out[i]
		e.size, e.ino = r.uv(), r.uv()
		t := r.take(16)
		e.mtime, e.ctime = int64(binary.BigEndian.Uint64(t)), int64(binary.BigEndian.Uint64(t[8:]))
		copy(e.sum[:], r.take(32))
		e.racy = r.take(1)[0] != 0
	}
	paths := string(arena)
	start := 0
	for i := range out {
		out[i].path = paths[start:ends[i]]
		start = ends[i]
		if i > 0 && out[i].path <= out[i-1].path || base != "" && out[i].path != base && !strings.HasPrefix(out[i].path, base+"/") {
			return nil // not sorted, or not the seal's
		}
	}
	return out
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// sealsRead reports whether each of seals is one of the memo read.
func (s *Seen) sealsRead(seals []seal) bool {
	for _, x := range seals {
		y := s.oldSeal(x.path)
		if y == nil || x.key != y.key || x.files != y.files || !slices.Equal(x.dirs, y.dirs) {
			return false
		}
	}
	return true
}

// broke records that a seal this run relied on does not hold: Save then
// writes the memo without it.
func (s *Seen) broke() {
	s.mu.Lock()
	s.broken = true
	s.mu.Unlock()
}

// Sealed reports whether the folder or file p was sealed for key (key
// not ""): Compare may then leave it out of the tree and vouch for it by
// its seal (Sealing.Skip), unless its stat data changed since.
func (s *Seen) Sealed(p, key string) bool {
	sl := s.oldSeal(p)
	return key != "" && sl != nil && sl.key == key
}

// SealKey is the key the folder or file p was sealed for, if it was.
func (s *Seen) SealKey(p string) (string, bool) {
	if sl := s.oldSeal(p); sl != nil {
		return sl.key, true
	}
	return "", false
}

func (s *Seen) oldSeal(p string) *seal {
	if s == nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(s.oldSeals, p, func(x seal, p string) int { return strings.Compare(x.path, p) })
	if !ok {
		return nil
	}
	return &s.oldSeals[i]
}

// entriesUnder are the remembered entries of the sealed folder or file p
// (none if p is not sealed).
func (s *Seen) entriesUnder(p string) []seenEntry {
	if sl := s.oldSeal(p); sl != nil {
		return sl.blk.entries()
	}
	return nil
}

// SealedFiles lists the files of the sealed folders paths (a file's path
// is skipped), with the sha256 they were verified to hold, sorted by path:
// for the index of a tree that leaves those folders out (the seals are
// checked against the disk when the tree is compared or written).
func (s *Seen) SealedFiles(paths []string) []tree.File {
	if s == nil {
		return nil
	}
	dirs := slices.Clone(paths)
	// Sorted as folders ("a/" < "a-b/" is false: '-' < '/'), so that their
	// files, each under its folder's "p/", follow one another in order.
	slices.SortFunc(dirs, func(a, b string) int { return strings.Compare(a+"/", b+"/") })
	var ranges [][]seenEntry
	n := 0
	for _, p := range dirs {
		if sl := s.oldSeal(p); sl == nil || len(sl.dirs) == 0 {
			continue // not sealed, or a file
		}
		r := s.entriesUnder(p)
		ranges = append(ranges, r)
		n += len(r)
	}
	out := make([]tree.File, 0, n)
	for _, r := range ranges {
		for _, e := range r {
			out = append(out, tree.File{Path: e.path, Sum: e.sum})
		}
	}
	return out
}

// checkSeal checks the seal of p (a folder or file of the output folder
// dir) against the disk: every folder's and file's stat data unchanged,
// no entry racy. When they hold, it returns the seal and its entries, for
// keep; false when they do not.
func (s *Seen) checkSeal(dir, p string) (*seal, []seenEntry, bool) {
	sl := s.oldSeal(p)
	if sl == nil {
		return nil, nil, false
	}
	entries := s.entriesUnder(p)
	if len(entries) == 0 || len(entries) != sl.files {
		return nil, nil, false // a file of the render was not verified
	}
	for _, d := range sl.dirs {
		st, ok := lstatDir(osPath(dir, d.path))
		if st.path = d.path; !ok || st != d {
			return nil, nil, false
		}
	}
	if !unchangedAt(dir, entries) {
		return nil, nil, false
	}
	return sl, entries, true
}

// holds reports whether the file or folder p of the output folder dir
// is sealed (for any key) and its seal holds: it is what a check or
// render verified it to be.
func (s *Seen) holds(dir, p string) bool {
	if s == nil {
		return false
	}
	_, _, ok := s.checkSeal(dir, p)
	return ok
}

// ahead is a check of seals started by CheckSealsAhead or
// CheckAllSealsAhead.
type ahead struct {
	dir   string
	paths []string // sorted
	done  chan struct{}
	held  []keptSeal // by paths; sl nil where the seal does not hold, or was not wanted
	// want, once set (CheckSealsAhead after CheckAllSealsAhead), is the
	// paths still worth checking: the others are skipped.
	want atomic.Pointer[map[string]bool]
}

// CheckSealsAhead starts checking the seals of paths in the output folder
// dir against the disk, in the background, for the CompareSealed or
// WriteSealed that will be given the same folder and paths: the million
// stat calls then run while the caller renders what is not sealed. After
// CheckAllSealsAhead for dir it narrows that check to paths instead.
func (s *Seen) CheckSealsAhead(dir string, paths []string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	a := s.ahead
	s.mu.Unlock()
	if a != nil && a.dir == dir {
		want := make(map[string]bool, len(paths))
		for _, p := range paths {
			want[p] = true
		}
		a.want.Store(&want)
		return
	}
	s.startAhead(dir, paths)
}

// CheckAllSealsAhead starts checking every seal of the memo against the
// output folder dir in the background, as soon as the memo is read and
// before the caller knows which seals it will use (their keys need the
// config): CheckSealsAhead then says which.
func (s *Seen) CheckAllSealsAhead(dir string) {
	if s == nil {
		return
	}
	paths := make([]string, len(s.oldSeals))
	for i := range s.oldSeals {
		paths[i] = s.oldSeals[i].path
	}
	s.startAhead(dir, paths)
}

func (s *Seen) startAhead(dir string, paths []string) {
	if len(paths) == 0 {
		return
	}
	a := &ahead{dir: dir, paths: slices.Clone(paths), done: make(chan struct{})}
	slices.Sort(a.paths)
	s.mu.Lock()
	s.ahead = a
	s.mu.Unlock()
	go func() {
		defer close(a.done)
		a.held = checkSeals(dir, s, a.paths, func(p string) bool {
			want := a.want.Load()
			return want == nil || (*want)[p]
		})
	}()
}

// takeAhead returns what the check started ahead for dir found of the
// seals of paths (once), by paths; nil when there was none. Paths it did
// not check (not started with them, or narrowed away) are checked now.
func (s *Seen) takeAhead(dir string, paths []string) []keptSeal {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	a := s.ahead
	if a == nil || a.dir != dir {
		s.mu.Unlock()
		return nil
	}
	s.ahead = nil
	s.mu.Unlock()
	if len(paths) == 0 {
		empty := map[string]bool{}
		a.want.Store(&empty) // stop it: nothing is wanted
		return []keptSeal{}
	}
	<-a.done
	held := make([]keptSeal, len(paths))
	var late []int
	for i, p := range paths {
		if j, ok := slices.BinarySearch(a.paths, p); ok && a.held[j].sl != nil {
			held[i] = a.held[j]
		} else {
			late = append(late, i)
		}
	}
	if len(late) > 0 {
		ps := make([]string, len(late))
		for k, i := range late {
			ps[k] = paths[i]
		}
		for k, h := range checkSeals(dir, s, ps, nil) {
			held[late[k]] = h
		}
	}
	return held
}

// keep remembers a seal that checkSeal found to hold, with its entries
// (its block's).
func (s *Seen) keep(sl *seal, entries []seenEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seals = append(s.seals, *sl)
	s.trusted.Add(int64(len(entries)))
}

// addSeal seals the folder p (dirs: it and every folder under it, in the
// output folder dir) or the file p (no dirs) for key, now that its files
// (files of them) were verified; nothing when a folder's stat data could not be taken or
// a folder changed so recently that a change in the same tick would go
// unseen.
func (s *Seen) addSeal(dir, p, key string, files int, dirs []string) {
	if s == nil || key == "" {
		return
	}
	sl := seal{path: p, key: key, files: files}
	now := s.clock().UnixNano()
	for _, d := range dirs {
		st, ok := lstatDir(osPath(dir, d))
		if !ok || now-st.ctime < int64(s.racyMargin) {
			return
		}
		st.path = d
		sl.dirs = append(sl.dirs, st)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seals = append(s.seals, sl)
}
