//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd || illumos

package disk

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDir takes an exclusive, non-blocking flock on the directory itself
// (no lock file: nothing extra in the output). The kernel drops it when
// the process dies, so a crash never leaves a stale lock. It guards the
// removal of stale staging areas against a concurrent Write. Where the
// filesystem does not support flock, Write proceeds unlocked.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("tree: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, fmt.Errorf("tree: another fleetc is writing into %s", dir)
	}
	// Any other error (e.g. ENOTSUP, ENOLCK on some network filesystems):
	// proceed without the lock.
	return func() { f.Close() }, nil
}
