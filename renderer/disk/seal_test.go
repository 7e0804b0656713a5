package disk

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/tree"
)

// sealFixture writes a tree with two cluster-like folders (one with a
// sub-folder) into a folder, compares it once with keys for them and the
// index, and returns what a sealed compare needs: the folder, the memo
// file, the files and the keys.
func sealFixture(t *testing.T) (dir, memo string, files map[string]string, keys map[string]string) {
	t.Helper()
	files = map[string]string{
		"master/a.yaml":               "a: 1\n",
		"seeds/s/clusters/c1/x.yaml":  "x: 1\n",
		"seeds/s/clusters/c1/y.yaml":  "y: 1\n",
		"seeds/s/clusters/c1/z/q.yml": "q: 1\n",
		"seeds/s/clusters/c2/x.yaml":  "x: 2\n",
	}
	dir = filepath.Join(t.TempDir(), "out")
	if _, err := Write(dir, mkTree(t, files)); err != nil {
		t.Fatal(err)
	}
	memo = filepath.Join(t.TempDir(), "seen")
	keys = map[string]string{"seeds/s/clusters/c1": "k1", "seeds/s/clusters/c2": "k2", layout.IndexPath: "ki"}
	s := settled(OpenSeen(memo, dir))
	if d, err := CompareSealed(dir, mkTree(t, files), s, Sealing{Keys: keys}); err != nil || !d.Empty() {
		t.Fatalf("first compare: %+v, %v", d, err)
	}
	must(t, s.Save())
	return dir, memo, files, keys
}

// without is the tree of files less those under the folder p, without
// an index: what a compile that skips p gives.
func without(t *testing.T, files map[string]string, p string) *Tree {
	t.Helper()
	tr := New()
	for f, b := range files {
		if !strings.HasPrefix(f, p+"/") {
			must(t, tr.Add(f, []byte(b)))
		}
	}
	return tr
}

func TestSealsVouchForFolders(t *testing.T) {
	dir, memo, files, keys := sealFixture(t)
	s := settled(OpenSeen(memo, dir))
	for p, k := range keys {
		if !s.Sealed(p, k) {
			t.Errorf("%s is not sealed for %s after a whole compare", p, k)
		}
		if s.Sealed(p, k+"x") || s.Sealed(p, "") {
			t.Errorf("%s is sealed for another key", p)
		}
	}
	const c1 = "seeds/s/clusters/c1"
	s.CheckSealsAhead(dir, []string{c1, layout.IndexPath}) // as check does, while it renders
	d, err := CompareSealed(dir, without(t, files, c1), s, Sealing{Keys: keys, Skip: []string{c1, layout.IndexPath}})
	if err != nil || !d.Empty() || d.Sealed != 4 {
		t.Fatalf("sealed compare: %+v, %v; want no drift and 4 files vouched for (c1's and the index)", d, err)
	}
	must(t, s.Save())
	if s := OpenSeen(memo, dir); !s.Sealed(c1, keys[c1]) {
		t.Error("the seal is gone after a compare that used it")
	}
	// Every file is still remembered: the entries kept with the seal and
	// those verified, merged in order.
	s = settled(OpenSeen(memo, dir))
	if d, err := Compare(dir, mkTree(t, files), s); err != nil || !d.Empty() || s.Trusted() != len(files)+1 {
		t.Errorf("whole compare after it: %+v, %v, %d trusted; want every file and the index (%d)", d, err, s.Trusted(), len(files)+1)
	}
}

// TestSealsNeverHideAChange: any change under a sealed folder since it
// was sealed breaks its seal: the caller then compares the whole tree.
func TestSealsNeverHideAChange(t *testing.T) {
	const c1 = "seeds/s/clusters/c1"
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, dir string)
	}{
		{"one byte in place", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, c1, "x.yaml"), []byte("x: 9\n"), 0o644))
		}},
		{"one byte, times put back", func(t *testing.T, dir string) {
			name := filepath.Join(dir, c1, "y.yaml")
			fi, err := os.Stat(name)
			must(t, err)
			must(t, os.WriteFile(name, []byte("y: 9\n"), 0o644))
			must(t, os.Chtimes(name, fi.ModTime(), fi.ModTime()))
		}},
		{"in a sub-folder", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, c1, "z", "q.yml"), []byte("q: 9\n"), 0o644))
		}},
		{"a file added", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, c1, "z", "new.yaml"), []byte("n: 1\n"), 0o644))
		}},
		{"a file removed", func(t *testing.T, dir string) {
			must(t, os.Remove(filepath.Join(dir, c1, "y.yaml")))
		}},
		{"a file added, folder times put back", func(t *testing.T, dir string) {
			d := filepath.Join(dir, c1)
			fi, err := os.Stat(d)
			must(t, err)
			must(t, os.WriteFile(filepath.Join(d, "new.yaml"), []byte("n: 1\n"), 0o644))
			must(t, os.Chtimes(d, fi.ModTime(), fi.ModTime()))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, memo, files, keys := sealFixture(t)
			time.Sleep(10 * time.Millisecond) // a tick later: the change times differ
			tc.edit(t, dir)
			for _, ahead := range []string{"no", "these", "all"} {
				s := settled(OpenSeen(memo, dir))
				switch ahead {
				case "these":
					s.CheckSealsAhead(dir, []string{c1, layout.IndexPath})
				case "all": // as check and render do: all, then those whose keys match
					s.CheckAllSealsAhead(dir)
					s.CheckSealsAhead(dir, []string{c1, layout.IndexPath})
				}
				_, err := CompareSealed(dir, without(t, files, c1), s, Sealing{Keys: keys, Skip: []string{c1, layout.IndexPath}})
				if !errors.Is(err, ErrSealBroken) {
					t.Fatalf("after the change, the sealed compare (checked ahead: %s) says %v; want ErrSealBroken", ahead, err)
				}
				if ahead != "all" {
					continue
				}
				// The caller compares the whole tree; the broken seal is
				// forgotten, though nothing new was learned.
				if _, err := CompareSealed(dir, mkTree(t, files), s, Sealing{Keys: keys}); err != nil {
					t.Fatal(err)
				}
				must(t, s.Save())
				if OpenSeen(memo, dir).Sealed(c1, keys[c1]) {
					t.Error("the broken seal is still in the memo")
				}
			}
			s := settled(OpenSeen(memo, dir))
			// The whole compare sees it.
			d, err := CompareSealed(dir, mkTree(t, files), s, Sealing{Keys: keys})
			if err != nil || d.Empty() {
				t.Fatalf("whole compare after the change: %+v, %v", d, err)
			}
		})
	}
}

// TestSealsNeedWholeFolders: a folder with a drifted file is not sealed;
// a seal is kept for an outdated path, which counts as stale.
func TestSealsNeedWholeFolders(t *testing.T) {
	dir, memo, files, keys := sealFixture(t)
	changed := copyMap(files)
	changed["seeds/s/clusters/c2/x.yaml"] = "x: 3\n"
	s := settled(OpenSeen(memo, dir))
	keys2 := copyMap(keys)
	keys2["seeds/s/clusters/c2"] = "k2'"
	d, err := CompareSealed(dir, mkTree(t, changed), s, Sealing{Keys: keys2})
	if err != nil || !slices.Contains(d.Stale, "seeds/s/clusters/c2/x.yaml") {
		t.Fatalf("compare with c2 changed: %+v, %v", d, err)
	}
	must(t, s.Save())
	s = settled(OpenSeen(memo, dir))
	if s.Sealed("seeds/s/clusters/c2", "k2'") {
		t.Error("c2 is sealed, though its folder is not what is rendered")
	}
	// The folder still holds what k2 renders to: that seal may stay (a
	// config put back would use it).
	if !s.Sealed("seeds/s/clusters/c1", "k1") {
		t.Error("c1 lost its seal")
	}

	// The index is sealed for "ki"; a render of another config would
	// write another index: outdated, so stale, and still sealed.
	dir, memo, files, keys = sealFixture(t)
	s = settled(OpenSeen(memo, dir))
	tr := without(t, files, "seeds/s/clusters/c1")
	d, err = CompareSealed(dir, tr, s, Sealing{Keys: keys, Skip: []string{"seeds/s/clusters/c1"}, Outdated: []string{layout.IndexPath}})
	if err != nil || !slices.Equal(d.Stale, []string{layout.IndexPath}) || d.Sealed != 3 {
		t.Fatalf("outdated index: %+v, %v; want the index stale, c1's 3 files vouched for", d, err)
	}
	must(t, s.Save())
	if s := OpenSeen(memo, dir); !s.Sealed(layout.IndexPath, "ki") {
		t.Error("the index lost its seal")
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// indexed is a tree of files (less those under skip, whose sha256 the
// index takes from others) with the index mkTree gives all of files.
func indexed(t *testing.T, files map[string]string, skip string, others []tree.File) *Tree {
	t.Helper()
	tr := without(t, files, skip)
	must(t, tr.WithIndexOf("fleetc test", fmt.Sprintf("sha256:%d", len(files)), others))
	return tr
}

// TestWriteSealed: a render that leaves a sealed folder out writes what
// changed, leaves the folder alone, and writes the whole render's index;
// a broken seal writes nothing.
func TestWriteSealed(t *testing.T) {
	const c1 = "seeds/s/clusters/c1"
	dir, memo, files, _ := sealFixture(t)
	s := settled(OpenSeen(memo, dir))
	others := s.SealedFiles([]string{c1})
	if len(others) != 3 {
		t.Fatalf("SealedFiles(%s) = %d files, want 3", c1, len(others))
	}
	changed := copyMap(files)
	changed["seeds/s/clusters/c2/x.yaml"] = "x: 3\n"
	st, err := WriteSealed(dir, indexed(t, changed, c1, others), s, Sealing{Skip: []string{c1}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 2 || st.Removed != 0 {
		t.Errorf("stats %+v, want 2 written (c2's file and the index)", st)
	}
	want, err := os.ReadFile(filepath.Join(dir, layout.IndexPath))
	must(t, err)
	whole := mkTree(t, changed)
	if got, _ := whole.Get(layout.IndexPath); string(got) != string(want) {
		t.Errorf("the index written is not the whole render's:\n%s\nwant:\n%s", want, got)
	}
	d, err := Compare(dir, whole, nil)
	if err != nil || !d.Empty() {
		t.Errorf("the folder is not the whole render: %+v, %v", d, err)
	}
	// The written folder is not sealed; the next Write, which finds it
	// unchanged, seals it.
	must(t, s.Save())
	s = settled(OpenSeen(memo, dir))
	if !s.Sealed(c1, "k1") || s.Sealed("seeds/s/clusters/c2", "k2") {
		t.Errorf("after the write: c1 sealed %v (want true), c2 sealed %v (want false)", s.Sealed(c1, "k1"), s.Sealed("seeds/s/clusters/c2", "k2"))
	}
	keys := map[string]string{"seeds/s/clusters/c2": "k2'", c1: "k1"}
	if st, err := WriteSealed(dir, mkTree(t, changed), s, Sealing{Keys: keys}); err != nil || st.Written != 0 {
		t.Fatalf("second write: %+v, %v; want nothing written", st, err)
	}
	must(t, s.Save())
	if s := OpenSeen(memo, dir); !s.Sealed("seeds/s/clusters/c2", "k2'") || !s.Sealed(c1, "k1") {
		t.Error("a write that found the folders unchanged did not seal them")
	}

	// A changed sealed folder: nothing written.
	dir, memo, files, _ = sealFixture(t)
	time.Sleep(10 * time.Millisecond)
	must(t, os.WriteFile(filepath.Join(dir, c1, "x.yaml"), []byte("x: 9\n"), 0o644))
	s = settled(OpenSeen(memo, dir))
	before, err := os.ReadFile(filepath.Join(dir, layout.IndexPath))
	must(t, err)
	_, err = WriteSealed(dir, indexed(t, changed, c1, s.SealedFiles([]string{c1})), s, Sealing{Skip: []string{c1}})
	if !errors.Is(err, ErrSealBroken) {
		t.Fatalf("WriteSealed over a changed sealed folder: %v, want ErrSealBroken", err)
	}
	after, err := os.ReadFile(filepath.Join(dir, layout.IndexPath))
	must(t, err)
	if string(before) != string(after) {
		t.Error("a refused WriteSealed changed the index")
	}
}

// TestSealsNeedEveryFile: a seal holds only when every file the render
// had in its folder has an entry: one verified without stat data (no
// entry) leaves the folder unvouched for.
func TestSealsNeedEveryFile(t *testing.T) {
	const c1 = "seeds/s/clusters/c1"
	dir, memo, files, keys := sealFixture(t)
	s := settled(OpenSeen(memo, dir))
	blk := s.oldSeal(c1).blk
	blk.entries()
	blk.list = slices.DeleteFunc(blk.list, func(e seenEntry) bool { return e.path == c1+"/y.yaml" })
	_, err := CompareSealed(dir, without(t, files, c1), s, Sealing{Keys: keys, Skip: []string{c1}})
	if !errors.Is(err, ErrSealBroken) {
		t.Fatalf("a seal with a file's entry missing: %v, want ErrSealBroken", err)
	}
}

// TestWriteTeachesWhatItWrote: a Write with a Seen remembers the files it
// wrote, so the compare after it reads none of them; a file changed after
// that is still found.
func TestWriteTeachesWhatItWrote(t *testing.T) {
	files := map[string]string{"master/a.yaml": "a: 1\n", "seeds/s/clusters/c1/x.yaml": "x: 1\n"}
	dir, memo := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "seen")
	must(t, os.Mkdir(dir, 0o755))
	s := settled(OpenSeen(memo, dir))
	if _, err := WriteSeen(dir, mkTree(t, files), s); err != nil {
		t.Fatal(err)
	}
	must(t, s.Save())
	if d, n := compareSeen(t, dir, memo, mkTree(t, files)); !d.Empty() || n != len(files)+1 {
		t.Fatalf("compare after the write: %+v, %d trusted; want every file and the index (%d)", d, n, len(files)+1)
	}
	time.Sleep(10 * time.Millisecond)
	must(t, os.WriteFile(filepath.Join(dir, "master", "a.yaml"), []byte("a: 9\n"), 0o644))
	if d, _ := compareSeen(t, dir, memo, mkTree(t, files)); !slices.Equal(d.Stale, []string{"master/a.yaml"}) {
		t.Fatalf("an edit after the write: %+v", d)
	}
}

// TestWriteSealsWhatItWrote: a Write with keys seals the folders it wrote
// (their folders being the tree's), and the seal then sees a file added in
// a sub-folder the Write created; a folder holding a folder that is not
// the tree's is not sealed.
func TestWriteSealsWhatItWrote(t *testing.T) {
	const c1 = "seeds/s/clusters/c1"
	files := map[string]string{c1 + "/x.yaml": "x: 1\n", c1 + "/z/q.yml": "q: 1\n", "seeds/s/clusters/c2/x.yaml": "x: 2\n"}
	keys := map[string]string{c1: "k1", "seeds/s/clusters/c2": "k2"}
	dir, memo := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "seen")
	if _, err := Write(dir, mkTree(t, map[string]string{"master/a.yaml": "a: 1\n"})); err != nil {
		t.Fatal(err)
	}
	must(t, os.MkdirAll(filepath.Join(dir, "seeds/s/clusters/c2/odd"), 0o755)) // not the tree's
	files["master/a.yaml"] = "a: 1\n"
	s := settled(OpenSeen(memo, dir))
	if _, err := WriteSealed(dir, mkTree(t, files), s, Sealing{Keys: keys}); err != nil {
		t.Fatal(err)
	}
	must(t, s.Save())
	s = settled(OpenSeen(memo, dir))
	if !s.Sealed(c1, "k1") {
		t.Fatal("the folder the write made is not sealed")
	}
	if s.Sealed("seeds/s/clusters/c2", "k2") {
		t.Error("a folder holding a folder that is not the tree's is sealed")
	}
	if d, err := CompareSealed(dir, without(t, files, c1), s, Sealing{Skip: []string{c1}}); err != nil || len(d.Stale)+len(d.Missing) != 0 {
		t.Fatalf("sealed compare after the write: %+v, %v", d, err)
	}
	time.Sleep(10 * time.Millisecond)
	must(t, os.WriteFile(filepath.Join(dir, c1, "z", "new.yaml"), []byte("n: 1\n"), 0o644))
	s = settled(OpenSeen(memo, dir))
	if _, err := CompareSealed(dir, without(t, files, c1), s, Sealing{Skip: []string{c1}}); !errors.Is(err, ErrSealBroken) {
		t.Fatalf("a file added in the written sub-folder: %v, want ErrSealBroken", err)
	}
}

// TestWriteSealsANewFolder: a memo opened before the output folder
// exists is the new folder's once Write made it.
func TestWriteSealsANewFolder(t *testing.T) {
	files := map[string]string{"seeds/s/clusters/c1/x.yaml": "x: 1\n"}
	dir, memo := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "seen")
	s := settled(OpenSeen(memo, dir))
	if _, err := WriteSealed(dir, mkTree(t, files), s, Sealing{Keys: map[string]string{"seeds/s/clusters/c1": "k1"}}); err != nil {
		t.Fatal(err)
	}
	must(t, s.Save())
	if !OpenSeen(memo, dir).Sealed("seeds/s/clusters/c1", "k1") {
		t.Error("the first write into a new folder sealed nothing")
	}
}

// TestSealsCheckedAheadOfTheKeys: CheckAllSealsAhead checks every seal
// before the caller knows which it will use; a seal that does not hold
// and is not used is no error, and those used are vouched for.
func TestSealsCheckedAheadOfTheKeys(t *testing.T) {
	const c1, c2 = "seeds/s/clusters/c1", "seeds/s/clusters/c2"
	dir, memo, files, keys := sealFixture(t)
	time.Sleep(10 * time.Millisecond)
	must(t, os.WriteFile(filepath.Join(dir, c2, "x.yaml"), []byte("x: 9\n"), 0o644)) // c2's seal breaks
	files[c2+"/x.yaml"] = "x: 9\n"
	s := settled(OpenSeen(memo, dir))
	s.CheckAllSealsAhead(dir)
	s.CheckSealsAhead(dir, []string{c1})
	d, err := CompareSealed(dir, without(t, files, c1), s, Sealing{Keys: keys, Skip: []string{c1}})
	if err != nil || len(d.Stale)+len(d.Missing) != 0 || d.Sealed != 3 {
		t.Fatalf("sealed compare: %+v, %v; want c2 compared and c1's 3 files vouched for", d, err)
	}
	// A path not checked ahead is checked when it is used.
	s = settled(OpenSeen(memo, dir))
	s.CheckAllSealsAhead(dir)
	s.CheckSealsAhead(dir, nil)
	if d, err := CompareSealed(dir, without(t, files, c1), s, Sealing{Keys: keys, Skip: []string{c1}}); err != nil || d.Sealed != 3 {
		t.Fatalf("sealed compare after the check ahead was narrowed to nothing: %+v, %v", d, err)
	}
	s = settled(OpenSeen(memo, dir))
	s.CheckAllSealsAhead(dir)
	if _, err := CompareSealed(dir, without(t, files, c2), s, Sealing{Keys: keys, Skip: []string{c2}}); !errors.Is(err, ErrSealBroken) {
		t.Fatalf("compare relying on c2's broken seal: %v; want ErrSealBroken", err)
	}
}

// TestSealsOfOneKeyGoTogether: folders that share a key are sealed only
// when every one of them is whole (a cluster's two folders are skipped
// together).
func TestSealsOfOneKeyGoTogether(t *testing.T) {
	const c1, c2 = "seeds/s/clusters/c1", "seeds/s/clusters/c2"
	dir, memo, files, _ := sealFixture(t)
	keys := map[string]string{c1: "kk", c2: "kk"}
	for _, drift := range []bool{true, false} {
		render := copyMap(files)
		if drift {
			render[c2+"/x.yaml"] = "x: 3\n"
		}
		s := settled(OpenSeen(memo, dir))
		if _, err := CompareSealed(dir, mkTree(t, render), s, Sealing{Keys: keys}); err != nil {
			t.Fatal(err)
		}
		must(t, s.Save())
		s = OpenSeen(memo, dir)
		if got := s.Sealed(c1, "kk") || s.Sealed(c2, "kk"); got == drift {
			t.Errorf("c2 drifted: %v; sealed for the shared key: %v", drift, got)
		}
	}
}

// TestSealsKeptThroughARewrite: a memo rewritten by a run that relied on
// a seal (and learned something else) keeps the seal and its entries.
func TestSealsKeptThroughARewrite(t *testing.T) {
	const c1 = "seeds/s/clusters/c1"
	dir, memo, files, keys := sealFixture(t)
	time.Sleep(10 * time.Millisecond)
	putFiles(t, dir, map[string]string{"master/a.yaml": files["master/a.yaml"]}) // same bytes, new ctime: read again
	before, err := os.ReadFile(memo)
	must(t, err)
	s := settled(OpenSeen(memo, dir))
	if _, err := CompareSealed(dir, without(t, files, c1), s, Sealing{Keys: keys, Skip: []string{c1}}); err != nil {
		t.Fatal(err)
	}
	must(t, s.Save())
	after, err := os.ReadFile(memo)
	must(t, err)
	if bytes.Equal(before, after) {
		t.Fatal("the memo was not rewritten, though a file was read")
	}
	s = settled(OpenSeen(memo, dir))
	if !s.Sealed(c1, keys[c1]) {
		t.Fatal("the seal relied on is gone")
	}
	if d, err := CompareSealed(dir, without(t, files, c1), s, Sealing{Keys: keys, Skip: []string{c1}}); err != nil || d.Sealed != 3 {
		t.Fatalf("sealed compare after the rewrite: %+v, %v", d, err)
	}
}

// TestSealWithForeignEntries: a memo whose seal holds entries of another
// folder (a memo not written by Save, its checksum right) vouches for
// nothing there.
func TestSealWithForeignEntries(t *testing.T) {
	const c1, c2 = "seeds/s/clusters/c1", "seeds/s/clusters/c2"
	dir, memo, files, keys := sealFixture(t)
	s := OpenSeen(memo, dir)
	seals := slices.Clone(s.oldSeals)
	for i := range seals {
		if seals[i].path == c1 {
			other := s.oldSeal(c2).blk
			seals[i].blk = &block{n: other.n, raw: other.raw} // c2's entries under c1's seal
			seals[i].files = other.n
		}
	}
	must(t, os.WriteFile(memo, encodeSeen(nil, seals, s.dev, s.ino), 0o600))
	s = settled(OpenSeen(memo, dir))
	if _, err := CompareSealed(dir, without(t, files, c1), s, Sealing{Keys: keys, Skip: []string{c1}}); !errors.Is(err, ErrSealBroken) {
		t.Fatalf("a seal holding another folder's entries: %v, want ErrSealBroken", err)
	}
}

// TestWriteWithASealedIndex: a Write that finds the stored index sealed
// does not read it unless files not in the tree are on disk; then it
// still removes those the index lists and leaves the others alone.
func TestWriteWithASealedIndex(t *testing.T) {
	dir, memo, files, keys := sealFixture(t)
	putFiles(t, dir, map[string]string{"master/foreign.yaml": "mine\n"})
	s := settled(OpenSeen(memo, dir))
	if !s.holds(dir, layout.IndexPath) {
		t.Fatal("the index's seal does not hold")
	}
	fewer := copyMap(files)
	delete(fewer, "seeds/s/clusters/c2/x.yaml")
	st, err := WriteSealed(dir, mkTree(t, fewer), s, Sealing{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if st.Removed != 1 || !slices.Equal(st.Foreign, []string{"master/foreign.yaml"}) {
		t.Errorf("removed %d, foreign %v; want c2's file removed, the foreign one left", st.Removed, st.Foreign)
	}
	if _, err := os.Stat(filepath.Join(dir, "seeds/s/clusters/c2/x.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Error("c2's file is still there")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "master/foreign.yaml")); err != nil || string(b) != "mine\n" {
		t.Error("the foreign file was touched")
	}
}
