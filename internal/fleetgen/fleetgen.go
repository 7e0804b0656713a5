// Package fleetgen generates realistic, deterministic config repos of any
// size, for benchmarks and load tests: `fleetc dev gen` and
// renderer/bench_test.go use it.
//
// A fleet of n clusters has about 100 clusters per seed (at least three
// seeds, so that every expose strategy appears, once n >= 3), four
// datacenters per seed (the eight providers in rotation), n/10 projects
// with three users each, one SSH key per two users (real ed25519 keys
// derived from the seed, so that fingerprints parse), and clusters spread
// over every version and minor of the catalog, both tunnels, some paused,
// some without monitoring, some with an explicit apiserver nodePort (unique
// per seed, inside the seed's range) and a few with a patch.
//
// Files are split like a hand-written repo:
//
//	fleet.cue                      master
//	users.cue                      every user
//	projects/<project>.cue         a project and its SSH keys
//	seeds/<seed>.cue               a seed and its datacenters
//	clusters/<project>/<name>.cue  one cluster per file
//
// The same (n, seed) always gives the same bytes.
package fleetgen

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"

	"golang.org/x/crypto/ssh"

	"github.com/fleetc/fleetc/catalog"
)

// ClustersPerSeed is the average number of customer clusters on a seed.
const ClustersPerSeed = 100

// DatacentersPerSeed is the number of datacenters of each seed.
const DatacentersPerSeed = 4

// Shape is the size of a generated fleet.
type Shape struct {
	Clusters, Seeds, Datacenters, Projects, Users, SSHKeys int
}

// ShapeOf returns the size of the fleet Generate(n, _) produces.
func ShapeOf(n int) Shape {
	if n < 0 {
		n = 0
	}
	s := Shape{Clusters: n}
	s.Seeds = max(n/ClustersPerSeed, min(3, n), 1)
	s.Datacenters = s.Seeds * DatacentersPerSeed
	s.Projects = max(1, n/10)
	s.Users = 3 * s.Projects
	// One key per two users: two keys on even projects, one on odd ones.
	s.SSHKeys = s.Projects - s.Projects/2 + s.Projects
	return s
}

// Generate returns the files of a config repo of n clusters (paths are
// slash-separated, relative to the repo root). The result depends only on
// n and seed.
func Generate(n int, seed uint64) map[string][]byte {
	g := newGen(n, seed)
	return g.files()
}

type gen struct {
	shape Shape
	rng   *rand.Rand
	cat   *catalog.Catalog

	seeds    []seedSpec
	projects []projectSpec
	users    []userSpec
	clusters []clusterSpec
}

type seedSpec struct {
	name, location, country, expose, portRange string
	portMin                                    int
	dcs                                        []dcSpec
	nextPort                                   int // explicit nodePorts handed out so far
	clusters                                   int
}

type dcSpec struct {
	name, location, country, provider string
}

type userSpec struct {
	email, name, slug string
	admin             bool
}

type projectSpec struct {
	name, display            string
	owners, editors, viewers []int // user indexes
	keys                     []keySpec
	clusters                 int
}

type keySpec struct {
	name, owner, publicKey string
}

type clusterSpec struct {
	name, project, datacenter, version string
	body                               string
}

var (
	teams = []string{"payments", "search", "billing", "checkout", "identity", "ledger",
		"catalog", "media", "ads", "logistics", "risk", "data", "ml", "iot", "support", "growth"}
	envs    = []string{"prod", "staging", "dev", "qa"}
	first   = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yuki"}
	last    = []string{"moreau", "okafor", "lindqvist", "tanaka", "garcia", "novak", "schmidt", "kowalski", "rossi", "haddad", "ivanova", "nguyen", "smith", "dubois", "silva", "kim"}
	regions = []struct{ name, location, country string }{
		{"eu-central", "Frankfurt", "DE"},
		{"us-east", "Ashburn", "US"},
		{"ap-southeast", "Singapore", "SG"},
		{"eu-west", "Dublin", "IE"},
		{"us-west", "Portland", "US"},
		{"sa-east", "Sao Paulo", "BR"},
		{"ap-northeast", "Tokyo", "JP"},
		{"af-south", "Cape Town", "ZA"},
	}
	exposes   = []string{"Tunneling", "NodePort", "LoadBalancer"}
	providers = []string{"aws", "gcp", "digitalocean", "hetzner", "openstack", "vsphere", "azure", "bringyourown"}
	short     = map[string]string{"aws": "aws", "gcp": "gcp", "digitalocean": "do", "hetzner": "hetzner",
		"openstack": "os", "vsphere": "vsphere", "azure": "azure", "bringyourown": "byo"}
)

func newGen(n int, seed uint64) *gen {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	copy(key[8:], "fleetc/internal/fleetgen")
	g := &gen{shape: ShapeOf(n), rng: rand.New(rand.NewChaCha8(key)), cat: catalog.Default()}
	g.makeSeeds()
	g.makeUsers()
	g.makeProjects()
	g.makeClusters()
	return g
}

func (g *gen) makeSeeds() {
	for i := range g.shape.Seeds {
		r := regions[i%len(regions)]
		s := seedSpec{
			name:     fmt.Sprintf("%s-%d", r.name, i/len(regions)+1),
			location: r.location,
			country:  r.country,
			expose:   exposes[i%len(exposes)],
		}
		s.portMin = 30000
		if s.expose != "Tunneling" && i%2 == 0 {
			s.portRange, s.portMin = "31000-32999", 31000
		}
		for k := range DatacentersPerSeed {
			p := providers[(i*DatacentersPerSeed+k)%len(providers)]
			s.dcs = append(s.dcs, dcSpec{
				name:     fmt.Sprintf("%s-%s-%d", short[p], s.name, k+1),
				location: fmt.Sprintf("%s %s %d", p, r.location, k+1),
				country:  r.country,
				provider: p,
			})
		}
		g.seeds = append(g.seeds, s)
	}
}

func (g *gen) makeUsers() {
	for i := range g.shape.Users {
		f, l := first[i%len(first)], last[(i/len(first))%len(last)]
		g.users = append(g.users, userSpec{
			email: fmt.Sprintf("%s.%s.%d@acme.example", f, l, i),
			name:  fmt.Sprintf("%s %s %d", title(f), title(l), i),
			slug:  fmt.Sprintf("%s-%s-%d", f, l, i),
			admin: i%97 == 0,
		})
	}
}

func (g *gen) makeProjects() {
	np := g.shape.Projects
	for p := range np {
		team := teams[p%len(teams)]
		ps := projectSpec{
			name:    fmt.Sprintf("%s-%d", team, p/len(teams)+1),
			display: fmt.Sprintf("%s team %d", title(team), p/len(teams)+1),
			owners:  []int{3 * p},
			editors: []int{3*p + 1},
			viewers: []int{3*p + 2},
		}
		if np > 1 && p%5 == 1 {
			// Some people work in two projects.
			ps.viewers = append(ps.viewers, 3*((p+1)%np))
		}
		members := []int{3 * p}
		if p%2 == 0 {
			members = append(members, 3*p+1)
		}
		for _, u := range members {
			ps.keys = append(ps.keys, keySpec{
				name:      g.users[u].slug + "-laptop",
				owner:     g.users[u].email,
				publicKey: g.publicKey(g.users[u].email),
			})
		}
		g.projects = append(g.projects, ps)
	}
}

// publicKey returns a fresh ed25519 public key in authorized_keys format.
func (g *gen) publicKey(comment string) string {
	var s [ed25519.SeedSize]byte
	for i := 0; i < len(s); i += 8 {
		binary.LittleEndian.PutUint64(s[i:], g.rng.Uint64())
	}
	priv := ed25519.NewKeyFromSeed(s[:])
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		panic(err) // cannot happen: ed25519 keys are supported
	}
	return string(bytes.TrimSpace(ssh.MarshalAuthorizedKey(pub))) + " " + comment
}

// versionForms lists every version of the catalog, written in full, and
// every minor (which resolves to its newest patch).
func (g *gen) versionForms() []string {
	var out []string
	for _, v := range g.cat.Versions() {
		out = append(out, v.Version)
	}
	return append(out, g.cat.Minors()...)
}

func (g *gen) makeClusters() {
	versions := g.versionForms()
	np, ns := len(g.projects), len(g.seeds)
	for i := range g.shape.Clusters {
		p := &g.projects[i%np]
		k := p.clusters
		p.clusters++
		env := envs[k%len(envs)]
		name := fmt.Sprintf("%s-%s-%d", p.name, env, k/len(envs)+1)
		// Clusters of a project spread over the seeds; a project's prod
		// and staging clusters tend to share a region.
		s := &g.seeds[(i/np+i)%ns]
		local := s.clusters
		s.clusters++
		dc := s.dcs[(local+i)%len(s.dcs)]
		c := clusterSpec{name: name, project: p.name, datacenter: dc.name, version: versions[i%len(versions)]}

		var b bytes.Buffer
		fmt.Fprintf(&b, "package fleet\n\nclusters: %s: {\n", quote(name))
		field(&b, 1, "project", quote(p.name))
		field(&b, 1, "datacenter", quote(dc.name))
		field(&b, 1, "version", quote(c.version))
		if env == "prod" {
			field(&b, 1, "displayName", quote(fmt.Sprintf("%s production %d", p.display, k/len(envs)+1)))
		}
		if (env == "prod" || env == "staging") && len(p.keys) > 0 {
			list := ""
			for j, key := range p.keys {
				if j > 0 {
					list += ", "
				}
				list += quote(key.name)
			}
			field(&b, 1, "sshKeys", "["+list+"]")
		}
		if i%5 == 2 {
			field(&b, 1, "tunnel", quote("openvpn"))
		}
		if i%11 == 6 {
			b.WriteString("\tnetwork: {pods: \"172.26.0.0/16\", services: \"10.241.0.0/20\"}\n")
		}
		explicitPort := s.expose == "NodePort" && local%4 == 1
		switch {
		case env == "prod" && explicitPort:
			fmt.Fprintf(&b, "\tapiserver: {replicas: 3, nodePort: %d}\n", s.portMin+100+3*s.nextPort)
			s.nextPort++
		case env == "prod":
			b.WriteString("\tapiserver: replicas: 3\n")
		case explicitPort:
			fmt.Fprintf(&b, "\tapiserver: nodePort: %d\n", s.portMin+100+3*s.nextPort)
			s.nextPort++
		}
		switch {
		case env == "prod" && k%3 == 0:
			b.WriteString("\tetcd: {replicas: 5, storage: \"20Gi\", storageClass: \"fast-ssd\"}\n")
		case env == "prod":
			b.WriteString("\tetcd: storage: \"10Gi\"\n")
		case env == "dev":
			b.WriteString("\tetcd: replicas: 1\n")
		}
		if i%7 == 3 {
			field(&b, 1, "monitoring", "false")
		}
		if i%23 == 5 {
			field(&b, 1, "paused", "true")
		}
		fmt.Fprintf(&b, "\tlabels: {env: %s, team: %s}\n", quote(env), quote(teams[(i%np)%len(teams)]))
		if i%50 == 17 {
			b.WriteString("\tpatches: [{\n")
			b.WriteString("\t\ttarget: {kind: \"Deployment\", name: \"apiserver\"}\n")
			b.WriteString("\t\tpatch: \"\"\"\n\t\t\tmetadata:\n\t\t\t  annotations:\n\t\t\t    acme.example/on-call: " + p.name + "\n\t\t\t\"\"\"\n")
			b.WriteString("\t}]\n")
		}
		b.WriteString("}\n")
		c.body = b.String()
		g.clusters = append(g.clusters, c)
	}
}

func (g *gen) files() map[string][]byte {
	out := make(map[string][]byte, len(g.clusters)+len(g.projects)+len(g.seeds)+2)
	out["fleet.cue"] = []byte(`// A generated fleet (fleetc dev gen): see internal/fleetgen.
package fleet

master: {
	domain: "kkp.acme.example"
	gitops: {
		url:       "https://git.acme.example/platform/fleet-rendered.git"
		branch:    "main"
		path:      "rendered"
		interval:  "5m"
		secretRef: "fleet-git"
	}
	oidc: issuerURL: "https://login.acme.example/dex"
}
`)

	var b bytes.Buffer
	b.WriteString("package fleet\n\nusers: {\n")
	for _, u := range g.users {
		if u.admin {
			fmt.Fprintf(&b, "\t%s: {name: %s, admin: true}\n", quote(u.email), quote(u.name))
		} else {
			fmt.Fprintf(&b, "\t%s: name: %s\n", quote(u.email), quote(u.name))
		}
	}
	b.WriteString("}\n")
	out["users.cue"] = bytes.Clone(b.Bytes())

	for _, p := range g.projects {
		b.Reset()
		fmt.Fprintf(&b, "package fleet\n\nprojects: %s: {\n", quote(p.name))
		field(&b, 1, "displayName", quote(p.display))
		field(&b, 1, "owners", g.emails(p.owners))
		field(&b, 1, "editors", g.emails(p.editors))
		field(&b, 1, "viewers", g.emails(p.viewers))
		b.WriteString("}\n")
		if len(p.keys) > 0 {
			b.WriteString("\nsshKeys: {\n")
			for _, k := range p.keys {
				fmt.Fprintf(&b, "\t%s: {\n", quote(k.name))
				field(&b, 2, "owner", quote(k.owner))
				field(&b, 2, "project", quote(p.name))
				field(&b, 2, "publicKey", quote(k.publicKey))
				b.WriteString("\t}\n")
			}
			b.WriteString("}\n")
		}
		out["projects/"+p.name+".cue"] = bytes.Clone(b.Bytes())
	}

	for _, s := range g.seeds {
		b.Reset()
		fmt.Fprintf(&b, "package fleet\n\nseeds: %s: {\n", quote(s.name))
		field(&b, 1, "location", quote(s.location))
		field(&b, 1, "country", quote(s.country))
		field(&b, 1, "expose", quote(s.expose))
		if s.portRange != "" {
			field(&b, 1, "nodePortRange", quote(s.portRange))
		}
		b.WriteString("\tdatacenters: {\n")
		for _, d := range s.dcs {
			fmt.Fprintf(&b, "\t\t%s: {\n", quote(d.name))
			field(&b, 3, "location", quote(d.location))
			field(&b, 3, "country", quote(d.country))
			fmt.Fprintf(&b, "\t\t\tprovider: %s\n", providerBlock(d.provider, s.name))
			b.WriteString("\t\t}\n")
		}
		b.WriteString("\t}\n")
		b.WriteString("}\n")
		out["seeds/"+s.name+".cue"] = bytes.Clone(b.Bytes())
	}

	for _, c := range g.clusters {
		out["clusters/"+c.project+"/"+c.name+".cue"] = []byte(c.body)
	}
	return out
}

func providerBlock(p, seed string) string {
	switch p {
	case "aws":
		return `aws: region: "eu-central-1"`
	case "gcp":
		return `gcp: region: "europe-west3"`
	case "digitalocean":
		return `digitalocean: region: "fra1"`
	case "hetzner":
		return fmt.Sprintf(`hetzner: {datacenter: "fsn1-dc14", network: "kkp-%s"}`, seed)
	case "openstack":
		return fmt.Sprintf(`openstack: {authURL: "https://keystone.%s.acme.example:5000/v3", region: "RegionOne", images: {ubuntu: "Ubuntu 24.04", flatcar: "Flatcar stable"}}`, seed)
	case "vsphere":
		return fmt.Sprintf(`vsphere: {endpoint: "https://vcenter.%s.acme.example", datacenter: "dc1", cluster: "compute-a", datastore: "ds-%s", templates: {ubuntu: "ubuntu-24.04-template"}}`, seed, seed)
	case "azure":
		return `azure: location: "westeurope"`
	case "bringyourown":
		return `bringyourown: {}`
	}
	panic("fleetgen: unknown provider " + p)
}

func (g *gen) emails(users []int) string {
	s := "["
	for i, u := range users {
		if i > 0 {
			s += ", "
		}
		s += quote(g.users[u].email)
	}
	return s + "]"
}

// field writes `name: value` on a line of its own, indented by tabs.
func field(b *bytes.Buffer, indent int, name, value string) {
	for range indent {
		b.WriteByte('\t')
	}
	b.WriteString(name)
	b.WriteString(": ")
	b.WriteString(value)
	b.WriteByte('\n')
}

// quote writes s as a CUE string literal (every generated string is
// printable ASCII, where Go's and CUE's quoting agree).
func quote(s string) string { return strconv.Quote(s) }

func title(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
