package rendercache

import (
	"os"
	"slices"
	"testing"
)

func TestMemoRoundTripAndDamage(t *testing.T) {
	root := t.TempDir()
	m := OpenMemo(root, "build-1")
	m.Put("k1", []byte("one"))
	m.Put("k2", []byte("two"))
	if err := m.Save(); err != nil {
		t.Fatal(err)
	}
	if b, ok := OpenMemo(root, "build-1").Get("k2"); !ok || string(b) != "two" {
		t.Fatalf("k2 after reopening: %q %v", b, ok)
	}
	// Another build never reads this one's entries.
	if _, ok := OpenMemo(root, "build-2").Get("k1"); ok {
		t.Fatal("another build read the memo")
	}
	// A damaged file is an empty memo: flip every byte in turn.
	good, err := os.ReadFile(m.file)
	if err != nil {
		t.Fatal(err)
	}
	for i := range good {
		bad := slices.Clone(good)
		bad[i] ^= 0x01
		if err := os.WriteFile(m.file, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if got := OpenMemo(root, "build-1"); len(got.old) != 0 {
			t.Fatalf("byte %d flipped: %d entries read", i, len(got.old))
		}
	}
}

// Save keeps what this run used and at most as many older entries.
func TestMemoSaveKeepsWhatWasUsed(t *testing.T) {
	root := t.TempDir()
	m := OpenMemo(root, "b")
	for _, k := range []string{"a", "b", "c", "d"} {
		m.Put(k, []byte(k))
	}
	if err := m.Save(); err != nil {
		t.Fatal(err)
	}
	m = OpenMemo(root, "b")
	m.Get("a")
	m.Put("e", []byte("e"))
	if err := m.Save(); err != nil {
		t.Fatal(err)
	}
	m = OpenMemo(root, "b")
	for _, k := range []string{"a", "e"} {
		if _, ok := m.Get(k); !ok {
			t.Errorf("%s (used) was dropped", k)
		}
	}
	if len(m.old) != 4 {
		t.Errorf("%d entries kept, want 4 (2 used + 2 older)", len(m.old))
	}
}
