package disk

import (
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
