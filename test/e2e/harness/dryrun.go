package harness

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Rejection is one object (or one folder) of a rendered tree that the API
// server, or kustomize, refused.
type Rejection struct {
	// Dir is the kustomization folder the object was built from, relative
	// to the tree.
	Dir string
	// File is the file the object came from, relative to the tree, or the
	// folder's kustomization.yaml when the object cannot be traced to one
	// file (or the folder did not build).
	File string
	// Kind, Namespace and Name identify the object; empty when the folder
	// did not build.
	Kind, Namespace, Name string
	// Message is the API server's (or kustomize's) message.
	Message string
}

func (r Rejection) String() string {
	obj := r.Kind + " " + r.Name
	if r.Namespace != "" {
		obj = r.Kind + " " + r.Namespace + "/" + r.Name
	}
	if r.Kind == "" {
		obj = "kustomize build " + r.Dir
	}
	return fmt.Sprintf("%s: %s: %s", r.File, obj, r.Message)
}

// DryRunResult is what DryRunTree checked and what was refused.
type DryRunResult struct {
	// Dirs is the number of kustomization folders built.
	Dirs int
	// Objects is the number of distinct objects sent to the API server.
	Objects int
	// Rejections, sorted by file.
	Rejections []Rejection
}

// DryRunOptions tunes DryRunTree.
type DryRunOptions struct {
	// Namespaces are created before the dry run, in addition to the
	// Namespace objects of the tree: the prerequisites that exist on a real
	// seed or master before Flux applies the tree. Default: flux-system.
	Namespaces []string
}

// DryRunTree checks a rendered tree against the control plane the way Flux
// would apply it: every folder holding a kustomization file is built with
// kustomize, and every object is server-side applied with dryRun=All,
// fieldValidation=Strict and field manager fleetc-e2e.
//
// A dry run persists nothing, and a namespaced object in a namespace that
// does not exist is refused, so the tree's Namespace objects (and
// opts.Namespaces) are created for real first; so are the tree's
// CustomResourceDefinitions, which are waited on until Established.
//
// Every refusal is collected, not just the first. The error is for failures
// of the harness itself (the API server unreachable, a context expiring).
func DryRunTree(ctx context.Context, cp *ControlPlane, tree string, opts DryRunOptions) (*DryRunResult, error) {
	if opts.Namespaces == nil {
		opts.Namespaces = []string{"flux-system"}
	}
	dirs, err := KustomizationDirs(tree)
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no folder under %s holds a kustomization.yaml", tree)
	}

	type built struct {
		dir  string
		idx  *sourceIndex
		objs []*unstructured.Unstructured
	}
	var (
		rejections []Rejection
		builds     []built
	)
	for _, dir := range dirs {
		objs, err := Build(filepath.Join(tree, filepath.FromSlash(dir)))
		if err != nil {
			rejections = append(rejections, Rejection{Dir: dir, File: path.Join(dir, "kustomization.yaml"), Message: err.Error()})
			continue
		}
		builds = append(builds, built{dir: dir, idx: indexSources(tree, dir), objs: objs})
	}

	reject := func(b built, o *unstructured.Unstructured, msg string) {
		file := b.idx.file(o)
		if file == "" {
			file = path.Join(b.dir, "kustomization.yaml")
		}
		rejections = append(rejections, Rejection{
			Dir: b.dir, File: file, Kind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName(),
			Message: msg,
		})
	}

	// Pass 1: what must really exist for the dry run to mean anything.
	for _, ns := range opts.Namespaces {
		if err := cp.EnsureNamespace(ctx, ns); err != nil {
			return nil, fmt.Errorf("create prerequisite namespace %s: %w", ns, err)
		}
	}
	applied := map[string]bool{}
	var crds []string
	for _, kind := range []string{"Namespace", "CustomResourceDefinition"} {
		for _, b := range builds {
			for _, o := range b.objs {
				if o.GetKind() != kind || o.GroupVersionKind().Group != groupOfKind(kind) {
					continue
				}
				if key := ObjectKey(o); !applied[key] {
					applied[key] = true
					if _, err := cp.Apply(ctx, o, false); err != nil {
						if ctx.Err() != nil {
							return nil, ctx.Err()
						}
						reject(b, o, err.Error())
						continue
					}
					if kind == "CustomResourceDefinition" {
						crds = append(crds, o.GetName())
					}
				}
			}
		}
	}
	if err := cp.WaitCRDsEstablished(ctx, crds); err != nil {
		return nil, err
	}

	// Pass 2: dry-run everything else. A folder and its parent often build
	// the same object; identical copies are checked once. A dry run
	// persists nothing, so no object's check depends on another's: they go
	// to the API server dryRunWorkers at a time (one at a time, a run is a
	// chain of round trips that a busy machine stretches the most).
	type check struct {
		b built
		o *unstructured.Unstructured
	}
	var checks []check
	seen := map[string]bool{}
	for _, b := range builds {
		for _, o := range b.objs {
			if applied[ObjectKey(o)] {
				continue
			}
			data, _ := json.Marshal(o.Object)
			if key := ObjectKey(o) + "\x00" + string(data); seen[key] {
				continue
			} else {
				seen[key] = true
			}
			checks = append(checks, check{b, o})
		}
	}
	var (
		mu   sync.Mutex
		next = make(chan check)
		wg   sync.WaitGroup
	)
	for range dryRunWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				if _, err := cp.Apply(ctx, c.o, true); err != nil && ctx.Err() == nil {
					mu.Lock()
					reject(c.b, c.o, err.Error())
					mu.Unlock()
				}
			}
		}()
	}
	for _, c := range checks {
		if ctx.Err() != nil {
			break
		}
		next <- c
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	slices.SortFunc(rejections, func(a, b Rejection) int {
		return cmp.Or(strings.Compare(a.File, b.File), strings.Compare(a.Kind, b.Kind),
			strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name), strings.Compare(a.Message, b.Message))
	})
	return &DryRunResult{
		Dirs:       len(dirs),
		Objects:    len(applied) + len(seen),
		Rejections: slices.CompactFunc(rejections, func(a, b Rejection) bool { return a == b }),
	}, nil
}

// dryRunWorkers is how many dry-run requests DryRunTree has in flight.
const dryRunWorkers = 8

func groupOfKind(kind string) string {
	if kind == "CustomResourceDefinition" {
		return "apiextensions.k8s.io"
	}
	return ""
}
