package tree

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestAddRejects(t *testing.T) {
	tests := []struct {
		name    string
		setup   []string // added first, must succeed
		path    string
		wantErr string // "" means success
	}{
		{name: "simple", path: "a.yaml"},
		{name: "nested", path: "seeds/s1/clusters/c1/deployment-apiserver.yaml"},
		{name: "dots in name", path: "master/clusterrole-kubermatic.foo.yaml"},
		{name: "dotfile", path: "a/.keep"},
		{name: "empty", path: "", wantErr: "empty path"},
		{name: "absolute", path: "/etc/passwd", wantErr: "absolute"},
		{name: "dotdot", path: "a/../b", wantErr: `".." segment`},
		{name: "leading dotdot", path: "../b", wantErr: `".." segment`},
		{name: "only dotdot", path: "..", wantErr: `".." segment`},
		{name: "dot", path: "./a", wantErr: `"." segment`},
		{name: "double slash", path: "a//b", wantErr: "empty segment"},
		{name: "trailing slash", path: "a/", wantErr: "empty segment"},
		{name: "backslash", path: `a\b`, wantErr: "contains"},
		{name: "drive letter", path: "c:/x", wantErr: "contains"},
		{name: "NUL", path: "a\x00b", wantErr: "contains"},
		{name: "git dir", path: "x/.git/config", wantErr: ".git"},
		{name: "reserved index", path: IndexPath, wantErr: "reserved"},
		{name: "reserved dir", path: ".fleetc", wantErr: "reserved"},
		{name: "reserved sub", path: ".fleetc/x", wantErr: "reserved"},
		{name: "not reserved lookalike", path: ".fleetcx/a"},
		{name: "duplicate", setup: []string{"a/b.yaml"}, path: "a/b.yaml", wantErr: "duplicate"},
		{name: "file over dir", setup: []string{"a/b.yaml"}, path: "a", wantErr: "already a directory"},
		{name: "dir under file", setup: []string{"a"}, path: "a/b.yaml", wantErr: "already a file"},
		{name: "deep dir under file", setup: []string{"a/b"}, path: "a/b/c/d", wantErr: "already a file"},
		{name: "sibling prefix is fine", setup: []string{"a/b"}, path: "a/bc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := New()
			for _, p := range tc.setup {
				if err := tr.Add(p, []byte("x")); err != nil {
					t.Fatalf("setup Add(%q): %v", p, err)
				}
			}
			err := tr.Add(tc.path, []byte("new"))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Add(%q) = %v, want success", tc.path, err)
				}
				if got, ok := tr.Get(tc.path); !ok || string(got) != "new" {
					t.Fatalf("Get(%q) = %q, %v", tc.path, got, ok)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Add(%q) = %v, want error containing %q", tc.path, err, tc.wantErr)
			}
			if tr.Len() != len(tc.setup) {
				t.Fatalf("failed Add changed the tree: Len = %d", tr.Len())
			}
		})
	}
}

func TestAddAfterWithIndex(t *testing.T) {
	tr := New()
	must(t, tr.Add("a", []byte("1")))
	must(t, tr.WithIndex("fleetc test", "sha256:00"))
	if err := tr.Add("b", []byte("2")); err == nil || !strings.Contains(err.Error(), "WithIndex") {
		t.Fatalf("Add after WithIndex = %v, want error", err)
	}
	if err := tr.WithIndex("fleetc test", "sha256:00"); err == nil {
		t.Fatal("second WithIndex succeeded")
	}
}

func TestPathsGetLen(t *testing.T) {
	var tr Tree // zero value usable
	if tr.Len() != 0 || len(tr.Paths()) != 0 {
		t.Fatal("zero tree not empty")
	}
	if _, ok := tr.Get("a"); ok {
		t.Fatal("Get on empty tree found something")
	}
	in := []string{"z", "a/b", "a-b", "a/a", "B", "a.b"}
	for _, p := range in {
		must(t, tr.Add(p, []byte(p)))
	}
	want := slices.Sorted(slices.Values(in))
	got := tr.Paths()
	if !slices.Equal(got, want) {
		t.Fatalf("Paths = %q, want %q", got, want)
	}
	got[0] = "mutated"
	if tr.Paths()[0] == "mutated" {
		t.Fatal("Paths returned the internal slice")
	}
	must(t, tr.Add("0", nil))
	if tr.Paths()[0] != "0" || tr.Len() != len(in)+1 {
		t.Fatalf("Paths cache not refreshed: %q", tr.Paths())
	}
}

func TestMerge(t *testing.T) {
	mk := func(ps ...string) *Tree {
		tr := New()
		for _, p := range ps {
			must(t, tr.Add(p, []byte(p)))
		}
		return tr
	}
	tests := []struct {
		name    string
		a, b    []string
		wantErr string
	}{
		{name: "disjoint", a: []string{"m/a", "m/b"}, b: []string{"s/a", "m/c"}},
		{name: "empty other", a: []string{"a"}},
		{name: "into empty", b: []string{"a"}},
		{name: "duplicate", a: []string{"m/a", "x"}, b: []string{"m/0", "m/a", "z"}, wantErr: `duplicate path "m/a"`},
		{name: "file vs dir", a: []string{"m"}, b: []string{"m/a"}, wantErr: "already a file"},
		{name: "dir vs file", a: []string{"m/a"}, b: []string{"m"}, wantErr: "already a directory"},
		// Other's files all in one folder (Merge's fast path when t has
		// nothing there), and the clashes it must still see.
		{name: "one folder", a: []string{"s/a/x", "s/b"}, b: []string{"s/c/x", "s/c/y/z"}},
		{name: "one folder, duplicate", a: []string{"s/c/y/z"}, b: []string{"s/c/x", "s/c/y/z"}, wantErr: `duplicate path "s/c/y/z"`},
		{name: "one folder, folder is a file", a: []string{"s/c"}, b: []string{"s/c/x", "s/c/y"}, wantErr: "already a file"},
		{name: "one folder, ancestor is a file", a: []string{"s"}, b: []string{"s/c/x", "s/c/y"}, wantErr: "already a file"},
		{name: "one folder, file in the way", a: []string{"s/c/x/deeper"}, b: []string{"s/c/x", "s/c/y"}, wantErr: "already a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := mk(tc.a...), mk(tc.b...)
			err := a.Merge(b)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Merge = %v, want %q", err, tc.wantErr)
				}
				if !slices.Equal(a.Paths(), mk(tc.a...).Paths()) {
					t.Fatalf("failed Merge changed the tree: %q", a.Paths())
				}
				return
			}
			must(t, err)
			want := slices.Sorted(slices.Values(append(slices.Clone(tc.a), tc.b...)))
			if !slices.Equal(a.Paths(), want) {
				t.Fatalf("Paths = %q, want %q", a.Paths(), want)
			}
			for _, p := range want {
				if got, _ := a.Get(p); string(got) != p {
					t.Fatalf("Get(%q) = %q", p, got)
				}
			}
		})
	}
	t.Run("sealed", func(t *testing.T) {
		a, b := mk("a"), mk("b")
		must(t, b.WithIndex("g", "d"))
		if err := a.Merge(b); err == nil {
			t.Fatal("merging a sealed tree succeeded")
		}
		if err := b.Merge(mk("c")); err == nil {
			t.Fatal("merging into a sealed tree succeeded")
		}
	})
	t.Run("self", func(t *testing.T) {
		a := mk("a")
		if err := a.Merge(a); err == nil {
			t.Fatal("self merge succeeded")
		}
	})
}

func TestWithIndexBytes(t *testing.T) {
	tr := New()
	must(t, tr.Add("master/kustomization.yaml", []byte("")))
	must(t, tr.Add("a.yaml", []byte("abc")))
	must(t, tr.WithIndex("fleetc v1.0.0", "sha256:feed"))
	got, ok := tr.Get(IndexPath)
	if !ok {
		t.Fatal("no index in tree")
	}
	want := `{
  "generator": "fleetc v1.0.0",
  "inputDigest": "sha256:feed",
  "files": {
    "a.yaml": "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "master/kustomization.yaml": "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
  }
}
`
	if string(got) != want {
		t.Fatalf("index =\n%s\nwant\n%s", got, want)
	}
	if tr.Len() != 3 {
		t.Fatalf("Len = %d", tr.Len())
	}
	if err := New().WithIndex("", "x"); err == nil {
		t.Fatal("empty generator accepted")
	}
	// An empty tree still gets an index with an empty files object.
	e := New()
	must(t, e.WithIndex("g", "d"))
	if b, _ := e.Get(IndexPath); !strings.Contains(string(b), `"files": {}`) {
		t.Fatalf("empty index = %s", b)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestGrow: growing keeps every file and the file/directory rules.
func TestGrow(t *testing.T) {
	var tr Tree
	tr.Grow(0) // no-op on an empty tree
	if err := tr.Add("a/b.yaml", []byte("b")); err != nil {
		t.Fatal(err)
	}
	tr.Grow(100)
	tr.Grow(1) // smaller than the tree: no-op
	if got, ok := tr.Get("a/b.yaml"); !ok || string(got) != "b" {
		t.Fatalf("Get after Grow = %q, %v", got, ok)
	}
	if err := tr.Add("a", nil); err == nil {
		t.Error("Add of a directory's path after Grow succeeded; want a clash")
	}
	if err := tr.Add("a/c.yaml", []byte("c")); err != nil {
		t.Fatal(err)
	}
	if got := tr.Paths(); !slices.Equal(got, []string{"a/b.yaml", "a/c.yaml"}) {
		t.Errorf("Paths = %q", got)
	}
}

// TestSortParallel: the parallel sort sorts, for any number of goroutines
// and for inputs around the size where it starts splitting.
func TestSortParallel(t *testing.T) {
	for _, n := range []int{0, 1, 1<<14 - 1, 1 << 14, 50_001} {
		for _, procs := range []int{1, 2, 3, 8} {
			ps := make([]string, n)
			for i := range ps {
				ps[i] = strconv.Itoa((i * 7919) % (n/2 + 1)) // duplicates too
			}
			want := slices.Sorted(slices.Values(ps))
			sortParallel(ps, procs)
			if !slices.Equal(ps, want) {
				t.Fatalf("n=%d procs=%d: not sorted", n, procs)
			}
		}
	}
}
