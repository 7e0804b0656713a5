package tree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Types with the encoding/json corner cases that the walker reproduces.
type (
	inner struct {
		A string `json:"a,omitempty"`
		B int    `json:"b"`
	}
	Outer2 struct {
		C string `json:"c"`
		B int    `json:"b"` // same depth as inner.B, untagged tie: both dropped
	}
	hidden struct {
		Shown string `json:"shown"`
	}
	embedding struct {
		metav1.TypeMeta `json:",inline"`
		inner
		*Outer2
		hidden
		X string `json:"x,omitempty"`
		B int    `json:"b"` // shallower: wins over the embedded ones
	}
	ptrMarshaler struct{ V string }
	valMarshaler struct{ V string }
	textKey      string
	ptrText      struct{ V string }
	badMarshaler struct{ Err bool }
	zeroer       struct{ N int }
	ptrZeroer    struct{ N int }
	cyclic       struct {
		Name string  `json:"name"`
		Next *cyclic `json:"next,omitempty"`
	}
	corner struct {
		Str        string             `json:"str,omitempty"`
		Empty      string             `json:"empty"`
		Ptr        *int32             `json:"ptr,omitempty"`
		PtrZero    *int32             `json:"ptrZero"`
		NilPtr     *int32             `json:"nilPtr"`
		Slice      []string           `json:"slice"`
		EmptySlice []string           `json:"emptySlice"`
		OmitSlice  []string           `json:"omitSlice,omitempty"`
		Map        map[string]string  `json:"map"`
		NilMap     map[string]string  `json:"nilMap"`
		EmptyMap   map[string]int     `json:"emptyMap,omitempty"`
		NamedMap   map[textKey]string `json:"namedMap"`
		Bytes      []byte             `json:"bytes"`
		NilBytes   []byte             `json:"nilBytes"`
		Q          resource.Quantity  `json:"q"`
		QP         *resource.Quantity `json:"qp,omitempty"`
		Resources  corev1.ResourceList
		IOS        intstr.IntOrString   `json:"ios"`
		IOSS       intstr.IntOrString   `json:"ioss"`
		T          metav1.Time          `json:"t"`
		TZ         metav1.Time          `json:"tz,omitzero"`
		TP         *metav1.Time         `json:"tp"`
		Raw        runtime.RawExtension `json:"raw"`
		D          metav1.Duration      `json:"d"`
		GoTime     time.Time            `json:"goTime"`
		F64        float64              `json:"f64"`
		F64Big     float64              `json:"f64Big"`
		F64Small   float64              `json:"f64Small"`
		F32        float32              `json:"f32"`
		NegZero    float64              `json:"negZero,omitempty"`
		Any        any                  `json:"any"`
		AnyNil     any                  `json:"anyNil"`
		Arr        [2]int8              `json:"arr"`
		EmptyArr   [0]int               `json:"emptyArr,omitempty"`
		U8         uint8                `json:"u8"`
		U64        uint64               `json:"u64"`
		I64        int64                `json:"i64"`
		I16        int16                `json:"i16,omitempty"`
		Bool       bool                 `json:"bool,omitempty"`
		BoolF      bool                 `json:"boolF"`
		Num        json.Number          `json:"num"`
		NumEmpty   json.Number          `json:"numEmpty"`
		unexported string
		Dash       string `json:"-"`
		DashComma  string `json:"-,"`
		NoTag      string
		BadTag     string                  `json:"a\"b"`
		Spaced     string                  `json:"with space!"`
		PM         ptrMarshaler            `json:"pm"`
		PMs        []ptrMarshaler          `json:"pms"`
		PMMap      map[string]ptrMarshaler `json:"pmMap"`
		VM         valMarshaler            `json:"vm"`
		PT         ptrText                 `json:"pt"`
		Z          zeroer                  `json:"z,omitzero"`
		PZ         ptrZeroer               `json:"pz,omitzero"`
		PZMap      map[string]struct {
			PZ ptrZeroer `json:"pz,omitzero"`
		} `json:"pzMap"`
		Status struct {
			Empty struct{} `json:"empty"`
		} `json:"status"`
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
)

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(` {"ptr" : "` + p.V + `<&>"} `), nil
}
func (v valMarshaler) MarshalJSON() ([]byte, error) { return json.Marshal("val:" + v.V) }
func (p *ptrText) MarshalText() ([]byte, error)     { return []byte("text:" + p.V), nil }
func (z zeroer) IsZero() bool                       { return z.N == 42 }
func (z *ptrZeroer) IsZero() bool                   { return z.N == 7 }
func (b badMarshaler) MarshalJSON() ([]byte, error) {
	if b.Err {
		return nil, errors.New("refused")
	}
	return []byte(`{"a":`), nil
}

func cornerValue() *corner {
	return &corner{
		Str: "yes", Ptr: ptr(int32(0)), PtrZero: ptr(int32(5)),
		Slice:      []string{"a", "", "123", "a: b", " lead", "multi\nline\n", "ü", "x\u2028y", "<html>&", "0x1F", "null", "~"},
		EmptySlice: []string{}, Map: map[string]string{"b": "1", "a": "true", "a10": "x", "a9": "y", "": "empty key"},
		EmptyMap: map[string]int{}, NamedMap: map[textKey]string{"k": "v"},
		Bytes: []byte("hello\x00\xff"), Q: resource.MustParse("100m"), QP: ptr(resource.MustParse("1Gi")),
		Resources: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("512Mi")},
		IOS:       intstr.FromInt32(8080), IOSS: intstr.FromString("https"),
		T: metav1.NewTime(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)), TP: &metav1.Time{},
		Raw: runtime.RawExtension{Raw: []byte(`{"z": [1, 2.5e10, -0, "s"], "a": {"b": null}}`)},
		D:   metav1.Duration{Duration: 90 * time.Second}, GoTime: time.Date(2020, 5, 6, 7, 8, 9, 10, time.FixedZone("x", 3600)),
		F64: 1.5, F64Big: 1e21, F64Small: 1e-7, F32: 3.14159, NegZero: math.Copysign(0, -1),
		Any: map[string]any{"n": 1.0, "list": []any{true, nil, "s", 2.5, map[string]any{}}, "nested": map[string]any{"status": map[string]any{}}},
		Arr: [2]int8{-1, 1}, U8: 255, U64: math.MaxUint64, I64: math.MinInt64, BoolF: false, Num: "1e3",
		unexported: "hidden", Dash: "dash", DashComma: "dash-comma", NoTag: "notag", BadTag: "bad", Spaced: "spaced",
		PM: ptrMarshaler{"a"}, PMs: []ptrMarshaler{{"b"}}, PMMap: map[string]ptrMarshaler{"k": {"c"}},
		VM: valMarshaler{"v"}, PT: ptrText{"t"}, Z: zeroer{42}, PZ: ptrZeroer{1},
		PZMap: map[string]struct {
			PZ ptrZeroer `json:"pz,omitzero"`
		}{"a": {ptrZeroer{7}}, "b": {ptrZeroer{8}}},
		Metadata: metav1.ObjectMeta{Name: "n", Labels: map[string]string{"app": "x"}},
	}
}

func TestWalkerCorners(t *testing.T) {
	self := &cyclic{Name: "loop"}
	self.Next = self
	deep := &cyclic{Name: "0"}
	for i := range 300 {
		deep = &cyclic{Name: fmt.Sprint(i + 1), Next: deep}
	}
	tests := []struct {
		name   string
		v      any
		walker bool // the walker takes it (else the JSON path does)
	}{
		{"corners by pointer (addressable)", cornerValue(), true},
		{"corners by value (not addressable)", *cornerValue(), true},
		{"zero corners", &corner{}, true},
		{"embedding", &embedding{TypeMeta: metav1.TypeMeta{Kind: "K"}, inner: inner{A: "a", B: 1}, Outer2: &Outer2{C: "c", B: 2}, hidden: hidden{"s"}, B: 3}, true},
		{"embedding, nil pointer", embedding{inner: inner{B: 1}}, true},
		{"deployment", testDeployment(), true},
		{"job with zero values", &batchv1.Job{TypeMeta: metav1.TypeMeta{Kind: "Job"}, Spec: batchv1.JobSpec{Parallelism: ptr(int32(0)), Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{}}}}}}, true},
		{"statefulset with claim templates", &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{}}}}, true},
		{"map of any", map[string]any{"status": 1, "metadata": map[string]any{"creationTimestamp": nil}, "f": float32(0.1), "i": int8(-3)}, true},
		{"named map", map[textKey]int{"b": 1, "a": 2}, true},
		{"keys that yaml.v2 orders intransitively", map[string]int{"1e3": 1, "01": 2, "12:30": 3, "7a": 4, "a1": 5, "a01": 6, "10": 7}, true},
		{"quotes needed", map[string]string{"on": "off", "k": "2024-01-02", "1.5": ".inf", "x": "12:30"}, true},
		{"deep but finite", deep, false},
		{"not an object", []string{"a"}, false},
		{"nil", nil, false},
		{"string", "s", false},
		{"invalid UTF-8", map[string]string{"k": "a\xffb"}, false},
		{"invalid UTF-8 key", map[string]int{"\xff": 1}, false},
		{"DEL", map[string]any{"k": "a\x7f"}, false},
		{"BOM", struct{ S string }{"\ufeffx"}, false},
		{"C1 control", struct{ S string }{"a\u0085"}, false},
		{"int keys", map[int]string{2: "b", 10: "a"}, false},
		{"string option", struct {
			N int `json:"n,string"`
		}{5}, false},
		{"string option, omitted", struct {
			N int `json:"n,omitempty,string"`
		}{}, true},
		{"NaN", map[string]float64{"x": math.NaN()}, false},
		{"cycle", self, false},
		{"func", map[string]any{"f": func() {}}, false},
		{"chan field", struct{ C chan int }{}, false},
		{"marshaler error", struct{ B badMarshaler }{badMarshaler{Err: true}}, false},
		{"marshaler invalid JSON", struct{ B badMarshaler }{}, false},
		{"invalid number", struct{ N json.Number }{"1x"}, false},
		{"long key (the emitter defers)", map[string]int{strings.Repeat("k", 200): 1}, false},
		{"break in key (the emitter defers)", map[string]int{"a\nb": 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 10 { // maps: several iteration orders
				checkWalker(t, tc.v, tc.walker)
			}
		})
	}
}

// checkWalker compares EncodeYAML and MarshalYAML with their JSON paths
// on v (bytes and errors), and whether the walker takes v.
func checkWalker(t *testing.T, v any, walker bool) {
	t.Helper()
	got, gerr := EncodeYAML(v)
	want, werr := encodeViaJSON(v)
	if !bytes.Equal(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("EncodeYAML:\n%s(%v)\nJSON path:\n%s(%v)", got, gerr, want, werr)
	}
	got, gerr = MarshalYAML(v)
	want, werr = marshalViaJSON(v)
	if !bytes.Equal(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("MarshalYAML:\n%s(%v)\nJSON path:\n%s(%v)", got, gerr, want, werr)
	}
	_, took := transcodeValue(v, true)
	if took != (walker && walkerEnabled) { // GOEXPERIMENT=jsonv2: always the JSON path
		t.Fatalf("walker took it: %v, want %v (output:\n%s)", took, walker, got)
	}
}

// TestWalkerRandom compares the two paths on random documents of the
// kind TestEncodeFastRandom builds, as Go values (maps, slices, strings,
// numbers). Unlike there, documents whose keys yaml.v2 orders
// intransitively are kept: the walker hands the emitter the keys in
// encoding/json's order, so the output must still be the same.
func TestWalkerRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	iterations := 5000
	if testing.Short() {
		iterations = 500
	}
	took := 0
	for range iterations {
		doc := map[string]any{}
		for range 1 + r.IntN(6) {
			doc[randKey(r)] = randValue(r, 0)
		}
		got, ok := transcodeValue(doc, true)
		if !ok {
			continue // EncodeYAML is encodeViaJSON
		}
		took++
		j, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := parseJSON(j); !ok {
			t.Fatalf("the walker takes a document that the parser rejects: %s", j)
		}
		want, err := encodeViaJSON(doc)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("EncodeYAML differs from the JSON path on %s\ngot:\n%s\nwant:\n%s(%v)", j, got, want, err)
		}
	}
	if took < iterations/4 && walkerEnabled {
		t.Errorf("the walker took only %d of %d documents", took, iterations)
	}
}

// TestFastPlain checks the emitter's shortcuts against the full analysis.
func TestFastPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	strs := append([]string{"abc", "a:b", "a:", "a#b", "a-b", "yes", "Yes", "yesx", "null", "nullx", "True", "a\x7f", "aé", "a b", "a\tb", "x" + strings.Repeat("y", 200)}, specialStrings...)
	for range 20000 {
		strs = append(strs, randString(r))
	}
	for _, s := range strs {
		if !isFastPlain(s) {
			continue
		}
		a := analyzeScalar(s)
		if !utf8Valid(s) || !resolvesToString(s) || isBase60Float(s) || strings.ContainsAny(s, " \n\r") || hasBreak(s) ||
			!a.blockPlainAllowed || a.multiline {
			t.Errorf("isFastPlain(%q) but the full analysis does not write it plain", s)
		}
	}
	for _, s := range []string{"0", "1", "-1", "42", "-9223372036854775808", "999999999999999999", "00", "-0", "01", "1.0", "1e3", "+1", "", "-", "1_0"} {
		if !isCanonicalInt(s) {
			continue
		}
		if out, isString := resolveNumber(s); isString || out != s || !analyzeScalar(s).blockPlainAllowed {
			t.Errorf("isCanonicalInt(%q) but resolveNumber gives %q (string %v)", s, out, isString)
		}
	}
	for _, s := range []string{"00", "-0", "01", "1.0", "1e3", "+1", "", "-", "1_0"} {
		if isCanonicalInt(s) {
			t.Errorf("isCanonicalInt(%q)", s)
		}
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
