package drift_test

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/fleetc/fleetc/renderer/drift"
	"github.com/fleetc/fleetc/renderer/tree"
)

func digest(b string) string {
	sum := sha256.Sum256([]byte(b))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func TestClassify(t *testing.T) {
	stored := map[string]string{
		"master/a.yaml":                "old render",
		"master/b.yaml":                "hand edit",
		"seeds/s/clusters/c/x.yaml":    "old render",
		"seeds/s/clusters/gone/x.yaml": "x",
		"notes.txt":                    "mine",
		".fleetc/tmp-123/x":            "y",
		".fleetc/index.json":           "{}",
	}
	idx := &tree.Index{Generator: "fleetc", Files: map[string]string{
		"master/a.yaml":                digest("old render"),
		"master/b.yaml":                digest("as rendered once"),
		"seeds/s/clusters/gone/x.yaml": digest("x"),
	}}
	st := drift.Stored{
		Content: func(p string) ([]byte, bool) {
			if p == "seeds/s/clusters/c/x.yaml" {
				return nil, false // a symlink, say
			}
			b, ok := stored[p]
			return []byte(b), ok
		},
		Index: idx,
	}
	d := drift.Paths{
		Changed: []string{".fleetc/index.json", "master/a.yaml", "master/b.yaml", "seeds/s/clusters/c/x.yaml"},
		Missing: []string{"seeds/s/clusters/new/y.yaml"},
		Extra:   []string{".fleetc/tmp-123/x", "notes.txt", "seeds/s/clusters/gone/x.yaml"},
	}
	got := drift.Classify(d, st)
	want := []drift.File{
		{Path: ".fleetc/index.json", State: drift.Stale},
		{Path: "master/a.yaml", State: drift.Stale},
		{Path: "master/b.yaml", State: drift.Edited},
		{Path: "seeds/s/clusters/c/x.yaml", State: drift.Edited, Note: "not a regular file"},
		{Path: "seeds/s/clusters/new/y.yaml", State: drift.Missing},
		{Path: ".fleetc/tmp-123/x", State: drift.Extra, Note: "left by an interrupted render, which the next render removes"},
		{Path: "notes.txt", State: drift.Extra, Foreign: true, Note: "not fleetc's: render leaves it alone, delete it by hand"},
		{Path: "seeds/s/clusters/gone/x.yaml", State: drift.Extra},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Classify =\n%+v\nwant\n%+v", got, want)
	}
	// Without an index, every changed file counts as edited.
	st.Index = nil
	if f := drift.Classify(drift.Paths{Changed: []string{"master/a.yaml"}}, st); f[0].State != drift.Edited {
		t.Errorf("without an index: %+v", f)
	}
	// Publish replaces the whole folder: no extra file is foreign.
	st.ForeignFixed = true
	if f := drift.Classify(drift.Paths{Extra: []string{"notes.txt"}}, st); f[0].Foreign || f[0].Note != "" {
		t.Errorf("ForeignFixed: %+v", f)
	}
	if n := drift.Count(got); n[drift.Stale] != 2 || n[drift.Edited] != 2 || n[drift.Missing] != 1 || n[drift.Extra] != 3 {
		t.Errorf("Count = %v", n)
	}
}

func TestGroups(t *testing.T) {
	render := tree.New()
	for _, p := range []string{"master/a.yaml", "seeds/s/clusters/new/1.yaml", "seeds/s/clusters/new/2.yaml", "seeds/s/clusters/c/1.yaml", "seeds/s/clusters/c/2.yaml"} {
		if err := render.Add(p, nil); err != nil {
			t.Fatal(err)
		}
	}
	files := []drift.File{
		{Path: "zz", State: drift.Extra},
		{Path: ".fleetc/index.json", State: drift.Stale},
		{Path: "seeds/s/clusters/old/1.yaml", State: drift.Extra},
		{Path: "seeds/s/clusters/new/2.yaml", State: drift.Missing},
		{Path: "seeds/s/clusters/new/1.yaml", State: drift.Missing},
		{Path: "seeds/s/clusters/c/1.yaml", State: drift.Missing},
		{Path: "seeds/s/usercluster/c/k.yaml", State: drift.Stale},
		{Path: "seeds/r/kustomization.yaml", State: drift.Edited},
		{Path: "master/a.yaml", State: drift.Edited},
	}
	var got []string
	for _, g := range drift.Groups(files, render) {
		line := g.Title
		if g.Whole != "" {
			line += " whole " + g.Whole + " " + string(g.State)
		}
		for _, f := range g.Files {
			line += " " + f.Path
		}
		got = append(got, line)
	}
	want := []string{
		"master master/a.yaml",
		"seed r seeds/r/kustomization.yaml",
		"seed s seeds/s/usercluster/c/k.yaml",
		"cluster c (seed s) seeds/s/clusters/c/1.yaml", // one of two files: not whole
		"cluster new (seed s) whole seeds/s/clusters/new missing seeds/s/clusters/new/1.yaml seeds/s/clusters/new/2.yaml",
		"cluster old (seed s) whole seeds/s/clusters/old extra seeds/s/clusters/old/1.yaml",
		"fleetc's index .fleetc/index.json",
		"elsewhere zz",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Groups =\n%q\nwant\n%q", got, want)
	}
}

func TestCompareFiles(t *testing.T) {
	render := tree.New()
	for p, b := range map[string]string{"a": "1", "b": "2", "c": "3"} {
		if err := render.Add(p, []byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	got := drift.CompareFiles(render, map[string][]byte{"a": []byte("1"), "b": []byte("x"), "e": nil, "d": nil})
	want := drift.Paths{Changed: []string{"b"}, Missing: []string{"c"}, Extra: []string{"d", "e"}}
	if !reflect.DeepEqual(got, want) || got.Empty() || !(drift.Paths{}).Empty() {
		t.Fatalf("CompareFiles = %+v, want %+v", got, want)
	}
}
