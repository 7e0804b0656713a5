// Package patch applies the config's escape-hatch patches (fleet, seed and
// cluster `patches`, in that order) to a cluster's rendered objects, with
// kustomize's Go API on an in-memory file system, as `kustomize build`
// would apply them.
//
// Each patch is applied in its own kustomize run, so that a failure is
// attributed to the patch that caused it; the patched objects are decoded
// strictly into their Go types again, so a patch that breaks an object (a
// misspelt field, a wrong type) is an error at the patch's CUE line, as is
// a patch whose target matches no object. A run is given only the objects
// its patch selects; a patched object that takes the kind, namespace and
// name of another object is refused here, as kustomize would refuse it.
// A patch stays inside its object (contain.go): it never changes an
// object's apiVersion, kind or namespace, renames a cluster-scoped object,
// adds an object or produces a Secret with data.
package patch

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/typed"
)

// kustomizeMu serialises kustomize runs: kustomize keeps its OpenAPI schema
// in package-level state that is not safe for concurrent use
// (kubernetes-sigs/kustomize#3659; Flux serialises its builds for the same
// reason). It guards that library state, not state of ours.
var kustomizeMu sync.Mutex

// Scope says where a patch was written, for messages.
type Scope string

const (
	ScopeFleet   Scope = "fleet"
	ScopeSeed    Scope = "seed"
	ScopeCluster Scope = "cluster"
)

// Patch is a patch with its scope.
type Patch struct {
	model.Patch
	Scope Scope
}

// Problem is a patch that failed on a cluster.
type Problem struct {
	Patch Patch
	Msg   string
}

// Matches reports whether the patch's target selects o.
func (p Patch) Matches(o object.Object) bool {
	return object.Kind(o) == p.Target.Kind && (p.Target.Name == "" || p.Target.Name == o.GetName())
}

// Apply applies patches in order to objs. It returns the patched objects
// (objs itself when patches is empty), which patches matched at least one
// object (by index), and the problems found. A patch that matches nothing
// is not a problem here: a fleet-wide patch need only match somewhere in
// its scope, so the caller judges that.
func Apply(objs []object.Object, patches []Patch) ([]object.Object, []bool, []Problem) {
	matched := make([]bool, len(patches))
	var problems []Problem
	for i, p := range patches {
		n := 0
		for _, o := range objs {
			if p.Matches(o) {
				n++
			}
		}
		if n == 0 {
			continue
		}
		matched[i] = true
		// Only the objects the patch selects go through kustomize (its
		// cost grows with every object it is given); a patched object
		// that now has the kind, namespace and name of one it was not
		// given is refused here, as kustomize refuses two such objects.
		var selected, others []object.Object
		for _, o := range objs {
			if p.Matches(o) {
				selected = append(selected, o)
			} else {
				others = append(others, o)
			}
		}
		out, err := applyOne(selected, p)
		if err == nil {
			err = contain(selected, out)
		}
		if err == nil {
			err = clash(out, others)
		}
		if err != nil {
			problems = append(problems, Problem{Patch: p, Msg: err.Error()})
			continue
		}
		objs = append(others, out...)
	}
	return objs, matched, problems
}

// clash reports a patched object with the same kind, namespace and name
// as one of the others.
func clash(patched, others []object.Object) error {
	type id struct{ kind, namespace, name string }
	ids := make(map[id]bool, len(others))
	for _, o := range others {
		ids[id{object.Kind(o), o.GetNamespace(), o.GetName()}] = true
	}
	files := make(map[string]bool, len(others))
	for _, o := range others {
		files[layout.FileName(object.Kind(o), o.GetName())] = true
	}
	for _, o := range patched {
		if ids[id{object.Kind(o), o.GetNamespace(), o.GetName()}] {
			return fmt.Errorf("the patched %s %s has the same name as another %s of the cluster", object.Kind(o), o.GetName(), object.Kind(o))
		}
		// Each object is written to <kind>-<name>.yaml: two objects
		// whose names differ only in what a file name cannot hold
		// would overwrite each other.
		if f := layout.FileName(object.Kind(o), o.GetName()); files[f] {
			return fmt.Errorf("the patched %s %s would be written to %s, the file of another object of the cluster", object.Kind(o), o.GetName(), f)
		}
	}
	return nil
}

func applyOne(objs []object.Object, p Patch) ([]object.Object, error) {
	text, err := completePatch(p, objs)
	if err != nil {
		return nil, err
	}
	fsys := filesys.MakeFsInMemory()
	k := kusttypes.Kustomization{
		TypeMeta: kusttypes.TypeMeta{APIVersion: kusttypes.KustomizationVersion, Kind: kusttypes.KustomizationKind},
		Patches: []kusttypes.Patch{{
			Patch:  text,
			Target: &kusttypes.Selector{ResId: resid.ResId{Gvk: resid.Gvk{Kind: p.Target.Kind}, Name: p.Target.Name}},
		}},
	}
	for i, o := range objs {
		// JSON is YAML to kustomize, and cheaper to write.
		data, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		name := strconv.Itoa(i) + ".yaml"
		if err := fsys.WriteFile("/"+name, data); err != nil {
			return nil, err
		}
		k.Resources = append(k.Resources, name)
	}
	kdata, err := yaml.Marshal(k)
	if err != nil {
		return nil, err
	}
	if err := fsys.WriteFile("/kustomization.yaml", kdata); err != nil {
		return nil, err
	}
	rm, err := build(fsys)
	if err != nil {
		return nil, err
	}
	out := make([]object.Object, 0, rm.Size())
	for _, r := range rm.Resources() {
		data, err := r.MarshalJSON()
		if err != nil {
			return nil, err
		}
		v, _, err := typed.DecodeJSON(data)
		if err != nil {
			return nil, fmt.Errorf("the patched %s %s is not valid: %v", r.GetKind(), r.GetName(), err)
		}
		o, ok := v.(object.Object)
		if !ok {
			return nil, fmt.Errorf("internal error: %T is not an object", v)
		}
		out = append(out, o)
	}
	return out, nil
}

// completePatch lets a strategic-merge patch omit what its target already
// says: kustomize wants apiVersion, kind and metadata.name in the patch
// text, and replaces them by each target's. A JSON 6902 patch (a list) is
// returned as written.
func completePatch(p Patch, objs []object.Object) (string, error) {
	var v any
	if err := yaml.Unmarshal([]byte(p.Patch.Patch), &v); err != nil {
		return "", fmt.Errorf("the patch is neither YAML nor JSON: %v", err)
	}
	// kustomize's YAML round trip turns some of these into spaces or
	// line breaks: judged here, as written.
	if p, r, ok := controlChar(v, ""); ok {
		if p == "" {
			p = "a value"
		}
		return "", fmt.Errorf("the patch's %s holds control character %U (YAML and Kubernetes tools read it differently)", strings.TrimPrefix(p, "."), r)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return p.Patch.Patch, nil
	}
	var first object.Object
	for _, o := range objs {
		if p.Matches(o) {
			first = o
			break
		}
	}
	if _, ok := m["apiVersion"]; !ok {
		m["apiVersion"] = object.APIVersion(first)
	}
	if _, ok := m["kind"]; !ok {
		m["kind"] = p.Target.Kind
	}
	md, _ := m["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		m["metadata"] = md
	}
	if _, ok := md["name"]; !ok {
		md["name"] = first.GetName()
	}
	out, err := yaml.Marshal(m)
	return string(out), err
}

func build(fsys filesys.FileSystem) (_ resmap.ResMap, err error) {
	kustomizeMu.Lock()
	defer kustomizeMu.Unlock()
	defer func() {
		// kustomize panics on some malformed input; that is the user's
		// patch, not a crash of ours.
		if r := recover(); r != nil {
			err = fmt.Errorf("kustomize: %v", r)
		}
	}()
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, "/")
	if err != nil {
		return nil, err
	}
	return rm, nil
}
