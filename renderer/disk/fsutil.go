package disk

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
)

// workers is how many goroutines parallel uses for n items. File I/O
// blocks in syscalls, so it goes beyond GOMAXPROCS, within reason.
func workers(n int) int {
	w := min(max(4, 2*runtime.GOMAXPROCS(0)), 32)
	return max(1, min(w, n))
}

// parallel calls fn(w, i) for i in [0, n) on workers(n) goroutines, w
// being the goroutine's number (for per-worker scratch state), and returns
// the error of the lowest i that failed (so the error is deterministic);
// once an error happened, remaining items are skipped.
func parallel(n int, fn func(w, i int) error) error {
	if n == 0 {
		return nil
	}
	var (
		next   atomic.Int64
		failed atomic.Bool
		mu     sync.Mutex
		errAt  = n
		first  error
		wg     sync.WaitGroup
	)
	for w := range workers(n) {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(w, i); err != nil {
					mu.Lock()
					if i < errAt {
						errAt, first = i, err
					}
					mu.Unlock()
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return first
}

// entryKind is what a scan found at a path.
type entryKind uint8

const (
	kindFile  entryKind = iota + 1 // regular file
	kindDir                        // directory
	kindOther                      // symlink, device, socket, …
)

// scan lists everything under root (slash-separated relative paths),
// without following symlinks and without looking into a top-level ".git".
// skip, if non-nil, is asked about every path: true leaves it (and what
// is under it) out. A missing root gives an empty map.
func scan(root string, skip func(name string) bool) (map[string]entryKind, error) {
	ents, err := scanSortedSkip(root, skip) // its folders read in parallel
	if err != nil {
		return nil, err
	}
	out := make(map[string]entryKind, len(ents))
	for _, e := range ents {
		out[e.path] = e.kind
	}
	return out, nil
}

// sameContent reports whether the file name holds exactly want. buf is a
// per-goroutine scratch buffer, grown as needed and reused across calls.
// st is the file's stat data, taken before reading (for Seen).
func sameContent(name string, want []byte, buf *[]byte) (same bool, st fileStat, err error) {
	f, err := os.Open(name)
	if err != nil {
		return false, st, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, st, err
	}
	if !fi.Mode().IsRegular() || fi.Size() != int64(len(want)) {
		return false, st, nil
	}
	st, _ = infoStat(fi)
	// Read one byte more than expected to notice a file that grew.
	n := len(want) + 1
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	got, err := io.ReadFull(f, b)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, st, err
	}
	return got == len(want) && bytes.Equal(b[:got], want), st, nil
}

// osPath joins the slash-separated relative path p to dir.
func osPath(dir, p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
