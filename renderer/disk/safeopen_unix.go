//go:build unix

package disk

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// openNoFollow opens name for reading without following a symlink at its
// last element and without blocking on a FIFO.
func openNoFollow(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Err == syscall.ELOOP {
			return nil, fmt.Errorf("%s: is a symlink; refusing to follow it", name)
		}
		return nil, err
	}
	return f, nil
}
