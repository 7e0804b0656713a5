package disk

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// seenFixture renders files into a folder and returns the tree and a
// memo file path.
func seenFixture(t *testing.T) (dir, memo string, files map[string]string, tr *Tree) {
	t.Helper()
	files = map[string]string{
		"master/a.yaml":            "a: 1\n",
		"master/b.yaml":            "b: 2\n",
		"seeds/s1/clusters/c.yaml": "c: 3\n",
	}
	dir = filepath.Join(t.TempDir(), "out")
	tr = mkTree(t, files)
	if _, err := Write(dir, tr); err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(t.TempDir(), "seen"), files, tr
}

// settle makes every file of dir older than the racy margin, as time
// passing would.
func settled(s *Seen) *Seen {
	s.clock = func() time.Time { return time.Now().Add(time.Hour) }
	return s
}

func compareSeen(t *testing.T, dir, memo string, tr *Tree) (Drift, int) {
	t.Helper()
	s := settled(OpenSeen(memo, dir))
	d, err := Compare(dir, tr, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	return d, s.Trusted()
}

func TestSeenSparesReadsOfUnchangedFiles(t *testing.T) {
	dir, memo, files, tr := seenFixture(t)
	if d, n := compareSeen(t, dir, memo, tr); !d.Empty() || n != 0 {
		t.Fatalf("first compare: drift %+v, %d trusted; want none, 0 (nothing known yet)", d, n)
	}
	if d, n := compareSeen(t, dir, memo, tr); !d.Empty() || n != len(files)+1 {
		t.Fatalf("second compare: drift %+v, %d trusted; want none, %d (every file and the index)", d, n, len(files)+1)
	}
}

func TestSeenNeverHidesAnEdit(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, name string)
	}{
		{"same size, other bytes", func(t *testing.T, name string) { must(t, os.WriteFile(name, []byte("a: 9\n"), 0o644)) }},
		{"modification time put back", func(t *testing.T, name string) {
			fi, err := os.Stat(name)
			must(t, err)
			must(t, os.WriteFile(name, []byte("a: 9\n"), 0o644))
			must(t, os.Chtimes(name, fi.ModTime(), fi.ModTime()))
		}},
		{"replaced by a copy", func(t *testing.T, name string) {
			must(t, os.WriteFile(name+".new", []byte("a: 9\n"), 0o644))
			must(t, os.Rename(name+".new", name))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, memo, _, tr := seenFixture(t)
			compareSeen(t, dir, memo, tr)
			if _, n := compareSeen(t, dir, memo, tr); n == 0 {
				t.Fatal("the memo vouched for nothing: the test proves nothing")
			}
			time.Sleep(20 * time.Millisecond) // a later ctime tick
			tc.edit(t, filepath.Join(dir, "master", "a.yaml"))
			d, _ := compareSeen(t, dir, memo, tr)
			if !slices.Equal(d.Stale, []string{"master/a.yaml"}) {
				t.Fatalf("drift %+v: the edit of master/a.yaml was not seen", d)
			}
		})
	}
}

// A file verified within the racy margin of its last change is read
// again: a change in the same ctime tick would keep its stat data.
func TestSeenRacyFilesAreReadAgain(t *testing.T) {
	dir, memo, _, tr := seenFixture(t)
	s := OpenSeen(memo, dir) // the real clock: the files were just written
	if _, err := Compare(dir, tr, s); err != nil {
		t.Fatal(err)
	}
	must(t, s.Save())
	s = OpenSeen(memo, dir)
	if _, err := Compare(dir, tr, s); err != nil {
		t.Fatal(err)
	}
	if s.Trusted() != 0 {
		t.Fatalf("%d files trusted that were verified within the racy margin of their change", s.Trusted())
	}
}

func TestSeenIgnoresADamagedOrForeignMemo(t *testing.T) {
	dir, memo, files, tr := seenFixture(t)
	compareSeen(t, dir, memo, tr)
	good, err := os.ReadFile(memo)
	must(t, err)
	for i := range len(good) {
		bad := slices.Clone(good)
		bad[i] ^= 0x20
		must(t, os.WriteFile(memo, bad, 0o600))
		if s := OpenSeen(memo, dir); s.oldCount() != 0 {
			t.Fatalf("a memo with byte %d flipped was read (%d entries)", i, s.oldCount())
		}
	}
	// Another folder with the same files: not this memo's.
	must(t, os.WriteFile(memo, good, 0o600))
	other := filepath.Join(t.TempDir(), "out")
	if _, err := Write(other, tr); err != nil {
		t.Fatal(err)
	}
	if s := OpenSeen(memo, other); s.oldCount() != 0 {
		t.Fatal("another folder's memo was read")
	}
	if s := OpenSeen(memo, dir); s.oldCount() != len(files)+1 {
		t.Fatalf("the memo itself: %d entries, want %d", s.oldCount(), len(files)+1)
	}
}

// A stale memo (a render changed a file since) is not trusted for that
// file: its sha256 is not the expected one.
func TestSeenKeysOnTheExpectedContent(t *testing.T) {
	dir, memo, files, tr := seenFixture(t)
	compareSeen(t, dir, memo, tr)
	files["master/a.yaml"] = "a: 2\n" // the render changed, the folder did not
	d, n := compareSeen(t, dir, memo, mkTree(t, files))
	if !slices.Contains(d.Stale, "master/a.yaml") {
		t.Fatalf("drift %+v: master/a.yaml is stale", d)
	}
	if n != len(files)-1 {
		t.Fatalf("%d trusted, want %d (all but master/a.yaml and the index)", n, len(files)-1)
	}
}

// TestSeenIsRewrittenOnlyWhenItLearns: a check that trusted every file it
// looked at leaves the memo alone (it is 85 MB at 10,000 clusters), also
// when it looked at fewer; one that read a file rewrites it.
func TestSeenIsRewrittenOnlyWhenItLearns(t *testing.T) {
	dir, memo, files, tr := seenFixture(t)
	compareSeen(t, dir, memo, tr) // learns every file
	mark := func() {
		data, err := os.ReadFile(memo)
		must(t, err)
		must(t, os.WriteFile(memo, data, 0o644))
		past := time.Now().Add(-time.Hour)
		must(t, os.Chtimes(memo, past, past))
	}
	rewritten := func() bool {
		fi, err := os.Stat(memo)
		must(t, err)
		return time.Since(fi.ModTime()) < 30*time.Minute
	}
	mark()
	compareSeen(t, dir, memo, tr)
	if rewritten() {
		t.Error("a check that trusted every file rewrote the memo")
	}
	putFiles(t, dir, map[string]string{"master/a.yaml": files["master/a.yaml"]}) // same bytes, new ctime
	mark()
	compareSeen(t, dir, memo, tr)
	if !rewritten() {
		t.Error("a check that read a file again did not rewrite the memo")
	}
	// Fewer files looked at, none read: what the memo holds of the
	// others is still true of the disk, and kept.
	fewer := New()
	must(t, fewer.Add("master/a.yaml", []byte(files["master/a.yaml"])))
	mark()
	compareSeen(t, dir, memo, fewer)
	if rewritten() {
		t.Error("a check that looked at fewer files, and read none, rewrote the memo")
	}
	s := OpenSeen(memo, dir)
	if d, err := Compare(dir, tr, s); err != nil || !d.Empty() || s.Trusted() != tr.Len() {
		t.Errorf("the whole compare after it: %+v, %v, %d of %d files trusted", d, err, s.Trusted(), tr.Len())
	}
}

// FuzzDecodeSeen: any memo body with a right checksum decodes without a
// panic, and each seal's entries are under it, sorted.
func FuzzDecodeSeen(f *testing.F) {
	now := []seenEntry{{path: "a/x", size: 1, ino: 2}, {path: "a/y"}, {path: "b"}, {path: "c/d/e"}}
	f.Add(encodeSeen(now, []seal{{path: "a", key: "k", files: 2, dirs: []dirStat{{path: "a", ino: 3}}}, {path: "b", key: "k2", files: 1}}, 1, 2)[len(seenHeader)+4:])
	f.Add(encodeSeen(nil, nil, 1, 2)[len(seenHeader)+4:])
	f.Fuzz(func(t *testing.T, body []byte) {
		data := []byte(seenHeader)
		data = binary.BigEndian.AppendUint32(data, crc32.Checksum(body, seenCRC))
		data = append(data, body...)
		if len(body) < 16 {
			return
		}
		loose, seals := decodeSeen(data, binary.BigEndian.Uint64(body), binary.BigEndian.Uint64(body[8:]))
		loose.entries()
		for _, sl := range seals {
			for i, e := range sl.blk.entries() {
				if e.path != sl.path && !strings.HasPrefix(e.path, sl.path+"/") || i > 0 && e.path <= sl.blk.list[i-1].path {
					t.Fatalf("seal %q holds %q", sl.path, e.path)
				}
			}
		}
	})
}
