package encode

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The parser reads the JSON text that encoding/json wrote (RFC 8259:
// compact, valid, one value and a newline) into a flat list of nodes.
// Strings are kept as spans of one byte slice: the JSON text itself for a
// string without escapes, and, appended after it, the decoded text of one
// with escapes. Anything unexpected makes parse report false, and the
// document goes to the library.

type kind uint8

const (
	kNull kind = iota
	kFalse
	kTrue
	kNumber
	kString
	kObject
	kArray
)

// flags are what the walker knows of a node from its type's plan.
type flags uint8

const (
	// sorted: an object whose keys are in byte order, which is also
	// sigs.k8s.io/yaml's order (sortAll leaves it).
	sorted flags = 1 << iota
	// plainKey: the member's key is written as it is (see emitter.word).
	plainKey
)

// span is src[s:e].
type span struct{ s, e int32 }

type node struct {
	kind  kind
	flags flags
	key   span // the member's key, in an object
	val   span // a string's or number's text
	// kids[first : first+n] are the node's members or elements.
	first, n int32
}

type parser struct {
	src   []byte
	pos   int
	end   int // of the JSON text; decoded strings follow it in src
	nodes []node
	kids  []int32
	stack []int32
	depth int
	ok    bool
}

// maxDepth bounds nesting (encoding/json has its own, higher, limit for
// cycles; nothing fleetc renders comes near this).
const maxDepth = 200

func (p *parser) parse(j []byte) (int32, bool) {
	p.src, p.pos, p.end = j, 0, len(j)
	p.nodes, p.kids, p.stack = p.nodes[:0], p.kids[:0], p.stack[:0]
	p.depth, p.ok = 0, true
	root := p.value()
	for p.pos < p.end && (p.src[p.pos] == '\n' || p.src[p.pos] == ' ') {
		p.pos++
	}
	if p.pos != p.end {
		p.ok = false
	}
	return root, p.ok
}

func (p *parser) text(s span) []byte { return p.src[s.s:s.e] }

func (p *parser) add(n node) int32 {
	p.nodes = append(p.nodes, n)
	return int32(len(p.nodes) - 1)
}

func (p *parser) peek() byte {
	if p.pos < p.end {
		return p.src[p.pos]
	}
	p.ok = false
	return 0
}

func (p *parser) value() int32 {
	if !p.ok {
		return 0
	}
	switch c := p.peek(); {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, ok := p.str()
		p.ok = p.ok && ok
		return p.add(node{kind: kString, val: s})
	case c == 't':
		return p.word("true", kTrue)
	case c == 'f':
		return p.word("false", kFalse)
	case c == 'n':
		return p.word("null", kNull)
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	}
	p.ok = false
	return 0
}

func (p *parser) word(w string, k kind) int32 {
	if !bytes.HasPrefix(p.src[p.pos:p.end], []byte(w)) {
		p.ok = false
		return 0
	}
	p.pos += len(w)
	return p.add(node{kind: k})
}

func (p *parser) number() int32 {
	start := p.pos
	for p.pos < p.end {
		c := p.src[p.pos]
		if '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			p.pos++
			continue
		}
		break
	}
	return p.add(node{kind: kNumber, val: span{int32(start), int32(p.pos)}})
}

// nest opens an object or array; close checks the depth on the way out.
func (p *parser) nest() bool {
	p.depth++
	if p.depth > maxDepth {
		p.ok = false
	}
	p.pos++ // '{' or '['
	return p.ok
}

// finish closes node i: the children pushed since mark move into kids.
func (p *parser) finish(i int32, mark int) int32 {
	p.depth--
	return p.adopt(i, mark)
}

// adopt records the children pushed since mark on node i.
func (p *parser) adopt(i int32, mark int) int32 {
	p.nodes[i].first = int32(len(p.kids))
	p.nodes[i].n = int32(len(p.stack) - mark)
	p.kids = append(p.kids, p.stack[mark:]...)
	p.stack = p.stack[:mark]
	return i
}

func (p *parser) object() int32 {
	i := p.add(node{kind: kObject})
	mark := len(p.stack)
	if !p.nest() {
		return i
	}
	if p.peek() == '}' {
		p.pos++
		return p.finish(i, mark)
	}
	for p.ok {
		if p.peek() != '"' {
			p.ok = false
			break
		}
		k, ok := p.str()
		if !ok || p.peek() != ':' {
			p.ok = false
			break
		}
		p.pos++
		v := p.value()
		if !p.ok {
			break
		}
		p.nodes[v].key = k
		p.stack = append(p.stack, v)
		c := p.peek()
		p.pos++
		if c == '}' {
			break
		}
		if c != ',' {
			p.ok = false
		}
	}
	return p.finish(i, mark)
}

func (p *parser) array() int32 {
	i := p.add(node{kind: kArray})
	mark := len(p.stack)
	if !p.nest() {
		return i
	}
	if p.peek() == ']' {
		p.pos++
		return p.finish(i, mark)
	}
	for p.ok {
		v := p.value()
		if !p.ok {
			break
		}
		p.stack = append(p.stack, v)
		c := p.peek()
		p.pos++
		if c == ']' {
			break
		}
		if c != ',' {
			p.ok = false
		}
	}
	return p.finish(i, mark)
}

// str reads a string at p.pos (on its opening quote) and returns its
// decoded text; false for invalid text.
func (p *parser) str() (span, bool) {
	p.pos++
	start := p.pos
	for p.pos < p.end {
		switch c := p.src[p.pos]; {
		case c == '"':
			s := span{int32(start), int32(p.pos)}
			p.pos++
			return s, true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return span{}, false
		default:
			p.pos++
		}
	}
	return span{}, false
}

// escaped decodes a string with escapes (RFC 8259 §7), appending the
// text to src after the JSON.
func (p *parser) escaped(start int) (span, bool) {
	out := len(p.src)
	p.src = append(p.src, p.src[start:p.pos]...)
	for p.pos < p.end {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return span{int32(out), int32(len(p.src))}, true
		case c < 0x20:
			return span{}, false
		case c != '\\':
			p.src = append(p.src, c)
			p.pos++
			continue
		}
		if p.pos+1 >= p.end {
			return span{}, false
		}
		e := p.src[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			p.src = append(p.src, e)
		case 'b':
			p.src = append(p.src, '\b')
		case 'f':
			p.src = append(p.src, '\f')
		case 'n':
			p.src = append(p.src, '\n')
		case 'r':
			p.src = append(p.src, '\r')
		case 't':
			p.src = append(p.src, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return span{}, false
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.pos+1 < p.end && p.src[p.pos] == '\\' && p.src[p.pos+1] == 'u' {
					p.pos += 2
					if r2, ok = p.hex4(); !ok {
						return span{}, false
					}
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return span{}, false // a lone surrogate: let the library decide
				}
			}
			p.src = utf8.AppendRune(p.src, r)
		default:
			return span{}, false
		}
	}
	return span{}, false
}

func (p *parser) hex4() (rune, bool) {
	if p.pos+4 > p.end {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.src[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(v), true
}

// members returns the kids of node i.
func (p *parser) members(i int32) []int32 {
	n := &p.nodes[i]
	return p.kids[n.first : n.first+n.n]
}

// dropNoise removes, in place, what Document leaves out (see Document).
func (p *parser) dropNoise(i int32, root bool) {
	n := &p.nodes[i]
	switch n.kind {
	case kArray:
		for _, k := range p.members(i) {
			p.dropNoise(k, false)
		}
	case kObject:
		kept := p.members(i)[:0]
		for _, k := range p.members(i) {
			switch string(p.text(p.nodes[k].key)) {
			case "status":
				if root || p.hollow(k) {
					continue
				}
			case "metadata":
				p.dropTimestamp(k)
			}
			kept = append(kept, k)
		}
		n.n = int32(len(kept))
		for _, k := range kept {
			p.dropNoise(k, false)
		}
	}
}

// dropTimestamp removes "creationTimestamp": null from metadata object i.
func (p *parser) dropTimestamp(i int32) {
	if p.nodes[i].kind != kObject {
		return
	}
	kept := p.members(i)[:0]
	for _, k := range p.members(i) {
		if p.nodes[k].kind == kNull && string(p.text(p.nodes[k].key)) == "creationTimestamp" {
			continue
		}
		kept = append(kept, k)
	}
	p.nodes[i].n = int32(len(kept))
}

// hollow: null, or an object whose values are all hollow objects.
func (p *parser) hollow(i int32) bool {
	switch p.nodes[i].kind {
	case kNull:
		return true
	case kObject:
		for _, k := range p.members(i) {
			if p.nodes[k].kind != kObject || !p.hollow(k) {
				return false
			}
		}
		return true
	}
	return false
}
