package disk

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// within fails the test if f does not return in time (a FIFO read blocks).
func within(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("hangs")
		return nil
	}
}

// TestWriteRefusesPlantedMeta: the rendered tree is committed in the
// config repo, so a pull request can plant anything in .fleetc/.
func TestWriteRefusesPlantedMeta(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, dir, outside string)
		want  string
	}{{
		name:  ".fleetc is a symlink",
		plant: func(t *testing.T, dir, outside string) { must(t, os.Symlink(outside, filepath.Join(dir, ".fleetc"))) },
		want:  "it is a symlink",
	}, {
		name: ".fleetc is a file",
		plant: func(t *testing.T, dir, _ string) {
			must(t, os.WriteFile(filepath.Join(dir, ".fleetc"), nil, 0o644))
		},
		want: "not a directory",
	}, {
		name: "index.json is a symlink",
		plant: func(t *testing.T, dir, outside string) {
			must(t, os.WriteFile(filepath.Join(outside, "index.json"), []byte(`{"generator":"x","files":{}}`), 0o644))
			must(t, os.Symlink(filepath.Join(outside, "index.json"), filepath.Join(dir, ".fleetc", "index.json")))
		},
		want: "refusing to follow it",
	}, {
		name: "index.json is a FIFO",
		plant: func(t *testing.T, dir, _ string) {
			if err := syscall.Mkfifo(filepath.Join(dir, ".fleetc", "index.json"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		want: "not a regular file",
	}, {
		name: "index.json links to /dev/zero",
		plant: func(t *testing.T, dir, _ string) {
			must(t, os.Symlink("/dev/zero", filepath.Join(dir, ".fleetc", "index.json")))
		},
		want: "refusing to follow it",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := setupV1(t)
			outside := t.TempDir()
			must(t, os.Remove(filepath.Join(dir, ".fleetc", "index.json")))
			if strings.HasPrefix(tc.name, ".fleetc") {
				must(t, os.RemoveAll(filepath.Join(dir, ".fleetc")))
			}
			tc.plant(t, dir, outside)
			before := snapshot(t, outside)
			err := within(t, func() error { _, err := Write(dir, mkTree(t, v2)); return err })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Write: got %v, want %q", err, tc.want)
			}
			err = within(t, func() error { _, err := ReadIndex(dir); return err })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadIndex: got %v, want %q", err, tc.want)
			}
			sameSnapshot(t, snapshot(t, outside), before)
		})
	}
}

func TestStaleStagingFIFOIgnored(t *testing.T) {
	dir := setupV1(t)
	stg := filepath.Join(dir, ".fleetc", stagingPrefix+"planted")
	must(t, os.MkdirAll(stg, 0o755))
	if err := syscall.Mkfifo(filepath.Join(stg, stagedIndex), 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, within(t, func() error { _, err := Write(dir, mkTree(t, v2)); return err }))
}

func TestReadBounded(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	must(t, os.WriteFile(name, []byte("0123456789"), 0o644))
	if _, err := readBounded(name, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := readBounded(name, 9); err == nil || !strings.Contains(err.Error(), "more than the 9 allowed") {
		t.Fatalf("got %v", err)
	}
}

// TestConcurrentFirstWrites: two first renders into a folder that does
// not exist: each one wins or fails cleanly, and the folder ends up a
// complete tree.
func TestConcurrentFirstWrites(t *testing.T) {
	for i := range 30 {
		dir := filepath.Join(t.TempDir(), "out")
		trees := []*Tree{mkTree(t, v1), mkTree(t, v1)}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for k := range 2 {
			wg.Go(func() {
				<-start
				_, errs[k] = Write(dir, trees[k])
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !strings.Contains(err.Error(), "another fleetc is writing") {
				t.Fatalf("round %d: %v", i, err)
			}
		}
		if ok == 0 {
			t.Fatalf("round %d: both failed: %v", i, errs)
		}
		checkDisk(t, dir, trees[0])
	}
}
