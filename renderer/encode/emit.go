package encode

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"unicode/utf8"
)

// The emitter writes the parsed JSON as a YAML 1.2 block-style document
// (YAML 1.2 §8.2): two spaces of indentation per mapping level; a
// sequence that is a mapping's value at its key's column ("compact"
// sequences, §8.2.1's l+block-sequence with n = the key's indentation,
// as kubectl writes them); a collection that is a sequence entry begun on
// the entry's line; empty collections in flow style ("{}", "[]").
//
// Scalars (§7.3, §8.1) take the first style of this list that keeps their
// meaning:
//   - plain, when the text is a valid plain scalar (§7.3.3) that no YAML
//     1.1 or 1.2 parser resolves to anything but a string (needsQuotes);
//   - double-quoted, for the text that a parser would resolve otherwise
//     ("true", "1", "", "null", "<<", "="); and for any text in a
//     document the emitter writes on its own (below), with escapes;
//   - single-quoted (§7.3.2) for other single-line text that cannot be
//     plain (it starts with an indicator, holds ": " or " #"), its
//     quotes doubled;
//   - literal (§8.1.2) for text with line breaks: "|" (one final break,
//     clip) or "|-" (none, strip), content indented two more spaces.
//
// These are the choices sigs.k8s.io/yaml makes too. Where the emitter is
// not certain that its bytes equal the library's (uncertain below), it
// says so and the caller uses the library for the whole document, unless
// the document holds a string that the library would leave unquoted
// though a parser reads it as something else (fixed below): then the
// emitter writes the document itself, double-quoting the uncertain text.

// bestWidth is the column past which sigs.k8s.io/yaml folds a scalar at a
// space. The emitter never folds: text with a space that could reach it
// is uncertain.
const bestWidth = 80

// maxSimpleKey is the longest key the library writes as an implicit key
// ("key: value"); longer keys are uncertain.
const maxSimpleKey = 128

// maxImplicitKey is YAML 1.2's limit on an implicit key (§7.4.2, 1024
// characters); a longer key is written as an explicit "? key" entry.
const maxImplicitKey = 1024

type emitter struct {
	p   *parser
	out []byte
	// uncertain: some choice may differ from the library's bytes.
	uncertain bool
	// fixed: some string is quoted that the library might leave plain.
	fixed bool
	// order: some mapping's keys may be in another order than the
	// library's (which compares runs of digits as numbers).
	order bool
	// own: write every scalar in a style this package is sure of,
	// regardless of the library (the second pass of a fixed document).
	own bool
}

// emit writes node root; false when the caller should use the library.
func (e *emitter) emit(p *parser, root int32) ([]byte, bool) {
	e.p = p
	e.own, e.order = false, false
	if !e.sortAll() {
		return nil, false
	}
	e.pass(root)
	if e.uncertain || e.order {
		if !e.fixed {
			return nil, false
		}
		e.own = true
		e.pass(root)
	}
	// A copy of exactly the output's size: the buffer is reused, and the
	// rendered tree keeps every file's bytes (600,000 files for 10,000
	// clusters), so spare capacity would be memory held to the end.
	return bytes.Clone(e.out), true
}

// ownPass writes root with every choice the emitter's own (after emit
// reported false).
func (e *emitter) ownPass(root int32) []byte {
	e.own = true
	e.pass(root)
	return bytes.Clone(e.out)
}

func (e *emitter) pass(root int32) {
	e.out = e.out[:0]
	e.uncertain, e.fixed = false, false
	n := &e.p.nodes[root]
	switch {
	case (n.kind == kObject || n.kind == kArray) && n.n > 0:
		e.block(root, 0, false)
	case n.kind == kString && bytes.IndexByte(e.p.text(n.val), '\n') >= 0 && !e.own:
		e.uncertain = true // a document that is one multi-line string
	default:
		e.scalar(root, 0, false)
		e.out = append(e.out, '\n')
	}
}

// sortAll sorts every mapping's keys; false when a key repeats (the
// library keeps the last one: it decodes into a map).
func (e *emitter) sortAll() bool {
	p := e.p
	for i := range p.nodes {
		if p.nodes[i].kind != kObject || p.nodes[i].n < 2 || p.nodes[i].flags&sorted != 0 {
			continue
		}
		ks := p.members(int32(i))
		key := func(k int32) []byte { return p.text(p.nodes[k].key) }
		slices.SortFunc(ks, func(a, b int32) int { return bytes.Compare(key(a), key(b)) })
		agree := true
		for j := 1; j < len(ks); j++ {
			a, b := key(ks[j-1]), key(ks[j])
			if bytes.Equal(a, b) {
				return false
			}
			agree = agree && orderAgrees(a, b)
		}
		if !agree && !e.libraryOrder(ks) {
			e.order = true
		}
	}
	return true
}

// libraryOrder sorts the members ks (distinct keys, in byte order) in
// sigs.k8s.io/yaml's order; false, and ks left in byte order, when the
// sort needed a comparison that libraryOrder does not know.
func (e *emitter) libraryOrder(ks []int32) bool {
	p := e.p
	key := func(k int32) []byte { return p.text(p.nodes[k].key) }
	known := true
	slices.SortFunc(ks, func(a, b int32) int {
		c, ok := libraryOrder(key(a), key(b))
		if !ok {
			known = false
			return bytes.Compare(key(a), key(b))
		}
		return c
	})
	if !known {
		slices.SortFunc(ks, func(a, b int32) int { return bytes.Compare(key(a), key(b)) })
	}
	return known
}

const spaces = "                                                                "

func (e *emitter) indent(n int) {
	for ; n > len(spaces); n -= len(spaces) {
		e.out = append(e.out, spaces...)
	}
	e.out = append(e.out, spaces[:n]...)
}

// block writes the non-empty mapping or sequence i whose entries are at
// column col; inline: the first entry continues the current line (after
// a sequence entry's "- ").
func (e *emitter) block(i int32, col int, inline bool) {
	p := e.p
	seq := p.nodes[i].kind == kArray
	for j, k := range p.members(i) {
		if j > 0 || !inline {
			e.indent(col)
		}
		if seq {
			e.out = append(e.out, '-', ' ')
			e.entry(k, col)
			continue
		}
		key := p.text(p.nodes[k].key)
		if p.nodes[k].flags&plainKey != 0 {
			e.out = append(e.out, key...)
			e.out = append(e.out, ':')
			e.value(k, col)
			continue
		}
		if e.own && len(key) > maxImplicitKey-24 { // room for quotes and escapes
			e.out = append(e.out, '?', ' ')
			e.doubleQuoted(key)
			e.out = append(e.out, '\n')
			e.indent(col)
			e.out = append(e.out, ':')
			e.value(k, col)
			continue
		}
		if len(key) > maxSimpleKey || bytes.IndexByte(key, '\n') >= 0 {
			e.uncertain = true
		}
		e.text(key, col, 0, true)
		e.out = append(e.out, ':')
		e.value(k, col)
	}
}

// value writes a mapping's value k after "key:"; col is the key's column.
func (e *emitter) value(k int32, col int) {
	n := &e.p.nodes[k]
	switch {
	case (n.kind == kObject || n.kind == kArray) && n.n > 0:
		e.out = append(e.out, '\n')
		if n.kind == kObject {
			e.block(k, col+2, false)
		} else {
			e.block(k, col, false)
		}
	default:
		e.out = append(e.out, ' ')
		e.scalar(k, col+2, true)
		e.out = append(e.out, '\n')
	}
}

// entry writes a sequence entry k after "- " at column col.
func (e *emitter) entry(k int32, col int) {
	n := &e.p.nodes[k]
	if (n.kind == kObject || n.kind == kArray) && n.n > 0 {
		e.block(k, col+2, true)
		return
	}
	e.scalar(k, col+2, true)
	e.out = append(e.out, '\n')
}

// scalar writes leaf k (an empty collection included); a literal's
// content goes at column content.
func (e *emitter) scalar(k int32, content int, nested bool) {
	p := e.p
	n := &p.nodes[k]
	switch n.kind {
	case kNull:
		e.out = append(e.out, "null"...)
	case kTrue:
		e.out = append(e.out, "true"...)
	case kFalse:
		e.out = append(e.out, "false"...)
	case kNumber:
		num := p.text(n.val)
		if !canonicalInt(num) {
			e.uncertain = true // the library rewrites floats (1e-07, 1.5e+06)
		}
		e.out = append(e.out, num...)
	case kObject:
		e.out = append(e.out, '{', '}')
	case kArray:
		e.out = append(e.out, '[', ']')
	case kString:
		s := p.text(n.val)
		if e.word(s) {
			return
		}
		f := scan(s)
		if nested && f&newline != 0 {
			e.multiline(s, content)
			return
		}
		e.textShape(s, f, e.column(), content, false)
	}
}

// column is the current column of the output.
func (e *emitter) column() int {
	return len(e.out) - 1 - bytes.LastIndexByte(e.out, '\n')
}

// canonicalInt: an integer as encoding/json writes an int64 or uint64
// that the library reads back as the same integer ("0", "-12", no
// leading zeros, at most 18 digits, well inside both).
func canonicalInt(s []byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
		if len(s) == 1 && s[0] == '0' {
			return false // -0: the library writes 0
		}
	}
	if len(s) == 0 || len(s) > 18 || s[0] == '0' && len(s) > 1 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// text writes a single-line string (or a key) starting at column col; a
// plain scalar's continuation lines, if it is folded, at column content.
func (e *emitter) text(s []byte, col, content int, key bool) {
	if e.word(s) {
		return
	}
	e.textShape(s, scan(s), col, content, key)
}

// word is textShape's shortcut for the most common strings (names,
// labels, images, paths, flags): s holds only printable ASCII and no
// space, does not end with ":", and starts with
//   - a letter: needsQuotes looks only at specialWord (extra false);
//   - a character that is neither an indicator (§5.3), nor one that a
//     number, date, "~", "=" or "<<" starts with: needsQuotes is false;
//   - a character that a number can start with, and holds a character
//     that no number, date or infinity has (numberAlphabet): needsQuotes
//     is false; and not "---" or "..." first.
//
// Then scan finds nothing (no space, so no folding either) and plainSafe
// holds: s is plain, or double-quoted if it is a specialWord. It
// reports false, writing nothing, for any other s.
func (e *emitter) word(s []byte) bool {
	if len(s) == 0 || s[len(s)-1] == ':' {
		return false
	}
	if !visible(s) {
		return false
	}
	switch c := s[0]; {
	case isLetter(c):
		if specialWord(s) {
			e.doubleQuoted(s)
			return true
		}
	case wordStart[c]:
	case numberish(c):
		if len(s) >= 3 && (string(s[:3]) == "---" || string(s[:3]) == "...") {
			return false
		}
		other := false // a character outside numberAlphabet
		for _, c := range s {
			if !numberAlphabet[c] {
				other = true
				break
			}
		}
		if !other {
			return false
		}
	default:
		return false
	}
	e.out = append(e.out, s...)
	return true
}

// visible: every byte of s is printable ASCII but the space ('!' to
// '~'); eight bytes at a time: x has a byte with its high bit set
// (non-ASCII), or one that becomes so when 1 is added (DEL), or one below
// '!' (the borrow of subtracting '!' from each byte sets the high bit of
// a byte that was below it, and of none that was not).
func visible(s []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; len(s) >= 8; s = s[8:] {
		x := binary.LittleEndian.Uint64(s)
		if (x|(x+ones)|(x-'!'*ones)&^x)&highs != 0 {
			return false
		}
	}
	for _, c := range s {
		if c-'!' > '~'-'!' {
			return false
		}
	}
	return true
}

// wordStart: the characters a plain word can start with that are neither
// letters nor numberish: not an indicator, and not what needsQuotes'
// special strings start with ("~", "=", "<<").
var wordStart = func() (a [256]bool) {
	for c := '!'; c <= '~'; c++ {
		a[c] = !isLetter(byte(c)) && !numberish(byte(c)) && !strings.ContainsRune(",[]{}#&*!|>'\"%@`-?:~=<", c)
	}
	return a
}()

// textShape is text for s of shape f.
func (e *emitter) textShape(s []byte, f shape, col, content int, key bool) {
	q, extra := needsQuotes(s)
	if extra {
		e.fixed = true
	}
	if f&nonASCII != 0 {
		e.uncertain = true
		if hazard(s) {
			e.fixed = true
		}
		e.doubleQuoted(s)
		return
	}
	plain := plainSafe(s, f)
	if f&space != 0 && col+len(s)+2 > bestWidth {
		if key || q || !plain || f&doubleSpace != 0 {
			e.uncertain = true // the library would fold it, or write a complex key
		} else if !e.own {
			e.folded(s, col, content)
			return
		}
	}
	switch {
	case q:
		e.doubleQuoted(s)
	case plain:
		e.out = append(e.out, s...)
	case s[0] == ' ' || s[len(s)-1] == ' ':
		e.uncertain = true
		e.doubleQuoted(s)
	default:
		e.singleQuoted(s)
	}
}

// folded writes plain scalar s (single spaces only) starting at column
// col, folded (YAML 1.2 §6.5, §7.3.3: a line break between two non-space
// characters of a plain scalar reads as one space) where a space comes
// after column bestWidth, as the library folds it; continuation lines
// start at column content.
func (e *emitter) folded(s []byte, col, content int) {
	for _, c := range s {
		if c == ' ' && col > bestWidth {
			e.out = append(e.out, '\n')
			e.indent(content)
			col = content
			continue
		}
		e.out = append(e.out, c)
		col++
	}
}

// hazard reports a character that is not printable in YAML (§5.1: C0
// controls but tab and line feed, DEL, C1 controls) or that a YAML 1.1
// parser takes for a line break (carriage return, U+0085, U+2028,
// U+2029), or a byte order mark, or invalid UTF-8: sigs.k8s.io/yaml may
// write such text raw (where it then reads back as something else) or
// fail, so a document holding it is written by the emitter alone, with
// the character escaped.
func hazard(s []byte) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		i += size
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || 0x7f <= r && r <= 0x9f, r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff,
			r == utf8.RuneError && size == 1:
			return true
		}
	}
	return false
}

// shape is what scan finds in a string.
type shape uint8

const (
	nonASCII    shape = 1 << iota // a byte outside printable ASCII
	space                         // " "
	doubleSpace                   // "  "
	colonSpace                    // ": "
	spaceHash                     // " #"
	newline                       // "\n" (with nonASCII)
)

func scan(s []byte) shape {
	var f shape
	for i, c := range s {
		switch {
		case c < 0x20 || c > 0x7e:
			f |= nonASCII
			if c == '\n' {
				f |= newline
			}
		case c == ' ':
			f |= space
			if i > 0 {
				switch s[i-1] {
				case ' ':
					f |= doubleSpace
				case ':':
					f |= colonSpace
				}
			}
		case c == '#' && i > 0 && s[i-1] == ' ':
			f |= spaceHash
		}
	}
	return f
}

// plainSafe reports whether s (non-empty, printable ASCII, of shape f) is
// a plain scalar in block context (YAML 1.2 §7.3.3): it does not start
// with an indicator (§5.3) — except "-", "?" and ":" followed by a
// non-space —, holds no ": " or " #", does not end with ":", has no space
// at either end, and does not start with a document marker ("---",
// "...", §9.1.4; the library quotes those even where they could not end a
// document). Whether it also reads as a string is needsQuotes' job.
func plainSafe(s []byte, f shape) bool {
	if len(s) == 0 || f&(colonSpace|spaceHash|nonASCII) != 0 ||
		s[0] == ' ' || s[len(s)-1] == ' ' || s[len(s)-1] == ':' {
		return false
	}
	switch s[0] {
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '-', '?', ':':
		if len(s) == 1 || s[1] == ' ' {
			return false
		}
	}
	return !bytes.HasPrefix(s, []byte("---")) && !bytes.HasPrefix(s, []byte("..."))
}

// singleQuoted writes s in single quotes (§7.3.2), a quote doubled.
func (e *emitter) singleQuoted(s []byte) {
	e.out = append(e.out, '\'')
	for _, c := range s {
		if c == '\'' {
			e.out = append(e.out, '\'')
		}
		e.out = append(e.out, c)
	}
	e.out = append(e.out, '\'')
}

// doubleQuoted writes s in double quotes (§7.3.1) on one line: '"' and
// '\' escaped, and every character that is not printable (§5.1: C0 and C1
// controls, DEL, the surrogates, U+FFFE/U+FFFF) or is a line break
// (U+0085, U+2028, U+2029) or the byte order mark as an escape.
func (e *emitter) doubleQuoted(s []byte) {
	const hex = "0123456789ABCDEF"
	e.out = append(e.out, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '"' || c == '\\':
				e.out = append(e.out, '\\', c)
			case c == '\n':
				e.out = append(e.out, '\\', 'n')
			case c == '\t':
				e.out = append(e.out, '\\', 't')
			case c == '\r':
				e.out = append(e.out, '\\', 'r')
			case c < 0x20 || c == 0x7f:
				e.out = append(e.out, '\\', 'x', hex[c>>4], hex[c&15])
			default:
				e.out = append(e.out, c)
			}
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			e.out = append(e.out, '\\', 'x', hex[c>>4], hex[c&15])
		case r <= 0x9f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff:
			e.out = append(e.out, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
		default:
			e.out = append(e.out, s[i:i+size]...)
		}
		i += size
	}
	e.out = append(e.out, '"')
}

// multiline writes text with line breaks as a literal block scalar
// (§8.1.2), its lines at column col. Text the emitter is not sure the
// library writes the same way (tabs, non-ASCII, a space at a line's end or
// the text's start, several final breaks) is uncertain; in a document
// written on its own, such text is double-quoted.
func (e *emitter) multiline(s []byte, col int) {
	literal := s[0] != ' ' && s[0] != '\n' && s[len(s)-1] != ' ' &&
		!bytes.Contains(s, []byte(" \n")) && !bytes.HasSuffix(s, []byte("\n\n"))
	for _, c := range s {
		if c != '\n' && (c < 0x20 || c > 0x7e) {
			literal = false
			break
		}
	}
	if !literal {
		e.uncertain = true
		if hazard(s) {
			e.fixed = true
		}
		if e.own {
			e.doubleQuoted(s)
			return
		}
	}
	e.out = append(e.out, '|')
	if s[len(s)-1] != '\n' {
		e.out = append(e.out, '-')
	} else {
		s = s[:len(s)-1]
	}
	for line := range bytes.SplitSeq(s, []byte("\n")) {
		e.out = append(e.out, '\n')
		if len(line) > 0 {
			e.indent(col)
			e.out = append(e.out, line...)
		}
	}
}
