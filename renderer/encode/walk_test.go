package encode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// Types for the walker's cases. Each differs from the JSON path if one
// of the walker's rules is dropped or inverted.

type Base struct {
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
}

type Extra struct {
	Note  string `json:"note"`
	Shade string // no tag: its Go name
}

type embedded struct {
	Hidden string `json:"hidden"` // promoted from an unexported embedded struct
}

type Deep struct {
	Extra
	Kind string `json:"kind"`
}

type Outer struct {
	Base                   // promoted
	*Extra                 // promoted through a pointer; nil: left out
	embedded               // promoted though unexported
	Named    Base          `json:"named"` // a name: not promoted
	Tagged   Extra         `json:"tagged,omitempty"`
	Deep     `json:"deep"` // a name: not promoted
	Dash     string        `json:"-"`
	DashName string        `json:"-,"`
	private  string
	NoTag    int
	Renamed  bool `json:"on"`
	Opts     int  `json:",omitempty"` // no name, an option
	Unknown  int  `json:"unknown,inline"`
}

// Omit has one omitempty field per kind.
type Omit struct {
	S   string            `json:"s,omitempty"`
	B   bool              `json:"b,omitempty"`
	I   int64             `json:"i,omitempty"`
	I8  int8              `json:"i8,omitempty"`
	U   uint              `json:"u,omitempty"`
	U16 uint16            `json:"u16,omitempty"`
	P   *string           `json:"p,omitempty"`
	If  any               `json:"if,omitempty"`
	Sl  []string          `json:"sl,omitempty"`
	M   map[string]int    `json:"m,omitempty"`
	A0  [0]int            `json:"a0,omitempty"`
	A2  [2]int            `json:"a2,omitempty"`
	St  Base              `json:"st,omitempty"` // a struct is never empty
	Q   resource.Quantity `json:"q,omitempty"`  // nor a Quantity
	T   metav1.Time       `json:"t,omitempty"`
	By  []byte            `json:"by,omitempty"`
	// Without omitempty: null for nil, [] and {} for empty.
	NSl  []string          `json:"nsl"`
	NM   map[string]string `json:"nm"`
	NP   *Base             `json:"np"`
	NIf  any               `json:"nif"`
	NBy  []byte            `json:"nby"`
	NErr error             `json:"nerr"`
}

// Zero has omitzero fields.
type Zero struct {
	T  metav1.Time  `json:"t,omitzero"`  // IsZero on *Time
	PT *metav1.Time `json:"pt,omitzero"` // nil: zero
	D  valZero      `json:"d,omitzero"`  // IsZero on the value
	PZ ptrZero      `json:"pz,omitzero"` // IsZero on the pointer
	S  Base         `json:"s,omitzero"`  // no IsZero: the zero struct
	I  int          `json:"i,omitzero"`
	Sl []int        `json:"sl,omitzero"` // nil is zero, empty is not
}

type valZero struct{ N int }

func (v valZero) IsZero() bool { return v.N < 10 }

type ptrZero struct{ N int }

func (p *ptrZero) IsZero() bool { return p.N%2 == 1 }

// ptrJSON has MarshalJSON on the pointer only: called where the value is
// addressable (a field through a pointer, a slice element), not for a map
// value or a field of a struct passed by value.
type ptrJSON struct{ V string }

func (p *ptrJSON) MarshalJSON() ([]byte, error) {
	return []byte(`{"via": "pointer", "v": "` + p.V + `"}`), nil
}

// valText has MarshalText on the value.
type valText struct{ V string }

func (v valText) MarshalText() ([]byte, error) { return []byte("text:" + v.V), nil }

// both has MarshalJSON on the pointer and MarshalText on the value.
type both struct{ V string }

func (b *both) MarshalJSON() ([]byte, error) { return []byte(`"json"`), nil }
func (b both) MarshalText() ([]byte, error)  { return []byte("text"), nil }

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

type Methods struct {
	Q     resource.Quantity            `json:"q"`
	QM    map[string]resource.Quantity `json:"qm"`
	QS    []resource.Quantity          `json:"qs"`
	IOS   []intstr.IntOrString         `json:"ios"`
	Time  metav1.Time                  `json:"time"`
	Dur   metav1.Duration              `json:"dur"`
	Raw   runtime.RawExtension         `json:"raw"`
	PJ    ptrJSON                      `json:"pj"`
	PJM   map[string]ptrJSON           `json:"pjm"`
	PJS   []ptrJSON                    `json:"pjs"`
	PJP   *ptrJSON                     `json:"pjp"`
	VT    valText                      `json:"vt"`
	VTP   *valText                     `json:"vtp"`
	VTM   map[string]valText           `json:"vtm"`
	Both  both                         `json:"both"`
	BothM map[string]both              `json:"bothm"`
	Any   any                          `json:"any"`
	Anys  []any                        `json:"anys"`
}

func methodsValue() *Methods {
	raw := []byte("{\n  \"pretty\": [1, 2],\n  \"s\": \"a\\u0041\"\n}")
	return &Methods{
		Q:     resource.MustParse("100m"),
		QM:    map[string]resource.Quantity{"cpu": resource.MustParse("2"), "memory": resource.MustParse("1Gi")},
		QS:    []resource.Quantity{resource.MustParse("1.5"), {}},
		IOS:   []intstr.IntOrString{intstr.FromInt32(8080), intstr.FromString("https")},
		Time:  metav1.NewTime(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)),
		Dur:   metav1.Duration{Duration: 90 * time.Second},
		Raw:   runtime.RawExtension{Raw: raw},
		PJ:    ptrJSON{V: "field"},
		PJM:   map[string]ptrJSON{"k": {V: "map"}},
		PJS:   []ptrJSON{{V: "slice"}},
		PJP:   &ptrJSON{V: "ptr"},
		VT:    valText{V: "a"},
		VTM:   map[string]valText{"k": {V: "b"}},
		BothM: map[string]both{"k": {}},
		Any:   map[string]any{"nested": map[string]any{"q": resource.MustParse("3"), "list": []any{1, "two", true, nil}}},
		Anys:  []any{nil, (*Base)(nil), Base{Kind: "K"}, map[string]string{"a": "b"}},
	}
}

// walkCases: values the walker must write as the JSON path does.
func walkCases() map[string]any {
	s := "x"
	return map[string]any{
		"outer":        &Outer{Base: Base{Kind: "K"}, embedded: embedded{Hidden: "h"}, Named: Base{Kind: "N"}, Deep: Deep{Kind: "deep", Extra: Extra{Note: "n"}}, Dash: "d", DashName: "dn", private: "p", NoTag: 3, Renamed: true},
		"outer extra":  &Outer{Extra: &Extra{Note: "promoted", Shade: "s"}, Tagged: Extra{Note: "t"}, Opts: 7, Unknown: -1},
		"outer value":  Outer{Base: Base{Name: "by value"}},
		"omit zero":    &Omit{},
		"omit set":     &Omit{S: "s", B: true, I: -1, I8: -8, U: 1, U16: 16, P: &s, If: 0, Sl: []string{""}, M: map[string]int{"": 0}, A2: [2]int{}, By: []byte{0, 1, 250}, NSl: []string{}, NM: map[string]string{}, NP: &Base{}, NIf: map[string]any{}, NBy: []byte{}},
		"omit empty":   &Omit{If: (*Base)(nil), Sl: []string{}, M: map[string]int{}},
		"zero":         &Zero{Sl: []int{}},
		"zero set":     &Zero{T: metav1.NewTime(time.Unix(0, 0).UTC()), PT: &metav1.Time{}, D: valZero{N: 10}, S: Base{Kind: "k"}, I: 1, Sl: []int{0}},
		"zero below":   &Zero{D: valZero{N: 9}, PZ: ptrZero{N: 1}},
		"zero value":   Zero{T: metav1.NewTime(time.Unix(1, 0).UTC()), PZ: ptrZero{N: 3}},
		"zero in map":  map[string]Zero{"k": {PZ: ptrZero{N: 5}}},
		"methods":      methodsValue(),
		"methods flat": *methodsValue(),
		"nil pointer":  (*Base)(nil),
		"nil":          nil,
		"nil map":      map[string]any(nil),
		"iface map":    map[string]any{"m": map[string]any{"k": []any{"v", 1, map[string]any{}}}, "e": []any{}, "n": nil},
		"named map":    map[corev1.ResourceName]string{"cpu": "1"},
		"labels":       corev1.ResourceList{"cpu": resource.MustParse("1")},
		"scalars":      []any{"true", "1", "", "a: b", "multi\nline\n", 'r', uint8(7), int64(-1 << 59), uint64(1 << 59), false},
		"string":       "just: a string",
		"bytes":        []byte("hello"),
		"pod":          &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Name: "p", CreationTimestamp: metav1.Now()}, Status: corev1.PodStatus{Phase: "Running"}},
		"unstructured": &unstructured.Unstructured{Object: map[string]any{"kind": "X", "spec": map[string]any{"a": int64(1), "b": []any{"c"}}, "status": map[string]any{}}},
		"escaped":      map[string]string{"k<>&": "\u2028 \"quoted\" \\ \t"},
		"deep":         deepValue(150),
	}
}

func deepValue(n int) any {
	var v any = "leaf"
	for range n {
		v = []any{v}
	}
	return v
}

func TestWalk(t *testing.T) {
	for name, v := range walkCases() {
		for _, document := range []bool{true, false} {
			var st state
			got, ok := st.typed(v, document)
			if !ok {
				t.Errorf("%s (document %v): not walked", name, document)
				continue
			}
			want, err := st.viaJSON(v, document)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s (document %v): the walker differs from the JSON path\ngot:\n%s\nwant:\n%s", name, document, got, want)
			}
			j, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if _, p, _ := st.fromJSON(j, false); !document && p == pathOwn {
				if lib, err := yaml.Marshal(v); err != nil || !bytes.Equal(got, lib) {
					t.Errorf("%s: Marshal differs from sigs.k8s.io/yaml (%v)\ngot:\n%s\nwant:\n%s", name, err, got, lib)
				}
			}
		}
	}
}

// TestWalkShapes pins a few outputs, so that a rule that the JSON path
// and the walker might both get wrong shows.
func TestWalkShapes(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{&Outer{Base: Base{Kind: "K"}, embedded: embedded{Hidden: "h"}, Dash: "d", DashName: "dn", private: "p"},
			"'-': dn\nNoTag: 0\ndeep:\n  Shade: \"\"\n  kind: \"\"\n  note: \"\"\nhidden: h\nkind: K\nnamed:\n  kind: \"\"\n\"on\": false\ntagged:\n  Shade: \"\"\n  note: \"\"\nunknown: 0\n"},
		{&Omit{}, "a2:\n- 0\n- 0\nnby: null\nnerr: null\nnif: null\nnm: null\nnp: null\nnsl: null\nq: \"0\"\nst:\n  kind: \"\"\nt: null\n"},
		{&Zero{Sl: []int{}}, "pz:\n  \"N\": 0\nsl: []\n"},
		{struct {
			M map[string]ptrJSON `json:"m"`
			S []ptrJSON          `json:"s"`
		}{map[string]ptrJSON{"k": {V: "x"}}, []ptrJSON{{V: "y"}}}, "m:\n  k:\n    V: x\ns:\n- v: \"y\"\n  via: pointer\n"},
	} {
		got, err := Marshal(c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("Marshal(%#v) =\n%s (%v)\nwant\n%s", c.v, got, err, c.want)
		}
	}
}

// Types the walker leaves to the JSON path, for the whole document.
type withFloat struct {
	F float64 `json:"f"`
}

type withString struct {
	N int `json:"n,string"`
}

type ConflictA struct {
	X string `json:"x"`
}

type ConflictB struct {
	X string `json:"x"`
}

// twoOfOneName builds (with reflect, which go vet does not check) a
// struct with ConflictA embedded and a field y tagged "x": at the same
// depth (a conflict) if y is a ConflictB embedded, else shallower (y wins).
func twoOfOneName(embedB bool) any {
	y := reflect.StructField{Name: "Y", Type: reflect.TypeFor[string](), Tag: `json:"x"`}
	if embedB {
		y = reflect.StructField{Name: "ConflictB", Type: reflect.TypeFor[ConflictB](), Anonymous: true}
	}
	v := reflect.New(reflect.StructOf([]reflect.StructField{
		{Name: "ConflictA", Type: reflect.TypeFor[ConflictA](), Anonymous: true}, y,
	}))
	v.Elem().Field(0).Field(0).SetString("deep")
	if embedB {
		v.Elem().Field(1).Field(0).SetString("other")
	} else {
		v.Elem().Field(1).SetString("top")
	}
	return v.Interface()
}

// digitKeys: sigs.k8s.io/yaml sorts k9 before k10, byte order after;
// the walker knows (libraryOrder).
type digitKeys struct {
	K10 int `json:"k10"`
	K9  int `json:"k9"`
}

// zeroKeys: k010 against k9 is an order libraryOrder does not know.
type zeroKeys struct {
	K010 int `json:"k010"`
	K9   int `json:"k9"`
}

type oddTag struct {
	V string `json:"a b"`
}

type failingField struct {
	F failing `json:"f"`
}

type funcField struct {
	F func() `json:"f"`
}

type intKeys struct {
	M map[int]string `json:"m"`
}

type number struct {
	N jsonNumber `json:"n"`
}

type jsonNumber = interface{ String() string }

func TestWalkFallback(t *testing.T) {
	for name, c := range map[string]struct {
		v      any
		walked bool
	}{
		"float":        {&withFloat{F: 1.5}, false},
		"omitted nil":  {&struct{ F *withFloat }{}, true},
		"string opt":   {&withString{N: 1}, false},
		"conflict":     {twoOfOneName(true), false},
		"shallower":    {twoOfOneName(false), true},
		"odd tag":      {&oddTag{V: "v"}, false},
		"digit keys":   {&digitKeys{}, true},
		"zero keys":    {&zeroKeys{}, false},
		"error":        {&failingField{}, false},
		"func":         {&funcField{F: func() {}}, false},
		"int keys":     {&intKeys{M: map[int]string{1: "a"}}, false},
		"bad utf8":     {map[string]string{"k": "\xff"}, false},
		"bad utf8 key": {map[string]int{"\xff": 1}, false},
		"too deep":     {deepValue(maxDepth + 5), false},
		"long text":    {map[string]string{"k": strings.Repeat("word ", 30)}, false},
		"big int":      {[]int64{-1 << 63}, false},
		"big uint":     {[]uint64{1<<64 - 1}, false},
		"number":       {map[string]any{"n": json.Number("12")}, false},
		"stringer":     {&number{N: json.Number("1")}, false},
	} {
		for _, document := range []bool{true, false} {
			var st state
			_, walked := st.typed(c.v, document)
			if walked != c.walked {
				t.Errorf("%s (document %v): walked %v, want %v", name, document, walked, c.walked)
			}
			got, gerr := run(c.v, document)
			want, werr := st.viaJSON(c.v, document)
			if !bytes.Equal(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Errorf("%s (document %v): got %q (%v), want %q (%v)", name, document, got, gerr, want, werr)
			}
		}
	}
}

// TestLibraryOrder: where libraryOrder says it knows, sigs.k8s.io/yaml
// writes the two keys in that order.
func TestLibraryOrder(t *testing.T) {
	keys := []string{"http2_protocol_options", "http_filters", "k9", "k10", "k010", "k09", "a1", "a_", "a-", "a", "ab",
		"aB", "A", "_", "-", "1", "10", "2", "a1b", "a1_", "x.y", "x_y", "x0", "xy", "é", "a" + strings.Repeat("1", 20), "a2"}
	known := 0
	for _, a := range keys {
		for _, b := range keys {
			if a == b {
				continue
			}
			c, ok := libraryOrder([]byte(a), []byte(b))
			if !ok {
				continue
			}
			known++
			out, err := yaml.Marshal(map[string]int{a: 1, b: 2})
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(out), "\n")
			aFirst := strings.HasSuffix(first, ": 1") // a's value
			if aFirst != (c < 0) {
				t.Errorf("libraryOrder(%q, %q) = %d, the library writes:\n%s", a, b, c, out)
			}
		}
	}
	if known < len(keys)*(len(keys)-1)*3/4 {
		t.Errorf("libraryOrder knows only %d pairs", known)
	}
}
