package tree

// A direct JSON → YAML transcoder that produces exactly the bytes of
// sigs.k8s.io/yaml.JSONToYAML (go.yaml.in/yaml/v2's encoder, fed by its own
// parser) for the JSON that encoding/json writes, without the YAML parse
// and the reflection-driven re-encoding in between: EncodeYAML spent two
// thirds of a render there.
//
// The emitter below is a port of the subset of yaml.v2's emitterc.go that
// a JSON document reaches (block mappings and sequences, "{}" and "[]" for
// empty ones, plain, single-quoted, double-quoted and literal scalars,
// folding at column 80), with the same style decisions (analyze_scalar,
// select_scalar_style, encode.go's stringv and resolve) and the same map
// key order (sorter.go). What it does not port — a mapping key that needs
// the "? " form, a scalar holding a line break other than "\n" — makes
// encodeFast report false, and EncodeYAML falls back to the reference
// path. yaml_test.go checks both paths against each other.

import (
	"bytes"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// jsonKind is the kind of a JSON value.
type jsonKind uint8

const (
	jNull jsonKind = iota
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
)

// jsonNode is a parsed JSON value. Objects keep their keys in keys and the
// values at the same index in vals; arrays their items in vals.
type jsonNode struct {
	kind  jsonKind
	flags nodeFlags // what the walker already knows (0 from the parser)
	s     string    // string value, or number text
	keys  []string
	vals  []jsonNode
}

// nodeFlags spare the emitter checks that the walker has made.
type nodeFlags uint8

const (
	// fastPlain: a string for which isFastPlain holds.
	fastPlain nodeFlags = 1 << iota
	// keysFastPlain: an object whose keys all have at most 128 bytes
	// and isFastPlain holds for them (so they are ASCII).
	keysFastPlain
)

// jsonParser parses the output of encoding/json (valid, compact JSON).
// Children are collected on stacks and then copied, at their exact count,
// into chunks that the parser reuses from one document to the next
// (through transcoderPool), so that a document costs few allocations.
type jsonParser struct {
	b   []byte
	pos int
	ok  bool

	nodeStack []jsonNode
	keyStack  []string
	nodes     []jsonNode // current chunk; len is what is handed out
	keys      []string

	// inner: the tree holds parsed JSON (from the text, or from a
	// marshaler), which may repeat a key; the walker's own objects do not.
	inner bool
}

const chunkSize = 4096

// maxKeptStack is the longest stack a pooled parser keeps between
// documents.
const maxKeptStack = 1024

func (p *jsonParser) reset(b []byte) {
	p.nodes, p.keys = p.nodes[:0], p.keys[:0]
	p.b, p.pos, p.ok = b, 0, true
	p.inner = b != nil
}

// release drops the references into the document, for the pool. It
// leaves the chunks as they are: clearing them cost a tenth of EncodeYAML
// (write barriers, while the GC marks), the next document overwrites
// them, and what they keep alive meanwhile (strings of one document) is
// bounded and goes when the pool drops the transcoder.
func (p *jsonParser) release() {
	// A document with a long list (the master's kustomization lists
	// every object of the fleet) grows the stacks; clearing all of that
	// capacity after every later document cost more than encoding them.
	// Long stacks are dropped instead.
	if cap(p.nodeStack) > maxKeptStack {
		p.nodeStack = nil
	}
	if cap(p.keyStack) > maxKeptStack {
		p.keyStack = nil
	}
	clear(p.nodeStack[:cap(p.nodeStack)])
	clear(p.keyStack[:cap(p.keyStack)])
	p.nodes, p.keys, p.b = p.nodes[:0], p.keys[:0], nil
}

// endObject finishes an object whose keys and values were pushed since
// the marks (by the parser or the walker): the node, or after a failure
// nothing, with the stacks unwound.
func (p *jsonParser) endObject(nodeMark, keyMark int, flags nodeFlags) jsonNode {
	if !p.ok {
		p.nodeStack, p.keyStack = p.nodeStack[:nodeMark], p.keyStack[:keyMark]
		return jsonNode{}
	}
	return jsonNode{kind: jObject, flags: flags, keys: p.takeKeys(keyMark), vals: p.takeNodes(nodeMark)}
}

// endArray is endObject for an array's items.
func (p *jsonParser) endArray(mark int) jsonNode {
	if !p.ok {
		p.nodeStack = p.nodeStack[:mark]
		return jsonNode{}
	}
	return jsonNode{kind: jArray, vals: p.takeNodes(mark)}
}

// more consumes what follows a member or an item: true after a ',',
// false after close; anything else fails the parse.
func (p *jsonParser) more(close byte) bool {
	p.space()
	if p.pos < len(p.b) {
		switch p.b[p.pos] {
		case ',':
			p.pos++
			return true
		case close:
			p.pos++
			return false
		}
	}
	p.ok = false
	return false
}

// takeNodes moves the top n nodes of the stack into the chunk.
func (p *jsonParser) takeNodes(mark int) []jsonNode {
	n := len(p.nodeStack) - mark
	if cap(p.nodes)-len(p.nodes) < n {
		p.nodes = make([]jsonNode, 0, max(n, chunkSize))
	}
	out := p.nodes[len(p.nodes) : len(p.nodes)+n : len(p.nodes)+n]
	p.nodes = p.nodes[:len(p.nodes)+n]
	copy(out, p.nodeStack[mark:])
	p.nodeStack = p.nodeStack[:mark] // release clears the stack
	return out
}

func (p *jsonParser) takeKeys(mark int) []string {
	n := len(p.keyStack) - mark
	if cap(p.keys)-len(p.keys) < n {
		p.keys = make([]string, 0, max(n, chunkSize))
	}
	out := p.keys[len(p.keys) : len(p.keys)+n : len(p.keys)+n]
	p.keys = p.keys[:len(p.keys)+n]
	copy(out, p.keyStack[mark:])
	p.keyStack = p.keyStack[:mark]
	return out
}

func (p *jsonParser) parse(b []byte) (jsonNode, bool) {
	p.reset(b)
	n := p.value()
	p.space()
	if p.pos != len(p.b) {
		p.ok = false
	}
	return n, p.ok
}

// resetWalk prepares the parser for a tree that the walker builds.
func (p *jsonParser) resetWalk() { p.reset(nil) }

// parseInner parses b, a complete JSON value (a marshaler's output), into
// the tree being built: the walker's stacks and chunks, strings aliasing
// b. It leaves p.ok false when b is not one value.
func (p *jsonParser) parseInner(b []byte) jsonNode {
	saveB, savePos := p.b, p.pos
	p.b, p.pos = b, 0
	n := p.value()
	p.space()
	if p.pos != len(p.b) {
		p.ok = false
	}
	p.b, p.pos = saveB, savePos
	p.inner = true
	return n
}

// parseJSON parses b with a parser of its own (for tests).
func parseJSON(b []byte) (jsonNode, bool) {
	var p jsonParser
	return p.parse(b)
}

func (p *jsonParser) space() {
	for p.pos < len(p.b) {
		switch p.b[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value() jsonNode {
	p.space()
	if !p.ok || p.pos >= len(p.b) {
		p.ok = false
		return jsonNode{}
	}
	switch c := p.b[p.pos]; {
	case c == '{':
		p.pos++
		p.space()
		if p.pos < len(p.b) && p.b[p.pos] == '}' {
			p.pos++
			return jsonNode{kind: jObject}
		}
		nodeMark, keyMark := len(p.nodeStack), len(p.keyStack)
		for p.ok {
			p.space()
			if p.pos >= len(p.b) || p.b[p.pos] != '"' {
				p.ok = false
				break
			}
			p.keyStack = append(p.keyStack, p.str())
			p.space()
			if p.pos >= len(p.b) || p.b[p.pos] != ':' {
				p.ok = false
				break
			}
			p.pos++
			v := p.value()
			p.nodeStack = append(p.nodeStack, v)
			if !p.more('}') {
				break
			}
		}
		return p.endObject(nodeMark, keyMark, 0)
	case c == '[':
		p.pos++
		p.space()
		if p.pos < len(p.b) && p.b[p.pos] == ']' {
			p.pos++
			return jsonNode{kind: jArray}
		}
		mark := len(p.nodeStack)
		for p.ok {
			v := p.value()
			p.nodeStack = append(p.nodeStack, v)
			if !p.more(']') {
				break
			}
		}
		return p.endArray(mark)
	case c == '"':
		return jsonNode{kind: jString, s: p.str()}
	case c == 't':
		return p.literal("true", jTrue)
	case c == 'f':
		return p.literal("false", jFalse)
	case c == 'n':
		return p.literal("null", jNull)
	case c == '-' || '0' <= c && c <= '9':
		start := p.pos
		for p.pos < len(p.b) {
			c := p.b[p.pos]
			if c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || '0' <= c && c <= '9' {
				p.pos++
				continue
			}
			break
		}
		return jsonNode{kind: jNumber, s: p.alias(start, p.pos)}
	}
	p.ok = false
	return jsonNode{}
}

func (p *jsonParser) literal(word string, k jsonKind) jsonNode {
	if !strings.HasPrefix(string(p.b[p.pos:min(len(p.b), p.pos+len(word))]), word) {
		p.ok = false
		return jsonNode{}
	}
	p.pos += len(word)
	return jsonNode{kind: k}
}

// alias returns b[i:j] as a string without copying: the parsed tree lives
// only while encodeFast runs, and nothing modifies the JSON meanwhile.
func (p *jsonParser) alias(i, j int) string {
	if i == j {
		return ""
	}
	return unsafe.String(&p.b[i], j-i)
}

// str reads a JSON string starting at the opening quote.
func (p *jsonParser) str() string {
	p.pos++ // "
	start := p.pos
	for p.pos < len(p.b) {
		switch c := p.b[p.pos]; {
		case c == '"':
			s := p.alias(start, p.pos)
			p.pos++
			return s
		case c == '\\':
			return p.strEscaped(start)
		case c >= 0x7F:
			p.checkRaw()
		}
		p.pos++
	}
	p.ok = false
	return ""
}

// checkRaw rejects the characters that encoding/json leaves unescaped but
// that the reference path's YAML parser does not read back as they are:
// DEL, the C1 controls, U+FEFF, U+FFFE and U+FFFF are errors there, and a
// NEL (U+0085) inside a double-quoted scalar is folded into a space. Such
// input takes the reference path, so that EncodeYAML keeps its exact
// behaviour (output or error).
func (p *jsonParser) checkRaw() {
	b, i := p.b, p.pos
	switch {
	case b[i] == 0x7F:
		p.ok = false
	case b[i] == 0xC2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9F:
		p.ok = false
	case b[i] == 0xEF && i+2 < len(b) && (b[i+1] == 0xBB && b[i+2] == 0xBF || b[i+1] == 0xBF && (b[i+2] == 0xBE || b[i+2] == 0xBF)):
		p.ok = false
	}
}

func (p *jsonParser) strEscaped(start int) string {
	buf := append([]byte(nil), p.b[start:p.pos]...)
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf)
		case c != '\\':
			if c >= 0x7F {
				p.checkRaw()
			}
			buf = append(buf, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.b) {
			break
		}
		e := p.b[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				p.ok = false
				return ""
			}
			if utf16IsSurrogate(r) {
				// A pair \uD83D\uDE00; a lone surrogate is U+FFFD, as
				// encoding/json decodes it.
				r2 := rune(-1)
				if p.pos+1 < len(p.b) && p.b[p.pos] == '\\' && p.b[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if x, ok := p.hex4(); ok {
						r2 = x
					} else {
						p.pos = save
					}
					if d := decodeSurrogates(r, r2); d != utf8.RuneError {
						r = d
					} else {
						p.pos = save
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.ok = false
			return ""
		}
	}
	p.ok = false
	return ""
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.b[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(v), true
}

func utf16IsSurrogate(r rune) bool { return 0xd800 <= r && r < 0xe000 }

func decodeSurrogates(r1, r2 rune) rune {
	if 0xd800 <= r1 && r1 < 0xdc00 && 0xdc00 <= r2 && r2 < 0xe000 {
		return (r1-0xd800)<<10 | (r2 - 0xdc00) + 0x10000
	}
	return utf8.RuneError
}

// dropNoiseNode is dropNoise on a jsonNode.
func dropNoiseNode(n *jsonNode) {
	switch n.kind {
	case jObject:
		if md := n.get("metadata"); md != nil && md.kind == jObject {
			if i := md.index("creationTimestamp"); i >= 0 && md.vals[i].kind == jNull {
				md.remove(i)
			}
		}
		if i := n.index("status"); i >= 0 && isEmptyNode(&n.vals[i]) {
			n.remove(i)
		}
		for i := range n.vals {
			dropNoiseNode(&n.vals[i])
		}
	case jArray:
		for i := range n.vals {
			dropNoiseNode(&n.vals[i])
		}
	}
}

// isEmptyNode is isEmptyValue on a jsonNode.
func isEmptyNode(n *jsonNode) bool {
	switch n.kind {
	case jNull:
		return true
	case jObject:
		for i := range n.vals {
			if v := &n.vals[i]; v.kind != jObject || !isEmptyNode(v) {
				return false
			}
		}
		return true
	}
	return false
}

func (n *jsonNode) index(key string) int {
	// encoding/json writes a key once; take the last, as a decoder would.
	for i := len(n.keys) - 1; i >= 0; i-- {
		if n.keys[i] == key {
			return i
		}
	}
	return -1
}

func (n *jsonNode) get(key string) *jsonNode {
	if i := n.index(key); i >= 0 {
		return &n.vals[i]
	}
	return nil
}

func (n *jsonNode) remove(i int) {
	n.keys = slices.Delete(n.keys, i, i+1)
	n.vals = slices.Delete(n.vals, i, i+1)
}

// encodeFast turns the JSON encoding of an object into YAML, as
// sigs.k8s.io/yaml.JSONToYAML would after EncodeYAML's noise removal. It
// returns false for input it does not handle; the caller then takes the
// reference path.
func encodeFast(j []byte) ([]byte, bool) { return transcode(j, true) }

// transcode is encodeFast, with (dropNoise) or without EncodeYAML's noise
// removal and final newline.
func transcode(j []byte, dropNoise bool) ([]byte, bool) {
	tc := transcoderPool.Get().(*transcoder)
	defer transcoderPool.Put(tc)
	defer tc.p.release()
	root, ok := tc.p.parse(j)
	if !ok {
		return nil, false
	}
	return tc.emitDocument(&root, dropNoise)
}

// transcodeValue is transcode for a Go value: the walker builds the tree
// that the parser would build from v's JSON encoding. It returns false
// where the walker gives up; the caller then takes the JSON path.
func transcodeValue(v any, dropNoise bool) ([]byte, bool) {
	if !walkerEnabled {
		return nil, false
	}
	tc := transcoderPool.Get().(*transcoder)
	defer transcoderPool.Put(tc)
	defer tc.p.release()
	defer tc.w.release()
	tc.w.p = &tc.p
	root, ok := tc.w.walk(reflect.ValueOf(v))
	if !ok {
		return nil, false
	}
	return tc.emitDocument(&root, dropNoise)
}

// emitDocument writes the YAML document of root, which must be an object.
func (tc *transcoder) emitDocument(root *jsonNode, dropNoise bool) ([]byte, bool) {
	if root.kind != jObject {
		return nil, false
	}
	if dropNoise {
		if i := root.index("status"); i >= 0 {
			root.remove(i)
		}
		dropNoiseNode(root)
	}
	if tc.p.inner && hasDuplicateKeys(root) {
		return nil, false
	}
	e := &tc.e
	*e = emitter{out: e.out[:0], indents: e.indents[:0], order: e.order[:0], indent: -1, whitespace: true, indention: true, ok: true}
	e.node(root, ctxRoot)
	if !e.ok {
		return nil, false
	}
	// Document end: a line break unless at the start of a line.
	e.writeIndent()
	if e.openEnded {
		e.writeIndicator("...", true, false, false)
		e.writeIndent()
	}
	if dropNoise && (len(e.out) == 0 || e.out[len(e.out)-1] != '\n') {
		e.out = append(e.out, '\n') // as EncodeYAML does (a literal may end in U+2028)
	}
	// The tree keeps the result: give it a slice of its own, exactly
	// as long as the file.
	return bytes.Clone(e.out), true
}

// transcoder is the reusable state of encodeFast.
type transcoder struct {
	p jsonParser
	e emitter
	w walker
}

var transcoderPool = sync.Pool{New: func() any { return new(transcoder) }}

// hasDuplicateKeys reports a key written twice in an object (which
// encoding/json never does; the YAML path would keep the last).
func hasDuplicateKeys(n *jsonNode) bool {
	if n.kind == jObject && len(n.keys) > 1 {
		if len(n.keys) <= 8 {
			for i := range n.keys {
				for k := i + 1; k < len(n.keys); k++ {
					if n.keys[i] == n.keys[k] {
						return true
					}
				}
			}
		} else {
			seen := make(map[string]struct{}, len(n.keys))
			for _, k := range n.keys {
				if _, dup := seen[k]; dup {
					return true
				}
				seen[k] = struct{}{}
			}
		}
	}
	for i := range n.vals {
		if hasDuplicateKeys(&n.vals[i]) {
			return true
		}
	}
	return false
}

// The emitter's context for a node, as yaml_emitter_emit_node receives it.
type nodeCtx uint8

const (
	ctxRoot nodeCtx = iota
	ctxSequence
	ctxMappingValue
	ctxMappingKey // a simple key
)

// bestWidth is yaml.v2's line width (go.yaml.in/yaml/v2 keeps folding at
// 80 columns unless FutureLineWrap is called, which nothing in fleetc does).
const bestWidth = 80

// bestIndent is yaml.v2's indentation step.
const bestIndent = 2

type emitter struct {
	out        []byte
	order      []int // scratch: key order of the mappings being written
	column     int
	indent     int
	indents    []int
	whitespace bool
	indention  bool
	openEnded  bool
	ok         bool
}

func (e *emitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	if e.indent < 0 {
		if flow {
			e.indent = bestIndent
		} else {
			e.indent = 0
		}
	} else if !indentless {
		e.indent += bestIndent
	}
}

func (e *emitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

func (e *emitter) put(c byte) {
	e.out = append(e.out, c)
	e.column++
}

func (e *emitter) putBreak() {
	e.out = append(e.out, '\n')
	e.column = 0
}

// write copies one character (a UTF-8 sequence) of s at *i.
func (e *emitter) write(s string, i *int) {
	w := width(s[*i])
	e.out = append(e.out, s[*i:*i+w]...)
	e.column++
	*i += w
}

// writeBreak copies the line break of s at *i.
func (e *emitter) writeBreak(s string, i *int) {
	if s[*i] == '\n' {
		e.putBreak()
		*i++
		return
	}
	e.write(s, i)
	e.column = 0
}

// asciiWidth returns len(s) when s is ASCII without line breaks.
func asciiWidth(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c == '\n' || c == '\r' {
			return 0, false
		}
	}
	return len(s), true
}

func (e *emitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.putBreak()
	}
	for e.column < indent {
		e.put(' ')
	}
	e.whitespace = true
	e.indention = true
}

func (e *emitter) writeIndicator(ind string, needWhitespace, isWhitespace, isIndention bool) {
	if needWhitespace && !e.whitespace {
		e.put(' ')
	}
	// Indicators are ASCII: one column a byte.
	e.out = append(e.out, ind...)
	e.column += len(ind)
	e.whitespace = isWhitespace
	e.indention = e.indention && isIndention
	e.openEnded = false
}

func (e *emitter) node(n *jsonNode, ctx nodeCtx) {
	if !e.ok {
		return
	}
	switch n.kind {
	case jObject:
		if len(n.keys) == 0 {
			e.emptyFlow("{", "}")
			return
		}
		e.mapping(n)
	case jArray:
		if len(n.vals) == 0 {
			e.emptyFlow("[", "]")
			return
		}
		e.sequence(n, ctx)
	case jNull:
		e.plainWord("null", ctx)
	case jTrue:
		e.plainWord("true", ctx)
	case jFalse:
		e.plainWord("false", ctx)
	case jNumber:
		if ctx != ctxRoot && isCanonicalInt(n.s) {
			e.writePlainASCII(n.s) // resolveNumber gives it back as it is
			return
		}
		s, isString := resolveNumber(n.s)
		if isString {
			e.stringScalar(s, ctx)
		} else {
			e.scalar(s, stylePlain, ctx)
		}
	case jString:
		if ctx != ctxRoot && (n.flags&fastPlain != 0 || isFastPlain(n.s)) {
			e.writePlainASCII(n.s)
			return
		}
		e.stringScalar(n.s, ctx)
	}
}

// plainWord writes null, true or false: plain scalars that every check
// lets through.
func (e *emitter) plainWord(s string, ctx nodeCtx) {
	if ctx == ctxRoot {
		e.scalar(s, stylePlain, ctx) // sets openEnded
		return
	}
	e.writePlainASCII(s)
}

// writePlainASCII is scalar(s, stylePlain, ctx) outside the root for the
// scalars that need none of its checks (isFastPlain, isCanonicalInt, the
// words above): ASCII without spaces or breaks, written as it is, which
// the style checks would choose and writePlain would do (no fold happens
// without a space).
func (e *emitter) writePlainASCII(s string) {
	if !e.whitespace {
		e.out = append(e.out, ' ')
		e.column++
	}
	e.out = append(e.out, s...)
	e.column += len(s)
	e.whitespace = false
	e.indention = false
}

// isFastPlain reports the common strings (names, images, paths, label
// values) that stringScalar writes plain and unchanged, without its
// analysis: a letter first (no indicator, no number, timestamp or
// base-60 float), then printable ASCII other than space (valid UTF-8, no
// break, nothing to fold at, no " #" or ": "), not ending in ':', and not
// one of the words that resolve to a bool or null. The same holds for a
// mapping key of at most 128 bytes.
//
// "--" and a letter may start it too (command-line flags): that is no
// indicator either ("-" is one only before a blank, "---" only as the
// document marker), and strconv parses no number from it.
func isFastPlain(s string) bool {
	if len(s) == 0 {
		return false
	}
	if !isLetterASCII(s[0]) && !(len(s) > 2 && s[0] == '-' && s[1] == '-' && isLetterASCII(s[2])) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7F {
			return false
		}
	}
	if s[len(s)-1] == ':' {
		return false
	}
	return len(s) > 5 || !isBoolOrNullWord(s)
}

// isBoolOrNullWord: the letter-first plain scalars that yaml.v2 resolves
// to something other than a string (resolvesToString's list).
func isBoolOrNullWord(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
		"null", "Null", "NULL":
		return true
	}
	return false
}

// isCanonicalInt reports a number as strconv.FormatInt writes it, short
// enough to fit an int64: resolveNumber parses it and writes it back
// unchanged, and it is plain (a '-' first is followed by a digit).
func isCanonicalInt(s string) bool {
	d := s
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 18 || d[0] == '0' && (len(d) > 1 || len(s) > 1) {
		return false // "", too long for the shortcut, a leading zero, "-0"
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// emptyFlow writes an empty mapping or sequence ("{}", "[]").
func (e *emitter) emptyFlow(open, close string) {
	e.writeIndicator(open, true, true, false)
	e.increaseIndent(true, false)
	e.popIndent()
	e.writeIndicator(close, false, false, false)
}

func (e *emitter) mapping(n *jsonNode) {
	mark := len(e.order)
	for i := range n.keys {
		e.order = append(e.order, i)
	}
	order := e.order[mark:]
	defer func() { e.order = e.order[:mark] }()
	less := keyLessASCII
	fastKeys := n.flags&keysFastPlain != 0
	if !fastKeys {
		for _, k := range n.keys {
			if !isASCII(k) {
				less = keyLess
				break
			}
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		if less(n.keys[a], n.keys[b]) {
			return -1
		}
		if less(n.keys[b], n.keys[a]) {
			return 1
		}
		return 0
	})
	e.increaseIndent(false, false)
	for _, i := range order {
		e.writeIndent()
		k := n.keys[i]
		if fastKeys || len(k) <= 128 && isFastPlain(k) {
			e.writePlainASCII(k)
		} else {
			// yaml_emitter_check_simple_key: a key on one line, at
			// most 128 bytes. Others need "? key", which is not ported.
			if len(k) > 128 || hasBreak(k) {
				e.ok = false
				return
			}
			e.stringScalar(k, ctxMappingKey)
		}
		e.writeIndicator(":", false, false, false)
		e.node(&n.vals[i], ctxMappingValue)
		if !e.ok {
			return
		}
	}
	e.popIndent()
}

func (e *emitter) sequence(n *jsonNode, ctx nodeCtx) {
	e.increaseIndent(false, ctx == ctxMappingValue && !e.indention)
	for i := range n.vals {
		e.writeIndent()
		e.writeIndicator("-", true, false, true)
		e.node(&n.vals[i], ctxSequence)
		if !e.ok {
			return
		}
	}
	e.popIndent()
}

// Scalar styles.
type scalarStyle uint8

const (
	stylePlain scalarStyle = iota
	styleSingleQuoted
	styleDoubleQuoted
	styleLiteral
)

// stringScalar is yaml.v2's encoder.stringv.
func (e *emitter) stringScalar(s string, ctx nodeCtx) {
	if !utf8.ValidString(s) {
		e.ok = false // !!binary: not ported (encoding/json never writes it)
		return
	}
	canUsePlain := resolvesToString(s) && !isBase60Float(s)
	style := styleDoubleQuoted
	switch {
	case strings.Contains(s, "\n"):
		style = styleLiteral
	case canUsePlain:
		style = stylePlain
	}
	e.scalar(s, style, ctx)
}

// scalar is yaml_emitter_emit_scalar: choose the style that the value
// allows, then write it.
func (e *emitter) scalar(s string, style scalarStyle, ctx nodeCtx) {
	a := analyzeScalar(s)
	simpleKey := ctx == ctxMappingKey
	if simpleKey && a.multiline {
		style = styleDoubleQuoted
	}
	if style == stylePlain {
		if !a.blockPlainAllowed {
			style = styleSingleQuoted
		}
		if len(s) == 0 && simpleKey {
			style = styleSingleQuoted
		}
	}
	if style == styleSingleQuoted && !a.singleQuotedAllowed {
		style = styleDoubleQuoted
	}
	if style == styleLiteral && (!a.blockAllowed || simpleKey) {
		style = styleDoubleQuoted
	}
	e.increaseIndent(true, false)
	switch style {
	case stylePlain:
		e.writePlain(s, !simpleKey, ctx == ctxRoot)
	case styleSingleQuoted:
		e.writeSingleQuoted(s, !simpleKey)
	case styleDoubleQuoted:
		e.writeDoubleQuoted(s, !simpleKey)
	case styleLiteral:
		e.writeLiteral(s)
	}
	e.popIndent()
}

type scalarAnalysis struct {
	multiline, blockPlainAllowed, singleQuotedAllowed, blockAllowed bool
}

// analyzeScalar is yaml_emitter_analyze_scalar (block context).
func analyzeScalar(s string) scalarAnalysis {
	if len(s) == 0 {
		return scalarAnalysis{blockPlainAllowed: true, singleQuotedAllowed: true}
	}
	if a, ok := analyzeSimple(s); ok {
		return a
	}
	v := s
	var (
		blockIndicators, lineBreaks, specialCharacters           bool
		leadingSpace, leadingBreak, trailingSpace, trailingBreak bool
		breakSpace, spaceBreak, previousSpace, previousBreak     bool
	)
	if len(v) >= 3 && (v[:3] == "---" || v[:3] == "...") {
		blockIndicators = true
	}
	precededByWhitespace := true
	for i, w := 0, 0; i < len(v); i += w {
		if c := v[i]; i > 0 && c < 0x80 && c != ' ' && c != '\n' && c != '\r' && c != ':' && c != '#' {
			// The common case, inline: an ASCII character that is
			// neither a space, a break nor an indicator after the start.
			w = 1
			if c < 0x20 || c == 0x7F {
				specialCharacters = true
			}
			previousSpace, previousBreak = false, false
			precededByWhitespace = c == '\t' || c == 0
			continue
		}
		w = width(v[i])
		followedByWhitespace := i+w >= len(v) || isBlank(v, i+w)
		if i == 0 {
			switch v[i] {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				blockIndicators = true
			case '?', ':':
				if followedByWhitespace {
					blockIndicators = true
				}
			case '-':
				if followedByWhitespace {
					blockIndicators = true
				}
			}
		} else {
			switch v[i] {
			case ':':
				if followedByWhitespace {
					blockIndicators = true
				}
			case '#':
				if precededByWhitespace {
					blockIndicators = true
				}
			}
		}
		if !isPrintable(v, i) {
			specialCharacters = true
		}
		if v[i] == ' ' {
			if i == 0 {
				leadingSpace = true
			}
			if i+w == len(v) {
				trailingSpace = true
			}
			if previousBreak {
				breakSpace = true
			}
			previousSpace, previousBreak = true, false
		} else if isBreak(v, i) {
			lineBreaks = true
			if i == 0 {
				leadingBreak = true
			}
			if i+w == len(v) {
				trailingBreak = true
			}
			if previousSpace {
				spaceBreak = true
			}
			previousSpace, previousBreak = false, true
		} else {
			previousSpace, previousBreak = false, false
		}
		precededByWhitespace = isBlankz(v, i)
	}
	a := scalarAnalysis{multiline: lineBreaks, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.blockPlainAllowed = false
	}
	if trailingSpace {
		a.blockAllowed = false
	}
	if breakSpace {
		a.blockPlainAllowed = false
		a.singleQuotedAllowed = false
	}
	if spaceBreak || specialCharacters {
		a.blockPlainAllowed = false
		a.singleQuotedAllowed = false
		a.blockAllowed = false
	}
	if lineBreaks {
		a.blockPlainAllowed = false
	}
	if blockIndicators {
		a.blockPlainAllowed = false
	}
	return a
}

// plainSafe marks the bytes that, anywhere in a scalar, leave every flag
// of yaml_emitter_analyze_scalar unset: printable ASCII other than space
// and the indicators.
var plainSafe = func() (t [256]bool) {
	for c := 0x21; c <= 0x7E; c++ {
		t[c] = true
	}
	for _, c := range "#,[]{}&*!|>'\"%@`?:-" {
		t[c] = false
	}
	return t
}()

// analyzeSimple is analyzeScalar for the common scalars: printable ASCII
// where spaces are single and inside, ':' and '#' are not next to a space,
// and '-', '?' and ':' do not start it. Those allow every style.
func analyzeSimple(s string) (scalarAnalysis, bool) {
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return scalarAnalysis{}, false
	}
	if !plainSafe[s[0]] {
		// "-", "?" and ":" are indicators first only before a blank
		// ("--flag" is plain); the others always are.
		if s[0] != '-' && s[0] != '?' && s[0] != ':' || len(s) == 1 || s[1] == ' ' || s[1] == '\t' {
			return scalarAnalysis{}, false
		}
	}
	if len(s) >= 3 && (s[:3] == "..." || s[:3] == "---") {
		return scalarAnalysis{}, false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if plainSafe[c] {
			continue
		}
		switch c {
		case ' ':
			// "a #b" starts a comment, and "a: b" a mapping.
			if s[i+1] == '#' || s[i-1] == ':' {
				return scalarAnalysis{}, false
			}
		case '-', '?', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
			// Indicators only matter first (or in flow context).
		case ':':
			if i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t' {
				return scalarAnalysis{}, false
			}
		case '#':
			// Preceded by a space: handled at the space.
		default:
			return scalarAnalysis{}, false
		}
	}
	return scalarAnalysis{blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true}, true
}

func (e *emitter) writePlain(s string, allowBreaks, root bool) {
	if !e.whitespace {
		e.put(' ')
	}
	if n, ok := asciiWidth(s); ok && (!allowBreaks || e.column+n <= bestWidth+1 || !strings.Contains(s, " ")) {
		// No fold can happen: copy it whole.
		e.out = append(e.out, s...)
		e.column += n
		e.whitespace = false
		e.indention = false
		if root {
			e.openEnded = true
		}
		return
	}
	spaces := false
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			if allowBreaks && !spaces && e.column > bestWidth && i+1 < len(s) && s[i+1] != ' ' {
				e.writeIndent()
				i++
			} else {
				e.write(s, &i)
			}
			spaces = true
			continue
		}
		if isBreak(s, i) { // excluded by the style choice
			e.ok = false
			return
		}
		e.write(s, &i)
		e.indention = false
		spaces = false
	}
	e.whitespace = false
	e.indention = false
	if root {
		e.openEnded = true
	}
}

func (e *emitter) writeSingleQuoted(s string, allowBreaks bool) {
	e.writeIndicator("'", true, false, false)
	spaces, breaks := false, false
	for i := 0; i < len(s); {
		if s[i] == ' ' {
			if allowBreaks && !spaces && e.column > bestWidth && i > 0 && i < len(s)-1 && s[i+1] != ' ' {
				e.writeIndent()
				i++
			} else {
				e.write(s, &i)
			}
			spaces = true
			continue
		}
		if isBreak(s, i) { // LS or PS: "\n" asks for the literal style
			if !breaks && s[i] == '\n' {
				e.putBreak()
			}
			e.writeBreak(s, &i)
			e.indention = true
			breaks = true
			continue
		}
		if breaks {
			e.writeIndent()
		}
		if s[i] == '\'' {
			e.put('\'')
		}
		e.write(s, &i)
		e.indention = false
		spaces, breaks = false, false
	}
	e.writeIndicator("'", false, false, false)
	e.whitespace = false
	e.indention = false
}

func (e *emitter) writeDoubleQuoted(s string, allowBreaks bool) {
	spaces := false
	e.writeIndicator("\"", true, false, false)
	for i := 0; i < len(s); {
		if !isPrintable(s, i) || isBOM(s) || isBreak(s, i) || s[i] == '"' || s[i] == '\\' {
			r, w := utf8.DecodeRuneInString(s[i:])
			i += w
			e.put('\\')
			switch r {
			case 0x00:
				e.put('0')
			case 0x07:
				e.put('a')
			case 0x08:
				e.put('b')
			case 0x09:
				e.put('t')
			case 0x0A:
				e.put('n')
			case 0x0b:
				e.put('v')
			case 0x0c:
				e.put('f')
			case 0x0d:
				e.put('r')
			case 0x1b:
				e.put('e')
			case 0x22:
				e.put('"')
			case 0x5c:
				e.put('\\')
			case 0x85:
				e.put('N')
			case 0xA0:
				e.put('_')
			case 0x2028:
				e.put('L')
			case 0x2029:
				e.put('P')
			default:
				digits := 8
				switch {
				case r <= 0xFF:
					e.put('x')
					digits = 2
				case r <= 0xFFFF:
					e.put('u')
					digits = 4
				default:
					e.put('U')
				}
				for k := (digits - 1) * 4; k >= 0; k -= 4 {
					d := byte((r >> uint(k)) & 0x0F)
					if d < 10 {
						e.put(d + '0')
					} else {
						e.put(d + 'A' - 10)
					}
				}
			}
			spaces = false
		} else if s[i] == ' ' {
			if allowBreaks && !spaces && e.column > bestWidth && i > 0 && i < len(s)-1 {
				e.writeIndent()
				if s[i+1] == ' ' {
					e.put('\\')
				}
				i++
			} else {
				e.write(s, &i)
			}
			spaces = true
		} else {
			e.write(s, &i)
			spaces = false
		}
	}
	e.writeIndicator("\"", false, false, false)
	e.whitespace = false
	e.indention = false
}

func (e *emitter) writeLiteral(s string) {
	e.writeIndicator("|", true, false, false)
	// yaml_emitter_write_block_scalar_hints
	if s[0] == ' ' || isBreak(s, 0) {
		e.writeIndicator(string(rune('0'+bestIndent)), false, false, false)
	}
	e.openEnded = false
	chomp := ""
	i := len(s) - 1
	for s[i]&0xC0 == 0x80 {
		i--
	}
	switch {
	case !isBreak(s, i):
		chomp = "-"
	case i == 0:
		chomp = "+"
		e.openEnded = true
	default:
		i--
		for s[i]&0xC0 == 0x80 {
			i--
		}
		if isBreak(s, i) {
			chomp = "+"
			e.openEnded = true
		}
	}
	if chomp != "" {
		e.writeIndicator(chomp, false, false, false)
	}
	e.putBreak()
	e.indention = true
	e.whitespace = true
	if onlyNewlines(s) {
		// Line by line: no fold in the literal style.
		for len(s) > 0 {
			line, rest, found := strings.Cut(s, "\n")
			if line != "" {
				e.writeIndent()
				e.out = append(e.out, line...)
				e.column += utf8.RuneCountInString(line)
				e.indention = false
			}
			if found {
				e.putBreak()
				e.indention = true
			}
			s = rest
		}
		return
	}
	breaks := true
	for i := 0; i < len(s); {
		if isBreak(s, i) {
			e.writeBreak(s, &i)
			e.indention = true
			breaks = true
			continue
		}
		if breaks {
			e.writeIndent()
		}
		e.write(s, &i)
		e.indention = false
		breaks = false
	}
}

// onlyNewlines reports whether "\n" is the only line break of s.
func onlyNewlines(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c >= 0x80 && isBreak(s, i) {
			return false
		}
	}
	return true
}

// Character classes of yamlprivateh.go, on strings. Indexes past the end
// read as NUL (the C code relies on the terminating NUL).

func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func width(b byte) int {
	switch {
	case b&0x80 == 0x00:
		return 1
	case b&0xE0 == 0xC0:
		return 2
	case b&0xF0 == 0xE0:
		return 3
	case b&0xF8 == 0xF0:
		return 4
	}
	return 0
}

func isPrintable(s string, i int) bool {
	b := s[i]
	return b == 0x0A ||
		b >= 0x20 && b <= 0x7E ||
		b == 0xC2 && at(s, i+1) >= 0xA0 ||
		b > 0xC2 && b < 0xED ||
		b == 0xED && at(s, i+1) < 0xA0 ||
		b == 0xEE ||
		b == 0xEF && !(at(s, i+1) == 0xBB && at(s, i+2) == 0xBF) &&
			!(at(s, i+1) == 0xBF && (at(s, i+2) == 0xBE || at(s, i+2) == 0xBF))
}

func isBOM(s string) bool { return len(s) >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF }

func isBlank(s string, i int) bool { b := at(s, i); return b == ' ' || b == '\t' }

func isBreak(s string, i int) bool {
	b := at(s, i)
	return b == '\r' || b == '\n' ||
		b == 0xC2 && at(s, i+1) == 0x85 ||
		b == 0xE2 && at(s, i+1) == 0x80 && (at(s, i+2) == 0xA8 || at(s, i+2) == 0xA9)
}

func isBlankz(s string, i int) bool {
	return isBlank(s, i) || isBreak(s, i) || at(s, i) == 0
}

func hasBreak(s string) bool {
	for i := 0; i < len(s); i++ {
		if isBreak(s, i) {
			return true
		}
	}
	return false
}

// keyLess is yaml.v2's keyList.Less for two string keys: letters compare
// as runes, runs of digits as numbers.
func keyLess(a, b string) bool {
	if isASCII(a) && isASCII(b) {
		return keyLessASCII(a, b)
	}
	ar, br := []rune(a), []rune(b)
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al := unicode.IsLetter(ar[i])
		bl := unicode.IsLetter(br[i])
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					an = 1
					bn = 1
					break
				}
			}
		}
		for ai = i; ai < len(ar) && unicode.IsDigit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for bi = i; bi < len(br) && unicode.IsDigit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isLetterASCII(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigitASCII(c byte) bool  { return '0' <= c && c <= '9' }

// keyLessASCII is keyLess for ASCII strings, on bytes.
func keyLessASCII(ar, br string) bool {
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al := isLetterASCII(ar[i])
		bl := isLetterASCII(br[i])
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && isDigitASCII(ar[j]); j-- {
				if ar[j] != '0' {
					an = 1
					bn = 1
					break
				}
			}
		}
		for ai = i; ai < len(ar) && isDigitASCII(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for bi = i; bi < len(br) && isDigitASCII(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}

// resolvesToString reports whether yaml.v2's resolve gives !!str for the
// plain scalar s, that is, whether s can be written unquoted.
func resolvesToString(s string) bool {
	if s == "" {
		return false // null
	}
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
		"~", "null", "Null", "NULL",
		".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
		"+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return false // "<<" is in yaml.v2's map too, but never looked up: '<' gives no hint
	}
	switch c := s[0]; {
	case c == '.':
		if !mayBeNumber(s) {
			return true
		}
		_, err := strconv.ParseFloat(s, 64)
		return err != nil
	case c == '+' || c == '-' || '0' <= c && c <= '9':
		if isTimestamp(s) {
			return false
		}
		if !mayBeNumber(s) {
			return true // spares strconv's error values
		}
		plain := strings.ReplaceAll(s, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return false
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return false
		}
		if yamlStyleFloat.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return false
			}
		}
		if strings.HasPrefix(plain, "0b") {
			if _, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
				return false
			}
			if _, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
				return false
			}
		} else if strings.HasPrefix(plain, "-0b") {
			if _, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
				return false
			}
		}
	}
	return true
}

// mayBeNumber reports whether s holds only characters that
// strconv.ParseInt (base 0), ParseUint (base 0) or ParseFloat can accept in
// the places resolve calls them (s starting with a digit, a sign or '.').
func mayBeNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		case c == 'x', c == 'X', c == 'o', c == 'O', c == 'p', c == 'P', c == '.', c == '_', c == '+', c == '-':
		default:
			return false
		}
	}
	return true
}

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

var base60float = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)

func isBase60Float(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !(c == '+' || c == '-' || c >= '0' && c <= '9') || strings.IndexByte(s, ':') < 0 {
		return false
	}
	return base60float.MatchString(s)
}

// isTimestamp is yaml.v2's parseTimestamp, reduced to whether it parses.
func isTimestamp(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			break
		}
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, format := range []string{
		"2006-1-2T15:4:5.999999999Z07:00",
		"2006-1-2t15:4:5.999999999Z07:00",
		"2006-1-2 15:4:5.999999999",
		"2006-1-2",
	} {
		if _, err := time.Parse(format, s); err == nil {
			return true
		}
	}
	return false
}

// resolveNumber is what a JSON number becomes on the YAML path: yaml.v2
// resolves the plain scalar to an int, a uint64 or a float64 and writes it
// back (encode.go intv, uintv, floatv). A number it cannot resolve stays a
// string (isString).
func resolveNumber(num string) (out string, isString bool) {
	if isTimestamp(num) {
		return num, true // cannot happen for JSON numbers; kept for fidelity
	}
	plain := strings.ReplaceAll(num, "_", "")
	if v, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return strconv.FormatInt(v, 10), false
	}
	if v, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return strconv.FormatUint(v, 10), false
	}
	if yamlStyleFloat.MatchString(plain) {
		if f, err := strconv.ParseFloat(plain, 64); err == nil {
			s := strconv.FormatFloat(f, 'g', -1, 64)
			switch {
			case math.IsInf(f, 1):
				s = ".inf"
			case math.IsInf(f, -1):
				s = "-.inf"
			case math.IsNaN(f):
				s = ".nan"
			}
			return s, false
		}
	}
	return num, true
}
