package encode

import (
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestQuotes: the strings that some parser reads as something else are
// double-quoted, as values, keys and sequence entries, including those
// that sigs.k8s.io/yaml leaves plain ("<<", "=", "._", "2001-13-01").
func TestQuotes(t *testing.T) {
	for _, s := range []string{"<<", "=", "y", "N", "yes", "off", "On", "~", "null", "", "0o17", "0x1F", "1_000", "1e3",
		".5", "._", "1:20", ".inf", "2001-12-14", "2001-13-01", "2001-12-14 21:59:43.10 -5", "-1", "+1", "0b101"} {
		got, err := Marshal(map[string]any{"k": s, s: []string{s}})
		must(t, err)
		q := strconv.Quote(s)
		for _, want := range []string{q + ":\n- " + q + "\n", "k: " + q + "\n"} {
			if !strings.Contains(string(got), want) {
				t.Errorf("%q: got\n%s\nwant it to hold %q", s, got, want)
			}
		}
	}
	for _, s := range []string{"a", "1.2.3", "v1", "a=b", "<", "_1", "yes!", "0o8", "2001-12-14x", "1:2:3:"} {
		if q, _ := needsQuotes([]byte(s)); q {
			t.Errorf("%q quoted", s)
		}
	}
}

func TestFold(t *testing.T) {
	for n := 60; n < 100; n++ {
		for _, s := range []string{strings.Repeat("x", n) + " y z", "ab " + strings.Repeat("x", n) + " y " + strings.Repeat("z", n) + " w", strings.Repeat("ab ", n/3) + "q"} {
			for _, v := range []any{map[string]any{"k": s}, []any{s}, map[string]any{"a": []any{map[string]any{"bcd": s, "c": []any{s}}}}} {
				got, err := Marshal(v)
				want, err2 := yaml.Marshal(v)
				if string(got) != string(want) || err != nil || err2 != nil {
					t.Errorf("%q:\ngot:\n%s\nwant:\n%s", s, got, want)
				}
			}
		}
	}
}

// TestLongKey: a key the library cannot write (over 1,024 characters) is
// written by the emitter, as an explicit key past YAML's implicit-key
// limit, and reads back.
func TestLongKey(t *testing.T) {
	for _, n := range []int{129, 1000, 1100, 4000} {
		key := strings.Repeat("k", n)
		out, err := Marshal(map[string]string{key: "v", "a": "b"})
		if err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		var back map[string]string
		if err := yaml.Unmarshal(out, &back); err != nil || back[key] != "v" || back["a"] != "b" {
			t.Fatalf("%d: read back %v, %v from\n%s", n, back, err, out)
		}
	}
}

// TestVisible checks the eight-bytes-at-a-time test against the plain
// one, for every byte at every place of a 17-byte word.
func TestVisible(t *testing.T) {
	for i := range 17 {
		for c := range 256 {
			s := []byte("abcdefghijklmnopq")
			s[i] = byte(c)
			want := '!' <= c && c <= '~'
			if got := visible(s); got != want {
				t.Fatalf("visible(%q) = %v", s, got)
			}
		}
	}
}
