package catalog

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"
)

//go:embed catalog.yaml
var embedded []byte

// Catalog is the parsed, validated catalog. It is immutable after Parse (or
// Default) returns and safe for concurrent use.
type Catalog struct {
	digest       string
	defaultVer   Version
	versions     []Version            // sorted ascending
	byVersion    map[string]Version   // "1.35.8" -> Version
	newestPatch  map[string]Version   // "1.35" -> newest patch of the minor
	minors       []string             // sorted ascending
	perMinor     map[string]minorFile // "1.35" -> etcd/konnectivity images
	core         coreFile
	globalImages imagesFile
}

// Version is one supported Kubernetes patch version.
type Version struct {
	Version string // "1.35.8" (no leading v)
	Minor   string // "1.35"
}

// Images are the full image references (registry/path:tag) for one
// Kubernetes version. When a registry override was given they already point
// at that registry.
type Images struct {
	// Version-dependent core components (tag v<patch version>).
	APIServer, ControllerManager, Scheduler string
	// Minor-dependent components.
	Etcd, KonnectivityServer, KonnectivityAgent string
	// Version-independent pins.
	Prometheus, OpenVPN, DNSResolver, Envoy string
	// Kubermatic components, all at one pinned KKP release tag: Community
	// Edition, and the Enterprise Edition's (*EE).
	KubermaticAPI, KubermaticControllerManager, KubermaticDashboard       string
	KubermaticAPIEE, KubermaticControllerManagerEE, KubermaticDashboardEE string
	// MachineController is the seed-side machine-controller (and its webhook).
	MachineController string
	// OperatingSystemManager is the seed-side operating-system-manager (and
	// its webhook).
	OperatingSystemManager string
	// Inside the customer cluster: kube-proxy (tag v<patch version>),
	// Cilium and its operator, metrics-server. CoreDNS is DNSResolver.
	KubeProxy, Cilium, CiliumOperator, MetricsServer string
	// Canal: calico-node, Calico's CNI plugin installer and Flannel.
	CalicoNode, CalicoCNI, Flannel string
	// Kubectl is an image with a POSIX shell and kubectl: the
	// kubeconfig-writer that gives Flux its kubeconfig of a customer cluster.
	Kubectl string
	// S3Client uploads etcd snapshots (seeds with backups).
	S3Client string
	// External cloud-controller-managers, on the seed: AWS's, OpenStack's,
	// vSphere's, Azure's and GCP's depend on the minor, Hetzner's and
	// DigitalOcean's do not.
	CCMAWS, CCMHetzner, CCMDigitalOcean        string
	CCMOpenStack, CCMVSphere, CCMAzure, CCMGCP string
	// NetworkInterfaceManager puts the envoy-agent's address on a dummy
	// interface of every customer node (Kubermatic's image for it).
	NetworkInterfaceManager string
}

// file is the on-disk layout of catalog.yaml; see the comment at its top.
type file struct {
	Default string      `json:"default"`
	Core    coreFile    `json:"core"`
	Images  imagesFile  `json:"images"`
	Minors  []minorFile `json:"minors"`
}

type coreFile struct {
	APIServer         string `json:"apiServer"`
	ControllerManager string `json:"controllerManager"`
	Scheduler         string `json:"scheduler"`
	KubeProxy         string `json:"kubeProxy"`
}

type imagesFile struct {
	Kubectl                     string `json:"kubectl"`
	Prometheus                  string `json:"prometheus"`
	OpenVPN                     string `json:"openVPN"`
	DNSResolver                 string `json:"dnsResolver"`
	Envoy                       string `json:"envoy"`
	MachineController           string `json:"machineController"`
	S3Client                    string `json:"s3Client"`
	OperatingSystemManager      string `json:"operatingSystemManager"`
	Cilium                      string `json:"cilium"`
	CiliumOperator              string `json:"ciliumOperator"`
	MetricsServer               string `json:"metricsServer"`
	CalicoNode                  string `json:"calicoNode"`
	CalicoCNI                   string `json:"calicoCNI"`
	Flannel                     string `json:"flannel"`
	KubermaticAPI               string `json:"kubermaticAPI"`
	KubermaticControllerManager string `json:"kubermaticControllerManager"`
	KubermaticDashboard         string `json:"kubermaticDashboard"`
	NetworkInterfaceManager     string `json:"networkInterfaceManager"`

	KubermaticAPIEE               string `json:"kubermaticAPIEE"`
	KubermaticControllerManagerEE string `json:"kubermaticControllerManagerEE"`
	KubermaticDashboardEE         string `json:"kubermaticDashboardEE"`

	CCMHetzner      string `json:"hetznerCCM"`
	CCMDigitalOcean string `json:"digitaloceanCCM"`
}

type minorFile struct {
	Minor              string   `json:"minor"`
	Etcd               string   `json:"etcd"`
	KonnectivityServer string   `json:"konnectivityServer"`
	KonnectivityAgent  string   `json:"konnectivityAgent"`
	CCMAWS             string   `json:"awsCCM"`
	CCMOpenStack       string   `json:"openstackCCM"`
	CCMVSphere         string   `json:"vsphereCCM"`
	CCMAzure           string   `json:"azureCCM"`
	CCMGCP             string   `json:"gcpCCM"`
	Versions           []string `json:"versions"`
}

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := Parse(embedded)
	if err != nil {
		panic(fmt.Sprintf("catalog: embedded catalog.yaml is invalid: %v", err))
	}
	return c
})

// Default returns the catalog embedded in the binary. It is parsed once; it
// panics only if the embedded file is broken, which the package tests rule out.
func Default() *Catalog { return defaultCatalog() }

// Parse parses and validates a catalog in the catalog.yaml format. Unknown and
// duplicate fields are errors, as is any inconsistency (missing images,
// malformed or duplicate versions, a default that is not listed, ...).
func Parse(data []byte) (*Catalog, error) {
	// Convert to JSON without a target type first, so that an unquoted
	// 1.30 stays the number 1.3 and is rejected for a string field instead
	// of silently becoming the minor "1.3". Duplicate keys are errors.
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	var f file
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c, err := build(&f)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	sum := sha256.Sum256(data)
	c.digest = hex.EncodeToString(sum[:])
	return c, nil
}

func build(f *file) (*Catalog, error) {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	for _, r := range []struct{ field, repo string }{
		{"core.apiServer", f.Core.APIServer},
		{"core.controllerManager", f.Core.ControllerManager},
		{"core.scheduler", f.Core.Scheduler},
		{"core.kubeProxy", f.Core.KubeProxy},
	} {
		if err := checkRepository(r.repo); err != nil {
			add("%s: %w", r.field, err)
		}
	}
	for _, r := range []struct{ field, ref string }{
		{"images.prometheus", f.Images.Prometheus},
		{"images.openVPN", f.Images.OpenVPN},
		{"images.dnsResolver", f.Images.DNSResolver},
		{"images.envoy", f.Images.Envoy},
		{"images.machineController", f.Images.MachineController},
		{"images.kubectl", f.Images.Kubectl},
		{"images.s3Client", f.Images.S3Client},
		{"images.operatingSystemManager", f.Images.OperatingSystemManager},
		{"images.cilium", f.Images.Cilium},
		{"images.ciliumOperator", f.Images.CiliumOperator},
		{"images.metricsServer", f.Images.MetricsServer},
		{"images.calicoNode", f.Images.CalicoNode},
		{"images.calicoCNI", f.Images.CalicoCNI},
		{"images.flannel", f.Images.Flannel},
		{"images.networkInterfaceManager", f.Images.NetworkInterfaceManager},
		{"images.kubermaticAPI", f.Images.KubermaticAPI},
		{"images.kubermaticControllerManager", f.Images.KubermaticControllerManager},
		{"images.kubermaticDashboard", f.Images.KubermaticDashboard},
		{"images.kubermaticAPIEE", f.Images.KubermaticAPIEE},
		{"images.kubermaticControllerManagerEE", f.Images.KubermaticControllerManagerEE},
		{"images.kubermaticDashboardEE", f.Images.KubermaticDashboardEE},
		{"images.hetznerCCM", f.Images.CCMHetzner},
		{"images.digitaloceanCCM", f.Images.CCMDigitalOcean},
	} {
		if err := checkImage(r.ref); err != nil {
			add("%s: %w", r.field, err)
		}
	}

	c := &Catalog{
		byVersion:    map[string]Version{},
		newestPatch:  map[string]Version{},
		perMinor:     map[string]minorFile{},
		core:         f.Core,
		globalImages: f.Images,
	}
	if len(f.Minors) == 0 {
		add("minors: at least one minor is required")
	}
	for i, m := range f.Minors {
		where := fmt.Sprintf("minors[%d]", i)
		if _, ok := parseMinor(m.Minor); !ok {
			add("%s.minor: %q is not a valid minor version (want \"x.y\")", where, m.Minor)
			continue
		}
		where = fmt.Sprintf("minor %s", m.Minor)
		if _, dup := c.perMinor[m.Minor]; dup {
			add("%s: listed more than once", where)
			continue
		}
		c.perMinor[m.Minor] = m
		c.minors = append(c.minors, m.Minor)
		for _, r := range []struct{ field, ref string }{
			{"etcd", m.Etcd},
			{"konnectivityServer", m.KonnectivityServer},
			{"konnectivityAgent", m.KonnectivityAgent},
			{"awsCCM", m.CCMAWS},
			{"openstackCCM", m.CCMOpenStack},
			{"vsphereCCM", m.CCMVSphere},
			{"azureCCM", m.CCMAzure},
			{"gcpCCM", m.CCMGCP},
		} {
			if err := checkImage(r.ref); err != nil {
				add("%s: %s: %w", where, r.field, err)
			}
		}
		if len(m.Versions) == 0 {
			add("%s: versions: at least one patch version is required", where)
		}
		for _, v := range m.Versions {
			if _, ok := parseVersion(v); !ok {
				add("%s: version %q is not a valid semantic version (want \"x.y.z\", no leading v)", where, v)
				continue
			}
			if minorOf(v) != m.Minor {
				add("%s: version %q does not belong to this minor", where, v)
				continue
			}
			if _, dup := c.byVersion[v]; dup {
				add("%s: version %q is listed more than once", where, v)
				continue
			}
			ver := Version{Version: v, Minor: m.Minor}
			c.byVersion[v] = ver
			c.versions = append(c.versions, ver)
			if cur, ok := c.newestPatch[m.Minor]; !ok || compareVersions(v, cur.Version) > 0 {
				c.newestPatch[m.Minor] = ver
			}
		}
	}

	switch d, ok := c.byVersion[f.Default]; {
	case f.Default == "":
		add("default: is required")
	case !ok:
		add("default: %q is not one of the listed versions", f.Default)
	default:
		c.defaultVer = d
	}

	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(c.versions, func(a, b Version) int { return compareVersions(a.Version, b.Version) })
	slices.SortFunc(c.minors, compareMinors)
	return c, nil
}

// Resolve maps a user-supplied version to a supported Version. It accepts an
// exact patch version ("1.35.8"), a minor ("1.35", resolved to the newest
// supported patch of that minor), each optionally with a leading "v". It
// returns false for unsupported or malformed input.
func (c *Catalog) Resolve(v string) (Version, bool) {
	v = strings.TrimPrefix(v, "v")
	if _, ok := parseVersion(v); ok {
		ver, ok := c.byVersion[v]
		return ver, ok
	}
	if _, ok := parseMinor(v); ok {
		ver, ok := c.newestPatch[v]
		return ver, ok
	}
	return Version{}, false
}

// Versions returns all supported versions, sorted ascending by semantic
// version (numerically: 1.33.10 sorts after 1.33.9). The slice is a copy.
func (c *Catalog) Versions() []Version { return slices.Clone(c.versions) }

// Minors returns all supported minors ("1.33", ...), sorted ascending
// numerically. The slice is a copy.
func (c *Catalog) Minors() []string { return slices.Clone(c.minors) }

// Default returns the default Kubernetes version.
func (c *Catalog) Default() Version { return c.defaultVer }

// Digest returns the hex SHA-256 of the bytes the catalog was parsed from
// (for Default(): the embedded catalog.yaml). Use it in cache keys.
func (c *Catalog) Digest() string { return c.digest }

// Images returns the image references for version v. v should come from
// Resolve, Versions or Default; a leading "v" in v.Version is ignored and an
// empty v.Minor is derived from v.Version. If v's minor is not in the
// catalog the minor-dependent fields (Etcd, KonnectivityServer,
// KonnectivityAgent, the per-minor CCMs) are empty.
//
// registry == "" keeps the upstream registries. Otherwise the registry host
// of every image is replaced by registry, keeping the repository path, tag
// and digest, like Kubermatic's RewriteImage with overwriteRegistry:
//
//	registry.k8s.io/etcd:3.5.21-0          -> <registry>/etcd:3.5.21-0
//	quay.io/kubermatic/http-prober:v0.5.1  -> <registry>/kubermatic/http-prober:v0.5.1
//	docker.io/envoyproxy/envoy:<tag>       -> <registry>/envoyproxy/envoy:<tag>
//
// registry may carry a port or a path prefix ("mirror.local:5000/k8s"); a
// trailing slash is ignored.
func (c *Catalog) Images(v Version, registry string) Images {
	patch := strings.TrimPrefix(v.Version, "v")
	minor := v.Minor
	if minor == "" {
		minor = minorOf(patch)
	}
	m := c.perMinor[minor] // zero value if unknown
	g := c.globalImages
	rw := func(ref string) string { return rewriteRegistry(ref, registry) }
	core := func(repo string) string {
		if patch == "" {
			return ""
		}
		return rw(repo + ":v" + patch)
	}
	return Images{
		APIServer:                     core(c.core.APIServer),
		ControllerManager:             core(c.core.ControllerManager),
		Scheduler:                     core(c.core.Scheduler),
		Etcd:                          rw(m.Etcd),
		KonnectivityServer:            rw(m.KonnectivityServer),
		KonnectivityAgent:             rw(m.KonnectivityAgent),
		Prometheus:                    rw(g.Prometheus),
		OpenVPN:                       rw(g.OpenVPN),
		DNSResolver:                   rw(g.DNSResolver),
		Envoy:                         rw(g.Envoy),
		KubermaticAPI:                 rw(g.KubermaticAPI),
		KubermaticControllerManager:   rw(g.KubermaticControllerManager),
		KubermaticDashboard:           rw(g.KubermaticDashboard),
		KubermaticAPIEE:               rw(g.KubermaticAPIEE),
		KubermaticControllerManagerEE: rw(g.KubermaticControllerManagerEE),
		KubermaticDashboardEE:         rw(g.KubermaticDashboardEE),
		MachineController:             rw(g.MachineController),
		OperatingSystemManager:        rw(g.OperatingSystemManager),
		KubeProxy:                     core(c.core.KubeProxy),
		Cilium:                        rw(g.Cilium),
		CiliumOperator:                rw(g.CiliumOperator),
		MetricsServer:                 rw(g.MetricsServer),
		CalicoNode:                    rw(g.CalicoNode),
		CalicoCNI:                     rw(g.CalicoCNI),
		Flannel:                       rw(g.Flannel),
		Kubectl:                       rw(g.Kubectl),
		S3Client:                      rw(g.S3Client),
		CCMAWS:                        rw(m.CCMAWS),
		CCMOpenStack:                  rw(m.CCMOpenStack),
		CCMVSphere:                    rw(m.CCMVSphere),
		CCMAzure:                      rw(m.CCMAzure),
		CCMGCP:                        rw(m.CCMGCP),
		CCMHetzner:                    rw(g.CCMHetzner),
		CCMDigitalOcean:               rw(g.CCMDigitalOcean),
		NetworkInterfaceManager:       rw(g.NetworkInterfaceManager),
	}
}

// rewriteRegistry replaces the registry host (the first path component) of a
// fully qualified image reference. Every reference in a valid catalog has an
// explicit host, so no Docker Hub normalisation is needed.
func rewriteRegistry(ref, registry string) string {
	registry = strings.TrimRight(registry, "/")
	if ref == "" || registry == "" {
		return ref
	}
	_, rest, ok := strings.Cut(ref, "/")
	if !ok {
		return ref
	}
	return registry + "/" + rest
}

// --- versions ---

// parseVersion parses "x.y.z" (decimal, no leading zeros, no prefix/suffix).
func parseVersion(s string) ([3]int, bool) {
	var out [3]int
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return out, false
	}
	for i, p := range parts {
		n, ok := parseNumber(p)
		if !ok {
			return out, false
		}
		out[i] = n
	}
	return out, true
}

// parseMinor parses "x.y".
func parseMinor(s string) ([2]int, bool) {
	var out [2]int
	parts := strings.Split(s, ".")
	if len(parts) != 2 {
		return out, false
	}
	for i, p := range parts {
		n, ok := parseNumber(p)
		if !ok {
			return out, false
		}
		out[i] = n
	}
	return out, true
}

func parseNumber(p string) (int, bool) {
	if p == "" || len(p) > 9 || (len(p) > 1 && p[0] == '0') {
		return 0, false
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(p)
	return n, err == nil
}

// minorOf returns "x.y" of "x.y.z" (or "" when s has fewer than two dots).
func minorOf(s string) string {
	i := strings.LastIndexByte(s, '.')
	if i < 0 || strings.Count(s, ".") != 2 {
		return ""
	}
	return s[:i]
}

func compareVersions(a, b string) int {
	x, _ := parseVersion(a)
	y, _ := parseVersion(b)
	return slices.Compare(x[:], y[:])
}

func compareMinors(a, b string) int {
	x, _ := parseMinor(a)
	y, _ := parseMinor(b)
	return slices.Compare(x[:], y[:])
}

// --- image references ---

var (
	// host: DNS name or "localhost", optional port.
	hostRE = regexp.MustCompile(`^(localhost|[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)+)(:[0-9]+)?$`)
	// one repository path component (distribution reference grammar).
	pathComponentRE = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$`)
	tagRE           = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestRE        = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
)

// checkRepository validates "host/path" (no tag, no digest) with an explicit
// registry host.
func checkRepository(repo string) error {
	if repo == "" {
		return errors.New("is required")
	}
	host, path, ok := strings.Cut(repo, "/")
	if !ok || !hostRE.MatchString(host) {
		return fmt.Errorf("%q must start with an explicit registry host (e.g. registry.k8s.io/...)", repo)
	}
	for _, comp := range strings.Split(path, "/") {
		if !pathComponentRE.MatchString(comp) {
			return fmt.Errorf("%q: invalid repository path component %q", repo, comp)
		}
	}
	return nil
}

// checkImage validates "host/path:tag" with an optional "@sha256:<hex>".
func checkImage(ref string) error {
	if ref == "" {
		return errors.New("is required")
	}
	name, digest, hasDigest := strings.Cut(ref, "@")
	if hasDigest && !digestRE.MatchString(digest) {
		return fmt.Errorf("%q: invalid digest %q", ref, digest)
	}
	slash := strings.LastIndexByte(name, '/')
	colon := strings.LastIndexByte(name, ':')
	if colon < slash+1 {
		return fmt.Errorf("%q: a tag is required", ref)
	}
	repo, tag := name[:colon], name[colon+1:]
	if !tagRE.MatchString(tag) {
		return fmt.Errorf("%q: invalid tag %q", ref, tag)
	}
	if err := checkRepository(repo); err != nil {
		return err
	}
	return nil
}
