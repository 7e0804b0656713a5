package tree

// A reflection walker that builds the jsonNode tree of a Go value directly,
// as the parser would build it from the value's encoding/json output,
// without writing and re-reading the JSON text: for the typed Kubernetes
// objects that EncodeYAML receives, encoding/json and the parser were a
// third of its cost.
//
// The walker follows encoding/json (Go 1.26, v1 semantics) rule by rule:
// the same fields (typeFields below is a port of encoding/json's, with its
// embedding and dominance rules), the same omitempty and omitzero tests,
// the same Marshaler and TextMarshaler dispatch (including the
// addressable-value cases), the same number formatting. A value with a
// MarshalJSON method is marshaled by that method and its output parsed by
// the parser, as before. Whatever it does not reproduce exactly (a
// ",string" field, a non-string map key, a string that encoding/json would
// alter or that the parser rejects, an unsupported kind, NaN, a nesting
// deep enough to be a cycle, a failing marshaler) makes it give up, and
// the caller takes the JSON path, which then gives the output or the error
// it always gave. reflect_test.go and encode_diff_test.go compare the
// two paths.

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// planKind is how the walker encodes a type (encoding/json's encoder
// choice in newTypeEncoder, with allowAddr false).
type planKind uint8

const (
	pkUnsupported planKind = iota // the walker gives up
	pkBool
	pkInt
	pkUint
	pkFloat32
	pkFloat64
	pkString
	pkNumber // json.Number
	pkStruct
	pkMap // a map with keys of kind string
	pkSlice
	pkBytes // a []byte-like slice: base64
	pkArray
	pkPointer
	pkInterface
	pkMarshaler     // the type implements json.Marshaler
	pkTextMarshaler // the type implements encoding.TextMarshaler
)

// typePlan is the cached encoding plan of one type.
type typePlan struct {
	kind planKind
	// addrJSON, addrText: a non-pointer type whose pointer type
	// implements json.Marshaler (encoding.TextMarshaler): encoding/json
	// calls the method through the value's address when the value is
	// addressable, and otherwise encodes it by kind.
	addrJSON, addrText bool
	elem               *typePlan   // pointer, slice, array: the element; map: the value
	fields             []fieldPlan // struct
	stringElem         bool        // map: values are plain strings (fast path)
}

// fieldPlan is one encoded struct field (encoding/json's field).
type fieldPlan struct {
	name      string
	index     []int
	omitEmpty bool
	omitZero  bool
	isZero    func(reflect.Value) bool
	quoted    bool
	plan      *typePlan

	fastName bool // the name is a key that needs no analysis (keysFastPlain)

	// For a field of the struct itself (len(index) == 1), read through
	// memory when the struct is addressable: most fields of Kubernetes
	// types are empty and omitted, and reflect.Value.Field costs more
	// than the test.
	offset uintptr
	mem    memKind
}

// memKind is how a field's memory is read for the omitempty test and,
// for scalars, for the value.
type memKind uint8

const (
	memNone   memKind = iota // through reflect
	memString                // a string: empty when its length is 0
	memSlice                 // a slice: empty when its length is 0
	memNil                   // a pointer or an interface: empty when nil
	memBool
	memInt8 // integers by size and signedness
	memInt16
	memInt32
	memInt64
	memUint8
	memUint16
	memUint32
	memUint64
)

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	numberType        = reflect.TypeFor[json.Number]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
)

// planCache maps reflect.Type to *typePlan. Plans are built under planMu
// and stored only once complete (with every plan they point to), so that
// readers never see one half-built.
var (
	planCache sync.Map
	planMu    sync.Mutex
)

func planFor(t reflect.Type) *typePlan {
	if p, ok := planCache.Load(t); ok {
		return p.(*typePlan)
	}
	planMu.Lock()
	defer planMu.Unlock()
	b := planBuilder{pending: map[reflect.Type]*typePlan{}}
	p := b.plan(t)
	for t, p := range b.pending {
		planCache.Store(t, p)
	}
	return p
}

// planBuilder builds the plans of a type and of the types it reaches;
// pending holds them (a recursive type finds its own plan there).
type planBuilder struct {
	pending map[reflect.Type]*typePlan
}

func (b *planBuilder) plan(t reflect.Type) *typePlan {
	if p, ok := planCache.Load(t); ok {
		return p.(*typePlan)
	}
	if p, ok := b.pending[t]; ok {
		return p
	}
	p := &typePlan{}
	b.pending[t] = p
	b.fill(p, t)
	return p
}

// fill is newTypeEncoder(t, true).
func (b *planBuilder) fill(p *typePlan, t reflect.Type) {
	if t.Kind() != reflect.Pointer {
		p.addrJSON = reflect.PointerTo(t).Implements(marshalerType)
		p.addrText = !p.addrJSON && reflect.PointerTo(t).Implements(textMarshalerType)
	}
	switch {
	case t.Kind() == reflect.Interface && (t.Implements(marshalerType) || t.Implements(textMarshalerType)):
		p.kind = pkUnsupported // rare; not worth the nil-pointer subtleties
	case t.Implements(marshalerType):
		p.kind = pkMarshaler
	case t.Implements(textMarshalerType):
		p.kind = pkTextMarshaler
	default:
		b.fillKind(p, t)
	}
}

func (b *planBuilder) fillKind(p *typePlan, t reflect.Type) {
	switch t.Kind() {
	case reflect.Bool:
		p.kind = pkBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.kind = pkInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		p.kind = pkUint
	case reflect.Float32:
		p.kind = pkFloat32
	case reflect.Float64:
		p.kind = pkFloat64
	case reflect.String:
		p.kind = pkString
		if t == numberType {
			p.kind = pkNumber
		}
	case reflect.Interface:
		p.kind = pkInterface
	case reflect.Struct:
		p.kind = pkStruct
		p.fields = b.typeFields(t)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return // unsupported: encoding/json's int and TextMarshaler keys
		}
		p.kind = pkMap
		p.elem = b.plan(t.Elem())
		p.stringElem = p.elem.kind == pkString && !p.elem.addrJSON && !p.elem.addrText
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			pt := reflect.PointerTo(t.Elem())
			if !pt.Implements(marshalerType) && !pt.Implements(textMarshalerType) {
				p.kind = pkBytes
				return
			}
		}
		p.kind = pkSlice
		p.elem = b.plan(t.Elem())
	case reflect.Array:
		p.kind = pkArray
		p.elem = b.plan(t.Elem())
	case reflect.Pointer:
		p.kind = pkPointer
		p.elem = b.plan(t.Elem())
	}
}

// typeFields is encoding/json's typeFields: the fields of struct type t
// that encoding/json encodes, in its order.
func (b *planBuilder) typeFields(t reflect.Type) []fieldPlan {
	type field struct {
		fieldPlan
		tag bool
		typ reflect.Type
	}
	current := []field{}
	next := []field{{typ: t}}
	var count, nextCount map[reflect.Type]int
	visited := map[reflect.Type]bool{}
	var fields []field
	for len(next) > 0 {
		current, next = next, current[:0]
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, f := range current {
			if visited[f.typ] {
				continue
			}
			visited[f.typ] = true
			for i := 0; i < f.typ.NumField(); i++ {
				sf := f.typ.Field(i)
				if sf.Anonymous {
					t := sf.Type
					if t.Kind() == reflect.Pointer {
						t = t.Elem()
					}
					if !sf.IsExported() && t.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !isValidTag(name) {
					name = ""
				}
				index := make([]int, len(f.index)+1)
				copy(index, f.index)
				index[len(f.index)] = i
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				quoted := false
				if tagHas(opts, "string") {
					switch ft.Kind() {
					case reflect.Bool,
						reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
						reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
						reflect.Float32, reflect.Float64,
						reflect.String:
						quoted = true
					}
				}
				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					tagged := name != ""
					if name == "" {
						name = sf.Name
					}
					fp := fieldPlan{
						name:      name,
						index:     index,
						omitEmpty: tagHas(opts, "omitempty"),
						omitZero:  tagHas(opts, "omitzero"),
						quoted:    quoted,
					}
					if fp.omitZero {
						fp.isZero = isZeroFunc(sf.Type)
					}
					fields = append(fields, field{fieldPlan: fp, tag: tagged, typ: ft})
					if count[f.typ] > 1 {
						fields = append(fields, fields[len(fields)-1])
					}
					continue
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, field{fieldPlan: fieldPlan{name: ft.Name(), index: index}, typ: ft})
				}
			}
		}
	}
	slices.SortFunc(fields, func(a, b field) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := len(a.index) - len(b.index); c != 0 {
			return c
		}
		if a.tag != b.tag {
			if a.tag {
				return -1
			}
			return +1
		}
		return slices.Compare(a.index, b.index)
	})
	// Keep, for each name, the dominant field (none when two at the
	// same depth tie).
	out := fields[:0]
	for advance, i := 0, 0; i < len(fields); i += advance {
		name := fields[i].name
		for advance = 1; i+advance < len(fields) && fields[i+advance].name == name; advance++ {
		}
		if advance > 1 && len(fields[i].index) == len(fields[i+1].index) && fields[i].tag == fields[i+1].tag {
			continue
		}
		out = append(out, fields[i])
	}
	slices.SortFunc(out, func(a, b field) int { return slices.Compare(a.index, b.index) })
	plans := make([]fieldPlan, len(out))
	for i, f := range out {
		plans[i] = f.fieldPlan
		plans[i].fastName = len(f.name) <= 128 && isFastPlain(f.name)
		ft := typeByIndex(t, f.index)
		plans[i].plan = b.plan(ft)
		if len(f.index) == 1 {
			plans[i].offset = t.Field(f.index[0]).Offset
			plans[i].mem = memKindOf(ft)
		}
	}
	return plans
}

// memKindOf is the memKind of a field of type t.
func memKindOf(t reflect.Type) memKind {
	switch t.Kind() {
	case reflect.String:
		return memString
	case reflect.Slice:
		return memSlice
	case reflect.Pointer, reflect.Interface:
		return memNil
	case reflect.Bool:
		return memBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return [9]memKind{1: memInt8, 2: memInt16, 4: memInt32, 8: memInt64}[t.Size()]
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return [9]memKind{1: memUint8, 2: memUint16, 4: memUint32, 8: memUint64}[t.Size()]
	}
	return memNone
}

// emptyAt is isEmptyReflect for a field at p, when f.mem says how;
// known is false otherwise.
func (f *fieldPlan) emptyAt(p unsafe.Pointer) (empty, known bool) {
	switch f.mem {
	case memString:
		return len(*(*string)(p)) == 0, true
	case memSlice:
		return len(*(*[]byte)(p)) == 0, true // every slice header has the same layout
	case memNil:
		return *(*unsafe.Pointer)(p) == nil, true // a pointer, or an interface's type word
	case memBool:
		return !*(*bool)(p), true
	case memInt8, memUint8:
		return *(*uint8)(p) == 0, true
	case memInt16, memUint16:
		return *(*uint16)(p) == 0, true
	case memInt32, memUint32:
		return *(*uint32)(p) == 0, true
	case memInt64, memUint64:
		return *(*uint64)(p) == 0, true
	}
	return false, false
}

// scalarAt is value() for a string, bool or integer field at p whose
// type has no marshaler (ok false otherwise).
func (w *walker) scalarAt(f *fieldPlan, p unsafe.Pointer) (jsonNode, bool) {
	if f.plan.addrJSON || f.plan.addrText {
		return jsonNode{}, false
	}
	var i int64
	switch {
	case f.mem == memString && f.plan.kind == pkString:
		return w.str(*(*string)(p)), true
	case f.mem == memBool && f.plan.kind == pkBool:
		if *(*bool)(p) {
			return jsonNode{kind: jTrue}, true
		}
		return jsonNode{kind: jFalse}, true
	case f.plan.kind != pkInt && f.plan.kind != pkUint:
		return jsonNode{}, false
	case f.mem == memInt8:
		i = int64(*(*int8)(p))
	case f.mem == memInt16:
		i = int64(*(*int16)(p))
	case f.mem == memInt32:
		i = int64(*(*int32)(p))
	case f.mem == memInt64:
		i = *(*int64)(p)
	case f.mem == memUint8:
		i = int64(*(*uint8)(p))
	case f.mem == memUint16:
		i = int64(*(*uint16)(p))
	case f.mem == memUint32:
		i = int64(*(*uint32)(p))
	case f.mem == memUint64:
		return w.number(strconv.AppendUint(w.num, *(*uint64)(p), 10)), true
	default:
		return jsonNode{}, false
	}
	return w.number(strconv.AppendInt(w.num, i, 10)), true
}

// tagHas is encoding/json's tagOptions.Contains.
func tagHas(opts, name string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == name {
			return true
		}
	}
	return false
}

// isValidTag is encoding/json's.
func isValidTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

func typeByIndex(t reflect.Type, index []int) reflect.Type {
	for _, i := range index {
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		t = t.Field(i).Type
	}
	return t
}

// isZeroFunc is encoding/json's choice of the omitzero test for a field of
// type t (nil: reflect.Value.IsZero).
func isZeroFunc(t reflect.Type) func(reflect.Value) bool {
	type isZeroer = interface{ IsZero() bool }
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() ||
				(v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil()) ||
				v.Interface().(isZeroer).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Interface().(isZeroer).IsZero()
		}
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.Interface().(isZeroer).IsZero()
		}
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				v2 := reflect.New(v.Type()).Elem()
				v2.Set(v)
				v = v2
			}
			return v.Addr().Interface().(isZeroer).IsZero()
		}
	}
	return nil
}

// isEmptyReflect is encoding/json's isEmptyValue, the omitempty test.
func isEmptyReflect(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// maxWalkDepth bounds the nesting the walker follows. Deeper values
// (real objects nest a few dozen levels; a cycle nests forever) take the
// JSON path, which reports a cycle as encoding/json does.
const maxWalkDepth = 256

// walker builds a jsonNode tree from a Go value into the parser's chunks
// (and, through the parser, parses what marshalers return).
type walker struct {
	p     *jsonParser
	depth int
	num   []byte    // number text; nodes alias it (see number)
	pairs []mapPair // scratch for map entries, used as a stack
	sbuf  []strPair // scratch for maps of strings, used as a stack
}

type mapPair struct {
	key string
	val reflect.Value
}

type strPair struct{ key, val string }

// walk returns the tree of v, or false where the walker gives up.
func (w *walker) walk(v reflect.Value) (jsonNode, bool) {
	w.p.resetWalk()
	w.depth = 0
	w.num = w.num[:0]
	if !v.IsValid() {
		return jsonNode{kind: jNull}, true
	}
	n := w.value(v, planFor(v.Type()))
	return n, w.p.ok
}

// release drops the references into the last value, for the pool.
func (w *walker) release() {
	clear(w.pairs[:cap(w.pairs)])
	clear(w.sbuf[:cap(w.sbuf)])
	w.pairs, w.sbuf = w.pairs[:0], w.sbuf[:0]
}

func (w *walker) fail() jsonNode {
	w.p.ok = false
	return jsonNode{}
}

// value is the encoder that encoding/json's typeEncoder picks for v's type.
func (w *walker) value(v reflect.Value, pl *typePlan) jsonNode {
	if !w.p.ok {
		return jsonNode{}
	}
	if pl.addrJSON && v.CanAddr() {
		return w.marshalJSON(v.Addr())
	}
	if pl.addrText && v.CanAddr() {
		return w.marshalText(v.Addr())
	}
	switch pl.kind {
	case pkBool:
		if v.Bool() {
			return jsonNode{kind: jTrue}
		}
		return jsonNode{kind: jFalse}
	case pkInt:
		return w.number(strconv.AppendInt(w.num, v.Int(), 10))
	case pkUint:
		return w.number(strconv.AppendUint(w.num, v.Uint(), 10))
	case pkFloat32:
		return w.float(v.Float(), 32)
	case pkFloat64:
		return w.float(v.Float(), 64)
	case pkString:
		return w.str(v.String())
	case pkNumber:
		s := v.String()
		if s == "" {
			s = "0"
		}
		if !isValidNumber(s) {
			return w.fail()
		}
		return jsonNode{kind: jNumber, s: s}
	case pkStruct:
		return w.structNode(v, pl)
	case pkMap:
		return w.mapNode(v, pl)
	case pkSlice:
		if v.IsNil() {
			return jsonNode{kind: jNull}
		}
		return w.arrayNode(v, pl)
	case pkBytes:
		if v.IsNil() {
			return jsonNode{kind: jNull}
		}
		return jsonNode{kind: jString, s: base64.StdEncoding.EncodeToString(v.Bytes())}
	case pkArray:
		return w.arrayNode(v, pl)
	case pkPointer:
		if v.IsNil() {
			return jsonNode{kind: jNull}
		}
		return w.nested(v.Elem(), pl.elem)
	case pkInterface:
		if v.IsNil() {
			return jsonNode{kind: jNull}
		}
		e := v.Elem()
		return w.nested(e, planFor(e.Type()))
	case pkMarshaler:
		return w.marshalJSON(v)
	case pkTextMarshaler:
		return w.marshalText(v)
	}
	return w.fail()
}

// nested walks a pointer's or an interface's element, counting depth.
func (w *walker) nested(v reflect.Value, pl *typePlan) jsonNode {
	if w.depth++; w.depth > maxWalkDepth {
		return w.fail()
	}
	n := w.value(v, pl)
	w.depth--
	return n
}

// number returns a number node for the text that b appended to w.num.
// The node's string aliases w.num: growing w.num moves later numbers to
// a new array but leaves the old one (and the strings in it) intact, and
// w.num is reused only for the next document, when this tree is gone.
func (w *walker) number(b []byte) jsonNode {
	start := len(w.num)
	w.num = b
	return jsonNode{kind: jNumber, s: unsafe.String(&b[start], len(b)-start)}
}

// float is encoding/json's floatEncoder.
func (w *walker) float(f float64, bits int) jsonNode {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return w.fail() // an error there
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	start := len(w.num)
	b := strconv.AppendFloat(w.num, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n-start >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return w.number(b)
}

// str is a string node for s, when the JSON path gives back s itself.
func (w *walker) str(s string) jsonNode {
	if isFastPlain(s) {
		return jsonNode{kind: jString, flags: fastPlain, s: s} // ASCII: safe
	}
	if !jsonSafe(s) {
		return w.fail()
	}
	return jsonNode{kind: jString, s: s}
}

// jsonSafe reports whether s survives encoding/json and the parser as it
// is: valid UTF-8 (encoding/json writes U+FFFD for invalid bytes) without
// the raw characters that checkRaw rejects (DEL, C1 controls, U+FEFF,
// U+FFFE, U+FFFF; encoding/json leaves them unescaped).
func jsonSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x7F {
			return jsonSafeTail(s[i:])
		}
	}
	return true
}

func jsonSafeTail(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0x7F:
			return false
		case c == 0xC2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F:
			return false
		case c == 0xEF && i+2 < len(s) && (s[i+1] == 0xBB && s[i+2] == 0xBF || s[i+1] == 0xBF && (s[i+2] == 0xBE || s[i+2] == 0xBF)):
			return false
		}
	}
	return true
}

// structNode is encoding/json's structEncoder.
func (w *walker) structNode(v reflect.Value, pl *typePlan) jsonNode {
	if w.depth++; w.depth > maxWalkDepth {
		return w.fail()
	}
	defer func() { w.depth-- }()
	p := w.p
	nodeMark, keyMark := len(p.nodeStack), len(p.keyStack)
	var base unsafe.Pointer // the struct's memory, when addressable
	if v.CanAddr() {
		base = v.Addr().UnsafePointer()
	}
	flags := keysFastPlain
fields:
	for i := range pl.fields {
		f := &pl.fields[i]
		var n jsonNode
		if base != nil && f.mem != memNone && !f.omitZero && !f.quoted {
			// A field of the struct itself, read through memory.
			fp := unsafe.Add(base, f.offset)
			if empty, _ := f.emptyAt(fp); empty && f.omitEmpty {
				continue
			}
			if x, ok := w.scalarAt(f, fp); ok {
				if !f.fastName {
					flags = 0
				}
				p.keyStack = append(p.keyStack, f.name)
				p.nodeStack = append(p.nodeStack, x)
				if !p.ok {
					break
				}
				continue
			}
			n = w.value(v.Field(f.index[0]), f.plan)
		} else {
			fv := v
			for _, i := range f.index {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue fields
					}
					fv = fv.Elem()
				}
				fv = fv.Field(i)
			}
			if f.omitEmpty && isEmptyReflect(fv) ||
				f.omitZero && (f.isZero == nil && fv.IsZero() || f.isZero != nil && f.isZero(fv)) {
				continue
			}
			if f.quoted {
				p.ok = false // ",string": not ported
			}
			n = w.value(fv, f.plan)
		}
		if !p.ok {
			p.nodeStack, p.keyStack = p.nodeStack[:nodeMark], p.keyStack[:keyMark]
			return jsonNode{}
		}
		if !f.fastName {
			flags = 0
		}
		p.keyStack = append(p.keyStack, f.name)
		p.nodeStack = append(p.nodeStack, n)
	}
	if p.ok && len(p.keyStack) == keyMark {
		return jsonNode{kind: jObject}
	}
	return p.endObject(nodeMark, keyMark, flags)
}

// arrayNode is encoding/json's arrayEncoder (a non-nil slice or an array).
func (w *walker) arrayNode(v reflect.Value, pl *typePlan) jsonNode {
	n := v.Len()
	if n == 0 {
		return jsonNode{kind: jArray}
	}
	if w.depth++; w.depth > maxWalkDepth {
		return w.fail()
	}
	defer func() { w.depth-- }()
	p := w.p
	mark := len(p.nodeStack)
	for i := range n {
		x := w.value(v.Index(i), pl.elem)
		if !p.ok {
			break
		}
		p.nodeStack = append(p.nodeStack, x)
	}
	return p.endArray(mark)
}

// mapNode is encoding/json's mapEncoder for string keys: entries sorted
// by key.
func (w *walker) mapNode(v reflect.Value, pl *typePlan) jsonNode {
	if v.IsNil() {
		return jsonNode{kind: jNull}
	}
	if v.Len() == 0 {
		return jsonNode{kind: jObject}
	}
	if w.depth++; w.depth > maxWalkDepth {
		return w.fail()
	}
	defer func() { w.depth-- }()
	if pl.stringElem && v.CanInterface() {
		return w.stringMap(v)
	}
	p := w.p
	mark := len(w.pairs)
	it := v.MapRange()
	for it.Next() {
		k := it.Key().String()
		if !jsonSafe(k) {
			w.pairs = w.pairs[:mark]
			return w.fail()
		}
		w.pairs = append(w.pairs, mapPair{k, it.Value()})
	}
	pairs := w.pairs[mark:]
	slices.SortFunc(pairs, func(a, b mapPair) int { return strings.Compare(a.key, b.key) })
	nodeMark, keyMark := len(p.nodeStack), len(p.keyStack)
	for _, kv := range pairs {
		x := w.value(kv.val, pl.elem)
		if !p.ok {
			break
		}
		p.keyStack = append(p.keyStack, kv.key)
		p.nodeStack = append(p.nodeStack, x)
	}
	clear(pairs)
	w.pairs = w.pairs[:mark]
	return p.endObject(nodeMark, keyMark, 0)
}

// stringMap is mapNode for maps of strings (labels, annotations, data),
// without copying each entry into a reflect.Value of its own. (v must not
// come from an unexported field: SetIterKey panics on those.)
func (w *walker) stringMap(v reflect.Value) jsonNode {
	p := w.p
	mark := len(w.sbuf)
	if m, ok := reflect.TypeAssert[map[string]string](v); ok {
		for k, e := range m {
			w.sbuf = append(w.sbuf, strPair{k, e})
		}
	} else {
		k := reflect.New(v.Type().Key()).Elem()
		e := reflect.New(v.Type().Elem()).Elem()
		it := v.MapRange()
		for it.Next() {
			k.SetIterKey(it)
			e.SetIterValue(it)
			w.sbuf = append(w.sbuf, strPair{k.String(), e.String()})
		}
	}
	pairs := w.sbuf[mark:]
	slices.SortFunc(pairs, func(a, b strPair) int { return strings.Compare(a.key, b.key) })
	nodeMark, keyMark := len(p.nodeStack), len(p.keyStack)
	flags := keysFastPlain
	for _, kv := range pairs {
		if len(kv.key) > 128 || !isFastPlain(kv.key) {
			flags = 0
			if !jsonSafe(kv.key) {
				p.ok = false
				break
			}
		}
		x := w.str(kv.val)
		if !p.ok {
			break
		}
		p.keyStack = append(p.keyStack, kv.key)
		p.nodeStack = append(p.nodeStack, x)
	}
	clear(pairs)
	w.sbuf = w.sbuf[:mark]
	return p.endObject(nodeMark, keyMark, flags)
}

// marshalJSON is encoding/json's marshalerEncoder: the method's output,
// which must be valid JSON, parsed. (encoding/json compacts it, which
// changes no parsed value.)
func (w *walker) marshalJSON(v reflect.Value) jsonNode {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return jsonNode{kind: jNull}
	}
	m, ok := reflect.TypeAssert[json.Marshaler](v)
	if !ok {
		return jsonNode{kind: jNull}
	}
	b, err := m.MarshalJSON()
	if err != nil || !json.Valid(b) {
		return w.fail() // a MarshalerError there
	}
	return w.p.parseInner(b)
}

// marshalText is encoding/json's textMarshalerEncoder.
func (w *walker) marshalText(v reflect.Value) jsonNode {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return jsonNode{kind: jNull}
	}
	m, ok := reflect.TypeAssert[encoding.TextMarshaler](v)
	if !ok {
		return jsonNode{kind: jNull}
	}
	b, err := m.MarshalText()
	if err != nil {
		return w.fail()
	}
	return w.str(string(b))
}

// isValidNumber is encoding/json's check of a json.Number.
func isValidNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	default:
		return false
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = s[1:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[2:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}
