package tree

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// checkSame encodes j both ways and fails when the direct transcoder
// (when it takes the input) differs from the reference path. It reports
// whether the transcoder took it.
func checkSame(t *testing.T, what string, j []byte) bool {
	t.Helper()
	// Without the noise removal, it is sigs.k8s.io/yaml.JSONToYAML.
	if raw, err := yaml.JSONToYAML(j); err == nil {
		if got, ok := transcode(j, false); ok && !bytes.Equal(got, raw) {
			t.Fatalf("%s: transcoder (no noise removal) differs from JSONToYAML\njson: %s\ngot:\n%s\nwant:\n%s", what, j, got, raw)
		}
	} else if _, ok := transcode(j, false); ok {
		t.Fatalf("%s: JSONToYAML fails (%v), the transcoder does not, on %s", what, err, j)
	}
	want, err := encodeViaYAML(j)
	got, ok := encodeFast(j)
	if err != nil {
		if ok {
			t.Fatalf("%s: the reference path fails (%v), the transcoder does not, on %s", what, err, j)
		}
		return true
	}
	if !ok {
		return false
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: transcoder differs from sigs.k8s.io/yaml\njson: %s\ngot:\n%s\nwant:\n%s", what, j, got, want)
	}
	return true
}

// TestEncodeFastGolden re-encodes every YAML file of the golden example
// tree both ways.
func TestEncodeFastGolden(t *testing.T) {
	root := filepath.Join("..", "..", "fixtures", "golden", "example")
	n := 0
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
		if !checkSame(t, p, j) {
			t.Errorf("%s: the transcoder fell back", p)
		}
		if got, _ := encodeFast(j); !bytes.Equal(got, data) {
			t.Errorf("%s: re-encoding changes the file", p)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d golden files", n)
	}
}

// TestEncodeFastRandom compares the two paths on random documents full of
// the strings YAML treats specially.
func TestEncodeFastRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	iterations := 20000
	if testing.Short() {
		iterations = 2000
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
		if root, ok := parseJSON(j); ok && !keysTotallyOrdered(&root) {
			// yaml.v2's key order is not transitive for keys such as
			// "12:30", "1e3" and "7a": its output then depends on map
			// iteration order, and cannot be matched.
			continue
		}
		if checkSame(t, "document "+strconv.Itoa(i), j) {
			fast++
		}
	}
	// Many random strings hold characters that make the transcoder
	// defer to the reference path (a raw NEL or U+FEFF, a key with a
	// line break); real objects almost never do.
	if fast < iterations/4 {
		t.Errorf("the transcoder took only %d of %d documents", fast, iterations)
	}
}

// TestEncodeFastScalars covers single strings and numbers, each as a
// value, a key and a sequence item, at two depths.
func TestEncodeFastScalars(t *testing.T) {
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

// keysTotallyOrdered reports whether keyLess orders the keys of every
// object of n transitively.
func keysTotallyOrdered(n *jsonNode) bool {
	ks := n.keys
	for _, a := range ks {
		for _, b := range ks {
			for _, c := range ks {
				if keyLess(a, b) && keyLess(b, c) && !keyLess(a, c) {
					return false
				}
			}
		}
	}
	for i := range n.vals {
		if !keysTotallyOrdered(&n.vals[i]) {
			return false
		}
	}
	return true
}

func TestMarshalYAML(t *testing.T) {
	type inner struct {
		Name  string            `json:"name"`
		Items []string          `json:"items,omitempty"`
		M     map[string]string `json:"m"`
	}
	for _, v := range []any{
		inner{Name: "a: b", Items: []string{"x", "", "multi\nline\n"}, M: map[string]string{"k10": "1", "k9": "true"}},
		map[string]any{"status": map[string]any{}, "metadata": map[string]any{"creationTimestamp": nil}},
		map[string]any{"ls": "x\u2028"},
		[]string{"a"}, "scalar", 3, nil,
	} {
		want, werr := yaml.Marshal(v)
		got, gerr := MarshalYAML(v)
		if !bytes.Equal(got, want) || (werr == nil) != (gerr == nil) {
			t.Errorf("MarshalYAML(%#v) = %q, %v; want %q, %v", v, got, gerr, want, werr)
		}
	}
	_, werr := yaml.Marshal(func() {})
	if _, err := MarshalYAML(func() {}); err == nil || err.Error() != werr.Error() {
		t.Errorf("MarshalYAML(func) error %v, want %v", err, werr)
	}
}

// TestAppendIndex compares the hand-written index encoding with
// encoding/json's.
func TestAppendIndex(t *testing.T) {
	if !walkerEnabled {
		t.Skip("GOEXPERIMENT=jsonv2: encoding/json, the reference here, writes invalid UTF-8 differently; the index keeps v1's bytes")
	}
	r := rand.New(rand.NewPCG(3, 4))
	ref := func(idx *Index) []byte {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(idx); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	for i := range 2000 {
		idx := &Index{Generator: randString(r), InputDigest: randString(r), Files: map[string]string{}}
		for range r.IntN(6) {
			idx.Files[randString(r)+string(rune(r.IntN(0x3000)))+"\xff"[:r.IntN(2)]] = randString(r)
		}
		want := ref(idx)
		got, err := encodeIndex(idx)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("index %d: got\n%q\nwant\n%q", i, got, want)
		}
	}
}
