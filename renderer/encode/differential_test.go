package encode

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// checkSame encodes the JSON text j both as Document and as Marshal
// would, and compares with sigs.k8s.io/yaml: the same bytes and errors
// where the emitter writes the document alone, the same data read back
// (by sigs.k8s.io/yaml and go-yaml v3) where it fixes the library's
// quoting. It returns who wrote the Document.
func checkSame(t *testing.T, what string, j []byte) path {
	t.Helper()
	var st state
	var docPath path
	for _, document := range []bool{false, true} {
		got, p, gerr := st.fromJSON(j, document)
		want, werr := viaLibrary(j, document)
		if document {
			docPath = p
		}
		switch p {
		case pathOwn:
			if !bytes.Equal(got, want) || (gerr == nil) != (werr == nil) {
				t.Fatalf("%s (document %v): the emitter differs from sigs.k8s.io/yaml\njson: %s\ngot (%v):\n%s\nwant (%v):\n%s", what, document, j, gerr, got, werr, want)
			}
		case pathFixed:
			if gerr != nil {
				t.Fatalf("%s: %v", what, gerr)
			}
			sameData(t, what, j, got, document)
		}
	}
	return docPath
}

// sameData checks that out, read back by sigs.k8s.io/yaml and by go-yaml
// v3, holds the data of the JSON text j (without the noise, for a
// document).
func sameData(t *testing.T, what string, j, out []byte, document bool) {
	t.Helper()
	var want any
	if err := json.Unmarshal(j, &want); err != nil {
		t.Fatal(err)
	}
	if document {
		if m, ok := want.(map[string]any); ok {
			delete(m, "status")
		}
		dropNoiseAny(want)
	}
	var v2 any
	if err := yaml.Unmarshal(out, &v2); err != nil {
		t.Fatalf("%s: sigs.k8s.io/yaml cannot read\n%s\n%v", what, out, err)
	}
	var v3 any
	if err := yamlv3.Unmarshal(out, &v3); err != nil {
		t.Fatalf("%s: go-yaml v3 cannot read\n%s\n%v", what, out, err)
	}
	for _, got := range []any{v2, normalize(t, v3)} {
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: read back as %#v, want %#v\nYAML:\n%s", what, got, want, out)
		}
	}
}

// normalize passes v through JSON, as sigs.k8s.io/yaml's Unmarshal does.
func normalize(t *testing.T, v any) any {
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(j, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGolden re-encodes every YAML file of the golden example tree.
func TestGolden(t *testing.T) {
	root := filepath.Join("..", "..", "fixtures", "golden", "example")
	n, library := 0, 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		j, err := yaml.YAMLToJSON(data)
		if err != nil {
			return err
		}
		if checkSame(t, p, j) != pathOwn {
			library++
		}
		var st state
		if got, _, _ := st.fromJSON(j, true); !bytes.Equal(got, data) {
			t.Errorf("%s: re-encoding changes the file", p)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Kubermatic's CRDs (long descriptions the library folds inside
	// quotes) and a few objects with long quoted text go to the library;
	// the rest, by far the most files, must not.
	if library > n/10 {
		t.Errorf("%d of %d golden files written by the library", library, n)
	}
	if n < 100 {
		t.Fatalf("only %d golden files", n)
	}
}

// TestRandom compares the two paths on random documents full of
// the strings YAML treats specially.
func TestRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	iterations := 5000
	if testing.Short() {
		iterations = 1000
	}
	fast := 0
	for i := range iterations {
		doc := map[string]any{}
		for range 1 + r.IntN(6) {
			doc[randKey(r)] = randValue(r, 0)
		}
		if r.IntN(4) == 0 {
			doc["metadata"] = map[string]any{"creationTimestamp": nil, "name": randString(r)}
		}
		if r.IntN(4) == 0 {
			doc["status"] = randValue(r, 2)
		}
		j, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if checkSame(t, "document "+strconv.Itoa(i), j) != pathLibrary {
			fast++
		}
	}
	// Many random strings hold characters that make the emitter defer to
	// the library (a raw NEL or U+FEFF, a key with a line break); real
	// objects almost never do.
	if fast < iterations/6 {
		t.Errorf("the emitter took only %d of %d documents", fast, iterations)
	}
}

// TestScalars covers single strings and numbers, each as a
// value, a key and a sequence item, at two depths.
func TestScalars(t *testing.T) {
	strs := append([]string{}, specialStrings...)
	for _, n := range []int{79, 80, 81, 120, 200} {
		strs = append(strs, strings.Repeat("ab ", n/3), strings.Repeat("x", n)+" y z", "a"+strings.Repeat(" ", 3)+strings.Repeat("b", n))
		strs = append(strs, strings.Repeat("word ", n/5)+"\nsecond line", "'"+strings.Repeat("q ", n/2)+"'", strings.Repeat("é ", n/2)+"\t")
	}
	for _, s := range strs {
		for _, doc := range []any{
			map[string]any{"k": s},
			map[string]any{"k": map[string]any{"deeper": []any{s, map[string]any{"x": s}}}},
			map[string]any{s: 1},
			map[string]any{"list": []any{[]any{s}}},
		} {
			j, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			checkSame(t, strconv.Quote(s), j)
		}
	}
	for _, num := range []string{"0", "-0", "1", "-1", "9223372036854775807", "9223372036854775808", "18446744073709551616",
		"-9223372036854775809", "1.5", "-0.0", "1e3", "1E-7", "1.0", "123456789012345678901234567890", "1e400", "5e-324", "0.1"} {
		j := []byte(`{"n":` + num + `,"l":[` + num + `]}`)
		checkSame(t, num, j)
	}
}

var specialStrings = []string{
	"", " ", "a", "true", "True", "yes", "no", "n", "Y", "on", "off", "null", "Null", "~", "<<",
	".inf", "-.Inf", ".nan", "1", "-1", "+1", "0x1F", "0o17", "0b101", "-0b101", "1_000", "1.5", ".5", "1e3", "12:30", "1:2:3.5",
	"2024-01-02", "2024-1-2 10:00:00", "2024-01-02T10:00:00Z", "2024-13-45", "0777", "00", "-", "--", "---", "...", "- a", "-a",
	"? x", "?x", ":", ": x", "a: b", "a:b", "a #b", "a#b", "#a", "!a", "&a", "*a", "|", ">", "%a", "@a", "`a", "'a", "\"a",
	"a'b", "a\"b", "a\\b", ",a", "[a]", "{a}", "a,b", "a[b]", "a{b}", " a", "a ", "a  b", "\ta", "a\t", "a\tb",
	"a\nb", "a\n", "a\n\n", "\n", "\na", " \na", "a \nb", "a\n b", "a\n\nb\n", "x\n\n", "é", "ü ber", "€", "😀", "a😀b",
	"\u00a0", "\u00a0a", "\ufeffa", "a\ufeff", "\x00", "\x07", "\x1b", "\x7f", "a\u0085b", "a\u2028b", "a\rb", "a\r\nb",
	"\ufffe", "\uffff", "\ue000", "\ud7ff", "http://x.example/a?b=c#d", "--flag=value", "key=value,other=thing",
	"sha256:0123abcd", "10.0.0.0/8", "1.2.3.4", "v1.35.8", "3.5.21-0", "false", "FALSE", "Off", "=", "a=b", "a b c",
}

func randKey(r *rand.Rand) string {
	switch r.IntN(5) {
	case 0:
		return specialStrings[r.IntN(len(specialStrings))]
	case 1:
		return "k" + strconv.Itoa(r.IntN(120))
	case 2:
		return []string{"apiVersion", "kind", "metadata", "spec", "status", "a1", "a01", "a10", "a2", "A", "b", "é", "_x", "1", "01", "10", "9"}[r.IntN(17)]
	}
	return randString(r)
}

func randString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return specialStrings[r.IntN(len(specialStrings))]
	}
	alphabet := []string{"a", "b", "Z", "0", "7", " ", " ", ":", "#", "-", "?", "'", "\"", "\\", "\n", "\t", ".", ",", "[", "]", "{", "}",
		"&", "*", "!", "|", ">", "%", "@", "`", "é", "€", "😀", "\u2028", "\r", "\x01", "\u00a0", "\ufeff", "_", "y", "e", "+", "x"}
	var b strings.Builder
	n := r.IntN(12)
	if r.IntN(8) == 0 {
		n = 60 + r.IntN(150)
	}
	for range n {
		b.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func randValue(r *rand.Rand, depth int) any {
	k := r.IntN(10)
	if depth >= 4 && k >= 6 {
		k = r.IntN(6)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return json.Number([]string{"0", "-3", "42", "1.5", "1e3", "9223372036854775808", "-0"}[r.IntN(7)])
	case 3, 4, 5:
		return randString(r)
	case 6, 7:
		m := map[string]any{}
		for range r.IntN(5) {
			m[randKey(r)] = randValue(r, depth+1)
		}
		return m
	default:
		var l []any
		for range r.IntN(4) {
			l = append(l, randValue(r, depth+1))
		}
		if l == nil {
			return []any{}
		}
		return l
	}
}

func TestMarshal(t *testing.T) {
	type inner struct {
		Name  string            `json:"name"`
		Items []string          `json:"items,omitempty"`
		M     map[string]string `json:"m"`
	}
	for _, v := range []any{
		inner{Name: "a: b", Items: []string{"x", "", "multi\nline\n"}, M: map[string]string{"k10": "1", "k9": "true"}},
		map[string]any{"status": map[string]any{}, "metadata": map[string]any{"creationTimestamp": nil}},
		[]string{"a"}, "scalar", 3, nil,
	} {
		want, werr := yaml.Marshal(v)
		got, gerr := Marshal(v)
		if !bytes.Equal(got, want) || (werr == nil) != (gerr == nil) {
			t.Errorf("Marshal(%#v) = %q, %v; want %q, %v", v, got, gerr, want, werr)
		}
	}
	// sigs.k8s.io/yaml writes U+2028 and U+0085 raw, which YAML 1.1
	// parsers read as line breaks (folded into a space); they are escaped.
	for in, want := range map[string]string{"x\u2028": "ls: \"x\\u2028\"\n", "\u0085": "ls: \"\\u0085\"\n", "a\rb": "ls: \"a\\rb\"\n"} {
		if got, err := Marshal(map[string]any{"ls": in}); err != nil || string(got) != want {
			t.Errorf("Marshal(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, werr := yaml.Marshal(func() {})
	if _, err := Marshal(func() {}); err == nil || err.Error() != werr.Error() {
		t.Errorf("Marshal(func) error %v, want %v", err, werr)
	}
}
