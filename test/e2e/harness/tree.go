package harness

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// kustomizationFiles are the file names kustomize recognises as a
// kustomization, as Flux's kustomize-controller does.
var kustomizationFiles = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// IsKustomizationDir reports whether dir holds a kustomization file.
func IsKustomizationDir(dir string) bool {
	for _, f := range kustomizationFiles {
		if fi, err := os.Stat(filepath.Join(dir, f)); err == nil && !fi.IsDir() {
			return true
		}
	}
	return false
}

// KustomizationDirs returns every folder under tree (tree included) that
// holds a kustomization file, relative to tree with forward slashes ("." for
// tree itself), sorted. Dot-folders (.git, .fleetc) are skipped.
func KustomizationDirs(tree string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(tree, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if path != tree && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if IsKustomizationDir(path) {
			rel, err := filepath.Rel(tree, path)
			if err != nil {
				return err
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(dirs)
	return dirs, err
}

// Build runs kustomize (the Go API, with the options Flux's
// kustomize-controller uses: load restrictions on, no plugins) on dir and
// returns the objects it produces.
func Build(dir string) ([]*unstructured.Unstructured, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			return nil, err
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
	return objs, nil
}

// ObjectKey identifies an object by group, kind, namespace and name.
func ObjectKey(o *unstructured.Unstructured) string {
	gvk := o.GroupVersionKind()
	return fmt.Sprintf("%s/%s/%s/%s", gvk.Group, gvk.Kind, o.GetNamespace(), o.GetName())
}

// ObjectRef is "Kind namespace/name" or "Kind name", for messages.
func ObjectRef(o *unstructured.Unstructured) string {
	if ns := o.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s %s/%s", o.GetKind(), ns, o.GetName())
	}
	return fmt.Sprintf("%s %s", o.GetKind(), o.GetName())
}

// sourceIndex maps objects that kustomize builds back to the file they came
// from. The rendered tree holds one object per file, so an object is found by
// group, kind and name (kustomize's namespace transformer may have set the
// namespace, so that is matched only when the file states one).
type sourceIndex struct {
	tree    string
	entries []sourceEntry
}

type sourceEntry struct {
	group, kind, namespace, name string
	file                         string // relative to tree, forward slashes
}

// indexSources reads every YAML file under dir (relative to tree) except
// kustomization files.
func indexSources(tree, dir string) *sourceIndex {
	idx := &sourceIndex{tree: tree}
	root := filepath.Join(tree, filepath.FromSlash(dir))
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		ext := filepath.Ext(path)
		if (ext != ".yaml" && ext != ".yml") || slices.Contains(kustomizationFiles, d.Name()) {
			return nil
		}
		objs, err := ReadObjects(path)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(tree, path)
		for _, o := range objs {
			gvk := o.GroupVersionKind()
			idx.entries = append(idx.entries, sourceEntry{
				group: gvk.Group, kind: gvk.Kind, namespace: o.GetNamespace(), name: o.GetName(),
				file: filepath.ToSlash(rel),
			})
		}
		return nil
	})
	return idx
}

// file returns the source file of o, or "" when none matches.
func (idx *sourceIndex) file(o *unstructured.Unstructured) string {
	gvk := o.GroupVersionKind()
	for _, e := range idx.entries {
		if e.group == gvk.Group && e.kind == gvk.Kind && e.name == o.GetName() &&
			(e.namespace == "" || e.namespace == o.GetNamespace()) {
			return e.file
		}
	}
	return ""
}

// FindBuiltObject returns the first object (in folder order) of the given
// group and kind that kustomize builds from tree, and the file it comes
// from, relative to tree.
func FindBuiltObject(tree, group, kind string) (*unstructured.Unstructured, string, error) {
	dirs, err := KustomizationDirs(tree)
	if err != nil {
		return nil, "", err
	}
	for _, dir := range dirs {
		objs, err := Build(filepath.Join(tree, filepath.FromSlash(dir)))
		if err != nil {
			continue
		}
		idx := indexSources(tree, dir)
		for _, o := range objs {
			if gvk := o.GroupVersionKind(); gvk.Group == group && gvk.Kind == kind {
				if f := idx.file(o); f != "" {
					return o, f, nil
				}
			}
		}
	}
	return nil, "", fmt.Errorf("kustomize builds no %s.%s from %s", kind, group, tree)
}

// WriteObjects writes objs to file as a multi-document YAML stream.
func WriteObjects(file string, objs []*unstructured.Unstructured) error {
	return writeObjects(file, objs)
}
