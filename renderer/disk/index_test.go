package disk

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadIndex(t *testing.T) {
	const d = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	tests := []struct {
		name    string
		content *string // nil: no file
		wantNil bool
		wantErr string
	}{
		{name: "missing", wantNil: true},
		{name: "valid", content: ptr(`{"generator":"fleetc x","inputDigest":"sha256:1","files":{"a/b":"` + d + `"}}`)},
		{name: "valid empty files, unknown field", content: ptr(`{"generator":"g","inputDigest":"","files":{},"future":1}`)},
		{name: "not json", content: ptr(`hello`), wantErr: "invalid"},
		{name: "empty file", content: ptr(``), wantErr: "invalid"},
		{name: "trailing data", content: ptr(`{"generator":"g","files":{}} {}`), wantErr: "trailing"},
		{name: "no generator", content: ptr(`{"files":{}}`), wantErr: "generator"},
		{name: "no files", content: ptr(`{"generator":"g"}`), wantErr: "files"},
		{name: "bad digest", content: ptr(`{"generator":"g","files":{"a":"md5:00"}}`), wantErr: "digest"},
		{name: "uppercase digest", content: ptr(`{"generator":"g","files":{"a":"` + strings.ToUpper(d) + `"}}`), wantErr: "digest"},
		{name: "escaping path", content: ptr(`{"generator":"g","files":{"../etc/passwd":"` + d + `"}}`), wantErr: `".."`},
		{name: "absolute path", content: ptr(`{"generator":"g","files":{"/etc/passwd":"` + d + `"}}`), wantErr: "absolute"},
		{name: "reserved path", content: ptr(`{"generator":"g","files":{".fleetc/index.json":"` + d + `"}}`), wantErr: ".fleetc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.content != nil {
				must(t, os.MkdirAll(filepath.Join(dir, ".fleetc"), 0o755))
				must(t, os.WriteFile(filepath.Join(dir, ".fleetc", "index.json"), []byte(*tc.content), 0o644))
			}
			idx, err := ReadIndex(dir)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ReadIndex = %v, %v; want error containing %q", idx, err, tc.wantErr)
				}
				return
			}
			must(t, err)
			if (idx == nil) != tc.wantNil {
				t.Fatalf("ReadIndex = %v, want nil=%v", idx, tc.wantNil)
			}
		})
	}
	t.Run("missing dir", func(t *testing.T) {
		idx, err := ReadIndex(filepath.Join(t.TempDir(), "nope"))
		if idx != nil || err != nil {
			t.Fatalf("ReadIndex = %v, %v", idx, err)
		}
	})
	t.Run("round trip", func(t *testing.T) {
		dir := t.TempDir()
		tr := New()
		must(t, tr.Add("x/y.yaml", []byte("abc")))
		must(t, tr.WithIndex("fleetc v2", "sha256:abc"))
		if _, err := Write(dir, tr); err != nil {
			t.Fatal(err)
		}
		idx, err := ReadIndex(dir)
		must(t, err)
		if idx.Generator != "fleetc v2" || idx.InputDigest != "sha256:abc" || idx.Files["x/y.yaml"] != d || len(idx.Files) != 1 {
			t.Fatalf("ReadIndex = %+v", idx)
		}
	})
}

// TestPlainIndex: plainIndex takes the index fleetc writes, and whatever
// it takes is valid JSON with a generator: every text made from an index
// by deleting or replacing one byte is either refused or valid.
func TestPlainIndex(t *testing.T) {
	tr := mkTree(t, map[string]string{"a/b.yaml": "b\n", "a/c-d.yaml": "c\n", "z.yaml": "z\n"})
	idx, _ := tr.Get(IndexPath)
	if !plainIndex(idx) {
		t.Fatalf("plainIndex refuses fleetc's index:\n%s", idx)
	}
	empty := New()
	must(t, empty.WithIndex("fleetc test", "sha256:0"))
	if e, _ := empty.Get(IndexPath); !plainIndex(e) {
		t.Fatalf("plainIndex refuses an empty index:\n%s", e)
	}
	valid := func(b []byte) bool {
		var head struct {
			Generator string `json:"generator"`
		}
		return json.Unmarshal(b, &head) == nil && head.Generator != ""
	}
	taken := 0
	for i := range idx {
		variants := [][]byte{append(slices.Clone(idx[:i]), idx[i+1:]...)}
		for _, c := range []byte{'"', '\\', 'x', '\n', '}', ',', ':', ' ', 0} {
			if c != idx[i] {
				v := slices.Clone(idx)
				v[i] = c
				variants = append(variants, v)
			}
		}
		for _, v := range variants {
			if plainIndex(v) {
				taken++
				if !valid(v) {
					t.Fatalf("plainIndex takes text that is not a valid index:\n%s", v)
				}
			}
		}
	}
	if taken == 0 {
		t.Error("no variant was taken: the test proves nothing about what plainIndex accepts")
	}
}
