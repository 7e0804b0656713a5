// Package model is the typed form of a config repo, after CUE evaluation.
//
// Nothing after the loader (renderer/config) sees a cue.Value: it decodes the
// evaluated configuration into these structs once, and records the source
// position of every field in Positions so that validation and later stages
// can point at the user's own file and line.
//
// Entities are held in slices sorted by name, so iterating them is
// deterministic; Index builds the lookup maps.
package model

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in the config repo: a slash-separated path relative to
// the repo root, a 1-based line and column. The zero Pos means unknown.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) IsValid() bool { return p.File != "" }

func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Less orders positions by file, line, column.
func (p Pos) Less(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// Path names a field of the configuration, e.g. {"clusters", "prod", "project"}.
type Path []string

func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		if strings.HasPrefix(s, "[") {
			b.WriteString(s) // list index, e.g. [0]
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		if isIdent(s) {
			b.WriteString(s)
		} else {
			fmt.Fprintf(&b, "%q", s)
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r == '#' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}

// Positions says where the user wrote the fields of the config. It looks
// a field up when asked, through the function the loader gives it: a
// config of 10,000 clusters has millions of fields, and their positions
// are needed only for the few that a message is about. The zero value
// knows no position. Not safe for concurrent use.
type Positions struct {
	lookup func(Path) (Pos, bool)
}

// NewPositions returns Positions that find the field at a path with
// lookup, which reports false for a field the user did not write.
func NewPositions(lookup func(Path) (Pos, bool)) Positions { return Positions{lookup: lookup} }

// Of returns the position of the field at path, or of its nearest ancestor
// that has one.
func (ps Positions) Of(path ...string) Pos {
	if ps.lookup == nil {
		return Pos{}
	}
	for n := len(path); n > 0; n-- {
		if p, ok := ps.lookup(Path(path[:n])); ok {
			return p
		}
	}
	return Pos{}
}

// Has reports whether the user wrote the field at path.
func (ps Positions) Has(path ...string) bool {
	_, ok := ps.At(path...)
	return ok
}

// At returns the position of the field at path itself, if the user wrote it.
func (ps Positions) At(path ...string) (Pos, bool) {
	if ps.lookup == nil || len(path) == 0 {
		return Pos{}, false
	}
	return ps.lookup(Path(path))
}

// Known reports whether ps can look positions up at all (the zero value
// cannot).
func (ps Positions) Known() bool { return ps.lookup != nil }

// IsBroken reports whether the entity collection/name failed the schema.
func (c *Config) IsBroken(collection, name string) bool {
	return c.Broken[Path{collection, name}.String()]
}

// Config is a whole config repo.
type Config struct {
	Master   Master
	Users    []User    // sorted by Email
	Projects []Project // sorted by Name
	SSHKeys  []SSHKey  // sorted by Name
	Seeds    []Seed    // sorted by Name
	Clusters []Cluster // sorted by Name
	Patches  []Patch   // fleet-wide, in the order written

	// Positions of the fields the user wrote. renderer.Load drops them
	// once the config is valid (they hold the evaluated input).
	Positions Positions
	// Broken names the entities that failed the schema and were left out
	// (keys like `clusters.foo`, `master`). Validation does not report
	// references to them as missing.
	Broken map[string]bool
	// Files are the config files that were read, sorted, with their sha256.
	Files []File
}

// File is one input file.
type File struct {
	Path   string
	SHA256 string
}

type Master struct {
	Domain   string `json:"domain"`
	GitOps   GitOps `json:"gitops"`
	Registry string `json:"registry,omitempty"`
	OIDC     *OIDC  `json:"oidc,omitempty"`
	// Edition is "ce", "ee" or "" (unset: see Config.Edition).
	Edition string  `json:"edition,omitempty"`
	Ingress Ingress `json:"ingress"`
}

// Ingress is how master.domain is served.
type Ingress struct {
	ClassName         string `json:"className"`
	CertificateIssuer string `json:"certificateIssuer"`
}

// Kubermatic editions.
const (
	EditionCE = "ce"
	EditionEE = "ee"
)

// Edition is the Kubermatic edition the master runs: master.edition when
// set, else Community for at most one seed and Enterprise for more.
func (c *Config) Edition() string {
	if c.Master.Edition != "" {
		return c.Master.Edition
	}
	if len(c.Seeds) > 1 {
		return EditionEE
	}
	return EditionCE
}

type GitOps struct {
	URL       string `json:"url"`
	Branch    string `json:"branch"`
	Path      string `json:"path"`
	Interval  string `json:"interval"`
	SecretRef string `json:"secretRef,omitempty"`
}

type OIDC struct {
	IssuerURL string `json:"issuerURL"`
	ClientID  string `json:"clientID"`
}

type User struct {
	Email string `json:"-"`
	Name  string `json:"name"`
	Admin bool   `json:"admin"`
}

type Project struct {
	Name        string   `json:"-"`
	DisplayName string   `json:"displayName,omitempty"`
	Owners      []string `json:"owners"`
	Editors     []string `json:"editors"`
	Viewers     []string `json:"viewers"`
}

// Role of a user in a project, as Kubermatic's group prefixes name them.
type Role string

const (
	RoleOwners  Role = "owners"
	RoleEditors Role = "editors"
	RoleViewers Role = "viewers"
)

// Member is one user's role in a project.
type Member struct {
	Email string
	Role  Role
}

// Members lists the project's members, owners first, each list as written.
// A user listed under several roles appears once per role.
func (p *Project) Members() []Member {
	var ms []Member
	for _, g := range []struct {
		role   Role
		emails []string
	}{{RoleOwners, p.Owners}, {RoleEditors, p.Editors}, {RoleViewers, p.Viewers}} {
		for _, e := range g.emails {
			ms = append(ms, Member{Email: e, Role: g.role})
		}
	}
	return ms
}

type SSHKey struct {
	Name      string `json:"-"`
	Owner     string `json:"owner"`
	Project   string `json:"project"`
	PublicKey string `json:"publicKey"`
	// Fingerprint is set by validation: the legacy MD5 fingerprint that
	// Kubermatic stores (ssh.FingerprintLegacyMD5).
	Fingerprint string `json:"-"`
	// FingerprintSHA256 is set by validation (ssh.FingerprintSHA256).
	FingerprintSHA256 string `json:"-"`
}

// Expose strategies of a seed.
const (
	ExposeTunneling    = "Tunneling"
	ExposeNodePort     = "NodePort"
	ExposeLoadBalancer = "LoadBalancer"
)

type Seed struct {
	Name          string                `json:"-"`
	Location      string                `json:"location"`
	Country       string                `json:"country"`
	Expose        string                `json:"expose"`
	NodePortRange string                `json:"nodePortRange"`
	DCMap         map[string]Datacenter `json:"datacenters"`
	Patches       []Patch               `json:"patches"`
	Backups       *Backups              `json:"backups,omitempty"`

	// Datacenters, sorted by name (filled from DCMap by the loader).
	Datacenters []Datacenter `json:"-"`
	// NodePortMin and NodePortMax are parsed from NodePortRange by validation.
	NodePortMin int `json:"-"`
	NodePortMax int `json:"-"`
}

// Backups is where and how often the etcd of every cluster of a seed is
// snapshotted.
type Backups struct {
	Endpoint    string `json:"endpoint"`    // S3-compatible URL
	Bucket      string `json:"bucket"`      // S3 bucket name
	Credentials string `json:"credentials"` // Secret in each cluster namespace
	Schedule    string `json:"schedule"`    // cron, 5 fields
	Keep        int    `json:"keep"`        // snapshots kept per cluster
}

type Datacenter struct {
	Name     string   `json:"-"`
	Seed     string   `json:"-"`
	Location string   `json:"location"`
	Country  string   `json:"country"`
	Provider Provider `json:"provider"`
}

// Provider has exactly one member set (the schema enforces it).
type Provider struct {
	AWS          *AWS          `json:"aws,omitempty"`
	GCP          *GCP          `json:"gcp,omitempty"`
	DigitalOcean *DigitalOcean `json:"digitalocean,omitempty"`
	Hetzner      *Hetzner      `json:"hetzner,omitempty"`
	OpenStack    *OpenStack    `json:"openstack,omitempty"`
	VSphere      *VSphere      `json:"vsphere,omitempty"`
	Azure        *Azure        `json:"azure,omitempty"`
	BringYourOwn *BringYourOwn `json:"bringyourown,omitempty"`
}

type AWS struct {
	Region string `json:"region"`
}
type GCP struct {
	Region       string   `json:"region"`
	ZoneSuffixes []string `json:"zoneSuffixes"`
}
type DigitalOcean struct {
	Region string `json:"region"`
}
type Hetzner struct {
	Datacenter string `json:"datacenter"`
	Network    string `json:"network"`
}
type OpenStack struct {
	AuthURL string            `json:"authURL"`
	Region  string            `json:"region"`
	Images  map[string]string `json:"images"` // operating system → image name
}
type VSphere struct {
	Endpoint   string            `json:"endpoint"`
	Datacenter string            `json:"datacenter"`
	Cluster    string            `json:"cluster"`
	Datastore  string            `json:"datastore"`
	Templates  map[string]string `json:"templates"` // operating system → VM template
}
type Azure struct {
	Location string `json:"location"`
}
type BringYourOwn struct{}

// Name is the provider's name as Kubermatic spells it in providerName.
func (p Provider) Name() string {
	switch {
	case p.AWS != nil:
		return "aws"
	case p.GCP != nil:
		return "gcp"
	case p.DigitalOcean != nil:
		return "digitalocean"
	case p.Hetzner != nil:
		return "hetzner"
	case p.OpenStack != nil:
		return "openstack"
	case p.VSphere != nil:
		return "vsphere"
	case p.Azure != nil:
		return "azure"
	case p.BringYourOwn != nil:
		return "bringyourown"
	}
	return ""
}

// Tunnels.
const (
	TunnelKonnectivity = "konnectivity"
	TunnelOpenVPN      = "openvpn"
)

type Cluster struct {
	Name        string            `json:"-"`
	Project     string            `json:"project"`
	Datacenter  string            `json:"datacenter"`
	Version     string            `json:"version"`
	DisplayName string            `json:"displayName,omitempty"`
	SSHKeys     []string          `json:"sshKeys"`
	Tunnel      string            `json:"tunnel"`
	Network     Network           `json:"network"`
	APIServer   APIServer         `json:"apiserver"`
	Etcd        Etcd              `json:"etcd"`
	Monitoring  bool              `json:"monitoring"`
	Paused      bool              `json:"paused"`
	Labels      map[string]string `json:"labels,omitempty"`
	Patches     []Patch           `json:"patches"`

	// Resolved is filled by validation; the renderer relies on it.
	Resolved Resolved `json:"-"`
}

type Network struct {
	Pods     string `json:"pods"`
	Services string `json:"services"`
}

type APIServer struct {
	Replicas int  `json:"replicas"`
	NodePort *int `json:"nodePort,omitempty"`
}

type Etcd struct {
	Replicas     int    `json:"replicas"`
	Storage      string `json:"storage"`
	StorageClass string `json:"storageClass,omitempty"`
}

// Resolved holds what validation derives for a cluster.
type Resolved struct {
	Seed    string // the seed that owns Datacenter
	Version string // full patch version from the catalog, e.g. "1.35.8"
	Minor   string // e.g. "1.35"
	// Provider is the datacenter's provider name.
	Provider string
	// NodePort is the apiserver's NodePort on seeds exposing by NodePort
	// or LoadBalancer (written by the user, or allocated deterministically);
	// zero on Tunneling seeds.
	NodePort int
	// TunnelNodePort is the NodePort of the tunnel Service (konnectivity
	// or OpenVPN) on NodePort and LoadBalancer seeds; zero otherwise.
	TunnelNodePort int
}

// Namespace is the seed namespace of the cluster's control plane.
func (c *Cluster) Namespace() string { return "cluster-" + c.Name }

type Patch struct {
	Target PatchTarget `json:"target"`
	Patch  string      `json:"patch"`
	// Pos is where the patch was written, set by the loader.
	Pos Pos `json:"-"`
}

type PatchTarget struct {
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
}

// Index gives name lookups over a Config. Build it once with NewIndex.
type Index struct {
	Users       map[string]*User
	Projects    map[string]*Project
	SSHKeys     map[string]*SSHKey
	Seeds       map[string]*Seed
	Datacenters map[string]*Datacenter // first seed (by name) wins; validation reports duplicates
	Clusters    map[string]*Cluster
}

func NewIndex(c *Config) *Index {
	ix := &Index{
		Users:       make(map[string]*User, len(c.Users)),
		Projects:    make(map[string]*Project, len(c.Projects)),
		SSHKeys:     make(map[string]*SSHKey, len(c.SSHKeys)),
		Seeds:       make(map[string]*Seed, len(c.Seeds)),
		Datacenters: map[string]*Datacenter{},
		Clusters:    make(map[string]*Cluster, len(c.Clusters)),
	}
	for i := range c.Users {
		ix.Users[c.Users[i].Email] = &c.Users[i]
	}
	for i := range c.Projects {
		ix.Projects[c.Projects[i].Name] = &c.Projects[i]
	}
	for i := range c.SSHKeys {
		ix.SSHKeys[c.SSHKeys[i].Name] = &c.SSHKeys[i]
	}
	for i := range c.Seeds {
		s := &c.Seeds[i]
		ix.Seeds[s.Name] = s
		for j := range s.Datacenters {
			d := &s.Datacenters[j]
			if _, dup := ix.Datacenters[d.Name]; !dup {
				ix.Datacenters[d.Name] = d
			}
		}
	}
	for i := range c.Clusters {
		ix.Clusters[c.Clusters[i].Name] = &c.Clusters[i]
	}
	return ix
}

// ClustersOfSeed returns the clusters placed on seed, sorted by name.
// It relies on Resolved.Seed, so call it after validation.
func (c *Config) ClustersOfSeed(seed string) []*Cluster {
	var out []*Cluster
	for i := range c.Clusters {
		if c.Clusters[i].Resolved.Seed == seed {
			out = append(out, &c.Clusters[i])
		}
	}
	return out
}

// SortedKeys returns the keys of m in ascending order.
func SortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
