package disk

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// ---- helpers ----

type entry struct {
	dir  bool
	mode fs.FileMode
	data string // file content or symlink target
}

// snapshot records everything under dir (paths slash-separated); nil if
// dir does not exist.
func snapshot(t testing.TB, dir string) map[string]entry {
	t.Helper()
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	m := make(map[string]entry)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		e := entry{dir: d.IsDir(), mode: fi.Mode()}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			e.data, err = os.Readlink(p)
		case fi.Mode().IsRegular():
			var b []byte
			b, err = os.ReadFile(p)
			e.data = string(b)
		}
		m[rel] = e
		return err
	})
	must(t, err)
	return m
}

func sameSnapshot(t testing.TB, got, want map[string]entry) {
	t.Helper()
	if maps.Equal(got, want) {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[k]; !ok {
			t.Errorf("gone: %s", k)
		} else if g != want[k] {
			t.Errorf("changed: %s: %+v, want %+v", k, g, want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("appeared: %s", k)
		}
	}
	t.FailNow()
}

func mkTree(t testing.TB, files map[string]string) *Tree {
	t.Helper()
	tr := New()
	for p, c := range files {
		must(t, tr.Add(p, []byte(c)))
	}
	must(t, tr.WithIndex("fleetc test", fmt.Sprintf("sha256:%d", len(files))))
	return tr
}

func putFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		name := filepath.Join(dir, filepath.FromSlash(p))
		must(t, os.MkdirAll(filepath.Dir(name), 0o755))
		must(t, os.WriteFile(name, []byte(c), 0o644))
	}
}

// wantOnDisk: the tree's files plus the extra ones, nothing else (dirs
// aside), and no staging area left.
func checkDisk(t testing.TB, dir string, tr *Tree, extra ...string) {
	t.Helper()
	d, err := Compare(dir, tr, nil)
	must(t, err)
	slices.Sort(extra)
	if len(d.Missing) != 0 || len(d.Stale) != 0 || !slices.Equal(d.Extra, extra) {
		t.Fatalf("disk differs from tree: %+v (want extra %q)", d, extra)
	}
	ents, err := os.ReadDir(filepath.Join(dir, ".fleetc"))
	must(t, err)
	if len(ents) != 1 || ents[0].Name() != "index.json" {
		t.Fatalf(".fleetc holds %v", ents)
	}
}

// failAt returns a writer whose hook fails at its k-th call (0-based) and
// a counter of calls.
func failAt(k int) (*writer, *int) {
	n := new(int)
	return &writer{hook: func(step, p string) error {
		defer func() { *n++ }()
		if *n == k {
			return fmt.Errorf("injected failure at %s %s", step, p)
		}
		return nil
	}}, n
}

// crashAt runs a write that stops dead at the hook's k-th call, as if the
// process had been killed: no rollback, no cleanup (only deferred calls
// run, like the kernel dropping the lock). It reports whether the write
// got that far.
func crashAt(dir string, tr *Tree, k int) (crashed bool) {
	done := make(chan bool)
	go func() {
		// Deferred here, outermost: runs after write's own deferred calls.
		defer func() { done <- crashed }()
		n := 0
		w := &writer{hook: func(string, string) error {
			if n == k {
				crashed = true
				runtime.Goexit()
			}
			n++
			return nil
		}}
		w.write(dir, tr)
	}()
	return <-done
}

var (
	v1 = map[string]string{
		"master/kustomization.yaml":      "resources: [a.yaml, b.yaml]\n",
		"master/a.yaml":                  "a: 1\n",
		"master/b.yaml":                  "b: 1\n",
		"seeds/s1/clusters/c1/x.yaml":    "x: 1\n",
		"seeds/s1/clusters/c1/y.yaml":    "y: 1\n",
		"seeds/s1/clusters/c2/x.yaml":    "c2\n",
		"seeds/s1/clusters/c3/x.yaml":    "c3\n",
		"seeds/s1/clusters/c3/sub/z.yml": "z\n",
		"legacy":                         "old file\n",
	}
	v2 = map[string]string{
		"master/kustomization.yaml":   "resources: [a.yaml, b.yaml]\n", // same
		"master/a.yaml":               "a: 2\n",                        // changed
		"master/b.yaml":               "b: 1\n",                        // same
		"master/c.yaml":               "c: 1\n",                        // new, existing dir
		"seeds/s1/clusters/c1/x.yaml": "x: 1\n",                        // same
		"seeds/s1/clusters/c1/y.yaml": "y: 2 longer\n",                 // changed
		"seeds/s1/clusters/c4/x.yaml": "c4x\n",                         // new folder
		"seeds/s1/clusters/c4/y.yaml": "c4y\n",                         // new folder
		"seeds/s2/flux/z.yaml":        "s2\n",                          // new folder, 2 levels
		"legacy/new.yaml":             "file became a folder\n",        // replaces removed file
		// removed: c2/x (folder emptied), c3/x and c3/sub/z (c3 keeps a foreign file), legacy
	}
	// v3: v2 without some of v2's new files, plus one of its own.
	v3 = map[string]string{
		"master/kustomization.yaml":   "resources: [a.yaml]\n",
		"master/a.yaml":               "a: 3\n",
		"seeds/s1/clusters/c1/x.yaml": "x: 1\n",
		"seeds/s3/x.yaml":             "s3\n",
	}
	foreign = map[string]string{
		"README.md":                      "hand written\n",
		"seeds/s1/clusters/c3/note.txt":  "keep me\n",
		"seeds/s1/clusters/c1/local.txt": "keep me too\n",
	}
)

func foreignPaths() []string { return slices.Sorted(maps.Keys(foreign)) }

// setup writes files into a fresh dir and adds the foreign files.
func setup(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	st, err := Write(dir, mkTree(t, files))
	must(t, err)
	if st.Written != len(files)+1 || st.Unchanged != 0 || st.Removed != 0 || len(st.Foreign) != 0 {
		t.Fatalf("fresh write stats = %+v", st)
	}
	putFiles(t, dir, foreign)
	return dir
}

func setupV1(t testing.TB) string { return setup(t, v1) }

// ---- tests ----

func TestWriteFresh(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{name: "missing dir", setup: func(*testing.T, string) {}},
		{name: "missing parents", setup: func(*testing.T, string) {}},
		{name: "empty dir", setup: func(t *testing.T, dir string) { must(t, os.Mkdir(dir, 0o755)) }},
		{name: "only .git", setup: func(t *testing.T, dir string) { putFiles(t, dir, map[string]string{".git/HEAD": "ref\n"}) }},
		{name: "only empty .fleetc", setup: func(t *testing.T, dir string) { must(t, os.MkdirAll(filepath.Join(dir, ".fleetc"), 0o755)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if tc.name == "missing parents" {
				dir = filepath.Join(dir, "a", "b")
			}
			tc.setup(t, dir)
			tr := mkTree(t, v1)
			st, err := Write(dir, tr)
			must(t, err)
			if st.Written != tr.Len() || st.Unchanged+st.Removed+len(st.Foreign) != 0 {
				t.Fatalf("stats = %+v", st)
			}
			checkDisk(t, dir, tr)
		})
	}
}

func TestWriteModes(t *testing.T) {
	dir := t.TempDir()
	// The modes Write uses, after this process's umask.
	probe := filepath.Join(dir, "probe")
	must(t, os.WriteFile(probe, nil, 0o644))
	must(t, os.Mkdir(probe+"d", 0o755))
	fileMode, dirMode := mode(t, probe), mode(t, probe+"d")
	out := filepath.Join(dir, "out")
	_, err := Write(out, mkTree(t, v1))
	must(t, err)
	for p, e := range snapshot(t, out) {
		want := fileMode
		if e.dir {
			want = dirMode
		}
		if e.mode != want {
			t.Errorf("%s: mode %v, want %v", p, e.mode, want)
		}
	}
}

func mode(t *testing.T, name string) fs.FileMode {
	fi, err := os.Lstat(name)
	must(t, err)
	return fi.Mode()
}

func TestWriteRewrite(t *testing.T) {
	dir := setupV1(t)
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for p, e := range snapshot(t, dir) {
		if !e.dir {
			must(t, os.Chtimes(filepath.Join(dir, p), past, past))
		}
	}
	tr := mkTree(t, v2)
	st, err := Write(dir, tr)
	must(t, err)
	want := WriteStats{Written: 8, Unchanged: 3, Removed: 4, Foreign: foreignPaths()}
	if st.Written != want.Written || st.Unchanged != want.Unchanged || st.Removed != want.Removed || !slices.Equal(st.Foreign, want.Foreign) {
		t.Fatalf("stats = %+v, want %+v", st, want)
	}
	checkDisk(t, dir, tr, foreignPaths()...)

	// Only changed files were touched.
	touched := map[string]bool{}
	for p := range snapshot(t, dir) {
		fi, err := os.Lstat(filepath.Join(dir, p))
		must(t, err)
		if !fi.IsDir() && !fi.ModTime().Equal(past) {
			touched[p] = true
		}
	}
	wantTouched := map[string]bool{
		"master/a.yaml": true, "master/c.yaml": true, "seeds/s1/clusters/c1/y.yaml": true,
		"seeds/s1/clusters/c4/x.yaml": true, "seeds/s1/clusters/c4/y.yaml": true,
		"seeds/s2/flux/z.yaml": true, "legacy/new.yaml": true, IndexPath: true,
	}
	if !maps.Equal(touched, wantTouched) {
		t.Fatalf("touched %v, want %v", slices.Sorted(maps.Keys(touched)), slices.Sorted(maps.Keys(wantTouched)))
	}

	// Emptied folders go, folders with foreign files stay.
	for p, wantExists := range map[string]bool{
		"seeds/s1/clusters/c2":     false,
		"seeds/s1/clusters/c3/sub": false,
		"seeds/s1/clusters/c3":     true,
		"seeds/s1/clusters":        true,
	} {
		_, err := os.Lstat(filepath.Join(dir, p))
		if exists := err == nil; exists != wantExists {
			t.Errorf("%s exists = %v, want %v", p, exists, wantExists)
		}
	}

	// Same tree again: nothing written, nothing touched.
	before := snapshot(t, dir)
	st, err = Write(dir, mkTree(t, v2))
	must(t, err)
	if st.Written != 0 || st.Removed != 0 || st.Unchanged != len(v2)+1 {
		t.Fatalf("no-op rewrite stats = %+v", st)
	}
	sameSnapshot(t, snapshot(t, dir), before)
}

func TestWriteFolderBecomesFile(t *testing.T) {
	dir := setup(t, v2)
	tr := mkTree(t, v1)
	st, err := Write(dir, tr)
	must(t, err)
	if st.Removed != 5 {
		t.Fatalf("stats = %+v", st)
	}
	checkDisk(t, dir, tr, foreignPaths()...)

	// Not when the folder holds a file fleetc does not own.
	dir = setup(t, v2)
	putFiles(t, dir, map[string]string{"legacy/mine.txt": "x"})
	before := snapshot(t, dir)
	if _, err := Write(dir, mkTree(t, v1)); err == nil || !strings.Contains(err.Error(), "in the way") {
		t.Fatalf("Write = %v", err)
	}
	sameSnapshot(t, snapshot(t, dir), before)
}

func TestWriteRepairsHandEdits(t *testing.T) {
	dir := setupV1(t)
	tr := mkTree(t, v1)
	// Hand edits: an owned file changed, one deleted, one same-size change.
	putFiles(t, dir, map[string]string{"master/a.yaml": "hacked\n", "master/b.yaml": "b: 9\n"})
	must(t, os.Remove(filepath.Join(dir, "legacy")))
	st, err := Write(dir, tr)
	must(t, err)
	if st.Written != 3 || st.Removed != 0 || st.Unchanged != len(v1)+1-3 {
		t.Fatalf("stats = %+v", st)
	}
	checkDisk(t, dir, tr, foreignPaths()...)
}

func TestWriteOverwritesUnownedFileAtTreePath(t *testing.T) {
	dir := setupV1(t)
	files := maps.Clone(v1)
	files["README.md"] = "now rendered\n" // was a foreign file
	tr := mkTree(t, files)
	st, err := Write(dir, tr)
	must(t, err)
	if st.Written != 2 || slices.Contains(st.Foreign, "README.md") {
		t.Fatalf("stats = %+v", st)
	}
	checkDisk(t, dir, tr, "seeds/s1/clusters/c1/local.txt", "seeds/s1/clusters/c3/note.txt")
}

func TestWriteRefusesForeignDir(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   map[string]string
		dirs    []string
		msg     string // exact, %s = dir
		inError string
	}{
		{name: "a file", files: map[string]string{"main.go": "package main\n"},
			msg: "refusing to write into non-empty directory %s not created by fleetc (no .fleetc/index.json)"},
		{name: "an empty subdir", dirs: []string{"x"},
			msg: "refusing to write into non-empty directory %s not created by fleetc (no .fleetc/index.json)"},
		{name: "a .git and a file", files: map[string]string{".git/HEAD": "x", "a": "b"},
			msg: "refusing to write into non-empty directory %s not created by fleetc (no .fleetc/index.json)"},
		{name: "corrupt index", files: map[string]string{IndexPath: "{", "master/a.yaml": "a"}, inError: "no valid .fleetc/index.json"},
		{name: "corrupt index alone", files: map[string]string{IndexPath: `{"generator":"g","files":{"../x":"sha256:00"}}`}, inError: "no valid .fleetc/index.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			putFiles(t, dir, tc.files)
			for _, d := range tc.dirs {
				must(t, os.Mkdir(filepath.Join(dir, d), 0o755))
			}
			before := snapshot(t, dir)
			_, err := Write(dir, mkTree(t, v1))
			if !errors.Is(err, ErrForeignDir) {
				t.Fatalf("Write = %v, want ErrForeignDir", err)
			}
			if tc.msg != "" && err.Error() != fmt.Sprintf(tc.msg, dir) {
				t.Fatalf("message %q, want %q", err, fmt.Sprintf(tc.msg, dir))
			}
			if !strings.Contains(err.Error(), tc.inError) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("message %q does not name %s / %q", err, dir, tc.inError)
			}
			sameSnapshot(t, snapshot(t, dir), before)
		})
	}
}

func TestWriteErrors(t *testing.T) {
	t.Run("no index", func(t *testing.T) {
		tr := New()
		must(t, tr.Add("a", nil))
		if _, err := Write(t.TempDir(), tr); err == nil || !strings.Contains(err.Error(), "WithIndex") {
			t.Fatalf("Write = %v", err)
		}
	})
	t.Run("dir is a file", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "f")
		must(t, os.WriteFile(f, nil, 0o644))
		if _, err := Write(f, mkTree(t, v1)); err == nil || errors.Is(err, ErrForeignDir) {
			t.Fatalf("Write = %v", err)
		}
	})
	t.Run("locked", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("flock test only on linux")
		}
		dir := setupV1(t)
		unlock, err := lockDir(dir)
		must(t, err)
		defer unlock()
		if _, err := Write(dir, mkTree(t, v2)); err == nil || !strings.Contains(err.Error(), "another fleetc") {
			t.Fatalf("Write = %v", err)
		}
	})
}

func TestWriteConflicts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string)
		files   map[string]string
		inError string
	}{
		{
			name:    "foreign dir where the tree has a file",
			prepare: func(t *testing.T, dir string) { putFiles(t, dir, map[string]string{"master/new.yaml/x": "x"}) },
			files:   map[string]string{"master/new.yaml": "n", "master/z.yaml": "z"},
			inError: "a directory is in the way",
		},
		{
			name:    "foreign file where the tree has a folder",
			prepare: func(t *testing.T, dir string) { putFiles(t, dir, map[string]string{"notes": "mine"}) },
			files:   map[string]string{"notes/a.yaml": "n", "master/z.yaml": "z"},
			inError: "is not a directory",
		},
		{
			name: "symlink where the tree has a folder",
			prepare: func(t *testing.T, dir string) {
				must(t, os.Symlink(t.TempDir(), filepath.Join(dir, "seeds2")))
			},
			files:   map[string]string{"seeds2/s1/x.yaml": "n", "master/z.yaml": "z"},
			inError: "is not a directory",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := setupV1(t)
			tc.prepare(t, dir)
			before := snapshot(t, dir)
			files := maps.Clone(v1)
			maps.Copy(files, tc.files)
			_, err := Write(dir, mkTree(t, files))
			if err == nil || !strings.Contains(err.Error(), tc.inError) {
				t.Fatalf("Write = %v, want error containing %q", err, tc.inError)
			}
			sameSnapshot(t, snapshot(t, dir), before)
		})
	}
}

func TestWriteSymlinkAtTreePathIsReplacedNotFollowed(t *testing.T) {
	dir := setupV1(t)
	outside := filepath.Join(t.TempDir(), "target")
	must(t, os.WriteFile(outside, []byte("outside\n"), 0o644))
	name := filepath.Join(dir, "master", "a.yaml")
	must(t, os.Remove(name))
	must(t, os.Symlink(outside, name))
	tr := mkTree(t, v1)
	st, err := Write(dir, tr)
	must(t, err)
	if st.Written != 1 {
		t.Fatalf("stats = %+v", st)
	}
	checkDisk(t, dir, tr, foreignPaths()...)
	if b, _ := os.ReadFile(outside); string(b) != "outside\n" {
		t.Fatalf("symlink target written: %q", b)
	}
}

// TestWriteAtomic fails every step of a rewrite in turn (through the
// unexported hook) and checks that the previous tree, foreign files
// included, is left exactly as it was.
func TestWriteAtomic(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to map[string]string
		steps    int
	}{
		// staged + 4 removals + 4 moved-in roots + 2 replaced + index.
		{name: "v1 to v2", from: v1, to: v2, steps: 12},
		// staged + 5 removals + 1 folder moved away + 4 moved in + 2 replaced + index.
		{name: "v2 to v1", from: v2, to: v1, steps: 14},
		{name: "v2 to v3", from: v2, to: v3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, n := failAt(-1)
			_, err := w.write(setup(t, tc.from), mkTree(t, tc.to))
			must(t, err)
			if tc.steps != 0 && *n != tc.steps {
				t.Fatalf("%d steps, want %d", *n, tc.steps)
			}
			for k := range *n {
				dir := setup(t, tc.from)
				before := snapshot(t, dir)
				w, _ := failAt(k)
				_, err := w.write(dir, mkTree(t, tc.to))
				if err == nil || !strings.Contains(err.Error(), "injected failure") || !strings.Contains(err.Error(), "left intact") {
					t.Fatalf("step %d: write = %v", k, err)
				}
				sameSnapshot(t, snapshot(t, dir), before)
				// And the same write then goes through.
				tr := mkTree(t, tc.to)
				_, err = Write(dir, tr)
				must(t, err)
				checkDisk(t, dir, tr, foreignPaths()...)
			}
		})
	}
	// A first write into a missing or an empty dir.
	for _, create := range []bool{false, true} {
		w, n := failAt(-1)
		_, err := w.write(filepath.Join(t.TempDir(), "out"), mkTree(t, v1))
		must(t, err)
		for k := range *n {
			dir := filepath.Join(t.TempDir(), "out")
			if create {
				must(t, os.Mkdir(dir, 0o755))
			}
			before := snapshot(t, dir)
			w, _ := failAt(k)
			if _, err := w.write(dir, mkTree(t, v1)); err == nil {
				t.Fatalf("step %d: no error", k)
			}
			sameSnapshot(t, snapshot(t, dir), before)
		}
	}
}

// TestWriteCrashRecovery stops a write dead at every step (no rollback),
// then checks that the next Write — with the same, an older or a
// different tree — cleans up and converges, and that files the
// interrupted write may have put in place count as owned.
func TestWriteCrashRecovery(t *testing.T) {
	for k := 0; ; k++ {
		dir := setupV1(t)
		if !crashAt(dir, mkTree(t, v2), k) {
			break
		}
		// A Write that then fails must not lose what the crashed one
		// planned.
		w, _ := failAt(1)
		if _, err := w.write(dir, mkTree(t, v3)); err == nil {
			t.Fatalf("crash at step %d: injected failure did not fail", k)
		}
		for _, next := range []map[string]string{v3, v2, v1} {
			tr := mkTree(t, next)
			st, err := Write(dir, tr)
			if err != nil {
				t.Fatalf("crash at step %d: next Write: %v", k, err)
			}
			if !slices.Equal(st.Foreign, foreignPaths()) {
				t.Fatalf("crash at step %d: foreign = %q", k, st.Foreign)
			}
			checkDisk(t, dir, tr, foreignPaths()...)
		}
	}
	// A first write into an empty dir, interrupted at every step: the
	// next Write must not refuse the directory.
	for k := 0; ; k++ {
		dir := t.TempDir()
		if !crashAt(dir, mkTree(t, v2), k) {
			break
		}
		tr := mkTree(t, v3)
		st, err := Write(dir, tr)
		if err != nil {
			t.Fatalf("first write crashed at step %d: next Write: %v", k, err)
		}
		if len(st.Foreign) != 0 {
			t.Fatalf("first write crashed at step %d: foreign = %q", k, st.Foreign)
		}
		checkDisk(t, dir, tr)
	}
}

// ---- benchmarks ----

// benchTree is 10,000 small files: 250 clusters × 40 files.
func benchTree(b *testing.B, version string) *Tree {
	tr := New()
	for c := range 250 {
		for f := range 40 {
			p := fmt.Sprintf("seeds/s%d/clusters/c%d/%s", c%5, c, FileName("ConfigMap", fmt.Sprint("obj", f)))
			body := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: obj%d\n  namespace: cluster-c%d\ndata:\n  version: %s\n%s", f, c, version, strings.Repeat("  k: v\n", 40))
			must(b, tr.Add(p, []byte(body)))
		}
	}
	must(b, tr.WithIndex("fleetc bench", "sha256:"+version))
	return tr
}

func BenchmarkWrite(b *testing.B) {
	b.Run("fresh", func(b *testing.B) {
		tr := benchTree(b, "1")
		root := b.TempDir()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			dir := filepath.Join(root, fmt.Sprint(i))
			if _, err := Write(dir, tr); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			must(b, os.RemoveAll(dir))
			b.StartTimer()
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		tr := benchTree(b, "1")
		dir := filepath.Join(b.TempDir(), "out")
		if _, err := Write(dir, tr); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			st, err := Write(dir, tr)
			if err != nil || st.Written != 0 {
				b.Fatal(st, err)
			}
		}
	})
	b.Run("all-changed", func(b *testing.B) {
		trees := []*Tree{benchTree(b, "1"), benchTree(b, "2")}
		dir := filepath.Join(b.TempDir(), "out")
		if _, err := Write(dir, trees[0]); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			st, err := Write(dir, trees[(i+1)%2])
			if err != nil || st.Written != trees[0].Len() {
				b.Fatal(st, err)
			}
		}
	})
}

func BenchmarkCompare(b *testing.B) {
	tr := benchTree(b, "1")
	dir := filepath.Join(b.TempDir(), "out")
	if _, err := Write(dir, tr); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := Compare(dir, tr, nil)
		if err != nil || !d.Empty() {
			b.Fatal(d, err)
		}
	}
}

// TestWriteOwnershipByLookupAndByParse: the stored index decides which
// files on disk that the new tree lacks are fleetc's (removed) and which
// are not (kept, reported foreign), whether their entries are looked up
// in its text (a few files) or it is parsed whole (many).
func TestWriteOwnershipByLookupAndByParse(t *testing.T) {
	for _, n := range []int{3, maxLookups + 8} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			files := map[string]string{"keep/a.yaml": "a"}
			for i := range n {
				files[fmt.Sprintf("gone/f%02d.yaml", i)] = "x"
			}
			dir := t.TempDir()
			_, err := Write(filepath.Join(dir, "out"), mkTree(t, files))
			must(t, err)
			out := filepath.Join(dir, "out")
			putFiles(t, out, map[string]string{"gone/mine.yaml": "by hand"})
			st, err := Write(out, mkTree(t, map[string]string{"keep/a.yaml": "a"}))
			must(t, err)
			if st.Removed != n || !slices.Equal(st.Foreign, []string{"gone/mine.yaml"}) {
				t.Fatalf("removed %d (want %d), foreign %q", st.Removed, n, st.Foreign)
			}
			checkDisk(t, out, mkTree(t, map[string]string{"keep/a.yaml": "a"}), "gone/mine.yaml")
		})
	}
	t.Run("an index without a generator", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Write(dir, mkTree(t, map[string]string{"a": "a"}))
		must(t, err)
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(IndexPath)))
		must(t, err)
		bad := strings.Replace(string(data), `"generator": "fleetc test"`, `"generator": ""`, 1)
		must(t, os.WriteFile(filepath.Join(dir, filepath.FromSlash(IndexPath)), []byte(bad), 0o644))
		if _, err := Write(dir, mkTree(t, map[string]string{"b": "b"})); !errors.Is(err, ErrForeignDir) {
			t.Fatalf("Write over an index without a generator = %v, want ErrForeignDir", err)
		}
	})
}
