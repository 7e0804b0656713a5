package tree

import (
	"maps"
	"math/rand/v2"
	"slices"
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

// TestSortedPaths: Paths is byte order of the whole paths however the
// files came in (one by one, as checked folders, merged from other trees,
// with Paths asked for in between), on names chosen to sort around "/"
// ("a", "a-b", "a.b", "a0", "a/b") at several depths.
func TestSortedPaths(t *testing.T) {
	fixed := []string{"a-b", "a.b", "a0", "a/b-c", "a/b/c-d/e", "a/b/c.d", "a/b/c/d", "a/b/c/d0", "a/b/c/d-x", "a/ba", "b", "ab/c", "a!/x", "z/z/z/z"}
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "a-b", "a.b", "a0", "ab", "a_", "B", "~", "é", "a b"}
	for round := range 300 {
		// A valid set of paths.
		all := New()
		if round == 0 {
			for _, p := range fixed {
				must(t, all.Add(p, nil))
			}
		} else {
			for range rng.IntN(80) {
				var segs []string
				for range 1 + rng.IntN(4) {
					segs = append(segs, names[rng.IntN(len(names))])
				}
				_ = all.Add(strings.Join(segs, "/"), nil) // clashes are simply refused
			}
		}
		ps := slices.Collect(maps.Keys(all.files))
		rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		// Added in random groups, each in one of three ways.
		tr := New()
		for len(ps) > 0 {
			n := 1 + rng.IntN(len(ps))
			group := slices.Sorted(slices.Values(ps[:n]))
			ps = ps[n:]
			switch rng.IntN(4) {
			case 0:
				for _, p := range group {
					must(t, tr.Add(p, nil))
				}
			case 1:
				var files []File
				for _, p := range group {
					files = append(files, File{Path: p})
				}
				fs, err := CheckFiles(files)
				must(t, err)
				must(t, tr.AddFiles(fs))
			case 2:
				other := New()
				for _, p := range group {
					must(t, other.Add(p, nil))
				}
				must(t, tr.Merge(other))
			case 3:
				for _, p := range group {
					must(t, tr.Add(p, nil))
				}
				tr.Paths() // merged runs, then more come
			}
		}
		want := slices.Collect(maps.Keys(tr.files))
		slices.Sort(want)
		if got := tr.Paths(); !slices.Equal(got, want) {
			t.Fatalf("round %d: Paths = %q, want byte order %q", round, got, want)
		}
	}
}

func TestAddFiles(t *testing.T) {
	f := func(p string) File { return File{Path: p, Data: []byte(p), Sum: [32]byte{byte(len(p))}} }
	tests := []struct {
		name    string
		have    []string
		add     []File
		wantErr string
	}{
		{name: "into empty", add: []File{f("a/b"), f("a/c"), f("d")}},
		{name: "next to others", have: []string{"a/a", "z"}, add: []File{f("a/b"), f("a/c/d")}},
		{name: "unsorted", add: []File{f("b"), f("a")}, wantErr: `"a" is not after "b"`},
		{name: "twice", add: []File{f("a"), f("a")}, wantErr: "is not after"},
		{name: "file and folder in the list", add: []File{f("a"), f("a-b"), f("a/c")}, wantErr: `parent "a" is already a file`},
		{name: "deep file and folder in the list", add: []File{f("a/b"), f("a/b/c/d")}, wantErr: `parent "a/b" is already a file`},
		{name: "reserved", add: []File{f(".fleetc/x")}, wantErr: "reserved"},
		{name: "invalid", add: []File{f("a/../b")}, wantErr: `".." segment`},
		{name: "duplicate", have: []string{"a/b"}, add: []File{f("a/a"), f("a/b")}, wantErr: `duplicate path "a/b"`},
		{name: "under a file", have: []string{"a"}, add: []File{f("a/b")}, wantErr: "already a file"},
		{name: "over a folder", have: []string{"a/b/c"}, add: []File{f("a/b")}, wantErr: "already a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := New()
			for _, p := range tc.have {
				must(t, tr.Add(p, []byte(p)))
			}
			fs, err := CheckFiles(tc.add)
			if err == nil {
				err = tr.AddFiles(fs)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("AddFiles = %v, want %q", err, tc.wantErr)
				}
				if tr.Len() != len(tc.have) {
					t.Fatalf("a failed AddFiles changed the tree: %q", tr.Paths())
				}
				return
			}
			must(t, err)
			for _, x := range tc.add {
				if got, _ := tr.Get(x.Path); string(got) != x.Path {
					t.Errorf("Get(%q) = %q", x.Path, got)
				}
				if sum, _ := tr.Sum(x.Path); sum != x.Sum {
					t.Errorf("Sum(%q) = %x, want the given %x (not hashed again)", x.Path, sum[:2], x.Sum[:2])
				}
			}
			// The folders are known: a file where one is clashes.
			if err := tr.Add(parentDir(tc.add[0].Path), nil); parentDir(tc.add[0].Path) != "" && err == nil {
				t.Errorf("a file over the folder of %s was accepted", tc.add[0].Path)
			}
		})
	}
	t.Run("sealed", func(t *testing.T) {
		tr := New()
		must(t, tr.WithIndex("g", "d"))
		fs, err := CheckFiles([]File{f("a")})
		must(t, err)
		if err := tr.AddFiles(fs); err == nil {
			t.Fatal("AddFiles into a sealed tree succeeded")
		}
	})
}
