package disk

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/fleetc/fleetc/renderer/tree"
)

// The index as fleetc writes it (tree.Index) lists one file per line of
// its "files" object, sorted by path:
//
//	    "<path as JSON>": "sha256:<64 hex>",
//
// and ends with the object. indexSearch finds a few paths in it by
// binary search over the lines, reading a few kilobytes per probe instead
// of the whole file (173 MB at 10,000 clusters): what check needs to
// tell the files it found stale from those edited by hand.

// indexSearch reads lines of an index through r (of size bytes).
type indexSearch struct {
	r     io.ReaderAt
	size  int64
	first int64 // where the first line of "files" starts
	end   int64 // where the line that closes "files" starts
	buf   []byte
}

// errNotPlain: the index is not laid out as fleetc writes it; the caller
// reads it whole instead.
var errNotPlain = errors.New("tree: the index is not laid out as fleetc writes it")

// probeSize is what one probe reads: a line and the start of the next.
const probeSize = 4096

// entrySuffix is the length of `: "sha256:<64 hex>"` after a line's key.
const entrySuffix = len(`: "sha256:`) + 64 + 1

func newIndexSearch(r io.ReaderAt, size int64) (*indexSearch, error) {
	s := &indexSearch{r: r, size: size, buf: make([]byte, probeSize)}
	head := make([]byte, min(size, 64<<10))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, err
	}
	if !bytes.HasPrefix(head, []byte("{\n  \"generator\": \"")) {
		return nil, errors.New("tree: the index is not fleetc's")
	}
	marker := []byte("\n  \"files\": {\n")
	i := bytes.Index(head, marker)
	const tail = "\n  }\n}\n"
	if i < 0 || size < int64(len(tail)) {
		return nil, errNotPlain
	}
	end := make([]byte, len(tail))
	if _, err := r.ReadAt(end, size-int64(len(tail))); err != nil && err != io.EOF {
		return nil, err
	}
	if string(end) != tail {
		return nil, errNotPlain
	}
	s.first, s.end = int64(i+len(marker)), size-int64(len(tail))+1
	return s, nil
}

// line returns the first line of "files" that starts at or after off (a
// line start, or inside a line): where it and the next one start, and its
// path and digest; start == s.end when there is none before the end.
func (s *indexSearch) line(off int64) (start, next int64, path, digest string, err error) {
	if off <= s.first {
		off = s.first
	} else {
		// Read from the byte before off: a line starts where a newline
		// precedes it.
		n, err := s.r.ReadAt(s.buf, off-1)
		if err != nil && err != io.EOF {
			return 0, 0, "", "", err
		}
		i := bytes.IndexByte(s.buf[:n], '\n')
		if i < 0 {
			return 0, 0, "", "", errNotPlain
		}
		off += int64(i)
	}
	if off >= s.end {
		return s.end, s.end, "", "", nil
	}
	n, err := s.r.ReadAt(s.buf, off)
	if err != nil && err != io.EOF {
		return 0, 0, "", "", err
	}
	text := s.buf[:n]
	j := bytes.IndexByte(text, '\n')
	if j < 0 {
		return 0, 0, "", "", errNotPlain
	}
	path, digest, ok := parseEntry(string(text[:j]))
	if !ok {
		return 0, 0, "", "", errNotPlain
	}
	return off, off + int64(j) + 1, path, digest, nil
}

// parseEntry parses one line of "files".
func parseEntry(line string) (path, digest string, ok bool) {
	line, _ = strings.CutSuffix(line, ",")
	key, found := strings.CutPrefix(line, "    ")
	if !found || len(key) < entrySuffix+2 {
		return "", "", false
	}
	value := key[len(key)-entrySuffix:]
	key = key[:len(key)-entrySuffix]
	if !strings.HasPrefix(value, `: "`) || !strings.HasSuffix(value, `"`) {
		return "", "", false
	}
	digest = value[3 : len(value)-1]
	if json.Unmarshal([]byte(key), &path) != nil || !tree.ValidDigest(digest) {
		return "", "", false
	}
	return path, digest, true
}

// find is the digest the index lists for p ("" if none).
func (s *indexSearch) find(p string) (string, error) {
	lo, hi := s.first, s.end // the first line with a path >= p starts in [lo, hi]
	for lo < hi {
		start, next, path, _, err := s.line(lo + (hi-lo)/2)
		if err != nil {
			return "", err
		}
		if start >= hi { // no line starts in the upper half: step from lo
			if start, next, path, _, err = s.line(lo); err != nil {
				return "", err
			}
		}
		if path < p {
			lo = next
		} else {
			hi = start
		}
	}
	_, _, path, digest, err := s.line(lo)
	if err != nil || path != p {
		return "", err
	}
	return digest, nil
}
