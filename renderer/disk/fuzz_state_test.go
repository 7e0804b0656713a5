package disk

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// plantPaths are where a pull request might plant something in a
// rendered folder.
var plantPaths = []string{
	".fleetc", ".fleetc/index.json", ".fleetc/tmp-x", ".fleetc/tmp-x/index.json",
	".fleetc/tmp-x/new", "a.yaml", "seeds", "seeds/s1", "seeds/s1/c.yaml", "master",
}

// FuzzWriteState plants files, folders, symlinks (inside and outside the
// folder) and FIFOs at the places above, then writes a tree: Write must
// return (never hang), never change anything outside the folder, and when
// it succeeds leave the tree's files in place.
func FuzzWriteState(f *testing.F) {
	f.Add([]byte{0, 2, 1, 3})
	f.Add([]byte{1, 1, 4, 0})
	f.Add([]byte{1, 4, 3, 2, 0, 1})
	f.Add([]byte{6, 2, 8, 3})
	f.Add([]byte{9, 5, 1, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) == 0 || len(ops) > 32 {
			return
		}
		root := t.TempDir()
		dir := filepath.Join(root, "out")
		outside := filepath.Join(root, "outside")
		must(t, os.MkdirAll(outside, 0o755))
		must(t, os.WriteFile(filepath.Join(outside, "index.json"), []byte(`{"generator":"x","files":{"z":"sha256:`+strings.Repeat("0", 64)+`"}}`), 0o644))
		tr := mkTree(t, map[string]string{"a.yaml": "a\n", "seeds/s1/c.yaml": "c\n", "master/m.yaml": "m\n"})
		if ops[0]%2 == 0 {
			// Start from a rendered folder.
			_, err := Write(dir, tr)
			must(t, err)
		} else {
			must(t, os.MkdirAll(dir, 0o755))
		}
		for i := 1; i+1 < len(ops); i += 2 {
			rel := plantPaths[int(ops[i])%len(plantPaths)]
			p := filepath.Join(dir, filepath.FromSlash(rel))
			if !plantable(dir, rel) {
				continue
			}
			os.RemoveAll(p)
			os.MkdirAll(filepath.Dir(p), 0o755)
			switch ops[i+1] % 6 {
			case 0:
				os.WriteFile(p, []byte("planted\n"), 0o644)
			case 1:
				os.Mkdir(p, 0o755)
			case 2:
				os.Symlink(outside, p)
			case 3:
				os.Symlink(filepath.Join(outside, "index.json"), p)
			case 4:
				syscall.Mkfifo(p, 0o644)
			case 5:
				os.Symlink("/dev/zero", p)
			}
		}
		// Taken after planting: planting itself may go through a planted
		// link.
		before := snapshot(t, outside)
		done := make(chan error, 1)
		go func() { _, err := Write(dir, tr); done <- err }()
		var err error
		select {
		case err = <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("Write hangs")
		}
		sameSnapshot(t, snapshot(t, outside), before)
		if err != nil {
			return
		}
		for _, p := range tr.Paths() {
			want, _ := tr.Get(p)
			got, rerr := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
			if rerr != nil || string(got) != string(want) {
				t.Fatalf("after a successful Write, %s = %q, %v", p, got, rerr)
			}
			if fi, _ := os.Lstat(filepath.Join(dir, filepath.FromSlash(p))); fi == nil || !fi.Mode().IsRegular() {
				t.Fatalf("after a successful Write, %s is not a regular file", p)
			}
		}
	})
}

// plantable reports whether every folder above rel in dir is a real
// folder or missing: os.RemoveAll opens the parent, and a FIFO there
// would block the test itself.
func plantable(dir, rel string) bool {
	for d := filepath.Dir(filepath.FromSlash(rel)); d != "."; d = filepath.Dir(d) {
		fi, err := os.Lstat(filepath.Join(dir, d))
		if err == nil && !fi.IsDir() {
			return false
		}
	}
	return true
}
