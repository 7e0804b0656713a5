package source

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/object"
)

// readRegular reads a file of the working tree, refusing anything but a
// regular file (through links): a FIFO would block the read forever, a
// device (/dev/zero) never ends. The file is opened non-blocking and
// checked on the open descriptor, so it cannot be swapped in between.
func readRegular(p, rel string) ([]byte, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, errorf("reading %s: %v", Quote(rel), errors.Unwrap(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, errorf("reading %s: %v", Quote(rel), err)
	}
	if !st.Mode().IsRegular() {
		return nil, errorf("%s: not a regular file (%s); only regular files are read", Quote(rel), kindOf(st.Mode()))
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, errorf("reading %s: %v", Quote(rel), err)
	}
	return data, nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	}
	return "a special file"
}

// workTreeIgnore reads the ignore file of the working tree, if any.
func workTreeIgnore(root string) (Ignore, error) {
	p := filepath.Join(root, IgnoreFile)
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		return Ignore{}, nil
	}
	data, err := readRegular(p, IgnoreFile)
	if err != nil {
		return Ignore{}, err
	}
	return ParseIgnore(data)
}

// commitIgnore reads the ignore file of a commit's folder, if any.
func commitIgnore(t *object.Tree) (Ignore, error) {
	f, err := t.File(IgnoreFile)
	if err != nil {
		return Ignore{}, nil
	}
	data, err := f.Contents()
	if err != nil {
		return Ignore{}, errorf("%s: %v", IgnoreFile, err)
	}
	return ParseIgnore([]byte(data))
}

// workTreeSubmodules lists the paths of .gitmodules in root (relative to
// it), so that a submodule that is not checked out is refused as it is
// with --rev.
func workTreeSubmodules(root string) (map[string]bool, error) {
	p := filepath.Join(root, ".gitmodules")
	if _, err := os.Lstat(p); err != nil {
		return nil, nil
	}
	data, err := readRegular(p, ".gitmodules")
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && strings.TrimSpace(k) == "path" {
			out[path.Clean(strings.TrimSpace(v))] = true
		}
	}
	return out, nil
}
