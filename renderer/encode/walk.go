package encode

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// The walker builds the parser's node list straight from a Go value, with
// the result that encoding/json and then the parser would give: the same
// nodes, keys and string texts (strings are appended to the parser's byte
// buffer, and nodes hold spans of it). It follows the rules of the
// encoding/json package documentation:
//
//   - a struct is an object of its exported fields, named by the json tag
//     ("-" drops the field, "-," names it "-"), else by the field's name;
//     "omitempty" drops false, 0, "", a nil pointer or interface, and an
//     empty slice, map or array (never a struct); "omitzero" drops the
//     zero value, or a value whose IsZero() says so;
//   - the fields of an embedded struct (or pointer to one; skipped when
//     nil) without a tag name are promoted; among fields of one name the
//     least nested wins;
//   - a pointer or interface is its value, null when nil;
//   - a map with string keys is an object, a nil map null; a slice or
//     array is an array, a nil slice null; []byte is a base64 string;
//   - a value whose method set (with the pointer methods where it is
//     addressable) has MarshalJSON is that method's output, parsed into
//     the same node list; failing that, MarshalText's output as a string.
//
// Whatever it is not sure to write as encoding/json does (floats, the
// ",string" option, two fields of one name at the same depth, an invalid
// UTF-8 string, json.Number, non-string map keys, a method's error...)
// makes walk report false: the caller then encodes the whole document the
// old way (encoding/json, then the parser), which also yields the errors.

type how uint8

const (
	hBad how = iota // not handled: the document takes the JSON path
	hString
	hBool
	hInt
	hUint
	hFloat // only to test omitempty; encoding one is hBad
	hBytes
	hSlice
	hArray
	hMap
	hStruct
	hPointer
	hInterface
	hJSON // MarshalJSON
	hText // MarshalText
)

// typeInfo is the walker's plan for one type.
type typeInfo struct {
	t   reflect.Type
	how how
	// addr: what an addressable value does (hJSON or hText: *T has the
	// method, so an addressable T calls it); 0 for the same as how.
	addr   how
	fields []*field // of a struct, in key order
	// ordered: the order of every two of fields' names for
	// sigs.k8s.io/yaml is known (libraryOrder), and fields are in that
	// order, so any of its subsets too.
	ordered bool
	// zeroer: T (or *T, addrZero) has IsZero() bool, for "omitzero".
	zeroer, addrZero bool
	// elem: of a pointer, slice, array or map; set on first use (types
	// can be recursive).
	elem atomic.Pointer[typeInfo]
	// strings: a map[string]string, iterated without reflect.
	strings bool
}

// elemInfo is the plan of ti's element type.
func (ti *typeInfo) elemInfo() *typeInfo {
	if e := ti.elem.Load(); e != nil {
		return e
	}
	e := infoOf(ti.t.Elem())
	ti.elem.Store(e)
	return e
}

type field struct {
	name      string
	index     []int
	omitEmpty bool
	omitZero  bool
	// plain: the emitter writes name as it is (emitter.word).
	plain bool
	// info: the field type's plan, set on first use.
	info atomic.Pointer[typeInfo]
	t    reflect.Type
	kind reflect.Kind
}

func (f *field) infoOf() *typeInfo {
	if ti := f.info.Load(); ti != nil {
		return ti
	}
	ti := infoOf(f.t)
	f.info.Store(ti)
	return ti
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	zeroerType        = reflect.TypeFor[interface{ IsZero() bool }]()
	numberType        = reflect.TypeFor[json.Number]()
	stringType        = reflect.TypeFor[string]()
	stringMapType     = reflect.TypeFor[map[string]string]()
)

// plans memoizes typeInfoOf: a pure function of the type, so sharing it
// between goroutines changes no result (it is not state of the encoder;
// it only saves recomputing a type's fields). Keys are reflect.Type,
// values *typeInfo.
var plans sync.Map

func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := plans.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti, _ := plans.LoadOrStore(t, typeInfoOf(t))
	return ti.(*typeInfo)
}

func typeInfoOf(t reflect.Type) *typeInfo {
	ti := &typeInfo{t: t}
	k := t.Kind()
	if k != reflect.Pointer && k != reflect.Interface {
		pt := reflect.PointerTo(t)
		switch {
		case pt.Implements(marshalerType):
			ti.addr = hJSON
		case pt.Implements(textMarshalerType):
			ti.addr = hText
		}
		ti.addrZero = pt.Implements(zeroerType)
	}
	ti.zeroer = t.Implements(zeroerType)
	switch {
	case t.Implements(marshalerType):
		ti.how = hJSON
	case t.Implements(textMarshalerType):
		ti.how = hText
	}
	if ti.how != hBad {
		if k == reflect.Interface {
			ti.how = hBad // an interface type with the method: not sure
		}
		return ti
	}
	if k == reflect.Interface && ti.zeroer {
		ti.how = hBad // omitzero on it: not sure
		return ti
	}
	switch k {
	case reflect.String:
		if t != numberType {
			ti.how = hString
		}
	case reflect.Bool:
		ti.how = hBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		ti.how = hInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		ti.how = hUint
	case reflect.Float32, reflect.Float64:
		ti.how = hFloat
	case reflect.Pointer:
		ti.how = hPointer
	case reflect.Interface:
		ti.how = hInterface
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			ti.how = hMap
			ti.strings = t.Key() == stringType && t.Elem() == stringType
		}
	case reflect.Slice:
		ti.how = hSlice
		if t.Elem().Kind() == reflect.Uint8 {
			ti.how = hBytes
			pe := reflect.PointerTo(t.Elem())
			if pe.Implements(marshalerType) || pe.Implements(textMarshalerType) {
				ti.how = hBad
			}
		}
	case reflect.Array:
		ti.how = hArray
	case reflect.Struct:
		var ok bool
		if ti.fields, ok = structFields(t); ok {
			ti.how = hStruct
			ti.ordered = true
			for i, f := range ti.fields {
				for _, g := range ti.fields[i+1:] {
					_, known := libraryOrder([]byte(f.name), []byte(g.name))
					ti.ordered = ti.ordered && known
				}
			}
			if ti.ordered {
				slices.SortFunc(ti.fields, func(f, g *field) int {
					c, _ := libraryOrder([]byte(f.name), []byte(g.name))
					return c
				})
			}
			for _, f := range ti.fields {
				var e emitter
				f.plain = len(f.name) <= maxSimpleKey && e.word([]byte(f.name)) && string(e.out) == f.name
			}
		}
	}
	return ti
}

// candidate is a field found at some depth of embedding.
type candidate struct {
	*field
	depth int
}

// structFields lists the fields of struct type t that encoding/json
// writes; false where the walker is not sure which.
func structFields(t reflect.Type) ([]*field, bool) {
	type level struct {
		t     reflect.Type
		index []int
	}
	var found []candidate
	seen := map[reflect.Type]bool{} // at a lower depth
	current := []level{{t: t}}
	for depth := 0; len(current) > 0; depth++ {
		var next []level
		var here []reflect.Type
		for _, l := range current {
			if seen[l.t] {
				continue // its fields are all hidden by the shallower ones
			}
			here = append(here, l.t)
			for i := range l.t.NumField() {
				sf := l.t.Field(i)
				tag, tagged := sf.Tag.Lookup("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				ft := sf.Type
				if sf.Anonymous {
					et := ft
					if et.Kind() == reflect.Pointer {
						et = et.Elem()
					}
					if !sf.IsExported() {
						if et.Kind() != reflect.Struct {
							continue
						}
						if name != "" || ft.Kind() == reflect.Pointer {
							return nil, false
						}
					}
					if name == "" && et.Kind() == reflect.Struct {
						index := append(append([]int(nil), l.index...), i)
						next = append(next, level{t: et, index: index})
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				if name == "" {
					name = sf.Name
				} else if !simpleName(name) {
					return nil, false
				}
				c := candidate{field: &field{name: name, index: append(append([]int(nil), l.index...), i), t: ft, kind: ft.Kind()}, depth: depth}
				if tagged {
					for o := range strings.SplitSeq(opts, ",") {
						switch o {
						case "omitempty":
							c.omitEmpty = true
						case "omitzero":
							c.omitZero = true
						case "string":
							return nil, false
						}
					}
				}
				found = append(found, c)
			}
		}
		for _, h := range here {
			seen[h] = true
		}
		current = next
	}
	// The least nested field of each name; two at that depth: not sure.
	best := map[string]int{}
	var out []*field
	for i, c := range found {
		j, ok := best[c.name]
		switch {
		case !ok:
			best[c.name] = i
		case found[j].depth == c.depth:
			return nil, false
		}
	}
	for i, c := range found {
		if best[c.name] == i {
			out = append(out, c.field)
		}
	}
	// In key order: the emitter's sort finds them sorted.
	slices.SortFunc(out, func(a, b *field) int { return strings.Compare(a.name, b.name) })
	return out, true
}

// simpleName: a tag name that encoding/json surely takes as the key
// (letters, digits and a few punctuation characters); others go the JSON
// way.
func simpleName(s string) bool {
	for _, c := range []byte(s) {
		if !(isLetter(c) || isDigit(c) || strings.IndexByte("-_./$@", c) >= 0) {
			return false
		}
	}
	return true
}

// walker fills the parser's nodes from a Go value.
type walker struct {
	p       *parser
	scratch bytes.Buffer
	spare   map[reflect.Type][]reflect.Value
	depth   int
	ok      bool
}

// walk writes v into p's (emptied) node list and returns its root node;
// false when the document must go the JSON way.
func (w *walker) walk(p *parser, v any) (int32, bool) {
	w.p, w.depth, w.ok = p, 0, true
	p.src, p.pos, p.end = p.src[:0], 0, 0
	p.nodes, p.kids, p.stack = p.nodes[:0], p.kids[:0], p.stack[:0]
	p.depth, p.ok = 0, true
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return w.leaf(kNull), true
	}
	root := w.value(rv, infoOf(rv.Type()), false)
	return root, w.ok
}

func (w *walker) fail() int32 {
	w.ok = false
	return 0
}

// str appends s to the buffer and returns its span.
func (w *walker) str(s string) span {
	p := w.p
	start := len(p.src)
	p.src = append(p.src, s...)
	return span{int32(start), int32(len(p.src))}
}

func (w *walker) leaf(k kind) int32 { return w.p.add(node{kind: k}) }

// value writes v; addr: v is addressable in encoding/json's walk too (a
// map's values are not, though the walker's copy of one is).
func (w *walker) value(v reflect.Value, ti *typeInfo, addr bool) int32 {
	if !w.ok {
		return 0
	}
	h := ti.how
	if ti.addr != hBad && addr {
		return w.method(v.Addr(), ti.addr)
	}
	p := w.p
	switch h {
	case hString:
		s := v.String()
		if !utf8.ValidString(s) {
			return w.fail() // encoding/json replaces invalid bytes
		}
		return p.add(node{kind: kString, val: w.str(s)})
	case hBool:
		if v.Bool() {
			return w.leaf(kTrue)
		}
		return w.leaf(kFalse)
	case hInt:
		start := len(p.src)
		p.src = strconv.AppendInt(p.src, v.Int(), 10)
		return p.add(node{kind: kNumber, val: span{int32(start), int32(len(p.src))}})
	case hUint:
		start := len(p.src)
		p.src = strconv.AppendUint(p.src, v.Uint(), 10)
		return p.add(node{kind: kNumber, val: span{int32(start), int32(len(p.src))}})
	case hPointer:
		if v.IsNil() {
			return w.leaf(kNull)
		}
		return w.value(v.Elem(), ti.elemInfo(), true)
	case hInterface:
		if v.IsNil() {
			return w.leaf(kNull)
		}
		e := v.Elem()
		return w.value(e, infoOf(e.Type()), false)
	case hJSON, hText:
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return w.leaf(kNull)
			}
		} else if v.CanAddr() {
			// T's method through *T (the same call), where
			// v.Interface() would copy v.
			return w.method(v.Addr(), h)
		}
		return w.method(v, h)
	case hBytes:
		if v.IsNil() {
			return w.leaf(kNull)
		}
		start := len(p.src)
		p.src = base64.StdEncoding.AppendEncode(p.src, v.Bytes())
		return p.add(node{kind: kString, val: span{int32(start), int32(len(p.src))}})
	case hSlice:
		if v.IsNil() {
			return w.leaf(kNull)
		}
		return w.array(v, ti.elemInfo(), true)
	case hArray:
		return w.array(v, ti.elemInfo(), addr)
	case hMap:
		if v.IsNil() {
			return w.leaf(kNull)
		}
		return w.object(v, ti)
	case hStruct:
		return w.structure(v, ti, addr)
	}
	return w.fail()
}

// scratchValue returns a settable value of type t for a map's keys or
// values, taken from the walker's spares (a nested map of the same type
// takes another one).
func (w *walker) scratchValue(t reflect.Type) reflect.Value {
	if vs := w.spare[t]; len(vs) > 0 {
		w.spare[t] = vs[:len(vs)-1]
		return vs[len(vs)-1]
	}
	return reflect.New(t).Elem()
}

// release gives scratch values back (zeroed: they hold no reference to
// the walked value past its walk).
func (w *walker) release(vs ...reflect.Value) {
	if w.spare == nil {
		w.spare = map[reflect.Type][]reflect.Value{}
	}
	for _, v := range vs {
		v.SetZero()
		w.spare[v.Type()] = append(w.spare[v.Type()], v)
	}
}

// open starts an object or array node; close moves its children into
// kids. The depth is the parser's: deeper documents go the JSON way
// (where the parser rejects them).
func (w *walker) open(k kind) (int32, int) {
	w.depth++
	if w.depth > maxDepth {
		w.ok = false
	}
	return w.p.add(node{kind: k}), len(w.p.stack)
}

func (w *walker) close(i int32, mark int) int32 {
	w.depth--
	return w.p.adopt(i, mark)
}

func (w *walker) array(v reflect.Value, ei *typeInfo, addr bool) int32 {
	i, mark := w.open(kArray)
	for j := range v.Len() {
		if !w.ok {
			break
		}
		k := w.value(v.Index(j), ei, addr)
		w.p.stack = append(w.p.stack, k)
	}
	return w.close(i, mark)
}

func (w *walker) object(v reflect.Value, ti *typeInfo) int32 {
	i, mark := w.open(kObject)
	p := w.p
	if ti.strings && v.CanInterface() {
		if v.Type() != stringMapType {
			v = v.Convert(stringMapType)
		}
		for key, val := range v.Interface().(map[string]string) {
			if !utf8.ValidString(key) || !utf8.ValidString(val) {
				return w.fail()
			}
			k := p.add(node{kind: kString, val: w.str(val)})
			p.nodes[k].key = w.str(key)
			p.stack = append(p.stack, k)
		}
		return w.close(i, mark)
	}
	t := v.Type()
	ei := ti.elemInfo()
	key, val := w.scratchValue(t.Key()), w.scratchValue(t.Elem())
	defer w.release(key, val)
	var it reflect.MapIter
	for it.Reset(v); it.Next() && w.ok; {
		key.SetIterKey(&it)
		val.SetIterValue(&it)
		s := key.String()
		if !utf8.ValidString(s) {
			return w.fail()
		}
		k := w.value(val, ei, false)
		p.nodes[k].key = w.str(s)
		p.stack = append(p.stack, k)
	}
	return w.close(i, mark)
}

func (w *walker) structure(v reflect.Value, ti *typeInfo, addr bool) int32 {
	fields := ti.fields
	i, mark := w.open(kObject)
	if ti.ordered {
		w.p.nodes[i].flags = sorted
	}
	for _, f := range fields {
		if !w.ok {
			break
		}
		fv, faddr, ok := v, addr, true
		if len(f.index) == 1 {
			fv = v.Field(f.index[0])
		} else if fv, faddr, ok = fieldAt(v, f.index, addr); !ok {
			continue
		}
		if f.omitEmpty && empty(fv, f.kind) {
			continue
		}
		fi := f.infoOf()
		if f.omitZero {
			zero, sure := isZero(fv, fi)
			if !sure {
				return w.fail()
			}
			if zero {
				continue
			}
		}
		k := w.value(fv, fi, faddr)
		w.p.nodes[k].key = w.str(f.name)
		if f.plain {
			w.p.nodes[k].flags |= plainKey
		}
		w.p.stack = append(w.p.stack, k)
	}
	return w.close(i, mark)
}

// fieldAt is v's field at index (through embedded structs); false when
// an embedded pointer on the way is nil (its fields are left out).
func fieldAt(v reflect.Value, index []int, addr bool) (reflect.Value, bool, bool) {
	for n, i := range index {
		if n > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return v, false, false
			}
			v, addr = v.Elem(), true
		}
		v = v.Field(i)
	}
	return v, addr, true
}

// empty is omitempty's test, for v of kind k.
func empty(v reflect.Value, k reflect.Kind) bool {
	switch k {
	case reflect.String:
		return v.String() == ""
	case reflect.Slice, reflect.Map, reflect.Array:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	}
	return false
}

// isZero is omitzero's test: the value's IsZero() if it has one (a nil
// pointer is zero), else the type's zero value; sure is false where the
// walker would have to guess.
func isZero(v reflect.Value, ti *typeInfo) (zero, sure bool) {
	switch {
	case v.Kind() == reflect.Interface && ti.zeroer:
		return false, false
	case v.Kind() == reflect.Pointer && v.IsNil():
		return true, true
	case ti.zeroer:
		if !v.CanInterface() {
			return false, false
		}
		return v.Interface().(interface{ IsZero() bool }).IsZero(), true
	case ti.addrZero:
		if !v.CanAddr() {
			c := reflect.New(v.Type()).Elem()
			c.Set(v)
			v = c
		}
		return v.Addr().Interface().(interface{ IsZero() bool }).IsZero(), true
	}
	return v.IsZero(), true
}

// method writes v's MarshalJSON (hJSON: parsed into the node list) or
// MarshalText (hText: a string) output.
func (w *walker) method(v reflect.Value, h how) int32 {
	if !v.CanInterface() {
		return w.fail()
	}
	p := w.p
	if h == hText {
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil || !utf8.Valid(b) {
			return w.fail()
		}
		start := len(p.src)
		p.src = append(p.src, b...)
		return p.add(node{kind: kString, val: span{int32(start), int32(len(p.src))}})
	}
	b, err := v.Interface().(json.Marshaler).MarshalJSON()
	if err != nil {
		return w.fail()
	}
	if !compact(b) {
		w.scratch.Reset()
		if json.Compact(&w.scratch, b) != nil {
			return w.fail()
		}
		b = w.scratch.Bytes()
	}
	// Parse the text, appended to the buffer, where the walk stands.
	start := len(p.src)
	p.src = append(p.src, b...)
	p.pos, p.end, p.depth, p.ok = start, len(p.src), w.depth, true
	root := p.value()
	if !p.ok || p.pos != p.end {
		return w.fail()
	}
	return root
}

// compact: b is a short JSON string without escapes, controls or
// non-ASCII text, or an integer without leading zeros: valid, compact
// JSON (what resource.Quantity, metav1.Time and IntOrString write), which
// needs no json.Compact.
func compact(b []byte) bool {
	if len(b) == 0 || len(b) > 64 {
		return false
	}
	if b[0] == '"' {
		if len(b) < 2 || b[len(b)-1] != '"' {
			return false
		}
		for _, c := range b[1 : len(b)-1] {
			if c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
				return false
			}
		}
		return true
	}
	if b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 || b[0] == '0' && len(b) > 1 {
		return false
	}
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}
