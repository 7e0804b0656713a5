//go:build !(linux || darwin || freebsd || dragonfly || netbsd || openbsd || illumos)

package disk

// lockDir is a no-op where flock is not available: concurrent Writes into
// the same directory are then the caller's responsibility.
func lockDir(dir string) (unlock func(), err error) { return func() {}, nil }
