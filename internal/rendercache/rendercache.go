// Package rendercache keeps rendered cluster folders on disk between runs
// of fleetc, so that a render, check or diff compiles only the clusters
// whose inputs changed.
//
// Entries are keyed by renderer.ClusterKey: the sha256 of everything a
// cluster's folder depends on, the output format version included, never a
// file name or a time. Each entry is one file,
//
//	<dir>/<key[:2]>/<key>
//
// holding a header line, the sha256 of the payload, and the payload (JSON,
// deflate-compressed). An entry whose header, digest or payload does not
// check out is a miss and is removed: a damaged or foreign cache is ignored,
// never trusted. Writes go to a temporary file renamed into place, so
// concurrent fleetc runs share a cache safely. Failures to write are not
// errors (the cache is an optimisation); Stats counts them.
package rendercache

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"time"

	"github.com/fleetc/fleetc/renderer"
)

const header = "fleetc render cache v1\n"

// Dir is a cache in a folder. The zero value is not usable; use Open.
type Dir struct {
	root                          string
	hits, misses, puts, putErrors atomic.Int64
}

// DefaultRoot is ${XDG_CACHE_HOME:-~/.cache}/fleetc/render (os.UserCacheDir).
func DefaultRoot() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "fleetc", "render"), nil
}

// Open returns the cache in root; the folder is created on the first Put.
func Open(root string) *Dir { return &Dir{root: root} }

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

func (d *Dir) path(key string) string { return filepath.Join(d.root, key[:2], key) }

// Get returns the entry for key, if a sound one is stored.
func (d *Dir) Get(key string) (renderer.Entry, bool) {
	e, ok := d.get(key)
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
	data, err := os.ReadFile(p)
	if err != nil {
		return e, false
	}
	if !decode(data, &e) {
		_ = os.Remove(p) // damaged: never trusted, and not kept
		return renderer.Entry{}, false
	}
	return e, true
}

func decode(data []byte, e *renderer.Entry) bool {
	rest, ok := bytes.CutPrefix(data, []byte(header))
	if !ok || len(rest) < 65 || rest[64] != '\n' {
		return false
	}
	want, payload := string(rest[:64]), rest[65:]
	sum := sha256.Sum256(payload)
	if hex.EncodeToString(sum[:]) != want {
		return false
	}
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(payload)))
	if err != nil {
		return false
	}
	return json.Unmarshal(raw, e) == nil
}

// Put stores e under key. Errors are counted, not returned.
func (d *Dir) Put(key string, e renderer.Entry) {
	if !validKey(key) {
		return
	}
	if err := d.put(key, e); err != nil {
		d.putErrors.Add(1)
		return
	}
	d.puts.Add(1)
}

func (d *Dir) put(key string, e renderer.Entry) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	var payload bytes.Buffer
	w, _ := flate.NewWriter(&payload, flate.BestSpeed)
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	sum := sha256.Sum256(payload.Bytes())
	var buf bytes.Buffer
	buf.WriteString(header)
	buf.WriteString(hex.EncodeToString(sum[:]))
	buf.WriteByte('\n')
	buf.Write(payload.Bytes())

	p := d.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
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
