//go:build !unix

package disk

import (
	"fmt"
	"io/fs"
	"os"
)

// openNoFollow opens name for reading, refusing a symlink (checked first:
// without O_NOFOLLOW this is not atomic).
func openNoFollow(name string) (*os.File, error) {
	if fi, err := os.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s: is a symlink; refusing to follow it", name)
	}
	return os.Open(name)
}
