package disk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxIndexSize bounds what is read of an index (the last render's or an
// interrupted one's): an index lists one line per file, about 150 bytes,
// so 256 MiB is room for well over a million files, and a planted huge or
// endless file (a link to /dev/zero) cannot exhaust memory.
const MaxIndexSize = 256 << 20

// The rendered tree is committed in the config repo, so a pull request can
// plant anything in it, .fleetc/ included: a symlink that sends the
// staging area or the index outside the folder, a FIFO that blocks a
// read forever, a device that never ends. Everything fleetc opens in
// .fleetc/ is therefore checked without following links (openNoFollow is
// per platform: O_NOFOLLOW|O_NONBLOCK on Unix) and must be a directory or
// regular file.

// checkMeta refuses a .fleetc in dir that is anything but a real
// directory. A missing one is fine.
func checkMeta(dir string) error {
	fi, err := os.Lstat(osPath(dir, reservedDir))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("tree: %w", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("tree: refusing %s: it is a symlink (it could send the staging area and the index outside the folder); remove it", osPath(dir, reservedDir))
	case !fi.IsDir():
		return fmt.Errorf("tree: refusing %s: not a directory; remove it", osPath(dir, reservedDir))
	}
	return nil
}

// readBounded reads a regular file without following a link at its last
// element (the folders above are checked by checkMeta), refusing special
// files and files over max bytes. A missing file is fs.ErrNotExist.
func readBounded(name string, max int64) ([]byte, error) {
	f, fi, err := openBounded(name, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A buffer of the file's size (and a little): io.ReadAll alone would
	// grow and copy it a dozen times for the index of 10,000 clusters.
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: more than the %d bytes allowed", name, max)
	}
	return data, nil
}

// openBounded opens name as readBounded reads it: a regular file, its
// last element not a link, of at most max bytes (the caller closes it).
func openBounded(name string, max int64) (*os.File, fs.FileInfo, error) {
	f, err := openNoFollow(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
	case !fi.Mode().IsRegular():
		err = fmt.Errorf("%s: not a regular file (%s); remove it", name, typeName(fi.Mode()))
	case fi.Size() > max:
		err = fmt.Errorf("%s: %d bytes, more than the %d allowed", name, fi.Size(), max)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

func typeName(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
