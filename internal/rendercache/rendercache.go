// Package rendercache keeps rendered cluster folders on disk between runs
// of fleetc, so that a render, check or diff compiles only the clusters
// whose inputs changed.
//
// Entries are keyed by renderer.ClusterKey (the sha256 of everything a
// cluster's folder depends on in the config and the catalog, the output
// format version included, never a file name or a time) and by the build
// of fleetc that rendered them (Open's build: in the CLI the sha256 of the
// running executable, see Executable), since a cache folder outlives the
// binary that filled it and a newer fleetc may render the same inputs to
// other bytes. Each entry is one file,
//
//	<dir>/<name[:2]>/<name>, name = hex(sha256(build, 0, key))
//
// holding a header line, a CRC-32C and the files with their sha256 (see
// encode). An entry whose header, CRC or layout do not check out is a miss
// and is removed: a damaged or foreign cache is ignored,
// never trusted. Writes go to a temporary file renamed into place, so
// concurrent fleetc runs share a cache safely. Failures to write are not
// errors (the cache is an optimisation); Stats counts them.
package rendercache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fleetc/fleetc/renderer"
)

const header = "fleetc render cache v2\n"

// maxMapped bounds the entry files one Dir maps into memory: Linux allows
// a process 65,530 mappings by default, and a Dir reads one entry per
// cluster (then it reads them onto the heap).
const maxMapped = 30000

// Dir is a cache in a folder. The zero value is not usable; use Open.
type Dir struct {
	root string
	// build is the identity of the code that renders: part of every
	// entry's name, so a different build never reads this one's entries.
	build                         string
	hits, misses, puts, putErrors atomic.Int64

	// mapped counts the entry files mapped into memory (readEntry).
	mapped atomic.Int64

	// shared, when set (OpenShared), holds the entries this Dir has read
	// or written, by key, so that several compiles in one process share
	// one copy of each.
	shared *sync.Map
}

// DefaultRoot is ${XDG_CACHE_HOME:-~/.cache}/fleetc/render (os.UserCacheDir).
func DefaultRoot() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "fleetc", "render"), nil
}

// Open returns the cache in root for the fleetc build identified by build
// (Executable, in the CLI; any string that changes whenever the rendering
// code may, elsewhere). The folder is created on the first Put.
func Open(root, build string) *Dir { return &Dir{root: root, build: build} }

// Executable identifies the running fleetc build: the sha256 of the
// executable file's content. Two builds that may render differently are
// two different files (go build embeds no time, so the same sources and
// toolchain give the same bytes and share entries). Reading the file costs
// a few tens of milliseconds; the CLI calls it once per command.
func Executable() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("render cache: the fleetc executable: %w", err)
	}
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("render cache: the fleetc executable: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("render cache: the fleetc executable: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// OpenShared is Open for a process that compiles more than once (diff
// compiles two revisions, mostly made of the same clusters): an entry
// read or written once is handed out again from memory, the same bytes,
// so that the two rendered trees share them instead of holding two
// copies. The entries stay in memory as long as the Dir.
func OpenShared(root, build string) *Dir {
	return &Dir{root: root, build: build, shared: new(sync.Map)}
}

// Stats are counts since Open.
type Stats struct{ Hits, Misses, Puts, PutErrors int64 }

func (d *Dir) Stats() Stats {
	return Stats{d.hits.Load(), d.misses.Load(), d.puts.Load(), d.putErrors.Load()}
}

func validKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	_, err := hex.DecodeString(key)
	return err == nil
}

// path is the file of key's entry: its name hashes the build with the key.
func (d *Dir) path(key string) string {
	h := sha256.New()
	h.Write([]byte(d.build))
	h.Write([]byte{0})
	h.Write([]byte(key))
	name := hex.EncodeToString(h.Sum(nil))
	return filepath.Join(d.root, name[:2], name)
}

// Get returns the entry for key, if a sound one is stored.
func (d *Dir) Get(key string) (renderer.Entry, bool) {
	if d.shared != nil {
		if e, ok := d.shared.Load(key); ok {
			d.hits.Add(1)
			return e.(renderer.Entry), true
		}
	}
	e, ok := d.get(key)
	if ok && d.shared != nil {
		// Another compile may have read it meanwhile: keep one copy.
		v, _ := d.shared.LoadOrStore(key, e)
		e = v.(renderer.Entry)
	}
	if ok {
		d.hits.Add(1)
		// Mark it used, for Trim.
		now := time.Now()
		_ = os.Chtimes(d.path(key), now, now)
	} else {
		d.misses.Add(1)
	}
	return e, ok
}

func (d *Dir) get(key string) (renderer.Entry, bool) {
	var e renderer.Entry
	if !validKey(key) {
		return e, false
	}
	p := d.path(key)
	data, err := readEntry(p, &d.mapped)
	if err != nil {
		return e, false
	}
	if !decode(data, &e) {
		_ = os.Remove(p) // damaged: never trusted, and not kept
		return renderer.Entry{}, false
	}
	return e, true
}

// decode parses an entry (see encode), after checking the CRC-32C of all
// of it. Files alias data.
func decode(data []byte, e *renderer.Entry) bool {
	rest, ok := bytes.CutPrefix(data, []byte(header))
	if !ok || len(rest) < 9 || rest[8] != '\n' {
		return false
	}
	want, body := rest[:8], rest[9:]
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.Checksum(body, castagnoli))
	if hex.EncodeToString(sum[:]) != string(want) {
		return false
	}
	r := reader{b: body}
	nMatched := r.count()
	matched := make([]bool, 0, min(nMatched, len(body)))
	for range nMatched {
		switch r.byte() {
		case 0:
			matched = append(matched, false)
		case 1:
			matched = append(matched, true)
		default:
			return false
		}
	}
	nFiles := r.count()
	files := make([]renderer.CachedFile, 0, min(nFiles, len(body)/34))
	sizes := make([]int, 0, cap(files))
	for range nFiles {
		var f renderer.CachedFile
		f.Path = string(r.bytes(r.count()))
		copy(f.Sum[:], r.bytes(len(f.Sum)))
		files = append(files, f)
		sizes = append(sizes, r.count())
	}
	for i := range files {
		files[i].Data = r.bytes(sizes[i])
	}
	if r.bad || r.pos != len(body) {
		return false
	}
	e.Files, e.Matched = files, matched
	return true
}

// castagnoli is the CRC-32C table: computed in hardware on amd64 and
// arm64, so checking a 10,000-cluster cache costs next to nothing.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// reader reads encode's varints and byte strings; bad is set, and
// zeros returned, once the input runs short or a count is absurd.
type reader struct {
	b   []byte
	pos int
	bad bool
}

func (r *reader) count() int {
	v, n := binary.Uvarint(r.b[r.pos:])
	if n <= 0 || v > uint64(len(r.b)) {
		r.bad = true
		return 0
	}
	r.pos += n
	return int(v)
}

func (r *reader) byte() byte {
	if r.pos >= len(r.b) {
		r.bad = true
		return 0
	}
	r.pos++
	return r.b[r.pos-1]
}

func (r *reader) bytes(n int) []byte {
	if n > len(r.b)-r.pos {
		r.bad = true
		return nil
	}
	r.pos += n
	return r.b[r.pos-n : r.pos : r.pos]
}

// encode writes an entry: the header line, the CRC-32C (8 hex digits) of
// the rest and a newline, then the metadata — the count of patch flags and
// one byte (0 or 1) each, the count of files and per file its path
// (length-prefixed), its sha256 and its size, as unsigned varints — and
// last the files' contents, in the same order.
//
// Not compressed, and not hashed with sha256 on reading: reading the cache
// must cost far less than compiling (a 10,000-cluster fleet's cache is
// ~0.65 GB; Trim bounds it). The CRC catches damage; it does not, and
// nothing kept beside the data could, stop someone who can write the
// cache folder from forging an entry — whoever can do that can replace
// fleetc itself.
func encode(e renderer.Entry) []byte {
	var meta []byte
	meta = binary.AppendUvarint(meta, uint64(len(e.Matched)))
	for _, m := range e.Matched {
		if m {
			meta = append(meta, 1)
		} else {
			meta = append(meta, 0)
		}
	}
	meta = binary.AppendUvarint(meta, uint64(len(e.Files)))
	size := 0
	for _, f := range e.Files {
		meta = binary.AppendUvarint(meta, uint64(len(f.Path)))
		meta = append(meta, f.Path...)
		meta = append(meta, f.Sum[:]...)
		meta = binary.AppendUvarint(meta, uint64(len(f.Data)))
		size += len(f.Data)
	}
	out := make([]byte, 0, len(header)+9+len(meta)+size)
	out = append(out, header...)
	out = append(out, "00000000\n"...) // the CRC, below
	body := len(out)
	out = append(out, meta...)
	for _, f := range e.Files {
		out = append(out, f.Data...)
	}
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.Checksum(out[body:], castagnoli))
	hex.Encode(out[len(header):], sum[:])
	return out
}

// Put stores e under key. Errors are counted, not returned.
func (d *Dir) Put(key string, e renderer.Entry) {
	if !validKey(key) {
		return
	}
	if d.shared != nil {
		d.shared.Store(key, e)
	}
	if err := d.put(key, e); err != nil {
		d.putErrors.Add(1)
		return
	}
	d.puts.Add(1)
}

func (d *Dir) put(key string, e renderer.Entry) error {
	data := encode(e)
	p := d.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// Trim removes the least recently used entries until the cache holds at
// most maxBytes. Leftover temporary files are removed too.
func (d *Dir) Trim(maxBytes int64) error {
	type ent struct {
		path string
		size int64
		used time.Time
	}
	var ents []ent
	var total int64
	err := filepath.WalkDir(d.root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if de.IsDir() {
			return nil
		}
		info, err := de.Info()
		if err != nil {
			return nil
		}
		if filepath.Base(p)[0] == '.' && time.Since(info.ModTime()) > time.Hour {
			_ = os.Remove(p)
			return nil
		}
		ents = append(ents, ent{p, info.Size(), info.ModTime()})
		total += info.Size()
		return nil
	})
	if err != nil || total <= maxBytes {
		return err
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].used.Before(ents[j].used) })
	for _, e := range ents {
		if total <= maxBytes {
			break
		}
		if os.Remove(e.path) == nil {
			total -= e.size
		}
	}
	return nil
}
