package config_test

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fleetc/fleetc/internal/fleetgen"
	"github.com/fleetc/fleetc/renderer/config"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
)

// mapMemo is a Memo in memory that counts what it is asked.
type mapMemo struct {
	mu         sync.Mutex
	m          map[string][]byte
	hits, puts int
}

func (m *mapMemo) Get(k string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.m[k]
	if ok {
		m.hits++
	}
	return b, ok
}

func (m *mapMemo) Put(k string, b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string][]byte{}
	}
	m.m[k] = b
	m.puts++
}

func filesOf(m map[string][]byte) []source.File {
	var out []source.File
	for _, p := range slices.Sorted(maps.Keys(m)) {
		out = append(out, source.File{Path: p, Data: m[p]})
	}
	return out
}

// sameConfig fails unless a and b are the same model, patch positions
// and the positions of the given paths included.
func sameConfig(t *testing.T, a, b *model.Config, paths ...model.Path) {
	t.Helper()
	for _, p := range paths {
		pa, oka := a.Positions.At(p...)
		pb, okb := b.Positions.At(p...)
		if pa != pb || oka != okb {
			t.Errorf("position of %s: %v %v (Load) vs %v %v (LoadMemo)", p, pa, oka, pb, okb)
		}
	}
	ca, cb := *a, *b
	ca.Positions, cb.Positions = model.Positions{}, model.Positions{}
	if !reflect.DeepEqual(ca, cb) {
		ja, _ := json.MarshalIndent(ca, "", " ")
		jb, _ := json.MarshalIndent(cb, "", " ")
		la, lb := strings.Split(string(ja), "\n"), strings.Split(string(jb), "\n")
		for i := range min(len(la), len(lb)) {
			if la[i] != lb[i] {
				t.Fatalf("LoadMemo's model differs from Load's at line %d of its JSON: %q (Load) vs %q (LoadMemo)", i, la[i], lb[i])
			}
		}
		t.Fatalf("LoadMemo's model differs from Load's (%d vs %d lines of JSON)", len(la), len(lb))
	}
}

func TestLoadMemoEqualsLoad(t *testing.T) {
	fleet := fleetgen.Generate(60, 1)
	memo := &mapMemo{}
	check := func(name string, files map[string][]byte, wantHits bool, paths ...model.Path) {
		t.Helper()
		want, werr := config.Load(filesOf(files))
		memo.hits = 0
		got, gerr := config.LoadMemo(filesOf(files), memo)
		if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
			t.Fatalf("%s: errors differ:\nLoad:     %v\nLoadMemo: %v", name, werr, gerr)
		}
		if werr != nil {
			return
		}
		sameConfig(t, want, got, paths...)
		if wantHits && memo.hits == 0 {
			t.Errorf("%s: the memo was never read", name)
		}
	}
	var cluster, clusterFile string
	for p, b := range fleet {
		if strings.HasPrefix(p, "clusters/") && (clusterFile == "" || p < clusterFile) {
			clusterFile = p
			cluster = strings.Split(string(b), `"`)[1]
		}
	}
	paths := []model.Path{{"clusters", cluster}, {"clusters", cluster, "version"}, {"master", "domain"}, {"clusters"}, {"users"}}

	check("first load (everything evaluated, then remembered)", fleet, false, paths...)
	if memo.puts == 0 {
		t.Fatal("a valid first load put nothing into the memo")
	}
	check("nothing changed", fleet, true, paths...)

	changed := maps.Clone(fleet)
	changed[clusterFile] = []byte(strings.Replace(string(fleet[clusterFile]), "labels: {", "labels: {extra: \"yes\", ", 1))
	if string(changed[clusterFile]) == string(fleet[clusterFile]) {
		t.Fatalf("the edit did not apply to %s", clusterFile)
	}
	puts := memo.puts
	check("one cluster changed", changed, true, paths...)
	if memo.puts != puts+2 {
		t.Errorf("one changed file: %d entries put, want 2 (its shape and its group)", memo.puts-puts)
	}

	// The same entity written in two files: one group.
	split := maps.Clone(fleet)
	split["clusters/zz-more.cue"] = []byte("package fleet\n\nclusters: \"" + cluster + "\": labels: more: \"x\"\n")
	check("an entity in two files", split, true, paths...)

	// A file that shapes every cluster: all of them in the core group.
	pattern := maps.Clone(fleet)
	pattern["zz-all.cue"] = []byte("package fleet\n\nclusters: [string]: labels: fleet: \"acme\"\n")
	check("a pattern over a collection", pattern, true, paths...)

	// A reference to another file's definition.
	ref := maps.Clone(fleet)
	ref["zz-defs.cue"] = []byte("package fleet\n\n#Team: \"payments\"\n")
	ref[clusterFile] = []byte(strings.Replace(string(fleet[clusterFile]), "labels: {", "labels: {team2: #Team, ", 1))
	check("a reference to another file", ref, true, paths...)

	// A reference to a package field from an otherwise plain file.
	self := maps.Clone(fleet)
	self[clusterFile] = []byte(strings.Replace(string(fleet[clusterFile]), "labels: {", "labels: {dc: clusters[\""+cluster+"\"].datacenter, ", 1))
	check("a reference through the package", self, true, paths...)

	// An error in the changed file: the usual message.
	bad := maps.Clone(fleet)
	bad[clusterFile] = []byte(strings.Replace(string(fleet[clusterFile]), "etcd: replicas: 1", "etcd: replicas: \"one\"", 1))
	check("an invalid cluster", bad, true)
}

// A damaged or foreign memo entry is not trusted: each entry in turn is
// replaced by another kind's entry, or by one of its own kind that holds
// nothing (a file's shape that writes no entity, a group's entry without
// its entities).
func TestLoadMemoIgnoresBadEntries(t *testing.T) {
	fleet := fleetgen.Generate(30, 1)
	memo := &mapMemo{}
	want, err := config.Load(filesOf(fleet))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := config.LoadMemo(filesOf(fleet), memo); err != nil {
		t.Fatal(err)
	}
	bad := [][]byte{
		[]byte(`{"e":[{"p":["clusters","nope"],"j":{"bogus":1}}]}`),
		[]byte(`{"f":"fleetc file shape 1"}`),
		[]byte(`{"f":"fleetc file shape 1","k":["clusters\u0000nope"]}`),
		[]byte(`{"e":[]}`),
		[]byte(`{}`),
	}
	keys := slices.Sorted(maps.Keys(memo.m))
	for _, k := range keys {
		good := memo.m[k]
		for _, b := range bad {
			memo.m[k] = b
			got, err := config.LoadMemo(filesOf(fleet), memo)
			if err != nil {
				t.Fatal(err)
			}
			sameConfig(t, want, got)
			memo.m[k] = good
		}
	}
}

// Every file of the example fleet, changed alone (a comment added: the
// file's digest changes, its meaning does not), loads to Load's model
// through the memo.
func TestLoadMemoOnTheExample(t *testing.T) {
	snap, err := source.Read(filepath.Join("..", "..", "fixtures", "example"), "")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range snap.Files {
		files[f.Path] = f.Data
	}
	want, err := config.Load(filesOf(files))
	if err != nil {
		t.Fatal(err)
	}
	memo := &mapMemo{}
	if _, err := config.LoadMemo(filesOf(files), memo); err != nil {
		t.Fatal(err)
	}
	var paths []model.Path
	for _, c := range want.Clusters {
		paths = append(paths, model.Path{"clusters", c.Name}, model.Path{"clusters", c.Name, "version"})
	}
	for _, s := range want.Seeds {
		paths = append(paths, model.Path{"seeds", s.Name, "datacenters"})
	}
	for p := range files {
		changed := maps.Clone(files)
		changed[p] = append(slices.Clone(files[p]), "\n// touched\n"...)
		got, err := config.LoadMemo(filesOf(changed), memo)
		if err != nil {
			t.Fatalf("%s touched: %v", p, err)
		}
		want, err := config.Load(filesOf(changed))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("touched %s", p)
		sameConfig(t, want, got, paths...)
	}
}
