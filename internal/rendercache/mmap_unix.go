//go:build unix

package rendercache

import (
	"os"
	"sync/atomic"
	"syscall"
)

// readEntry returns the bytes of the entry file p, mapped into memory
// rather than read onto the heap when it can: a 10,000-cluster fleet's
// entries are a gigabyte that the collector would otherwise scan and
// count against the memory limit, though a check reads few of them. The
// mapping is private (a write would copy the page, never reach the
// file) and lives as long as the process: the tree keeps slices of it.
// Entries are replaced by rename and removed by unlink, never truncated
// in place, so the mapped file keeps its size. mapped counts the
// attempts, and mapping stops after maxMapped of them (the kernel limits
// mappings per process).
func readEntry(p string, mapped *atomic.Int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if size <= 0 || size > 1<<31 || !fi.Mode().IsRegular() || mapped.Add(1) > maxMapped {
		return os.ReadFile(p)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if err != nil {
		return os.ReadFile(p)
	}
	return data, nil
}
