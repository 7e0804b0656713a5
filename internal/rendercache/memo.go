package rendercache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"os"
	"path/filepath"
	"sync"
)

const memoHeader = "fleetc load memo v1\n"

// Memo keeps the config loader's decoded entities (config.Memo) in one
// file per fleetc build, <root>/load/<hex(sha256(build))>: read whole
// when opened, written whole (temporary file, then rename) by Save when
// something was put. The file holds a header line, a CRC-32C of the rest
// and the entries; a file whose header or CRC do not check out is
// ignored. It keeps the entries this process used plus, up to as many
// again, those it did not (the other side of a diff, the revision before
// a pull request).
type Memo struct {
	file string
	mu   sync.Mutex
	old  map[string][]byte
	used map[string][]byte
	put  bool
}

// OpenMemo reads the memo of build under root (see Open); a missing or
// damaged file is an empty memo.
func OpenMemo(root, build string) *Memo {
	sum := sha256.Sum256([]byte(build))
	m := &Memo{file: filepath.Join(root, "load", hex.EncodeToString(sum[:])), used: map[string][]byte{}}
	if data, err := os.ReadFile(m.file); err == nil {
		m.old = decodeMemo(data)
	}
	return m
}

// Get returns the entry put under key, by this process or an earlier one.
func (m *Memo) Get(key string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.used[key]; ok {
		return b, true
	}
	b, ok := m.old[key]
	if ok {
		m.used[key] = b
	}
	return b, ok
}

// Put remembers data under key.
func (m *Memo) Put(key string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.used[key] = data
	m.put = true
}

// Save writes the memo when something was put. Failing to is not an
// error anyone must act on (the memo is an optimisation): it is returned
// for tests.
func (m *Memo) Save() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.put {
		return nil
	}
	keep := map[string][]byte{}
	for k, v := range m.used {
		keep[k] = v
	}
	extra := len(m.used)
	for k, v := range m.old {
		if extra == 0 {
			break
		}
		if _, ok := keep[k]; !ok {
			keep[k] = v
			extra--
		}
	}
	if err := os.MkdirAll(filepath.Dir(m.file), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(m.file), ".memo-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(encodeMemo(keep)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), m.file); err != nil {
		return err
	}
	m.old, m.used, m.put = keep, map[string][]byte{}, false
	return nil
}

func encodeMemo(entries map[string][]byte) []byte {
	var body bytes.Buffer
	var n [binary.MaxVarintLen64]byte
	for k, v := range entries {
		body.Write(n[:binary.PutUvarint(n[:], uint64(len(k)))])
		body.WriteString(k)
		body.Write(n[:binary.PutUvarint(n[:], uint64(len(v)))])
		body.Write(v)
	}
	out := make([]byte, 0, len(memoHeader)+4+body.Len())
	out = append(out, memoHeader...)
	out = binary.BigEndian.AppendUint32(out, crc32.Checksum(body.Bytes(), castagnoli))
	return append(out, body.Bytes()...)
}

// decodeMemo returns the entries of a memo file, or nil when it is not
// one, or damaged.
func decodeMemo(data []byte) map[string][]byte {
	if !bytes.HasPrefix(data, []byte(memoHeader)) || len(data) < len(memoHeader)+4 {
		return nil
	}
	data = data[len(memoHeader):]
	sum, body := binary.BigEndian.Uint32(data), data[4:]
	if crc32.Checksum(body, castagnoli) != sum {
		return nil
	}
	out := map[string][]byte{}
	next := func() ([]byte, bool) {
		l, n := binary.Uvarint(body)
		if n <= 0 || l > uint64(len(body)-n) {
			return nil, false
		}
		b := body[n : n+int(l)]
		body = body[n+int(l):]
		return b, true
	}
	for len(body) > 0 {
		k, ok1 := next()
		v, ok2 := next()
		if !ok1 || !ok2 {
			return nil
		}
		out[string(k)] = v
	}
	return out
}
