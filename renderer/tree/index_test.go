package tree

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestAppendIndex compares the hand-written index encoding with
// encoding/json's.
func TestAppendIndex(t *testing.T) {
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
	for i := range 2003 {
		idx := &Index{Generator: randString(r), InputDigest: randString(r), Files: map[string]string{}}
		n := r.IntN(6)
		if i >= 2000 { // big enough to be written in parts
			n = 5000 * (i - 1999)
		}
		for range n {
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

func randString(r *rand.Rand) string {
	alphabet := []string{"a", "b", "Z", "0", " ", ":", "#", "-", "'", "\"", "\\", "\n", "\t", ".", "é", "€", "😀", "\u2028", "\r", "\x01", "\u00a0", "\ufeff", "<", ">", "&", "/"}
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}
