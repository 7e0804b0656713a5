package source

import (
	"bufio"
	"bytes"
	"path"
	"strconv"
	"strings"
	"unicode"
)

// IgnoreFile is the file at the root of a config repo that lists paths
// fleetc does not read: *.cue files of another package (a tool's own
// CUE), folders linked from elsewhere, submodules.
const IgnoreFile = ".fleetcignore"

// Ignore is the parsed ignore file: one pattern a line, `#` starts a
// comment line. A pattern is a slash-separated path relative to the repo
// root, with path.Match wildcards (`*`, `?`, `[...]`); it ignores the
// path it matches and, when that is a folder, everything below it. A
// trailing `/` is allowed and means the same.
type Ignore struct{ patterns []string }

// ParseIgnore parses an ignore file's content.
func ParseIgnore(data []byte) (Ignore, error) {
	var ig Ignore
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(strings.TrimSuffix(line, "/"), "/")
		if _, err := path.Match(line, ""); err != nil {
			return Ignore{}, errorf("%s:%d: bad pattern %s: %v", IgnoreFile, n, Quote(line), err)
		}
		ig.patterns = append(ig.patterns, line)
	}
	if err := sc.Err(); err != nil {
		return Ignore{}, errorf("%s: %v", IgnoreFile, err)
	}
	return ig, nil
}

// Match reports whether the repo-relative path p, or a folder above it,
// is ignored.
func (ig Ignore) Match(p string) bool {
	for {
		for _, pat := range ig.patterns {
			if ok, _ := path.Match(pat, p); ok {
				return true
			}
		}
		d := path.Dir(p)
		if d == "." || d == p {
			return false
		}
		p = d
	}
}

// Quote returns a path as it can be printed: as is when it has only
// printable characters, else Go-quoted, so that a file name cannot carry
// terminal escapes or fake line breaks into a message.
func Quote(p string) string {
	for _, r := range p {
		if !unicode.IsPrint(r) || r == '"' || r == '\\' {
			return strconv.Quote(p)
		}
	}
	return p
}
