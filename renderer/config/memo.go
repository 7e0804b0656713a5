package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/token"

	schema "github.com/fleetc/fleetc/cue"
	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
)

// Memo keeps decoded entities between loads, by the digest of the files
// they come from (a pull request changes one cluster's file: the other
// 9,999 need not be evaluated again). Implementations must be safe for
// concurrent use and return only bytes that were Put under the key. The
// key covers the schema and the files, not fleetc's code: a Memo that
// outlives the process must also key its entries by the build (as
// internal/rendercache does).
type Memo interface {
	Get(key string) ([]byte, bool)
	Put(key string, data []byte)
}

// memoFormat changes whenever what a memo entry holds does.
const memoFormat = "fleetc load memo 1"

// A group is a set of files whose entities can be evaluated apart from
// every other file: no file of the group refers to anything outside
// itself, and no entity is written in two groups. The files that can
// not be told apart this way (they write master or patches, refer to a
// field of the package, import, declare, or shape a whole collection)
// form one "core" group together with every file that writes an entity
// they write.
type group struct {
	files []int    // indexes into the parsed files, in path order
	keys  []string // the entities written, "collection\x00name"
	core  bool
	key   string // the memo key
}

// collections are the top-level fields whose members can be evaluated
// file by file.
var collections = map[string]bool{fUsers: true, fProjects: true, fSSHKeys: true, fSeeds: true, fClusters: true}

// predeclared are CUE's built-in identifiers: a reference to one is not a
// reference to another file.
var predeclared = map[string]bool{
	"bool": true, "bytes": true, "float": true, "float32": true, "float64": true, "int": true,
	"int8": true, "int16": true, "int32": true, "int64": true, "int128": true, "number": true,
	"rune": true, "string": true, "uint": true, "uint8": true, "uint16": true, "uint32": true,
	"uint64": true, "uint128": true, "len": true, "close": true, "and": true, "or": true,
	"div": true, "mod": true, "quo": true, "rem": true, "matchN": true, "matchIf": true, "_": true,
}

// fileShape is what grouping needs of one parsed file. The memo keeps it
// by the file's path and bytes (shapeKey), so that a file seen before is
// not parsed again unless its group must be evaluated.
type fileShape struct {
	Format string          `json:"f"`           // shapeFormat: an entry of another kind is not a shape
	Keys   []string        `json:"k,omitempty"` // entities written with a concrete name
	Core   bool            `json:"c,omitempty"` // cannot be evaluated on its own
	Shapes map[string]bool `json:"s,omitempty"` // collections written other than member by member
	All    bool            `json:"a,omitempty"` // may write anything (a top-level embedding or comprehension)
}

// shapeFormat changes whenever fileShape or shapeOf does.
const shapeFormat = "fleetc file shape 1"

// decodeShape reads a memo entry written for a file's shape; false for
// anything else.
func decodeShape(b []byte, s *fileShape) bool {
	if decodeStrict(b, s) != nil || s.Format != shapeFormat {
		return false
	}
	for _, k := range s.Keys {
		coll, name, ok := strings.Cut(k, "\x00")
		if !ok || !collections[coll] || name == "" {
			return false
		}
	}
	for c := range s.Shapes {
		if !collections[c] {
			return false
		}
	}
	return true
}

// shapeKey is the memo key of the shape of the file at path with the
// given sha256 of its bytes.
func shapeKey(path string, sum [32]byte) string {
	h := sha256.New()
	h.Write([]byte(shapeFormat + "\x00" + path + "\x00"))
	h.Write(sum[:])
	return hex.EncodeToString(h.Sum(nil))
}

func shapeOf(f *ast.File) fileShape {
	s := fileShape{Format: shapeFormat}
	pkgName := (*ast.Ident)(nil)
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.Package:
			pkgName = d.Name
		case *ast.CommentGroup:
		case *ast.ImportDecl:
			s.Core = true
		case *ast.Field:
			name, _, err := ast.LabelName(d.Label)
			if err != nil {
				s.Core, s.All = true, true
				continue
			}
			if !collections[name] || d.Constraint != token.ILLEGAL {
				s.Core = true
				if collections[name] {
					s.shape(name)
				}
				continue
			}
			members, ok := d.Value.(*ast.StructLit)
			if !ok {
				s.Core = true
				s.shape(name)
				continue
			}
			for _, m := range members.Elts {
				mf, ok := m.(*ast.Field)
				if !ok {
					if _, c := m.(*ast.CommentGroup); c {
						continue
					}
					s.Core = true
					s.shape(name)
					continue
				}
				key, _, err := ast.LabelName(mf.Label)
				_, alias := mf.Label.(*ast.Alias)
				if err != nil || alias || mf.Constraint != token.ILLEGAL {
					s.Core = true
					s.shape(name)
					continue
				}
				s.Keys = append(s.Keys, name+"\x00"+key)
			}
		default:
			// let, embedding, comprehension, attribute...
			s.Core = true
			if _, ok := d.(*ast.LetClause); !ok {
				s.All = true
			}
		}
	}
	for _, u := range f.Unresolved {
		if u != pkgName && !predeclared[u.Name] {
			s.Core = true
		}
	}
	if !s.Core {
		// A reference to a top-level field is a reference to the
		// package's field, written in any file.
		ast.Walk(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Scope == ast.Node(f) {
				s.Core = true
			}
			return !s.Core
		}, nil)
	}
	return s
}

func (s *fileShape) shape(collection string) {
	if s.Shapes == nil {
		s.Shapes = map[string]bool{}
	}
	s.Shapes[collection] = true
}

// groupFiles splits the files (in path order: their names, shapes and
// the sha256 of their bytes) into groups, in the order of their first
// file.
func groupFiles(names []string, shapes []fileShape, sums [][32]byte) []*group {
	n := len(names)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) {
		a, b = find(a), find(b)
		if a != b {
			if b < a {
				a, b = b, a
			}
			parent[b] = a
		}
	}
	core := -1
	whole := map[string]bool{} // collections shaped as a whole by a core file
	all := false
	for i, s := range shapes {
		if s.Core {
			if core < 0 {
				core = i
			}
			union(core, i)
		}
		for c := range s.Shapes {
			whole[c] = true
		}
		all = all || s.All
	}
	owner := map[string]int{}
	for i, s := range shapes {
		for _, k := range s.Keys {
			if o, ok := owner[k]; ok {
				union(o, i)
			} else {
				owner[k] = i
			}
			coll, _, _ := strings.Cut(k, "\x00")
			if (all || whole[coll]) && core >= 0 {
				union(core, i)
			}
		}
	}
	byRoot := map[int]*group{}
	var groups []*group
	for i := range names {
		r := find(i)
		g := byRoot[r]
		if g == nil {
			g = &group{}
			byRoot[r] = g
			groups = append(groups, g)
		}
		g.files = append(g.files, i)
		g.keys = append(g.keys, shapes[i].Keys...)
		g.core = g.core || shapes[i].Core
	}
	schemaSum := sha256.Sum256(schema.Source)
	for _, g := range groups {
		h := sha256.New()
		h.Write([]byte(memoFormat + "\x00"))
		h.Write(schemaSum[:])
		for _, i := range g.files {
			h.Write([]byte(names[i] + "\x00"))
			h.Write(sums[i][:])
		}
		g.key = hex.EncodeToString(h.Sum(nil))
		slices.Sort(g.keys)
	}
	return groups
}

// memoEntry is what a group decodes to: its entities' JSON (as the
// strict decoder reads it) and the positions of their patches.
type memoEntry struct {
	Entities []memoEntity `json:"e"`
}

type memoEntity struct {
	Path    model.Path      `json:"p"` // [master], [patches] or [collection, name]
	JSON    json.RawMessage `json:"j"`
	Patches []model.Pos     `json:"pp,omitempty"`
}

// LoadMemo is Load with a memo of decoded entities: the files are parsed,
// split into groups that can be evaluated on their own, and only the
// groups the memo does not hold are evaluated (each against the schema,
// alone). When many groups are new (a first run), or when anything is
// wrong with the config, it is Load: the whole config evaluated at once,
// which also gives every message its usual form; a valid config's
// groups are then put into the memo. Either way the model is the same
// (TestLoadMemoEqualsLoad). A nil memo is Load.
func LoadMemo(files []source.File, memo Memo) (*model.Config, error) {
	if memo == nil {
		return Load(files)
	}
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b source.File) int { return strings.Compare(a.Path, b.Path) })
	if len(files) == 0 {
		return Load(files)
	}
	// Each file's shape from the memo; the files it does not know are
	// parsed (all of them must parse).
	names := make([]string, len(files))
	sums := make([][32]byte, len(files))
	shapes := make([]fileShape, len(files))
	parsed := make([]*ast.File, len(files))
	var need []source.File
	var needAt []int
	for i, f := range files {
		names[i], sums[i] = f.Path, sha256.Sum256(f.Data)
		if b, ok := memo.Get(shapeKey(f.Path, sums[i])); ok && decodeShape(b, &shapes[i]) {
			continue
		}
		need, needAt = append(need, f), append(needAt, i)
	}
	if len(need) > 0 {
		var diags diag.List
		got := parseAll(need, &diags)
		if len(diags) > 0 || len(got) != len(need) {
			return Load(files)
		}
		var wg sync.WaitGroup
		for j, i := range needAt {
			parsed[i] = got[j]
			wg.Go(func() { shapes[i] = shapeOf(got[j]) })
		}
		wg.Wait()
		for _, i := range needAt {
			if b, err := json.Marshal(shapes[i]); err == nil {
				memo.Put(shapeKey(names[i], sums[i]), b)
			}
		}
	}
	groups := groupFiles(names, shapes, sums)
	entries := make([]*memoEntry, len(groups))
	missFiles := 0
	for i, g := range groups {
		if b, ok := memo.Get(g.key); ok {
			var e memoEntry
			if json.Unmarshal(b, &e) == nil && e.fits(g) {
				entries[i] = &e
				continue
			}
		}
		missFiles += len(g.files)
	}
	if missFiles > max(16, len(files)/20) {
		// Mostly new: one evaluation of everything is cheaper than
		// many small ones.
		cfg, err := loadRecorded(files, groups, memo)
		return cfg, err
	}
	ev := newGroupEval(files, parsed)
	for i, g := range groups {
		if entries[i] != nil {
			continue
		}
		e, ok := ev.decode(g)
		if !ok {
			return Load(files) // the usual messages
		}
		entries[i] = e
		if b, err := json.Marshal(e); err == nil {
			memo.Put(g.key, b)
		}
	}
	cfg, ok := assemble(entries)
	if !ok {
		return Load(files)
	}
	cfg.Positions = ev.positions(groups)
	cfg.Files = make([]model.File, len(files))
	for i, f := range files {
		cfg.Files[i] = model.File{Path: f.Path, SHA256: hex.EncodeToString(sums[i][:])}
	}
	return cfg, nil
}

// loadRecorded is Load that also puts each group's entities into the memo
// when the config is valid.
func loadRecorded(files []source.File, groups []*group, memo Memo) (*model.Config, error) {
	rec := map[string]json.RawMessage{}
	cfg, err := load(files, func(p model.Path, b []byte) { rec[p.String()] = b })
	if err != nil || len(cfg.Broken) > 0 {
		return cfg, err
	}
	patchPos := func(p model.Path) []model.Pos {
		var ps []model.Patch
		switch {
		case len(p) == 1 && p[0] == fPatches:
			ps = cfg.Patches
		case len(p) == 2 && p[0] == fSeeds:
			if s := findSeed(cfg, p[1]); s != nil {
				ps = s.Patches
			}
		case len(p) == 2 && p[0] == fClusters:
			if c := findCluster(cfg, p[1]); c != nil {
				ps = c.Patches
			}
		}
		var out []model.Pos
		for _, x := range ps {
			out = append(out, x.Pos)
		}
		return out
	}
	for _, g := range groups {
		var e memoEntry
		paths := entityPaths(g)
		if g.core {
			paths = append([]model.Path{{fMaster}, {fPatches}}, paths...)
		}
		for _, p := range paths {
			b, ok := rec[p.String()]
			if !ok {
				return cfg, err // not decoded as expected: remember nothing
			}
			e.Entities = append(e.Entities, memoEntity{Path: p, JSON: b, Patches: patchPos(p)})
		}
		if b, err := json.Marshal(e); err == nil {
			memo.Put(g.key, b)
		}
	}
	return cfg, err
}

// fits reports whether e holds the entities group g writes, in order
// (with the master and the patches for the core group): an entry of
// another group or kind is not used.
func (e *memoEntry) fits(g *group) bool {
	paths := entityPaths(g)
	if g.core {
		paths = append([]model.Path{{fMaster}, {fPatches}}, paths...)
	}
	if len(paths) != len(e.Entities) {
		return false
	}
	for i, p := range paths {
		if !slices.Equal(p, e.Entities[i].Path) {
			return false
		}
	}
	return true
}

// entityPaths are the entities a group writes, once each, sorted.
func entityPaths(g *group) []model.Path {
	var out []model.Path
	for i, k := range g.keys {
		if i > 0 && g.keys[i-1] == k {
			continue
		}
		coll, name, _ := strings.Cut(k, "\x00")
		out = append(out, model.Path{coll, name})
	}
	return out
}

func findSeed(cfg *model.Config, name string) *model.Seed {
	for i := range cfg.Seeds {
		if cfg.Seeds[i].Name == name {
			return &cfg.Seeds[i]
		}
	}
	return nil
}

func findCluster(cfg *model.Config, name string) *model.Cluster {
	i, ok := slices.BinarySearchFunc(cfg.Clusters, name, func(c model.Cluster, n string) int { return strings.Compare(c.Name, n) })
	if !ok {
		return nil
	}
	return &cfg.Clusters[i]
}

// groupEval evaluates groups one at a time in one CUE context, and keeps
// their values for the positions of later messages.
type groupEval struct {
	files   []source.File
	parseMu sync.Mutex
	parsed  []*ast.File // nil: not parsed yet
	ctx     *cue.Context
	schema  cue.Value
	mu      sync.Mutex
	values  map[*group]cue.Value
}

func newGroupEval(files []source.File, parsed []*ast.File) *groupEval {
	return &groupEval{files: files, parsed: parsed, values: map[*group]cue.Value{}}
}

// file is the parsed file i, parsed now if it was not (its shape came
// from the memo); false if it does not parse.
func (ev *groupEval) file(i int) (*ast.File, bool) {
	ev.parseMu.Lock()
	defer ev.parseMu.Unlock()
	if ev.parsed[i] == nil {
		f, diags := parseOne(ev.files[i])
		if f == nil || len(diags) > 0 {
			return nil, false
		}
		ev.parsed[i] = f
	}
	return ev.parsed[i], true
}

// value is the group's own instance (not unified with the schema).
func (ev *groupEval) value(g *group) (cue.Value, bool) {
	if v, ok := ev.values[g]; ok {
		return v, v.Exists()
	}
	if ev.ctx == nil {
		ev.ctx = cuecontext.New()
		ev.schema = ev.ctx.CompileBytes(schema.Source, cue.Filename(schema.Filename))
	}
	inst := build.NewContext().NewInstance("", nil)
	for _, i := range g.files {
		f, ok := ev.file(i)
		if !ok {
			ev.values[g] = cue.Value{}
			return cue.Value{}, false
		}
		if err := inst.AddSyntax(f); err != nil {
			ev.values[g] = cue.Value{}
			return cue.Value{}, false
		}
	}
	v := ev.ctx.BuildInstance(inst)
	if v.Err() != nil {
		v = cue.Value{}
	}
	ev.values[g] = v
	return v, v.Exists()
}

// decode evaluates a group against the schema and decodes its entities;
// false on any problem (Load then reports it).
func (ev *groupEval) decode(g *group) (*memoEntry, bool) {
	user, ok := ev.value(g)
	if !ok || ev.schema.Err() != nil || !writes(user, g.keys) {
		return nil, false
	}
	fleet := ev.schema.LookupPath(cue.MakePath(cue.Def("Fleet"))).Unify(user)
	rec := map[string]json.RawMessage{}
	cfg := &model.Config{Broken: map[string]bool{}}
	var diags diag.List
	record := func(p model.Path, b []byte) { rec[p.String()] = b }
	paths := entityPaths(g)
	if g.core {
		cfg.Positions = model.NewPositions(func(p model.Path) (model.Pos, bool) { return lookupPos(user, p) })
		decodeAll(fleet, cfg, &diags, record)
		attachPatchPositions(cfg)
		paths = append([]model.Path{{fMaster}, {fPatches}}, paths...)
	} else {
		for _, p := range paths {
			v := fleet.LookupPath(cue.MakePath(cue.Str(p[0]), cue.Str(p[1])))
			var dst any
			switch p[0] {
			case fUsers:
				dst = new(model.User)
			case fProjects:
				dst = new(model.Project)
			case fSSHKeys:
				dst = new(model.SSHKey)
			case fSeeds:
				dst = new(model.Seed)
			case fClusters:
				dst = new(model.Cluster)
			}
			if !decodeOne(v, p, dst, cfg, &diags, record) {
				return nil, false
			}
		}
	}
	if len(diags) > 0 || len(cfg.Broken) > 0 {
		return nil, false
	}
	var e memoEntry
	for _, p := range paths {
		b, ok := rec[p.String()]
		if !ok {
			return nil, false
		}
		var pos []model.Pos
		switch {
		case g.core && p[0] == fPatches:
			for _, x := range cfg.Patches {
				pos = append(pos, x.Pos)
			}
		case len(p) == 2:
			pos = ev.patchPositions(user, p)
		}
		e.Entities = append(e.Entities, memoEntity{Path: p, JSON: b, Patches: pos})
	}
	return &e, true
}

// writes reports whether the entities of the collections in v are
// exactly keys (sorted "collection\x00name"): the grouping, from the
// files' shapes, saw every entity the group's files write.
func writes(v cue.Value, keys []string) bool {
	var got []string
	for _, coll := range model.SortedKeys(collections) {
		it, err := v.LookupPath(cue.MakePath(cue.Str(coll))).Fields()
		if err != nil {
			continue // the collection is not written
		}
		for it.Next() {
			got = append(got, coll+"\x00"+it.Selector().Unquoted())
		}
	}
	slices.Sort(got)
	return slices.Equal(got, slices.Compact(slices.Clone(keys)))
}

// patchPositions are the positions of an entity's patches, in order.
func (ev *groupEval) patchPositions(user cue.Value, p model.Path) []model.Pos {
	if p[0] != fSeeds && p[0] != fClusters {
		return nil
	}
	list := user.LookupPath(cue.MakePath(cue.Str(p[0]), cue.Str(p[1]), cue.Str("patches")))
	if !list.Exists() {
		return nil
	}
	n, err := list.Len().Int64()
	if err != nil {
		return nil
	}
	ps := model.NewPositions(func(q model.Path) (model.Pos, bool) { return lookupPos(user, q) })
	var out []model.Pos
	for i := range n {
		out = append(out, ps.Of(p[0], p[1], "patches", "["+strconv.Itoa(int(i))+"]"))
	}
	return out
}

// positions looks a field of an entity up in the group that wrote it,
// and any other field in the whole config, evaluating either on the first
// question.
func (ev *groupEval) positions(groups []*group) model.Positions {
	byKey := map[string]*group{}
	all := &group{}
	for _, g := range groups {
		for _, k := range g.keys {
			byKey[k] = g
		}
		all.files = append(all.files, g.files...)
	}
	slices.Sort(all.files)
	return model.NewPositions(func(p model.Path) (model.Pos, bool) {
		g := all
		if len(p) >= 2 && collections[p[0]] {
			if g = byKey[p[0]+"\x00"+p[1]]; g == nil {
				return model.Pos{}, false
			}
		}
		ev.mu.Lock()
		defer ev.mu.Unlock()
		v, ok := ev.value(g)
		if !ok {
			return model.Pos{}, false
		}
		return lookupPos(v, p)
	})
}

// assemble builds the model from the groups' entries, as decodeAll would
// have: each entity named by its key, the collections sorted by name.
func assemble(entries []*memoEntry) (*model.Config, bool) {
	cfg := &model.Config{Broken: map[string]bool{}}
	master := false
	for _, e := range entries {
		for _, x := range e.Entities {
			if !decodeEntity(cfg, x) {
				return nil, false
			}
			master = master || (len(x.Path) == 1 && x.Path[0] == fMaster)
		}
	}
	if !master {
		return nil, false
	}
	sortByName(cfg)
	return cfg, true
}

func decodeEntity(cfg *model.Config, x memoEntity) bool {
	switch {
	case len(x.Path) == 1 && x.Path[0] == fMaster:
		return decodeStrict(x.JSON, &cfg.Master) == nil
	case len(x.Path) == 1 && x.Path[0] == fPatches:
		return decodeStrict(x.JSON, &cfg.Patches) == nil && setPatchPos(cfg.Patches, x.Patches)
	case len(x.Path) != 2:
		return false
	}
	switch x.Path[0] {
	case fUsers:
		return appendEntity(&cfg.Users, x, nameUser, func(*model.User) []model.Patch { return nil })
	case fProjects:
		return appendEntity(&cfg.Projects, x, nameProject, func(*model.Project) []model.Patch { return nil })
	case fSSHKeys:
		return appendEntity(&cfg.SSHKeys, x, nameSSHKey, func(*model.SSHKey) []model.Patch { return nil })
	case fSeeds:
		return appendEntity(&cfg.Seeds, x, nameSeed, func(s *model.Seed) []model.Patch { return s.Patches })
	case fClusters:
		return appendEntity(&cfg.Clusters, x, nameCluster, func(c *model.Cluster) []model.Patch { return c.Patches })
	}
	return false
}

// appendEntity decodes the entity x, names it by its key, gives its
// patches their positions and appends it to list.
func appendEntity[T any](list *[]T, x memoEntity, name func(*T, string), patches func(*T) []model.Patch) bool {
	var t T
	if decodeStrict(x.JSON, &t) != nil || !setPatchPos(patches(&t), x.Patches) {
		return false
	}
	name(&t, x.Path[1])
	*list = append(*list, t)
	return true
}

// setPatchPos gives the patches ps the positions pos (false when they do
// not fit).
func setPatchPos(ps []model.Patch, pos []model.Pos) bool {
	if len(ps) != len(pos) {
		return false
	}
	for i := range ps {
		ps[i].Pos = pos[i]
	}
	return true
}
