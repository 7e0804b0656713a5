package encode

import (
	"bytes"
	"cmp"
	"regexp"
	"strconv"
)

// needsQuotes reports whether the plain scalar s would be read by some
// YAML parser that Kubernetes tools use as something other than the
// string s, so that it must be quoted: by a YAML 1.1 parser
// (sigs.k8s.io/yaml, go-yaml v2, PyYAML) under the types of
// yaml.org/type (bool, null, int, float, merge, value, timestamp), or by a
// YAML 1.2 parser (go-yaml v3, kyaml) under the core schema (§10.3.2).
//
// extra marks the strings among them that sigs.k8s.io/yaml may write
// unquoted: "=", dates, floats in the YAML 1.1 form only, and numbers too
// large for it; for the rest (shared), the library quotes them too, in
// double quotes, and so does the emitter.
func needsQuotes(s []byte) (quote, extra bool) {
	if len(s) == 0 {
		return true, false
	}
	if isLetter(s[0]) {
		return specialWord(s), false
	}
	switch string(s) {
	case "~", ".nan", ".NaN", ".NAN":
		return true, false
	case "=", "<<":
		return true, true
	}
	if !numberish(s[0]) {
		return false, false
	}
	for _, c := range s {
		if !numberAlphabet[c] {
			return false, false
		}
	}
	if infinity.Match(s) || sexagesimal.Match(s) {
		return true, false
	}
	t := s
	if bytes.IndexByte(s, '_') >= 0 {
		t = bytes.ReplaceAll(s, []byte("_"), nil)
	}
	if len(t) > 0 && (integer.Match(t) || float12.Match(t)) {
		if fitsLibrary(t) {
			return true, false
		}
		return true, true
	}
	if float11.Match(s) || timestamp.Match(s) {
		return true, true
	}
	return false, false
}

// specialWord: s is one of the letter-first plain scalars that are not
// strings: YAML 1.1's booleans and nulls (1.2's true/false/null are among
// them).
func specialWord(s []byte) bool {
	switch string(s) {
	case "y", "Y", "yes", "Yes", "YES",
		"n", "N", "no", "No", "NO",
		"true", "True", "TRUE",
		"false", "False", "FALSE",
		"on", "On", "ON",
		"off", "Off", "OFF",
		"null", "Null", "NULL":
		return true
	}
	return false
}

// numberish: the characters a number, date or YAML 1.1 sexagesimal can
// start with (not an underscore: YAML 1.1 ignores them in numbers, but after the first digit or sign).
func numberish(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.'
}

// numberAlphabet holds every character of the numbers, dates and
// infinities that needsQuotes looks for with its patterns: a string with
// any other character is none of them.
var numberAlphabet = func() (a [256]bool) {
	for _, c := range []byte("0123456789abcdefABCDEFxXoO_+-.:tTzZ \tiInN") {
		a[c] = true
	}
	return a
}()

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

var (
	// YAML 1.1 int (yaml.org/type/int) and YAML 1.2 core int, on the text
	// without underscores; with Go's upper-case prefixes, which
	// sigs.k8s.io/yaml accepts too.
	integer = regexp.MustCompile(`^[-+]?(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|[0-9]+)$`)
	// YAML 1.2 core float (§10.3.2), without underscores.
	float12 = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	// YAML 1.1 float (yaml.org/type/float): a dot, digits on one side.
	float11 = regexp.MustCompile(`^[-+]?([0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)([eE][-+][0-9]+)?$`)
	// YAML 1.1 sexagesimal int and float ("1:20", "190:20:30.15").
	sexagesimal = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)
	infinity    = regexp.MustCompile(`^[-+]?\.(inf|Inf|INF)$`)
	// YAML 1.1 timestamp (yaml.org/type/timestamp): a date, alone or
	// followed by a time.
	timestamp = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt \t].*)?$`)
)

// fitsLibrary: sigs.k8s.io/yaml reads the number t (no underscores) as a
// number, so it quotes it too: an integer within 64 bits, or a float
// within range, or a decimal integer too large for 64 bits (which it
// reads as a float).
func fitsLibrary(t []byte) bool {
	s := string(t)
	if integer.MatchString(s) {
		u := s
		if u[0] == '-' || u[0] == '+' {
			u = u[1:]
		}
		if _, err := strconv.ParseUint(u, 0, 64); err == nil {
			return true
		}
		if len(u) > 1 && u[0] == '0' && !isDigit(u[1]) {
			return false // 0x, 0o, 0b beyond 64 bits: a string to the library
		}
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// orderAgrees reports whether sigs.k8s.io/yaml also puts key a before
// key b, for a < b in byte order, as far as libraryOrder knows.
func orderAgrees(a, b []byte) bool {
	c, known := libraryOrder(a, b)
	return known && c < 0
}

// libraryOrder compares distinct keys a and b as sigs.k8s.io/yaml orders
// a mapping's keys: negative when it writes a first, positive when b;
// known is false where this package is not sure of its choice. The
// library compares keys character by character like byte order, except
// that at the first difference a letter sorts after any other character,
// and runs of digits compare as numbers (the shorter run of two without
// a leading zero is the smaller number). The cases recognized are those;
// the others (non-ASCII, a difference right after a digit, a run with a
// leading zero against one of another length, a run over 18 digits,
// whose value the library would overflow) are not known.
func libraryOrder(a, b []byte) (c int, known bool) {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) || i == len(b) {
		return cmp.Compare(len(a), len(b)), true // a prefix sorts first
	}
	x, y := a[i], b[i]
	if x >= 0x80 || y >= 0x80 {
		return 0, false
	}
	if isLetter(x) && isLetter(y) {
		return cmp.Compare(x, y), true
	}
	if i > 0 && (isDigit(a[i-1]) || a[i-1] >= 0x80) {
		return 0, false
	}
	switch {
	case isDigit(x) && isDigit(y):
		ra, rb := digitRun(a[i:]), digitRun(b[i:])
		switch {
		case ra > 18 || rb > 18:
			return 0, false
		case ra == rb:
			return cmp.Compare(x, y), true // numbers of one length: byte order
		case x == '0' || y == '0':
			return 0, false
		}
		return cmp.Compare(ra, rb), true // the shorter number is the smaller
	case isLetter(x):
		return 1, true // the library puts the non-letter y first
	case isLetter(y):
		return -1, true
	case isDigit(x) && digitRun(a[i:]) <= 18:
		return 1, true // the library puts the non-digit y first
	case isDigit(y) && digitRun(b[i:]) <= 18:
		return -1, true
	case isDigit(x) || isDigit(y):
		return 0, false // a number past int64: the library's sum overflows
	}
	return cmp.Compare(x, y), true // neither a letter nor a digit: byte order
}

func digitRun(s []byte) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}
