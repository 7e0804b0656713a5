//go:build !unix

package rendercache

import (
	"os"
	"sync/atomic"
)

// readEntry reads the entry file p (see the unix version).
func readEntry(p string, _ *atomic.Int64) ([]byte, error) { return os.ReadFile(p) }
