package harness

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Seed is one seeds/<seed> folder of a rendered tree (docs/output.md):
// a kustomization.yaml for the seed's root Flux Kustomization, flux/ with the
// GitRepository and one Flux Kustomization per customer cluster, and
// clusters/<cluster>/ with each cluster's objects.
type Seed struct {
	Name string
	// Dir is the seed folder relative to the tree: seeds/<seed>.
	Dir string
	// GitRepository is the rendered source the cluster Kustomizations use.
	GitRepository *unstructured.Unstructured
	// Clusters, sorted by name.
	Clusters []SeedCluster
	// Prefix is where the tree sits in the git repository Flux pulls, as
	// the Kustomizations' spec.path says: "" when they point at
	// ./seeds/<seed>/clusters/<cluster>, "rendered" for
	// ./rendered/seeds/..., following master.gitops.path.
	Prefix string
	// Remote names the Flux Kustomizations that apply a folder inside a
	// customer cluster through spec.kubeConfig (usercluster-<cluster>);
	// the test has no customer clusters, so they are left alone.
	Remote []string
}

// SeedCluster is a customer cluster of a seed.
type SeedCluster struct {
	Name string
	// Dir is the cluster folder relative to the tree.
	Dir string
	// Kustomization is the rendered Flux Kustomization that applies Dir.
	Kustomization *unstructured.Unstructured
}

// Seeds lists the seed names of a tree.
func Seeds(tree string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(tree, "seeds"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// LoadSeed reads seeds/<name> of tree and checks its Flux wiring: every
// clusters/<c> folder has exactly one Flux Kustomization pointing at it, and
// all of them use the seed's GitRepository.
func LoadSeed(tree, name string) (*Seed, error) {
	s := &Seed{Name: name, Dir: path.Join("seeds", name)}
	fluxDir := filepath.Join(tree, "seeds", name, "flux")
	var objs []*unstructured.Unstructured
	var err error
	if IsKustomizationDir(fluxDir) {
		objs, err = Build(fluxDir)
	} else {
		objs, err = readDirObjects(fluxDir)
	}
	if err != nil {
		return nil, fmt.Errorf("%s/flux: %w", s.Dir, err)
	}
	var repos []*unstructured.Unstructured
	byPath := map[string]*unstructured.Unstructured{}
	prefixes := map[string]bool{}
	suffix := "seeds/" + name + "/clusters/"
	for _, o := range objs {
		switch o.GroupVersionKind().GroupKind().String() {
		case "GitRepository.source.toolkit.fluxcd.io":
			repos = append(repos, o)
		case "Kustomization.kustomize.toolkit.fluxcd.io":
			if _, remote, _ := unstructured.NestedMap(o.Object, "spec", "kubeConfig"); remote {
				// Applies a usercluster/ folder inside a customer
				// cluster (through its admin kubeconfig), not a
				// control plane on this seed.
				s.Remote = append(s.Remote, o.GetName())
				continue
			}
			p, _, _ := unstructured.NestedString(o.Object, "spec", "path")
			p = strings.TrimPrefix(path.Clean("/"+p), "/")
			i := strings.LastIndex(p, suffix)
			if i < 0 || strings.Contains(p[i+len(suffix):], "/") || (i > 0 && p[i-1] != '/') {
				return nil, fmt.Errorf("%s/flux: Kustomization %s: spec.path %q is not <prefix>/%s<cluster>", s.Dir, o.GetName(), p, suffix)
			}
			prefixes[strings.TrimSuffix(p[:i], "/")] = true
			if prev := byPath[p[i+len(suffix):]]; prev != nil {
				return nil, fmt.Errorf("%s/flux: Kustomizations %s and %s both apply %s", s.Dir, prev.GetName(), o.GetName(), p)
			}
			byPath[p[i+len(suffix):]] = o
		}
	}
	if len(repos) != 1 {
		return nil, fmt.Errorf("%s/flux: %d GitRepository objects, want 1", s.Dir, len(repos))
	}
	s.GitRepository = repos[0]
	if len(prefixes) > 1 {
		return nil, fmt.Errorf("%s/flux: Kustomization paths disagree on where the tree is in git: %v", s.Dir, prefixes)
	}
	for p := range prefixes {
		s.Prefix = p
	}

	ents, err := os.ReadDir(filepath.Join(tree, "seeds", name, "clusters"))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		k := byPath[e.Name()]
		if k == nil {
			return nil, fmt.Errorf("%s/clusters/%s: no Flux Kustomization in %s/flux points at it", s.Dir, e.Name(), s.Dir)
		}
		delete(byPath, e.Name())
		ref, _, _ := unstructured.NestedStringMap(k.Object, "spec", "sourceRef")
		refNS := ref["namespace"]
		if refNS == "" {
			refNS = k.GetNamespace()
		}
		if ref["kind"] != "GitRepository" || ref["name"] != s.GitRepository.GetName() || refNS != s.GitRepository.GetNamespace() {
			return nil, fmt.Errorf("%s/flux: Kustomization %s: sourceRef %v is not GitRepository %s/%s",
				s.Dir, k.GetName(), ref, s.GitRepository.GetNamespace(), s.GitRepository.GetName())
		}
		s.Clusters = append(s.Clusters, SeedCluster{Name: e.Name(), Dir: path.Join(s.Dir, "clusters", e.Name()), Kustomization: k})
	}
	if len(byPath) > 0 {
		c := slices.Sorted(maps.Keys(byPath))[0]
		return nil, fmt.Errorf("%s/flux: Kustomization %s points at clusters/%s, which does not exist", s.Dir, byPath[c].GetName(), c)
	}
	return s, nil
}

// readDirObjects decodes every YAML file directly in dir.
func readDirObjects(dir string) ([]*unstructured.Unstructured, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, e := range ents {
		if ext := filepath.Ext(e.Name()); e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		o, err := ReadObjects(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		objs = append(objs, o...)
	}
	return objs, nil
}

// RemoveCluster edits a copy of a rendered tree (root is where the tree
// sits, that is the git working tree joined with the Seed's Prefix) the way a
// re-render without that cluster would: it deletes clusters/<cluster>/,
// deletes the cluster's Flux Kustomization from flux/ (the file, or the
// document in a multi-document file), and drops the resources entries that
// pointed at what was deleted from every kustomization.yaml of the seed.
func (s *Seed) RemoveCluster(root, cluster string) error {
	var victim *SeedCluster
	for i := range s.Clusters {
		if s.Clusters[i].Name == cluster {
			victim = &s.Clusters[i]
		}
	}
	if victim == nil {
		return fmt.Errorf("seed %s has no cluster %s", s.Name, cluster)
	}
	seedDir := filepath.Join(root, filepath.FromSlash(s.Dir))
	if err := os.RemoveAll(filepath.Join(root, filepath.FromSlash(victim.Dir))); err != nil {
		return err
	}

	// The Flux Kustomization, wherever in flux/ it is.
	fluxDir := filepath.Join(seedDir, "flux")
	ents, err := os.ReadDir(fluxDir)
	if err != nil {
		return err
	}
	found := false
	for _, e := range ents {
		name := e.Name()
		if ext := filepath.Ext(name); e.IsDir() || (ext != ".yaml" && ext != ".yml") || slices.Contains(kustomizationFiles, name) {
			continue
		}
		file := filepath.Join(fluxDir, name)
		objs, err := ReadObjects(file)
		if err != nil {
			return err
		}
		keep := slices.DeleteFunc(slices.Clone(objs), func(o *unstructured.Unstructured) bool {
			return ObjectKey(o) == ObjectKey(victim.Kustomization)
		})
		switch {
		case len(keep) == len(objs):
			continue
		case len(keep) == 0:
			err = os.Remove(file)
		default:
			err = writeObjects(file, keep)
		}
		if err != nil {
			return err
		}
		found = true
	}
	if !found {
		return fmt.Errorf("%s: no file holds Kustomization %s", fluxDir, victim.Kustomization.GetName())
	}
	return pruneResourceLists(seedDir)
}

func writeObjects(file string, objs []*unstructured.Unstructured) error {
	var b bytes.Buffer
	for i, o := range objs {
		if i > 0 {
			b.WriteString("---\n")
		}
		data, err := yaml.Marshal(o.Object)
		if err != nil {
			return err
		}
		b.Write(data)
	}
	return os.WriteFile(file, b.Bytes(), 0o644)
}

// pruneResourceLists drops, from every kustomization file under dir, the
// resources entries that name a local file or folder that no longer exists.
func pruneResourceLists(dir string) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !slices.Contains(kustomizationFiles, d.Name()) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var k map[string]any
		if err := yaml.Unmarshal(data, &k); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		res, _ := k["resources"].([]any)
		var keep []any
		for _, r := range res {
			s, _ := r.(string)
			if s != "" && !strings.Contains(s, "://") {
				if _, err := os.Stat(filepath.Join(filepath.Dir(p), filepath.FromSlash(s))); os.IsNotExist(err) {
					continue
				}
			}
			keep = append(keep, r)
		}
		if len(keep) == len(res) {
			return nil
		}
		k["resources"] = keep
		out, err := yaml.Marshal(k)
		if err != nil {
			return err
		}
		return os.WriteFile(p, out, 0o644)
	})
}
