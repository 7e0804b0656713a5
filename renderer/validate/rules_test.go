package validate_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/validate"
)

// One table case per rule of Validate, and one per boundary the rule must
// let through: `make mutants` deletes and inverts each rule, drops each
// clause and moves each boundary, and every such mutant fails a case here.

const (
	aliceKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILv1HRItE7AzXHw/rxZCr5ITgQrQTBZS+54gLHHK+uFb alice@acme.example"
	bobKey   = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEshq75Y6HE9wWLRmZ95kriXuCfD5uR1niy6gOtIQxWa bob@acme.example"
)

// fleet is a valid config: seed "europe" (Tunneling) with datacenter
// "aws-eu", seed "america" (NodePort, range 30000-30009) with "aws-us";
// cluster "payments-prod" on aws-eu with alice's key, cluster "edge" on
// aws-us.
func fleet() *model.Config {
	aws := model.Provider{AWS: &model.AWS{Region: "eu-central-1"}}
	return &model.Config{
		Master: model.Master{Domain: "kkp.example.com", GitOps: model.GitOps{URL: "https://git.example.com/fleet.git", Branch: "main", Path: "rendered", Interval: "5m"}},
		Users:  []model.User{{Email: "alice@example.com", Name: "Alice"}, {Email: "bob@example.com", Name: "Bob"}, {Email: "carol@example.com"}},
		Projects: []model.Project{
			{Name: "analytics", Owners: []string{"carol@example.com"}},
			{Name: "payments", Owners: []string{"alice@example.com"}, Editors: []string{"bob@example.com"}},
		},
		SSHKeys: []model.SSHKey{
			{Name: "alice-laptop", Owner: "alice@example.com", Project: "payments", PublicKey: aliceKey},
			{Name: "carol-ops", Owner: "carol@example.com", Project: "analytics", PublicKey: bobKey},
		},
		Seeds: []model.Seed{
			{Name: "america", Expose: model.ExposeNodePort, NodePortRange: "30000-30009",
				Datacenters: []model.Datacenter{{Name: "aws-us", Seed: "america", Provider: aws}}},
			{Name: "europe", Expose: model.ExposeTunneling, NodePortRange: "30000-32767",
				Datacenters: []model.Datacenter{{Name: "aws-eu", Seed: "europe", Provider: aws}}},
		},
		Clusters: []model.Cluster{
			{Name: "edge", Project: "payments", Datacenter: "aws-us", Version: "1.35",
				Network: model.Network{Pods: "172.25.0.0/16", Services: "10.240.16.0/20"}, Etcd: model.Etcd{Replicas: 3, Storage: "5Gi"}},
			{Name: "payments-prod", Project: "payments", Datacenter: "aws-eu", Version: "1.35", SSHKeys: []string{"alice-laptop"},
				Network: model.Network{Pods: "172.25.0.0/16", Services: "10.240.16.0/20"}, Etcd: model.Etcd{Replicas: 3, Storage: "5Gi"}},
		},
		Broken: map[string]bool{},
	}
}

func seed(cfg *model.Config, name string) *model.Seed {
	for i := range cfg.Seeds {
		if cfg.Seeds[i].Name == name {
			return &cfg.Seeds[i]
		}
	}
	panic("no seed " + name)
}

func cluster(cfg *model.Config, name string) *model.Cluster {
	for i := range cfg.Clusters {
		if cfg.Clusters[i].Name == name {
			return &cfg.Clusters[i]
		}
	}
	panic("no cluster " + name)
}

func project(cfg *model.Config, name string) *model.Project {
	for i := range cfg.Projects {
		if cfg.Projects[i].Name == name {
			return &cfg.Projects[i]
		}
	}
	panic("no project " + name)
}

func port(p int) *int { return &p }

func problems(t *testing.T, cfg *model.Config) []string {
	t.Helper()
	err := validate.Validate(cfg, catalog.Default())
	if err == nil {
		return nil
	}
	list, ok := err.(diag.List)
	if !ok {
		t.Fatalf("Validate returned %T, want diag.List: %v", err, err)
	}
	var out []string
	for _, d := range list {
		out = append(out, d.Msg)
	}
	return out
}

// atField makes each field's position its path, so that a diagnostic
// reads "seeds.europe.backups.bucket: ..." and a case can say at which
// field a problem must be reported. (The loader's file:line:col are tested
// on fixtures/invalid, in package renderer.)
func atField(cfg *model.Config) {
	cfg.Positions = model.NewPositions(func(p model.Path) (model.Pos, bool) { return model.Pos{File: p.String()}, true })
}

// fieldCase changes the base fleet and lists every problem that Validate
// must report, in its order, each as "field: text": the field the problem
// is at, and a text its message contains. No want: the config is valid.
type fieldCase struct {
	name   string
	change func(cfg *model.Config)
	want   []string
}

func testFieldCases(t *testing.T, cases []fieldCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fleet()
			atField(cfg)
			tc.change(cfg)
			var got []string
			if err := validate.Validate(cfg, catalog.Default()); err != nil {
				list, ok := err.(diag.List)
				if !ok {
					t.Fatalf("Validate returned %T, want diag.List: %v", err, err)
				}
				for _, d := range list {
					got = append(got, d.String())
				}
			}
			match := len(got) == len(tc.want)
			for i := 0; match && i < len(got); i++ {
				field, text, _ := strings.Cut(tc.want[i], ": ")
				msg, at := strings.CutPrefix(got[i], field+": ")
				match = at && strings.Contains(msg, text)
			}
			if !match {
				t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestRules(t *testing.T) {
	a64, e37 := strings.Repeat("a", 64), strings.Repeat("e", validate.MaxClusterName+1)
	testFieldCases(t, []fieldCase{
		{"the base fleet", func(*model.Config) {}, nil},

		// names
		{"project name not DNS", func(c *model.Config) { c.Projects[0].Name = "Analytics" }, []string{
			`projects.Analytics: project name "Analytics" is not a DNS-1123 label`,
			`sshKeys."carol-ops".project: SSH key "carol-ops": project "analytics" does not exist`,
		}},
		{"project name of 63", func(c *model.Config) { renameProject(c, "analytics", strings.Repeat("a", 63)) }, nil},
		{"project name of 64", func(c *model.Config) { renameProject(c, "analytics", a64) }, []string{`projects.` + a64 + `: project name "` + a64 + `" is 64 characters long; at most 63 are allowed`}},
		{"SSH key name not DNS", func(c *model.Config) { c.SSHKeys[1].Name = "carol_ops" }, []string{`sshKeys.carol_ops: SSH key name "carol_ops" is not a DNS-1123 label`}},
		{"seed name not DNS", func(c *model.Config) { c.Seeds[0].Name = "-america" }, []string{`seeds."-america": seed name "-america" is not a DNS-1123 label`}},
		{"datacenter name not DNS", func(c *model.Config) { c.Seeds[0].Datacenters[0].Name = "aws.us" }, []string{
			`clusters.edge.datacenter: cluster "edge": datacenter "aws-us" does not exist in any seed`,
			`seeds.america.datacenters."aws.us": datacenter name "aws.us" is not a DNS-1123 label`,
		}},
		{"cluster name not DNS", func(c *model.Config) { c.Clusters[0].Name = "edge-" }, []string{`clusters."edge-": cluster name "edge-" is not a DNS-1123 label`}},
		{"cluster name of 36", func(c *model.Config) { c.Clusters[0].Name = strings.Repeat("e", validate.MaxClusterName) }, nil},
		{"cluster name of 37", func(c *model.Config) { c.Clusters[0].Name = e37 }, []string{`clusters.` + e37 + `: cluster name "` + e37 + `" is 37 characters long; at most 36 are allowed`}},

		// users
		{"e-mail not valid", func(c *model.Config) { c.Users[2].Email = "carol" }, []string{
			`projects.analytics.owners[0]: project member "carol@example.com" is not a user`,
			`sshKeys."carol-ops".owner: SSH key owner "carol@example.com" is not a user`,
			`users.carol: user "carol": not a valid e-mail address`,
		}},
		{"e-mail upper case", func(c *model.Config) { c.Users[2].Email = "Carol@example.com" }, []string{
			`projects.analytics.owners[0]: project member "carol@example.com" is not a user`,
			`sshKeys."carol-ops".owner: SSH key owner "carol@example.com" is not a user`,
			`users."Carol@example.com": user "Carol@example.com": e-mail addresses are keys and must be lower case (write "carol@example.com")`,
		}},

		// projects
		{"project without owner", func(c *model.Config) { project(c, "payments").Owners = nil }, []string{
			`projects.payments.owners: project "payments" has no owner`,
			`sshKeys."alice-laptop".owner: SSH key "alice-laptop": owner "alice@example.com" is not a member of project "payments"`,
		}},
		{"member not a user", func(c *model.Config) { project(c, "payments").Viewers = []string{"dave@example.com"} }, []string{`projects.payments.viewers[0]: project member "dave@example.com" is not a user`}},
		{"member that failed the schema", func(c *model.Config) {
			project(c, "payments").Viewers = []string{"dave@example.com"}
			c.Broken[model.Path{"users", "dave@example.com"}.String()] = true
		}, nil},
		{"duplicate member", func(c *model.Config) { project(c, "payments").Viewers = []string{"bob@example.com"} }, []string{`projects.payments.viewers[0]: user "bob@example.com" is listed twice in project "payments" (already under editors)`}},
		{"same user in two projects", func(c *model.Config) { project(c, "analytics").Viewers = []string{"bob@example.com"} }, nil},

		// seeds
		{"seed without datacenters", func(c *model.Config) {
			seed(c, "europe").Datacenters = nil
			c.Clusters = c.Clusters[:1]
		}, []string{`seeds.europe: seed "europe" has no datacenters`}},
		{"datacenter in two seeds", func(c *model.Config) { seed(c, "europe").Datacenters[0].Name = "aws-us" }, []string{
			`clusters."payments-prod".datacenter: cluster "payments-prod": datacenter "aws-eu" does not exist in any seed`,
			`seeds.america.datacenters."aws-us": datacenter "aws-us" is defined by seeds "america" and "europe"; datacenter names must be unique across seeds`,
			`seeds.europe.datacenters."aws-us": datacenter "aws-us" is defined by seeds "america" and "europe"; datacenter names must be unique across seeds`,
		}},
		{"nodePortRange MIN equals MAX", func(c *model.Config) { seed(c, "europe").NodePortRange = "30000-30000" }, []string{`seeds.europe.nodePortRange: nodePortRange "30000-30000" must be MIN-MAX with 1 <= MIN < MAX <= 65535`}},
		{"nodePortRange MIN above MAX", func(c *model.Config) { seed(c, "europe").NodePortRange = "30001-30000" }, []string{`seeds.europe.nodePortRange: nodePortRange "30001-30000" must be MIN-MAX with 1 <= MIN < MAX <= 65535`}},
		{"nodePortRange MIN 0", func(c *model.Config) { seed(c, "europe").NodePortRange = "0-100" }, []string{`seeds.europe.nodePortRange: nodePortRange "0-100" must be MIN-MAX with 1 <= MIN < MAX <= 65535`}},
		{"nodePortRange MAX 65536", func(c *model.Config) { seed(c, "europe").NodePortRange = "30000-65536" }, []string{`seeds.europe.nodePortRange: nodePortRange "30000-65536" must be MIN-MAX with 1 <= MIN < MAX <= 65535`}},
		{"nodePortRange widest", func(c *model.Config) { seed(c, "europe").NodePortRange = "1-65535" }, nil},
		{"nodePortRange of two ports", func(c *model.Config) { seed(c, "europe").NodePortRange = "30000-30001" }, nil},
		{"nodePortRange without dash", func(c *model.Config) { seed(c, "europe").NodePortRange = "30000" }, []string{`seeds.europe.nodePortRange: nodePortRange "30000" must be MIN-MAX with 1 <= MIN < MAX <= 65535`}},
		{"nodePortRange MIN not a number", func(c *model.Config) { seed(c, "europe").NodePortRange = "x-30000" }, []string{`seeds.europe.nodePortRange: nodePortRange "x-30000" must be MIN-MAX with 1 <= MIN < MAX <= 65535`}},
		{"nodePortRange MAX overflowing", func(c *model.Config) { seed(c, "europe").NodePortRange = "30000-99999999999999999999" }, []string{`seeds.europe.nodePortRange: nodePortRange "30000-99999999999999999999" must be MIN-MAX with 1 <= MIN < MAX <= 65535`}},
		{"nodePortRange MIN overflowing", func(c *model.Config) { seed(c, "europe").NodePortRange = "99999999999999999999-30000" }, []string{`seeds.europe.nodePortRange: nodePortRange "99999999999999999999-30000" must be MIN-MAX with 1 <= MIN < MAX <= 65535`}},
		{"nodePortRange MAX not a number", func(c *model.Config) { seed(c, "europe").NodePortRange = "30000-x" }, []string{`seeds.europe.nodePortRange: nodePortRange "30000-x" must be MIN-MAX with 1 <= MIN < MAX <= 65535`}},

		// SSH keys
		{"key of an unknown project", func(c *model.Config) { c.SSHKeys[1].Project = "billing" }, []string{`sshKeys."carol-ops".project: SSH key "carol-ops": project "billing" does not exist`}},
		{"key of a project that failed the schema", func(c *model.Config) {
			c.SSHKeys[1].Project = "billing"
			c.Broken[model.Path{"projects", "billing"}.String()] = true
		}, nil},
		{"key owner not a member", func(c *model.Config) { c.SSHKeys[1].Owner = "alice@example.com" }, []string{`sshKeys."carol-ops".owner: SSH key "carol-ops": owner "alice@example.com" is not a member of project "analytics"`}},
		{"key owner not a user", func(c *model.Config) { c.SSHKeys[1].Owner = "dave@example.com" }, []string{`sshKeys."carol-ops".owner: SSH key owner "dave@example.com" is not a user`}},
		{"key not authorized_keys", func(c *model.Config) { c.SSHKeys[1].PublicKey = "ssh-ed25519 AAAA" }, []string{`sshKeys."carol-ops".publicKey: SSH key "carol-ops": publicKey is not an authorized_keys line`}},
		{"two keys in one publicKey", func(c *model.Config) { c.SSHKeys[1].PublicKey = bobKey + "\n" + aliceKey }, []string{
			`sshKeys."carol-ops".publicKey: SSH key "carol-ops": publicKey holds more than one key; use one entry per key`,
			`sshKeys."carol-ops".publicKey: sshKeys."carol-ops".publicKey: control character U+000A is not allowed`,
		}},
		{"a key with a trailing newline", func(c *model.Config) { c.SSHKeys[1].PublicKey = bobKey + "\n" }, []string{`sshKeys."carol-ops".publicKey: sshKeys."carol-ops".publicKey: control character U+000A is not allowed`}},

		// clusters
		{"cluster of an unknown project", func(c *model.Config) { c.Clusters[0].Project = "billing" }, []string{`clusters.edge.project: cluster "edge": project "billing" does not exist`}},
		{"cluster of a project that failed the schema", func(c *model.Config) {
			c.Clusters[0].Project = "billing"
			c.Broken[model.Path{"projects", "billing"}.String()] = true
		}, nil},
		{"unknown datacenter", func(c *model.Config) { c.Clusters[0].Datacenter = "gcp-eu" }, []string{`clusters.edge.datacenter: cluster "edge": datacenter "gcp-eu" does not exist in any seed`}},
		{"unknown datacenter while a seed failed the schema", func(c *model.Config) {
			c.Clusters[0].Datacenter = "gcp-eu"
			c.Broken[model.Path{"seeds", "asia"}.String()] = true
		}, nil},
		{"version not in the catalog", func(c *model.Config) { c.Clusters[0].Version = "1.2" }, []string{`clusters.edge.version: cluster "edge": version "1.2" is not in the catalog`}},
		{"unknown SSH key", func(c *model.Config) { c.Clusters[1].SSHKeys = []string{"dave-key"} }, []string{`clusters."payments-prod".sshKeys[0]: cluster "payments-prod": SSH key "dave-key" does not exist`}},
		{"SSH key that failed the schema", func(c *model.Config) {
			c.Clusters[1].SSHKeys = []string{"dave-key"}
			c.Broken[model.Path{"sshKeys", "dave-key"}.String()] = true
		}, nil},
		{"SSH key of another project", func(c *model.Config) { c.Clusters[1].SSHKeys = []string{"carol-ops"} }, []string{`clusters."payments-prod".sshKeys[0]: cluster "payments-prod": SSH key "carol-ops" belongs to project "analytics", not to the cluster's project "payments"`}},
		{"pods not a CIDR", func(c *model.Config) { c.Clusters[0].Network.Pods = "172.25.0.0" }, []string{`clusters.edge.network.pods: cluster "edge": network.pods "172.25.0.0" is not a CIDR`}},
		{"services with host bits", func(c *model.Config) { c.Clusters[0].Network.Services = "10.240.16.1/20" }, []string{`clusters.edge.network.services: cluster "edge": network.services "10.240.16.1/20" has host bits set (did you mean "10.240.16.0/20"?)`}},
		{"IPv6 pods", func(c *model.Config) { c.Clusters[0].Network.Pods = "fd00::/64" }, []string{`clusters.edge.network.pods: cluster "edge": network.pods "fd00::/64": only IPv4 is supported`}},
		{"services of /28", func(c *model.Config) { c.Clusters[0].Network.Services = "10.240.16.0/28" }, nil},
		{"services of /29", func(c *model.Config) { c.Clusters[0].Network.Services = "10.240.16.0/29" }, []string{`clusters.edge.network.services: cluster "edge": network.services "10.240.16.0/29" is too small`}},
		{"services in pods", func(c *model.Config) { c.Clusters[0].Network.Services = "172.25.16.0/20" }, []string{`clusters.edge.network.services: cluster "edge": network.services 172.25.16.0/20 overlaps network.pods 172.25.0.0/16`}},
		{"services of /29 in pods", func(c *model.Config) { c.Clusters[0].Network.Services = "172.25.16.0/29" }, []string{
			`clusters.edge.network.services: cluster "edge": network.services "172.25.16.0/29" is too small`,
			`clusters.edge.network.services: cluster "edge": network.services 172.25.16.0/29 overlaps network.pods 172.25.0.0/16`,
		}},
		{"pods in services", func(c *model.Config) { c.Clusters[0].Network.Pods = "10.240.17.0/24" }, []string{`clusters.edge.network.services: cluster "edge": network.services 10.240.16.0/20 overlaps network.pods 10.240.17.0/24`}},
		{"bad pods and small services", func(c *model.Config) {
			c.Clusters[0].Network.Pods = "x"
			c.Clusters[0].Network.Services = "10.240.16.0/29"
		}, []string{
			`clusters.edge.network.pods: cluster "edge": network.pods "x" is not a CIDR`,
			`clusters.edge.network.services: cluster "edge": network.services "10.240.16.0/29" is too small`,
		}},

		// NodePorts
		{"nodePort on a Tunneling seed", func(c *model.Config) { c.Clusters[1].APIServer.NodePort = port(30000) }, []string{`clusters."payments-prod".apiserver.nodePort: cluster "payments-prod": apiserver.nodePort is only used on seeds with expose "NodePort"; seed "europe" uses "Tunneling"`}},
		{"nodePort on a cluster of an unknown datacenter", func(c *model.Config) {
			c.Clusters[0].Datacenter = "gcp-eu"
			c.Clusters[0].APIServer.NodePort = port(30000)
		}, []string{`clusters.edge.datacenter: cluster "edge": datacenter "gcp-eu" does not exist in any seed`}},
		{"nodePort on a LoadBalancer seed", func(c *model.Config) {
			seed(c, "america").Expose = model.ExposeLoadBalancer
			c.Clusters[0].APIServer.NodePort = port(30000)
		}, []string{`clusters.edge.apiserver.nodePort: cluster "edge": apiserver.nodePort is only used on seeds with expose "NodePort"; seed "america" uses "LoadBalancer"`}},
		{"nodePort at the range's start", func(c *model.Config) { c.Clusters[0].APIServer.NodePort = port(30000) }, nil},
		{"nodePort at the range's end", func(c *model.Config) { c.Clusters[0].APIServer.NodePort = port(30009) }, nil},
		{"nodePort below the range", func(c *model.Config) { c.Clusters[0].APIServer.NodePort = port(29999) }, []string{`clusters.edge.apiserver.nodePort: cluster "edge": apiserver.nodePort 29999 is outside seed "america"'s nodePortRange 30000-30009`}},
		{"nodePort above the range", func(c *model.Config) { c.Clusters[0].APIServer.NodePort = port(30010) }, []string{`clusters.edge.apiserver.nodePort: cluster "edge": apiserver.nodePort 30010 is outside seed "america"'s nodePortRange 30000-30009`}},
		{"nodePort used twice", func(c *model.Config) {
			c.Clusters[1].Datacenter = "aws-us"
			c.Clusters[0].APIServer.NodePort = port(30005)
			c.Clusters[1].APIServer.NodePort = port(30005)
		}, []string{
			`clusters."payments-prod".apiserver.nodePort: apiserver.nodePort 30005 is used by clusters "edge" and "payments-prod" on seed "america"`,
			`clusters.edge.apiserver.nodePort: apiserver.nodePort 30005 is used by clusters "edge" and "payments-prod" on seed "america"`,
		}},
		{"range full", func(c *model.Config) {
			seed(c, "america").NodePortRange = "30000-30002"
			c.Clusters[1].Datacenter = "aws-us"
		}, []string{`seeds.america.nodePortRange: seed "america": nodePortRange 30000-30002 has no free port left for cluster "payments-prod"`}},
		{"range just big enough", func(c *model.Config) {
			seed(c, "america").NodePortRange = "30000-30003"
			c.Clusters[1].Datacenter = "aws-us"
		}, nil},
	})
}

// renameProject renames a project and every reference to it.
func renameProject(cfg *model.Config, from, to string) {
	project(cfg, from).Name = to
	for i := range cfg.SSHKeys {
		if cfg.SSHKeys[i].Project == from {
			cfg.SSHKeys[i].Project = to
		}
	}
	for i := range cfg.Clusters {
		if cfg.Clusters[i].Project == from {
			cfg.Clusters[i].Project = to
		}
	}
}

// TestResolved: what validation derives for the renderer.
func TestResolved(t *testing.T) {
	cfg := fleet()
	if p := problems(t, cfg); len(p) > 0 {
		t.Fatal(p)
	}
	ver, _ := catalog.Default().Resolve("1.35")
	prod, edge := cluster(cfg, "payments-prod"), cluster(cfg, "edge")
	if r := prod.Resolved; r.Seed != "europe" || r.Provider != "aws" || r.Version != ver.Version || r.Minor != "1.35" {
		t.Errorf("payments-prod resolved to %+v", r)
	}
	if r := prod.Resolved; r.NodePort != 0 || r.TunnelNodePort != 0 {
		t.Errorf("a cluster on a Tunneling seed got NodePorts %d/%d", r.NodePort, r.TunnelNodePort)
	}
	if r := edge.Resolved; r.Seed != "america" || r.NodePort == 0 || r.TunnelNodePort == 0 || r.NodePort == r.TunnelNodePort {
		t.Errorf("edge resolved to %+v", r)
	}
	if s := seed(cfg, "america"); s.NodePortMin != 30000 || s.NodePortMax != 30009 {
		t.Errorf("america's range parsed as %d-%d", s.NodePortMin, s.NodePortMax)
	}
	for _, k := range cfg.SSHKeys {
		if !strings.HasPrefix(k.FingerprintSHA256, "SHA256:") || strings.Count(k.Fingerprint, ":") != 15 {
			t.Errorf("key %s: fingerprints %q, %q", k.Name, k.Fingerprint, k.FingerprintSHA256)
		}
	}
}

// TestNodePortAllocation: allocated ports lie in the seed's range, are
// all different, keep a written port, and fill a range to the last port
// (probing wraps around from the range's end to its start).
func TestNodePortAllocation(t *testing.T) {
	for size := 4; size <= 12; size += 2 {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			cfg := fleet()
			s := seed(cfg, "america")
			s.NodePortRange = fmt.Sprintf("30000-%d", 30000+size-1)
			var written int
			for i := range size / 2 {
				c := cfg.Clusters[0]
				c.Name = fmt.Sprintf("c%d", i)
				if i == 0 {
					written = 30000 + size - 1
					c.APIServer.NodePort = port(written)
				}
				cfg.Clusters = append(cfg.Clusters, c)
			}
			cfg.Clusters = cfg.Clusters[1:] // drop edge: size/2 clusters fill the range
			if p := problems(t, cfg); len(p) > 0 {
				t.Fatal(p)
			}
			seen := map[int]string{}
			for _, c := range cfg.Clusters {
				if c.Resolved.Seed != "america" {
					continue
				}
				for _, p := range []int{c.Resolved.NodePort, c.Resolved.TunnelNodePort} {
					if p < 30000 || p >= 30000+size {
						t.Errorf("cluster %s: port %d outside the range", c.Name, p)
					}
					if other, dup := seen[p]; dup {
						t.Errorf("port %d given to %s and %s", p, other, c.Name)
					}
					seen[p] = c.Name
				}
			}
			if got := cluster(cfg, "c0").Resolved.NodePort; got != written {
				t.Errorf("c0's written nodePort %d resolved to %d", written, got)
			}
		})
	}
}

// TestInvalidRangeAllocatesNothing: a seed whose nodePortRange is wrong
// gets its one problem, and no NodePort is made up for its clusters.
func TestInvalidRangeAllocatesNothing(t *testing.T) {
	cfg := fleet()
	seed(cfg, "america").NodePortRange = "30009-30000"
	got := problems(t, cfg)
	if len(got) != 1 {
		t.Fatalf("want one problem, got:\n%s", strings.Join(got, "\n"))
	}
	if r := cluster(cfg, "edge").Resolved; r.NodePort != 0 || r.TunnelNodePort != 0 {
		t.Errorf("edge got NodePorts %d/%d from an invalid range", r.NodePort, r.TunnelNodePort)
	}
}

// TestOneProblemEach: a value that is wrong in one way is reported once,
// not again by the rules that need it to be right (a CIDR with host bits
// is not also "too small" or "overlapping").
func TestOneProblemEach(t *testing.T) {
	for _, tc := range []struct {
		name           string
		pods, services string
		want           string
	}{
		{"small services with host bits", "172.25.0.0/16", "10.240.16.1/29", "has host bits set"},
		{"pods with host bits, services inside", "172.25.0.1/16", "172.25.16.0/20", "has host bits set"},
		{"services with host bits, inside pods", "172.25.0.0/16", "172.25.16.1/20", "has host bits set"},
		{"pods not a CIDR", "x", "10.240.16.0/20", "is not a CIDR"},
		{"IPv6 services", "172.25.0.0/16", "fd00::/120", "only IPv4 is supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fleet()
			cfg.Clusters[0].Network = model.Network{Pods: tc.pods, Services: tc.services}
			got := problems(t, cfg)
			if len(got) != 1 || !strings.Contains(got[0], tc.want) {
				t.Fatalf("want exactly one problem containing %q, got:\n%s", tc.want, strings.Join(got, "\n"))
			}
		})
	}
}

func etcdStorage(q string) func(*model.Config) {
	return func(c *model.Config) { cluster(c, "edge").Etcd.Storage = q }
}

func TestEtcdRules(t *testing.T) {
	testFieldCases(t, []fieldCase{
		{"storage 1Mi", etcdStorage("1Mi"), nil},
		{"storage not a quantity", etcdStorage("5 GB"), []string{`clusters.edge.etcd.storage: cluster "edge": etcd.storage "5 GB" is not a quantity such as 5Gi`}},
		{"storage 0", etcdStorage("0"), []string{`clusters.edge.etcd.storage: cluster "edge": etcd.storage "0" must be more than zero (e.g. 5Gi)`}},
		{"storage below 0", etcdStorage("-1Gi"), []string{`clusters.edge.etcd.storage: cluster "edge": etcd.storage "-1Gi" must be more than zero`}},
	})
}
