package rendercache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	_ "github.com/fleetc/fleetc/internal/golden"
	"github.com/fleetc/fleetc/renderer"
)

const key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func entry() renderer.Entry {
	file := func(p, data string) renderer.CachedFile {
		return renderer.CachedFile{Path: p, Data: []byte(data), Sum: sha256.Sum256([]byte(data))}
	}
	return renderer.Entry{
		Files: []renderer.CachedFile{
			file("seeds/s/clusters/c/a.yaml", "kind: A\n"),
			file("seeds/s/clusters/c/empty.yaml", ""),
			file("seeds/s/clusters/c/kustomization.yaml", "resources: [a.yaml]\n"),
		},
		Matched: []bool{true, false},
	}
}

func TestRoundTrip(t *testing.T) {
	d := Open(t.TempDir(), "build")
	if _, ok := d.Get(key); ok {
		t.Fatal("hit in an empty cache")
	}
	d.Put(key, entry())
	got, ok := d.Get(key)
	if !ok {
		t.Fatal("miss after Put")
	}
	if want := entry(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if s := d.Stats(); s.Hits != 1 || s.Misses != 1 || s.Puts != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestDamagedEntriesAreMisses: a cache that was damaged or written by
// someone else is never trusted.
func TestDamagedEntriesAreMisses(t *testing.T) {
	for name, damage := range map[string]func([]byte) []byte{
		"flipped file byte": func(b []byte) []byte { b[len(b)-1] ^= 0xff; return b },
		"flipped metadata byte": func(b []byte) []byte {
			i := bytes.Index(b, []byte("a.yaml"))
			b[i] = 'b'
			return b
		},
		"flipped CRC": func(b []byte) []byte { b[len(header)] ^= 1; return b },
		"extra byte":  func(b []byte) []byte { return append(b, 0) },
		"version 1 entry": func(b []byte) []byte {
			return append([]byte("fleetc render cache v1\n"), b[len(header):]...)
		},
		"truncated":      func(b []byte) []byte { return b[:len(b)/2] },
		"foreign header": func(b []byte) []byte { return append([]byte("other tool\n"), b...) },
		"empty":          func([]byte) []byte { return nil },
		"plain json": func([]byte) []byte {
			return []byte(`{"files":{"x":"eQ=="}}`)
		},
	} {
		t.Run(name, func(t *testing.T) {
			d := Open(t.TempDir(), "build")
			d.Put(key, entry())
			p := d.path(key)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, damage(data), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, ok := d.Get(key); ok {
				t.Fatal("damaged entry trusted")
			}
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Error("damaged entry kept")
			}
		})
	}
}

func TestBadKeysIgnored(t *testing.T) {
	d := Open(t.TempDir(), "build")
	for _, k := range []string{"", "../../etc/passwd", strings.Repeat("z", 64)} {
		d.Put(k, entry())
		if _, ok := d.Get(k); ok {
			t.Errorf("key %q accepted", k)
		}
	}
}

func TestTrim(t *testing.T) {
	root := t.TempDir()
	d := Open(root, "build")
	d.Put(key, entry())
	other := strings.Repeat("f", 64)
	d.Put(other, entry())
	info, _ := os.Stat(d.path(key))
	if err := d.Trim(info.Size()); err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.WalkDir(root, func(p string, de os.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Errorf("%d entries after trim, want 1", n)
	}
}

// TestDecodeEveryPrefix: every truncation of a sound entry, and every
// single-byte change of it, is refused without a panic.
func TestDecodeEveryPrefix(t *testing.T) {
	data := encode(entry())
	var e renderer.Entry
	if !decode(data, &e) {
		t.Fatal("sound entry refused")
	}
	for n := range len(data) {
		if decode(data[:n], &e) {
			t.Fatalf("prefix of %d of %d bytes accepted", n, len(data))
		}
	}
	for i := range data {
		b := bytes.Clone(data)
		b[i] ^= 0x55
		if decode(b, &e) {
			t.Fatalf("entry with byte %d changed accepted", i)
		}
	}
}

// TestShared: a shared Dir hands out one copy of each entry, read or
// written, to every compile of the process.
func TestShared(t *testing.T) {
	root := t.TempDir()
	Open(root, "build").Put(key, entry())
	d := OpenShared(root, "build")
	a, ok1 := d.Get(key)
	b, ok2 := d.Get(key)
	if !ok1 || !ok2 || !reflect.DeepEqual(a, entry()) {
		t.Fatalf("Get = %v %v %+v", ok1, ok2, a)
	}
	if &a.Files[0].Data[0] != &b.Files[0].Data[0] {
		t.Error("two Gets of a shared Dir returned two copies")
	}
	other := strings.Repeat("e", 64)
	d.Put(other, entry())
	if err := os.Remove(d.path(other)); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Get(other); !ok {
		t.Error("an entry Put to a shared Dir was not kept in memory")
	}
	if _, ok := Open(root, "build").Get(other); ok {
		t.Error("a plain Dir found an entry that is not on disk")
	}
}

// TestBuildsDoNotShareEntries: an entry written by one fleetc build is a
// miss for every other build, in the same folder, under the same key.
func TestBuildsDoNotShareEntries(t *testing.T) {
	root := t.TempDir()
	Open(root, "build-1").Put(key, entry())
	if _, ok := Open(root, "build-2").Get(key); ok {
		t.Fatal("build-2 read build-1's entry")
	}
	if _, ok := OpenShared(root, "build-2").Get(key); ok {
		t.Fatal("build-2 (shared) read build-1's entry")
	}
	if _, ok := Open(root, "build-1").Get(key); !ok {
		t.Fatal("build-1 lost its own entry")
	}
}

// TestExecutableIsTheBinarysDigest: the build identity is the sha256 of
// the running executable's bytes.
func TestExecutableIsTheBinarysDigest(t *testing.T) {
	got, err := Executable()
	if err != nil {
		t.Fatal(err)
	}
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256(data); got != hex.EncodeToString(want[:]) {
		t.Fatalf("Executable() = %s, want the sha256 of %s", got, p)
	}
}
