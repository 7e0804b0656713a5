package disk

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	files := map[string]string{
		"master/a.yaml":        "a\n",
		"master/b.yaml":        "b\n",
		"seeds/s1/flux/x.yaml": "x\n",
	}
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, dir string)
		want   Drift
	}{
		{name: "in sync", mutate: func(*testing.T, string) {}},
		{
			name:   "missing file",
			mutate: func(t *testing.T, dir string) { must(t, os.Remove(filepath.Join(dir, "master", "a.yaml"))) },
			want:   Drift{Missing: []string{"master/a.yaml"}},
		},
		{
			name:   "missing folder",
			mutate: func(t *testing.T, dir string) { must(t, os.RemoveAll(filepath.Join(dir, "seeds"))) },
			want:   Drift{Missing: []string{"seeds/s1/flux/x.yaml"}},
		},
		{
			name:   "stale content, same size",
			mutate: func(t *testing.T, dir string) { putFiles(t, dir, map[string]string{"master/b.yaml": "B\n"}) },
			want:   Drift{Stale: []string{"master/b.yaml"}},
		},
		{
			name:   "stale content, longer",
			mutate: func(t *testing.T, dir string) { putFiles(t, dir, map[string]string{"master/b.yaml": "b\n\n"}) },
			want:   Drift{Stale: []string{"master/b.yaml"}},
		},
		{
			name:   "stale index",
			mutate: func(t *testing.T, dir string) { putFiles(t, dir, map[string]string{IndexPath: "{}\n"}) },
			want:   Drift{Stale: []string{IndexPath}},
		},
		{
			name: "directory in place of a file",
			mutate: func(t *testing.T, dir string) {
				must(t, os.Remove(filepath.Join(dir, "master", "a.yaml")))
				putFiles(t, dir, map[string]string{"master/a.yaml/inner": "i"})
			},
			want: Drift{Stale: []string{"master/a.yaml"}, Extra: []string{"master/a.yaml/inner"}},
		},
		{
			// "a.yaml-x" sorts between the folder "a.yaml" and its
			// entries ("a.yaml/..."): the folder is still found in the
			// file's place.
			name: "directory in place of a file, a neighbour between",
			mutate: func(t *testing.T, dir string) {
				must(t, os.Remove(filepath.Join(dir, "master", "a.yaml")))
				putFiles(t, dir, map[string]string{"master/a.yaml/inner": "i", "master/a.yaml-x": "x"})
			},
			want: Drift{Stale: []string{"master/a.yaml"}, Extra: []string{"master/a.yaml-x", "master/a.yaml/inner"}},
		},
		{
			name: "symlink in place of a file",
			mutate: func(t *testing.T, dir string) {
				name := filepath.Join(dir, "master", "a.yaml")
				must(t, os.Rename(name, name+".orig"))
				must(t, os.Symlink("a.yaml.orig", name)) // same bytes behind it, still drift
			},
			want: Drift{Stale: []string{"master/a.yaml"}, Extra: []string{"master/a.yaml.orig"}},
		},
		{
			name: "extra files, .git skipped at the top only",
			mutate: func(t *testing.T, dir string) {
				putFiles(t, dir, map[string]string{
					"z.txt": "z", "seeds/s2/c.yaml": "c", ".git/HEAD": "h", ".fleetc/tmp-1/x": "x", "deep/.git/x": "x",
				})
				must(t, os.MkdirAll(filepath.Join(dir, "empty", "dir"), 0o755)) // directories are not listed
			},
			want: Drift{Extra: []string{".fleetc/tmp-1/x", "deep/.git/x", "seeds/s2/c.yaml", "z.txt"}},
		},
		{
			name: "everything at once, sorted",
			mutate: func(t *testing.T, dir string) {
				must(t, os.Remove(filepath.Join(dir, "seeds", "s1", "flux", "x.yaml")))
				must(t, os.Remove(filepath.Join(dir, "master", "a.yaml")))
				putFiles(t, dir, map[string]string{"master/b.yaml": "bb", IndexPath: "x", "b": "", "a": ""})
			},
			want: Drift{
				Missing: []string{"master/a.yaml", "seeds/s1/flux/x.yaml"},
				Stale:   []string{IndexPath, "master/b.yaml"},
				Extra:   []string{"a", "b"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			tr := mkTree(t, files)
			_, err := Write(dir, tr)
			must(t, err)
			tc.mutate(t, dir)
			got, err := Compare(dir, tr, nil)
			must(t, err)
			if !slices.Equal(got.Missing, tc.want.Missing) || !slices.Equal(got.Stale, tc.want.Stale) || !slices.Equal(got.Extra, tc.want.Extra) {
				t.Fatalf("Compare = %+v\nwant      %+v", got, tc.want)
			}
			if got.Empty() != (len(tc.want.Missing)+len(tc.want.Stale)+len(tc.want.Extra) == 0) {
				t.Fatalf("Empty() = %v for %+v", got.Empty(), got)
			}
		})
	}
	t.Run("missing dir", func(t *testing.T) {
		tr := mkTree(t, files)
		got, err := Compare(filepath.Join(t.TempDir(), "nope"), tr, nil)
		must(t, err)
		if !slices.Equal(got.Missing, tr.Paths()) || len(got.Stale)+len(got.Extra) != 0 || got.Empty() {
			t.Fatalf("Compare = %+v", got)
		}
	})
	t.Run("dir is a file", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "f")
		must(t, os.WriteFile(f, nil, 0o644))
		if _, err := Compare(f, mkTree(t, files), nil); err == nil || !strings.Contains(err.Error(), "not a directory") {
			t.Fatalf("Compare = %v", err)
		}
	})
}

// TestScanSortedIsScanInOrder: the sorted scan finds what WalkDir finds, in
// byte order of the paths, on names that sort around "/" and with
// folders deep enough to be read on other goroutines.
func TestScanSortedIsScanInOrder(t *testing.T) {
	root := t.TempDir()
	files := []string{"a-b", "a.b", "a0", "a/b-c", "a/b/c-d/e", "a/b/c.d", "a/b/c/d", "a/b/c/d0", "a/ba", "b", "ab/c", "z/z/z/z", ".git/HEAD", "x/.git/y"}
	for i := range 40 {
		files = append(files, fmt.Sprintf("seeds/s%d/clusters/c/f.yaml", i), fmt.Sprintf("seeds/s%d/clusters/c-1/f.yaml", i))
	}
	for _, f := range files {
		name := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("b", filepath.Join(root, "a/link")); err != nil {
		t.Fatal(err)
	}
	// What filepath.WalkDir finds, the top-level .git left out.
	want := map[string]entryKind{}
	must(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch {
		case rel == ".git":
			return filepath.SkipDir
		case d.IsDir():
			want[rel] = kindDir
		case d.Type().IsRegular():
			want[rel] = kindFile
		default:
			want[rel] = kindOther
		}
		return nil
	}))
	got, err := scanSorted(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("sorted scan found %d paths, scan %d", len(got), len(want))
	}
	for i, e := range got {
		if want[e.path] != e.kind {
			t.Errorf("%s: kind %d, scan says %d", e.path, e.kind, want[e.path])
		}
		if i > 0 && got[i-1].path >= e.path {
			t.Errorf("%q before %q", got[i-1].path, e.path)
		}
	}
	if missing, err := scanSorted(filepath.Join(root, "nothing")); err != nil || len(missing) != 0 {
		t.Errorf("missing root: %v, %v", missing, err)
	}
}
