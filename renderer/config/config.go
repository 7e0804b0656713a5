// Package config turns the CUE files of a config repo into a model.Config.
//
// It is the one boundary between CUE and Go: every *.cue file of package
// fleet is parsed, the files are built as one instance, unified with the
// embedded schema (#Fleet in cue/schema.cue), validated, and decoded
// strictly into the typed model. Every problem becomes a diag.Diagnostic at
// the user's file and line; nothing after this package sees a cue.Value.
//
// CUE evaluation is not safe for concurrent use, so one Load runs on one
// goroutine; only parsing is spread over cores.
package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	schema "github.com/fleetc/fleetc/cue"
	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
)

// Package is the CUE package name of config files.
const Package = "fleet"

// Load evaluates files (in any order) and returns the decoded
// configuration. The error, when not nil, is a diag.List. Load may return a
// partial configuration together with an error: entities that failed the
// schema are left out and named in Config.Broken, so that the cross-entity
// rules can still check the rest and every problem is reported in one run.
func Load(files []source.File) (*model.Config, error) { return load(files, nil) }

// recorder is told the JSON of each entity that decodes (nil: nobody).
type recorder func(path model.Path, data []byte)

func load(files []source.File, rec recorder) (*model.Config, error) {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b source.File) int { return strings.Compare(a.Path, b.Path) })
	var diags diag.List
	parsed := parseAll(files, &diags)
	if len(diags) > 0 {
		return nil, diags.Err()
	}
	if len(parsed) == 0 {
		diags.Addf(model.Pos{}, "no *.cue files of package %s found in the repo", Package)
		return nil, diags.Err()
	}

	ctx := cuecontext.New()
	inst := build.NewContext().NewInstance("", nil)
	syntax := syntaxPositions(parsed)
	for _, f := range parsed {
		if err := inst.AddSyntax(f); err != nil {
			addCUEErrors(&diags, err, syntax)
		}
	}
	if len(diags) > 0 {
		return nil, diags.Err()
	}
	user := ctx.BuildInstance(inst)
	if err := user.Err(); err != nil {
		addCUEErrors(&diags, err, syntax)
		return nil, diags.Err()
	}
	positions := model.NewPositions(func(p model.Path) (model.Pos, bool) { return lookupPos(user, p) })

	sch := ctx.CompileBytes(schema.Source, cue.Filename(schema.Filename))
	if err := sch.Err(); err != nil {
		return nil, fmt.Errorf("internal error: embedded schema: %w", err)
	}
	fleet := sch.LookupPath(cue.MakePath(cue.Def("Fleet"))).Unify(user)

	// Validate and decode each entity on its own, so that a problem in
	// one cluster does not hide the problems of another: entities that
	// fail are left out of the model and marked broken, and the
	// cross-entity rules still run over the rest.
	cfg := &model.Config{Positions: positions, Broken: map[string]bool{}}
	decodeAll(fleet, cfg, &diags, rec)
	cfg.Files = make([]model.File, len(files))
	for i, f := range files {
		cfg.Files[i] = model.File{Path: f.Path, SHA256: sha256Hex(f.Data)}
	}
	attachPatchPositions(cfg)
	return cfg, diags.Err()
}

// parseAll parses the files in parallel and keeps those of package fleet,
// in path order.
func parseAll(files []source.File, diags *diag.List) []*ast.File {
	out := make([]*ast.File, len(files))
	errs := make([]diag.List, len(files))
	var wg sync.WaitGroup
	work := make(chan int)
	for range min(runtime.GOMAXPROCS(0), max(len(files), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i], errs[i] = parseOne(files[i])
			}
		}()
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()
	var kept []*ast.File
	for i := range files {
		*diags = append(*diags, errs[i]...)
		if out[i] != nil {
			kept = append(kept, out[i])
		}
	}
	return kept
}

func parseOne(f source.File) (*ast.File, diag.List) {
	var diags diag.List
	if !utf8.Valid(f.Data) {
		line := 1 + bytes.Count(f.Data[:firstInvalidUTF8(f.Data)], []byte("\n"))
		diags.Addf(model.Pos{File: f.Path, Line: line, Col: 1}, "file is not valid UTF-8 (CUE files must be UTF-8 text)")
		return nil, diags
	}
	file, err := parser.ParseFile(f.Path, f.Data, parser.ParseComments)
	if err != nil {
		addCUEErrors(&diags, err, model.Positions{})
		return nil, diags
	}
	if name := file.PackageName(); name != Package {
		// Never silently dropped: a file left out would remove every
		// entity it holds from the render.
		pos := model.Pos{File: f.Path, Line: 1, Col: 1}
		for _, d := range file.Decls {
			if pkg, ok := d.(*ast.Package); ok {
				if p := posOf(pkg.Name.Pos()); p.File != "" {
					pos = p
				}
				break
			}
		}
		if name == "" {
			diags.Addf(pos, "file has no package clause: every .cue file of the repo is part of the config and must start with `package %s` (or list the file in %s)", Package, source.IgnoreFile)
		} else {
			diags.Addf(pos, "package %q: every .cue file of the repo is part of the config and must be `package %s` (or list the file in %s)", name, Package, source.IgnoreFile)
		}
		return nil, diags
	}
	refuseEmbed(file, &diags)
	for imp := range file.ImportSpecs() {
		p, _ := strconv.Unquote(imp.Path.Value)
		if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
			diags.Addf(posOf(imp.Pos()), "import %q: only CUE's standard library can be imported in a fleet config", p)
		}
	}
	return file, diags
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func posOf(p token.Pos) model.Pos {
	if !p.IsValid() {
		return model.Pos{}
	}
	return model.Pos{File: p.Filename(), Line: p.Line(), Col: p.Column()}
}

func userPos(p token.Pos) (model.Pos, bool) {
	if !p.IsValid() || p.Filename() == schema.Filename || p.Filename() == "" {
		return model.Pos{}, false
	}
	return posOf(p), true
}

// lookupPos returns where the user wrote the field at path in v, the
// user's own instance (not unified with the schema). A path element "[n]"
// is an index where the value is a list, a field name anywhere else.
func lookupPos(v cue.Value, path model.Path) (model.Pos, bool) {
	for _, el := range path {
		if v.IncompleteKind() == cue.ListKind && strings.HasPrefix(el, "[") && strings.HasSuffix(el, "]") {
			i, err := strconv.Atoi(el[1 : len(el)-1])
			if err != nil || i < 0 {
				return model.Pos{}, false
			}
			v = v.LookupPath(cue.MakePath(cue.Index(i)))
		} else {
			next := v.LookupPath(cue.MakePath(cue.Str(el)))
			if !next.Exists() {
				next = v.LookupPath(cue.MakePath(cue.Str(el).Optional()))
			}
			v = next
		}
		if !v.Exists() {
			return model.Pos{}, false
		}
	}
	return userPos(v.Pos())
}

var conflictRE = regexp.MustCompile(`^conflicting values (.+?) and (.+?)(?: \(mismatched types (\S+) and (\S+)\))?$`)

// addCUEErrors converts CUE errors into diagnostics at the user's files.
// Errors about one path from an empty disjunction are merged into one line.
func addCUEErrors(diags *diag.List, err error, positions model.Positions) {
	type group struct {
		pos      model.Pos
		msgs     []string
		disjunct bool
	}
	groups := map[string]*group{}
	var order []string
	for _, e := range cueerrors.Errors(err) {
		path := model.Path(trimDef(e.Path()))
		key := path.String()
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
			order = append(order, key)
		}
		if !g.pos.IsValid() {
			g.pos = bestPos(e, path, positions)
		}
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		if strings.HasPrefix(msg, "incomplete value") && positions.Known() && !positions.Has(path...) && len(path) > 0 {
			// The user did not write a required field: say so at the
			// struct that lacks it.
			parent := path[:len(path)-1]
			diags.Addf(positions.Of(parent...), "%s: missing required field %s", parent, path[len(path)-1])
			continue
		}
		if strings.HasSuffix(msg, "errors in empty disjunction:") {
			g.disjunct = true
			continue
		}
		if msg == "field not allowed" {
			msg = notAllowed
		}
		g.msgs = append(g.msgs, msg)
	}
	for _, key := range order {
		g := groups[key]
		if slices.Equal(g.msgs, []string{notAllowed}) && hasDeeper(order, key) {
			// A closed struct in a disjunction (a provider block) reports
			// the whole block and the field inside it; keep the precise one.
			continue
		}
		prefix := ""
		if key != "" {
			prefix = key + ": "
		}
		if g.disjunct && len(g.msgs) > 1 {
			diags.Addf(g.pos, "%s%s", prefix, mergeDisjunction(g.msgs))
			continue
		}
		for _, m := range g.msgs {
			diags.Addf(g.pos, "%s%s", prefix, m)
		}
	}
}

const notAllowed = "field not allowed (not in the schema: check its spelling and where it is nested)"

// hasDeeper reports whether keys holds a path below key.
func hasDeeper(keys []string, key string) bool {
	for _, k := range keys {
		if strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}

// mergeDisjunction turns "conflicting values 1 and 4", "conflicting values 3
// and 4", ... into "4 is not allowed (want one of: 1, 3)", and conflicts of
// types into "\"yes\" is a string, want bool".
func mergeDisjunction(msgs []string) string {
	// A constrained field with a default, (string | *"5m") & =~"...",
	// fails as "conflicting values "5m" and X" (the default) and "invalid
	// value X (...)" (the constraint): the constraint is what matters.
	var invalid []string
	for _, m := range msgs {
		if strings.HasPrefix(m, "invalid value") && !slices.Contains(invalid, m) {
			invalid = append(invalid, m)
		}
	}
	if len(invalid) > 0 {
		return strings.Join(invalid, "; ")
	}
	var parsed [][]string
	counts := map[string]int{}
	var seen []string
	for _, m := range msgs {
		sm := conflictRE.FindStringSubmatch(m)
		if sm == nil {
			return strings.Join(msgs, "; ")
		}
		parsed = append(parsed, sm)
		for _, v := range sm[1:3] {
			if counts[v] == 0 {
				seen = append(seen, v)
			}
			counts[v]++
		}
	}
	// The user's value conflicts with every alternative, so it is the one
	// that appears in every message.
	got := ""
	for _, v := range seen {
		if counts[v] == len(msgs) {
			got = v
			break
		}
	}
	if got == "" {
		return strings.Join(msgs, "; ")
	}
	var want, gotType []string
	for _, sm := range parsed {
		other, otherType, ownType := sm[2], sm[4], sm[3]
		if sm[2] == got {
			other, otherType, ownType = sm[1], sm[3], sm[4]
		}
		if otherType != "" {
			gotType = append(gotType, ownType)
			other = otherType
		}
		if !slices.Contains(want, other) {
			want = append(want, other)
		}
	}
	if len(gotType) == len(parsed) {
		return fmt.Sprintf("%s is a %s, want %s", got, gotType[0], strings.Join(want, " or "))
	}
	return fmt.Sprintf("%s is not allowed (want one of: %s)", got, strings.Join(want, ", "))
}

func trimDef(p []string) []string {
	if len(p) > 0 && strings.HasPrefix(p[0], "#") {
		p = p[1:]
	}
	out := make([]string, len(p))
	for i, s := range p {
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		}
		if _, err := strconv.Atoi(s); err == nil && i > 0 {
			s = "[" + s + "]"
		}
		out[i] = s
	}
	return out
}

func bestPos(e cueerrors.Error, path model.Path, positions model.Positions) model.Pos {
	var cands []model.Pos
	for _, p := range e.InputPositions() {
		if mp, ok := userPos(p); ok {
			cands = append(cands, mp)
		}
	}
	if mp, ok := userPos(e.Position()); ok {
		cands = append(cands, mp)
	}
	if len(cands) > 0 {
		// Prefer the position recorded for the field itself.
		if want, _ := positions.At(path...); want.IsValid() {
			for _, c := range cands {
				if c.File == want.File && c.Line == want.Line {
					return c
				}
			}
		}
		sort.Slice(cands, func(i, j int) bool { return cands[i].Less(cands[j]) })
		return cands[0]
	}
	return positions.Of(path...)
}

func attachPatchPositions(cfg *model.Config) {
	ps := cfg.Positions
	for i := range cfg.Patches {
		cfg.Patches[i].Pos = ps.Of("patches", "["+strconv.Itoa(i)+"]")
	}
	for si := range cfg.Seeds {
		s := &cfg.Seeds[si]
		for i := range s.Patches {
			s.Patches[i].Pos = ps.Of("seeds", s.Name, "patches", "["+strconv.Itoa(i)+"]")
		}
	}
	for ci := range cfg.Clusters {
		c := &cfg.Clusters[ci]
		for i := range c.Patches {
			c.Patches[i].Pos = ps.Of("clusters", c.Name, "patches", "["+strconv.Itoa(i)+"]")
		}
	}
}

// Top-level fields of a config.
const (
	fMaster   = "master"
	fUsers    = "users"
	fProjects = "projects"
	fSSHKeys  = "sshKeys"
	fSeeds    = "seeds"
	fClusters = "clusters"
	fPatches  = "patches"
)

// decodeAll validates and decodes every entity of the unified value fleet
// into cfg. Entities with problems are reported, recorded in cfg.Broken and
// left out.
func decodeAll(fleet cue.Value, cfg *model.Config, diags *diag.List, rec recorder) {
	if !cfg.Positions.Has(fMaster) {
		diags.Addf(model.Pos{}, "master: missing; every config needs master: {domain: ..., gitops: url: ...}")
		cfg.Broken[fMaster] = true
	}
	it, err := fleet.Fields(cue.Optional(true))
	if err != nil {
		addCUEErrors(diags, err, cfg.Positions)
		return
	}
	for it.Next() {
		name, v := it.Selector().Unquoted(), it.Value()
		switch name {
		case fMaster:
			if !cfg.Broken[fMaster] && decodeOne(v, []string{name}, &cfg.Master, cfg, diags, rec) {
				break
			}
			cfg.Broken[fMaster] = true
		case fPatches:
			decodeOne(v, []string{name}, &cfg.Patches, cfg, diags, rec)
		case fUsers:
			cfg.Users = decodeEach(v, name, cfg, diags, rec, nameUser)
		case fProjects:
			cfg.Projects = decodeEach(v, name, cfg, diags, rec, nameProject)
		case fSSHKeys:
			cfg.SSHKeys = decodeEach(v, name, cfg, diags, rec, nameSSHKey)
		case fSeeds:
			cfg.Seeds = decodeEach(v, name, cfg, diags, rec, nameSeed)
		case fClusters:
			cfg.Clusters = decodeEach(v, name, cfg, diags, rec, nameCluster)
		default:
			diags.Addf(cfg.Positions.Of(name), "%s: field not allowed (the top-level fields are master, users, projects, sshKeys, seeds, clusters and patches)", name)
		}
	}
	// Fields iterate in the order written; the model is sorted by name.
	sortByName(cfg)
}

// decodeEach decodes every member of a collection such as clusters into a
// T, names it with setKey, and returns those that decoded.
func decodeEach[T any](v cue.Value, collection string, cfg *model.Config, diags *diag.List, rec recorder, setKey func(t *T, key string)) []T {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		addCUEErrors(diags, err, cfg.Positions)
		return nil
	}
	var out []T
	for it.Next() {
		key := it.Selector().Unquoted()
		var t T
		if decodeOne(it.Value(), []string{collection, key}, &t, cfg, diags, rec) {
			setKey(&t, key)
			out = append(out, t)
		}
	}
	return out
}

// decodeOne validates v and decodes it strictly into dst. On failure it
// reports the problems, marks the entity broken and returns false.
func decodeOne(v cue.Value, path model.Path, dst any, cfg *model.Config, diags *diag.List, rec recorder) bool {
	if err := v.Validate(cue.Concrete(true)); err != nil {
		addCUEErrors(diags, err, cfg.Positions)
		cfg.Broken[path.String()] = true
		return false
	}
	data, err := v.MarshalJSON()
	if err != nil {
		addCUEErrors(diags, err, cfg.Positions)
		cfg.Broken[path.String()] = true
		return false
	}
	if err := decodeStrict(data, dst); err != nil {
		// The schema is closed, so this means the Go model and the CUE
		// schema disagree: a fleetc bug, reported as such.
		diags.Addf(cfg.Positions.Of(path...), "%s: internal error: the evaluated value does not fit fleetc's model: %v", path, err)
		cfg.Broken[path.String()] = true
		return false
	}
	if rec != nil {
		rec(path, data)
	}
	return true
}

// decodeStrict decodes JSON into dst, refusing fields dst does not have.
func decodeStrict(data []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

// An entity's name is its key in its collection.
func nameUser(u *model.User, key string)       { u.Email = key }
func nameProject(p *model.Project, key string) { p.Name = key }
func nameSSHKey(k *model.SSHKey, key string)   { k.Name = key }
func nameCluster(c *model.Cluster, key string) { c.Name = key }
func nameSeed(s *model.Seed, key string) {
	s.Name = key
	for _, dk := range model.SortedKeys(s.DCMap) {
		d := s.DCMap[dk]
		d.Name, d.Seed = dk, key
		s.Datacenters = append(s.Datacenters, d)
	}
}

func sortByName(cfg *model.Config) {
	slices.SortFunc(cfg.Users, func(a, b model.User) int { return strings.Compare(a.Email, b.Email) })
	slices.SortFunc(cfg.Projects, func(a, b model.Project) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(cfg.SSHKeys, func(a, b model.SSHKey) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(cfg.Seeds, func(a, b model.Seed) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(cfg.Clusters, func(a, b model.Cluster) int { return strings.Compare(a.Name, b.Name) })
}
