package disk

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
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
type Seen struct {
	file       string // where Save writes
	dev, ino   uint64 // of the output folder
	old        []seenEntry
	mu         sync.Mutex
	now        []seenEntry  // verified during this run
	learned    bool         // some entry of now was verified by reading the file
	trusted    atomic.Int64 // files vouched for, not read
	clock      func() time.Time
	racyMargin time.Duration
}

type seenEntry struct {
	path         string
	size, ino    uint64
	mtime, ctime int64
	sum          [32]byte
	racy         bool
}

const seenHeader = "fleetc seen v1\n"

// OpenSeen reads the memo in file for the output folder dir (which may
// not exist yet). Any problem reading it gives an empty memo.
func OpenSeen(file, dir string) *Seen {
	s := &Seen{file: file, clock: time.Now, racyMargin: 100 * time.Millisecond}
	s.dev, s.ino, _ = dirID(dir)
	if data, err := os.ReadFile(file); err == nil && s.ino != 0 {
		s.old = decodeSeen(data, s.dev, s.ino)
	}
	return s
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
	if s == nil || len(s.old) == 0 {
		return nil
	}
	out := make([]*seenEntry, len(ps))
	j := 0
	for i, p := range ps {
		for j < len(s.old) && s.old[j].path < p {
			j++
		}
		if j < len(s.old) && s.old[j].path == p && !s.old[j].racy {
			out[i] = &s.old[j]
		}
	}
	return out
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
	for _, e := range verified {
		if e.path != "" {
			s.now = append(s.now, e)
		}
	}
	s.learned = s.learned || learned
}

// Save writes what this run verified (and only that: files not looked at
// are forgotten) when it differs from what was read. Failing to write is
// not an error anyone must act on; it is returned for tests.
func (s *Seen) Save() error {
	if s == nil || s.ino == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Unchanged: every entry of this run was vouched for by the memo read
	// (a copy of an old entry, each path once), and as many were.
	if !s.learned && len(s.now) == len(s.old) {
		return nil
	}
	entries := s.now
	slices.SortFunc(entries, func(a, b seenEntry) int {
		switch {
		case a.path < b.path:
			return -1
		case a.path > b.path:
			return 1
		}
		return 0
	})
	if err := os.MkdirAll(filepath.Dir(s.file), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.file), ".seen-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(encodeSeen(entries, s.dev, s.ino)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.file)
}

var seenCRC = crc32.MakeTable(crc32.Castagnoli)

func encodeSeen(entries []seenEntry, dev, ino uint64) []byte {
	body := make([]byte, 0, 16+len(entries)*80)
	body = binary.BigEndian.AppendUint64(body, dev)
	body = binary.BigEndian.AppendUint64(body, ino)
	body = binary.AppendUvarint(body, uint64(len(entries)))
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
	out := make([]byte, 0, len(seenHeader)+4+len(body))
	out = append(out, seenHeader...)
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(body, seenCRC))
	return append(out, body...)
}

// decodeSeen returns the entries of a memo made for the folder (dev,
// ino), sorted by path; nil when it is not one, or damaged.
func decodeSeen(data []byte, dev, ino uint64) []seenEntry {
	if !bytes.HasPrefix(data, []byte(seenHeader)) || len(data) < len(seenHeader)+4+16 {
		return nil
	}
	data = data[len(seenHeader):]
	body := data[4:]
	if crc32.Checksum(body, seenCRC) != binary.BigEndian.Uint32(data) {
		return nil
	}
	if binary.BigEndian.Uint64(body) != dev || binary.BigEndian.Uint64(body[8:]) != ino {
		return nil
	}
	r := body[16:]
	bad := false
	uv := func() uint64 {
		v, n := binary.Uvarint(r)
		if n <= 0 {
			bad = true
			return 0
		}
		r = r[n:]
		return v
	}
	take := func(n uint64) []byte {
		if bad || n > uint64(len(r)) {
			bad = true
			return nil
		}
		b := r[:n]
		r = r[n:]
		return b
	}
	count := uv()
	if bad || count > uint64(len(r)) {
		return nil
	}
	out := make([]seenEntry, 0, count)
	prev := ""
	for range count {
		shared, rest := uv(), uv()
		if bad || shared > uint64(len(prev)) {
			return nil
		}
		e := seenEntry{path: prev[:shared] + string(take(rest))}
		e.size, e.ino = uv(), uv()
		t := take(16)
		sum := take(32)
		racy := take(1)
		if bad || e.path <= prev && len(out) > 0 {
			return nil // damaged, or not sorted
		}
		e.mtime, e.ctime = int64(binary.BigEndian.Uint64(t)), int64(binary.BigEndian.Uint64(t[8:]))
		copy(e.sum[:], sum)
		e.racy = racy[0] != 0
		out = append(out, e)
		prev = e.path
	}
	if len(r) != 0 {
		return nil
	}
	return out
}
