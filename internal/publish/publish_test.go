package publish

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

type files map[string]string

func (f files) Paths() []string { return slices.Sorted(maps.Keys(f)) }
func (f files) Get(p string) ([]byte, bool) {
	s, ok := f[p]
	return []byte(s), ok
}

// rendered adds the index a render has: every file listed.
func rendered(f files) files {
	idx := `{"files":{`
	for i, p := range f.Paths() {
		if i > 0 {
			idx += ","
		}
		idx += `"` + p + `":"sha256:0"`
	}
	f[".fleetc/index.json"] = idx + "}}\n"
	return f
}

var sig = object.Signature{Name: "fleetc", Email: "fleetc@localhost", When: time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("", 3600))}

// newRepo makes a repository with one commit on main, checked out.
func newRepo(t *testing.T) *git.Repository {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, _ := repo.Worktree()
	if _, err := wt.Commit("init", &git.CommitOptions{Author: &sig, AllowEmptyCommits: true}); err != nil {
		t.Fatal(err)
	}
	return repo
}

func opts(msg string) Options {
	return Options{Branch: "rendered", Path: "rendered", Message: msg, Signature: sig}
}

func TestPublish(t *testing.T) {
	repo := newRepo(t)
	v1 := rendered(files{"a.yaml": "a: 1\n", "seeds/eu/b.yaml": "b: 1\n", "seeds/eu-west/c.yaml": "c\n", "seeds/eu.yaml": "x\n"})
	res, err := Publish(repo, v1, opts("first"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Unchanged || !res.Parent.IsZero() {
		t.Errorf("first publish: %+v", res)
	}
	c, err := repo.CommitObject(res.Commit)
	if err != nil {
		t.Fatal(err)
	}
	if c.NumParents() != 0 || c.Message != "first" || c.Author.Name != "fleetc" || !c.Author.When.Equal(sig.When) || !c.Committer.When.Equal(sig.When) {
		t.Errorf("commit %+v", c)
	}
	if _, off := c.Committer.When.Zone(); off != 3600 {
		t.Errorf("committer zone offset %d, want 3600", off)
	}
	got, tip, err := Read(repo, "rendered", "rendered")
	if err != nil || tip != res.Commit {
		t.Fatalf("read: %v, tip %s", err, tip)
	}
	if len(got) != len(v1) {
		t.Fatalf("read %d files", len(got))
	}
	for p, want := range v1 {
		if string(got[p]) != want {
			t.Errorf("%s: %q, want %q", p, got[p], want)
		}
	}
	// The tree is a valid git tree: go-git walks it in order.
	tr, _ := c.Tree()
	var walked []string
	tr.Files().ForEach(func(f *object.File) error { walked = append(walked, f.Name); return nil })
	if len(walked) != len(v1) {
		t.Errorf("walked %q", walked)
	}

	// The same render again: no commit.
	res2, err := Publish(repo, v1, opts("second"))
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Unchanged || res2.Commit != res.Commit {
		t.Errorf("unchanged publish: %+v", res2)
	}

	// A change: a new commit on top, a removed file gone.
	v2 := rendered(files{"a.yaml": "a: 2\n"})
	res3, err := Publish(repo, v2, opts("third"))
	if err != nil {
		t.Fatal(err)
	}
	if res3.Unchanged || res3.Created || res3.Parent != res.Commit {
		t.Errorf("third: %+v", res3)
	}
	got, _, _ = Read(repo, "rendered", "rendered")
	if len(got) != 2 || string(got["a.yaml"]) != "a: 2\n" {
		t.Errorf("after third: %q", got)
	}
}

func TestPublishKeepsOtherFiles(t *testing.T) {
	repo := newRepo(t)
	// Something else on the branch, outside the folder.
	if _, err := Publish(repo, files{"README.md": "hello\n", "rendered/old.yaml": "old\n", "deep/er/x": "x\n",
		"rendered/.fleetc/index.json": `{"files":{"old.yaml":"sha256:0"}}` + "\n"}, Options{Branch: "rendered", Message: "m", Signature: sig}); err != nil {
		t.Fatal(err)
	}
	if _, err := Publish(repo, files{"new.yaml": "new\n", ".fleetc/index.json": "{}\n"}, opts("m2")); err != nil {
		t.Fatal(err)
	}
	all, _, _ := Read(repo, "rendered", "")
	want := map[string]string{"README.md": "hello\n", "deep/er/x": "x\n", "rendered/new.yaml": "new\n", "rendered/.fleetc/index.json": "{}\n"}
	if len(all) != len(want) {
		t.Errorf("files %q", slices.Sorted(maps.Keys(all)))
	}
	for p, w := range want {
		if string(all[p]) != w {
			t.Errorf("%s = %q, want %q", p, all[p], w)
		}
	}
	// A nested folder.
	if _, err := Publish(repo, files{"n.yaml": "n\n"}, Options{Branch: "rendered", Path: "deep/er/here", Message: "m3", Signature: sig}); err != nil {
		t.Fatal(err)
	}
	all, _, _ = Read(repo, "rendered", "deep")
	if string(all["er/x"]) != "x\n" || string(all["er/here/n.yaml"]) != "n\n" {
		t.Errorf("nested: %q", slices.Sorted(maps.Keys(all)))
	}
}

func TestReproducible(t *testing.T) {
	v := files{"a.yaml": "a\n", "b/c.yaml": "c\n"}
	var hashes []plumbing.Hash
	for range 2 {
		res, err := Publish(newRepo(t), v, opts("same"))
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, res.Commit)
	}
	if hashes[0] != hashes[1] {
		t.Errorf("two publishes of the same render: %s and %s", hashes[0], hashes[1])
	}
}

func TestRefusals(t *testing.T) {
	repo := newRepo(t)
	head, _ := repo.Head()
	checkedOut := head.Name().Short()
	var pe *Error
	for _, o := range []Options{
		{Branch: checkedOut, Message: "m", Signature: sig},
		{Branch: "bad..name", Message: "m", Signature: sig},
		{Branch: "refs/heads/x", Message: "m", Signature: sig},
		{Branch: "ok", Path: "../out", Message: "m", Signature: sig},
		{Branch: "ok", Path: "a/.git/b", Message: "m", Signature: sig},
		{Branch: "ok", Path: "/abs", Message: "m", Signature: sig},
	} {
		_, err := Publish(repo, files{"a": "a"}, o)
		if !errors.As(err, &pe) {
			t.Errorf("%+v: got %v, want a publish.Error", o, err)
		} else if o.Branch == checkedOut && !strings.Contains(err.Error(), "checked out") {
			t.Errorf("checked-out branch: %v", err)
		}
	}
	if f, tip, err := Read(repo, "nope", ""); f != nil || !tip.IsZero() || err != nil {
		t.Errorf("missing branch: %v %v %v", f, tip, err)
	}
}

// TestPublishKeepsForeignFiles: inside the folder, a file the previous
// render's index does not list (flux bootstrap's flux-system/) is kept;
// files of the previous render that the new one lacks are removed.
func TestPublishKeepsForeignFiles(t *testing.T) {
	repo := newRepo(t)
	// flux bootstrap wrote into the folder first.
	flux := "apiVersion: v1\nkind: Namespace\n"
	if _, err := Publish(repo, files{"rendered/flux-system/gotk-components.yaml": flux, "README.md": "r\n"}, Options{Branch: "rendered", Message: "flux", Signature: sig}); err != nil {
		t.Fatal(err)
	}
	for i, v := range []files{
		rendered(files{"master/a.yaml": "a\n", "seeds/eu/b.yaml": "b\n"}),
		rendered(files{"master/a.yaml": "a2\n"}),
	} {
		if _, err := Publish(repo, v, opts("render")); err != nil {
			t.Fatal(err)
		}
		got, _, _ := Read(repo, "rendered", "rendered")
		if string(got["flux-system/gotk-components.yaml"]) != flux {
			t.Fatalf("publish %d removed flux-system/: %q", i, slices.Sorted(maps.Keys(got)))
		}
		if len(got) != len(v)+1 {
			t.Errorf("publish %d: files %q", i, slices.Sorted(maps.Keys(got)))
		}
	}
	got, _, _ := Read(repo, "rendered", "rendered")
	if _, ok := got["seeds/eu/b.yaml"]; ok {
		t.Error("a file of the previous render survived")
	}
	// A foreign file where the render needs a folder: an error, no commit.
	if _, err := Publish(repo, rendered(files{"flux-system/gotk-components.yaml/x": "x\n"}), opts("clash")); err == nil || !strings.Contains(err.Error(), "in the way") {
		t.Errorf("clash: %v", err)
	}
	// At the root too: the README stays.
	if _, err := Publish(repo, rendered(files{"x.yaml": "x\n"}), Options{Branch: "rendered", Message: "root", Signature: sig}); err != nil {
		t.Fatal(err)
	}
	all, _, _ := Read(repo, "rendered", "")
	if all["README.md"] == nil || all["x.yaml"] == nil {
		t.Errorf("root publish: %q", slices.Sorted(maps.Keys(all)))
	}
}
