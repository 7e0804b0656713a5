// Package layout is the one place that names the folders and files of
// the rendered tree (docs/output.md describes it for users):
//
//	master/                               the master cluster's objects
//	master/flux/                          the master's Flux objects
//	master/crds/                          Kubermatic's CRDs (master and seeds)
//	seeds/<seed>/kustomization.yaml       what the seed's Flux applies first
//	seeds/<seed>/flux/                    the seed's GitRepository and Kustomizations
//	seeds/<seed>/kubermatic/              the seed's Kubermatic Cluster objects
//	seeds/<seed>/clusters/<cluster>/      a customer cluster's control plane
//	seeds/<seed>/usercluster/<cluster>/   what is applied inside the customer cluster
//	.fleetc/index.json                    fleetc's index of the files it owns
//	.fleetc/tmp-*/                        a render's staging area, while it runs
//
// The compiler writes these paths, Flux's objects point at them, and
// check and diff read them back with Parse.
package layout

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"slices"
	"strings"
)

// Folders and files of the rendered tree.
const (
	MasterDir      = "master"
	SeedsDir       = "seeds"
	FluxDir        = "flux"
	ClustersDir    = "clusters"
	UserClusterDir = "usercluster"
	Kustomization  = "kustomization.yaml"
	KubermaticDir  = "kubermatic"
	// ProxyDir is the folder of a seed's nodeport-proxy, next to flux/
	// (Tunneling and NodePort seeds).
	ProxyDir = "nodeport-proxy"
	// MasterFlux is the folder of the master's Flux objects.
	MasterFlux = MasterDir + "/" + FluxDir
	// CRDs is the folder of Kubermatic's CRDs, applied on the master and
	// on every seed.
	CRDs = MasterDir + "/crds"
	// Reserved is fleetc's own folder in the output: the index and, while
	// a render writes, its staging area.
	Reserved   = ".fleetc"
	IndexPath  = Reserved + "/index.json"
	StagingTag = Reserved + "/tmp-"
)

// SeedProxy is the folder of a seed's nodeport-proxy.
func SeedProxy(seed string) string { return path.Join(SeedsDir, seed, ProxyDir) }

// Seed is the folder of a seed.
func Seed(seed string) string { return path.Join(SeedsDir, seed) }

// SeedFlux is the folder of a seed's Flux objects.
func SeedFlux(seed string) string { return path.Join(SeedsDir, seed, FluxDir) }

// SeedKubermatic is the folder of a seed's Kubermatic Cluster objects.
func SeedKubermatic(seed string) string { return path.Join(SeedsDir, seed, KubermaticDir) }

// Cluster is the folder of a customer cluster's control plane.
func Cluster(seed, cluster string) string {
	return path.Join(SeedsDir, seed, ClustersDir, cluster)
}

// UserCluster is the folder of what is applied inside a customer cluster
// (package usercluster), by the seed's Flux Kustomization
// usercluster-<cluster>.
func UserCluster(seed, cluster string) string {
	return path.Join(SeedsDir, seed, UserClusterDir, cluster)
}

// RepoPath is folder dir of the tree as a path relative to the root of
// the git repository that holds the tree at gitopsPath, as Flux's
// Kustomization.spec.path wants it: "./" + path.Join(gitopsPath, dir). A
// leading "/" or "./" of gitopsPath is dropped, so "rendered",
// "./rendered" and "/rendered" give the same path; "" and "." mean the
// repository root.
func RepoPath(gitopsPath, dir string) string {
	return "./" + path.Join(strings.TrimLeft(gitopsPath, "/"), dir)
}

// InSeeds returns whether a path belongs to what a render of only these
// seeds owns: master/ (always rendered), the seeds' folders, and anything
// outside seeds/. With no seeds, every path does.
func InSeeds(seeds []string) func(p string) bool {
	return func(p string) bool {
		if len(seeds) == 0 {
			return true
		}
		rest, ok := strings.CutPrefix(p, SeedsDir+"/")
		if !ok {
			return true
		}
		seed, _, _ := strings.Cut(rest, "/")
		return slices.Contains(seeds, seed)
	}
}

// Place is what part of the tree a path belongs to.
type Place int

const (
	Elsewhere   Place = iota // none of the below
	Master                   // master/...
	SeedFolder               // seeds/<seed>/..., outside a cluster's folders
	ClusterPart              // seeds/<seed>/clusters/<cluster>/...
	UserPart                 // seeds/<seed>/usercluster/<cluster>/...
	Own                      // .fleetc/...
)

// Location is where a path of the tree is.
type Location struct {
	Place         Place
	Seed, Cluster string
}

// Parse tells where path p (slash-separated, relative to the tree's root)
// is.
func Parse(p string) Location {
	switch {
	case strings.HasPrefix(p, MasterDir+"/"):
		return Location{Place: Master}
	case strings.HasPrefix(p, Reserved+"/"):
		return Location{Place: Own}
	}
	rest, ok := strings.CutPrefix(p, SeedsDir+"/")
	if !ok {
		return Location{}
	}
	seed, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return Location{}
	}
	place := ClusterPart
	c, ok := strings.CutPrefix(rest, ClustersDir+"/")
	if !ok {
		place = UserPart
		c, ok = strings.CutPrefix(rest, UserClusterDir+"/")
	}
	if cluster, _, found := strings.Cut(c, "/"); ok && found {
		return Location{Place: place, Seed: seed, Cluster: cluster}
	}
	return Location{Place: SeedFolder, Seed: seed}
}

// maxFileName is the longest file name (in bytes) FileName returns; most
// filesystems allow 255.
const maxFileName = 255

// FileName returns the file name for an object: "<kind>-<name>.yaml",
// lowercased, e.g. ("Deployment", "apiserver") → "deployment-apiserver.yaml".
//
// Kind and name are mapped byte-stably: ASCII letters are lowercased, and
// every character outside [a-z0-9.-] (after lowercasing) becomes one '-'
// (RBAC's "kubermatic:foo" → "clusterrole-kubermatic-foo.yaml"). Lowercasing
// keeps names distinct on case-insensitive filesystems (macOS, Windows)
// exactly when they are distinct here. A name longer than 255 bytes is cut
// and ends with "-" and 16 hex digits of sha256("<kind>/<name>") (of the
// original strings), then ".yaml".
//
// Collisions: the mapping is not injective ("a:b" and "a-b", "A" and "a"
// give the same name). FileName does not resolve them; it returns the base
// name and the caller detects a collision as Tree.Add's duplicate-path
// error (a renderer bug or a config the validator should reject).
func FileName(kind, name string) string {
	b := make([]byte, 0, len(kind)+len(name)+6)
	b = appendSafe(b, kind)
	b = append(b, '-')
	b = appendSafe(b, name)
	if len(b)+len(".yaml") > maxFileName {
		sum := sha256.Sum256([]byte(kind + "/" + name))
		suffix := "-" + hex.EncodeToString(sum[:8])
		b = append(b[:maxFileName-len(".yaml")-len(suffix)], suffix...)
	}
	return string(append(b, ".yaml"...))
}

func appendSafe(b []byte, s string) []byte {
	for _, r := range s {
		switch {
		case 'A' <= r && r <= 'Z':
			b = append(b, byte(r-'A'+'a'))
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '.', r == '-':
			b = append(b, byte(r))
		default:
			b = append(b, '-')
		}
	}
	return b
}
