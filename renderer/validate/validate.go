// Package validate checks the rules that span entities of a config (the
// schema checks one entity at a time) and resolves what the renderer needs:
// each cluster's seed, full version and NodePorts, each key's fingerprint.
//
// Every problem is reported, at the field that makes the bad reference
// (and, for collisions, at both places), as a diag.Diagnostic.
package validate

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"golang.org/x/crypto/ssh"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/model"
)

// MaxClusterName is Kubermatic's limit on cluster names (AWS role names).
const MaxClusterName = 36

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	emailRE  = regexp.MustCompile(`^[a-z0-9._%+-]+@[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$`)
)

// Validate checks cfg against the cross-entity rules and fills the derived
// fields (Cluster.Resolved, SSHKey fingerprints, Seed NodePort bounds).
// The returned error, when not nil, is a diag.List.
func Validate(cfg *model.Config, cat *catalog.Catalog) error {
	v := &validator{cfg: cfg, cat: cat, pos: cfg.Positions, ix: model.NewIndex(cfg)}
	v.master()
	v.gitops()
	v.names()
	v.users()
	v.projects()
	v.seeds()
	v.sshKeys()
	v.clusters()
	v.nodePorts()
	return v.diags.Err()
}

type validator struct {
	cfg   *model.Config
	cat   *catalog.Catalog
	pos   model.Positions
	ix    *model.Index
	diags diag.List
}

func (v *validator) at(path ...string) model.Pos { return v.pos.Of(path...) }

func (v *validator) label(kind, name string, maxLen int, path ...string) {
	switch {
	case !dnsLabel.MatchString(name):
		v.diags.Addf(v.at(path...), "%s name %q is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)", kind, name)
	case len(name) > maxLen:
		v.diags.Addf(v.at(path...), "%s name %q is %d characters long; at most %d are allowed", kind, name, len(name), maxLen)
	}
}

// master checks master.domain (the host of the Ingress and its
// certificate) and the edition.
func (v *validator) master() {
	if v.cfg.Broken["master"] {
		return
	}
	m := &v.cfg.Master
	if problem := dnsName(m.Domain); problem != "" {
		v.diags.Addf(v.at("master", "domain"), "master.domain %q is not a DNS name: %s", m.Domain, problem)
	}
	if m.Edition == model.EditionCE && len(v.cfg.Seeds) > 1 {
		v.diags.Addf(v.at("master", "edition"), "master.edition \"ce\": Kubermatic Community Edition supports one seed, this fleet has %d (remove edition to get Enterprise images, or set \"ee\")", len(v.cfg.Seeds))
	}
}

// dnsName says what makes s not a DNS name (a DNS-1123 subdomain: labels
// of at most 63 characters, at most 253 in all, as an Ingress host and a
// certificate's DNS name must be), or "" when it is one. A single label is
// allowed (configs that rendered before stay valid), though a public
// certificate needs a dotted name.
func dnsName(s string) string {
	if len(s) > 253 {
		return fmt.Sprintf("%d characters long, at most 253 are allowed", len(s))
	}
	for _, l := range strings.Split(s, ".") {
		switch {
		case l == "":
			return "it has an empty label (two dots in a row, or a dot at an end)"
		case len(l) > 63:
			return fmt.Sprintf("label %q is %d characters long, at most 63 are allowed", l, len(l))
		case !dnsLabel.MatchString(l):
			return fmt.Sprintf("label %q is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)", l)
		}
	}
	return ""
}

func (v *validator) names() {
	for _, p := range v.cfg.Projects {
		v.label("project", p.Name, 63, "projects", p.Name)
	}
	for _, k := range v.cfg.SSHKeys {
		v.label("SSH key", k.Name, 63, "sshKeys", k.Name)
	}
	for _, s := range v.cfg.Seeds {
		v.label("seed", s.Name, 63, "seeds", s.Name)
		for _, d := range s.Datacenters {
			v.label("datacenter", d.Name, 63, "seeds", s.Name, "datacenters", d.Name)
		}
	}
	for _, c := range v.cfg.Clusters {
		v.label("cluster", c.Name, MaxClusterName, "clusters", c.Name)
	}
}

// gitops checks what the schema's patterns let through and the renderer
// refuses: the git URL's host, the folder of the rendered tree inside that
// repo, Flux's shortest interval.
func (v *validator) gitops() {
	if v.cfg.Broken["master"] {
		return
	}
	g := v.cfg.Master.GitOps
	if u, err := url.Parse(g.URL); err != nil || u.Host == "" {
		v.diags.Addf(v.at("master", "gitops", "url"), "master.gitops.url %q is not a URL with a host (write git@host:org/repo as ssh://git@host/org/repo)", g.URL)
	}
	switch c := path.Clean(g.Path); {
	case strings.HasPrefix(g.Path, "/"):
		v.diags.Addf(v.at("master", "gitops", "path"), "master.gitops.path %q is absolute; write the folder relative to the root of the rendered repo (e.g. %q)", g.Path, strings.TrimLeft(c, "/"))
	case c == ".." || strings.HasPrefix(c, "../"):
		v.diags.Addf(v.at("master", "gitops", "path"), "master.gitops.path %q leaves the rendered repo; write a folder inside it (e.g. \"rendered\")", g.Path)
	}
	if d, err := time.ParseDuration(g.Interval); err == nil && d < time.Second {
		v.diags.Addf(v.at("master", "gitops", "interval"), "master.gitops.interval %q is shorter than Flux's minimum of 1s", g.Interval)
	}
}

func (v *validator) users() {
	for _, u := range v.cfg.Users {
		if !emailRE.MatchString(u.Email) {
			if strings.ToLower(u.Email) != u.Email {
				v.diags.Addf(v.at("users", u.Email), "user %q: e-mail addresses are keys and must be lower case (write %q)", u.Email, strings.ToLower(u.Email))
			} else {
				v.diags.Addf(v.at("users", u.Email), "user %q: not a valid e-mail address", u.Email)
			}
		}
	}
}

func (v *validator) userRef(email, what string, path ...string) bool {
	if _, ok := v.ix.Users[email]; ok || v.cfg.IsBroken("users", email) {
		return true
	}
	v.diags.Addf(v.at(path...), "%s %q is not a user (add it under users)", what, email)
	return false
}

func (v *validator) projects() {
	for _, p := range v.cfg.Projects {
		if len(p.Owners) == 0 {
			v.diags.Addf(v.at("projects", p.Name, "owners"), "project %q has no owner (list at least one user e-mail under owners)", p.Name)
		}
		seen := map[string]string{}
		for _, g := range []struct {
			field  string
			emails []string
		}{{"owners", p.Owners}, {"editors", p.Editors}, {"viewers", p.Viewers}} {
			for i, e := range g.emails {
				path := []string{"projects", p.Name, g.field, "[" + strconv.Itoa(i) + "]"}
				v.userRef(e, "project member", path...)
				if prev, dup := seen[e]; dup {
					v.diags.Addf(v.at(path...), "user %q is listed twice in project %q (already under %s)", e, p.Name, prev)
				}
				seen[e] = g.field
			}
		}
	}
}

func isMember(p *model.Project, email string) bool {
	for _, m := range p.Members() {
		if m.Email == email {
			return true
		}
	}
	return false
}

func (v *validator) seeds() {
	owner := map[string]string{} // datacenter → first seed
	for si := range v.cfg.Seeds {
		s := &v.cfg.Seeds[si]
		lo, hi, ok := parseRange(s.NodePortRange)
		if !ok {
			v.diags.Addf(v.at("seeds", s.Name, "nodePortRange"), "nodePortRange %q must be MIN-MAX with 1 <= MIN < MAX <= 65535", s.NodePortRange)
		}
		s.NodePortMin, s.NodePortMax = lo, hi
		if len(s.Datacenters) == 0 {
			v.diags.Addf(v.at("seeds", s.Name), "seed %q has no datacenters", s.Name)
		}
		v.backups(s)
		for _, d := range s.Datacenters {
			if vs := d.Provider.VSphere; vs != nil {
				if u, err := url.Parse(vs.Endpoint); err != nil || u.Hostname() == "" {
					v.diags.Addf(v.at("seeds", s.Name, "datacenters", d.Name, "provider", "vsphere", "endpoint"), "datacenter %q: vsphere endpoint %q is not a URL with a host", d.Name, vs.Endpoint)
				}
			}
			if first, dup := owner[d.Name]; dup {
				msg := "datacenter %q is defined by seeds %q and %q; datacenter names must be unique across seeds"
				v.diags.Addf(v.at("seeds", first, "datacenters", d.Name), msg, d.Name, first, s.Name)
				v.diags.Addf(v.at("seeds", s.Name, "datacenters", d.Name), msg, d.Name, first, s.Name)
				continue
			}
			owner[d.Name] = s.Name
		}
	}
}

// anySeedBroken reports whether a seed failed the schema: its datacenters
// are then unknown, and references to them are not reported.
func (v *validator) anySeedBroken() bool {
	for k := range v.cfg.Broken {
		if strings.HasPrefix(k, "seeds.") {
			return true
		}
	}
	return false
}

// parseRange parses "MIN-MAX" with 1 <= MIN < MAX <= 65535. What is not
// a number (or no dash, so an empty MAX) parses as 0 and an overflow as
// the largest int, both of which the bounds reject: no separate error check
// is needed (nor could a test tell one apart).
func parseRange(s string) (int, int, bool) {
	a, b, _ := strings.Cut(s, "-")
	lo, _ := strconv.Atoi(a)
	hi, _ := strconv.Atoi(b)
	if lo < 1 || hi > 65535 || lo >= hi {
		return 0, 0, false
	}
	return lo, hi, true
}

func (v *validator) sshKeys() {
	for i := range v.cfg.SSHKeys {
		k := &v.cfg.SSHKeys[i]
		p, projectOK := v.ix.Projects[k.Project]
		if !projectOK && !v.cfg.IsBroken("projects", k.Project) {
			v.diags.Addf(v.at("sshKeys", k.Name, "project"), "SSH key %q: project %q does not exist", k.Name, k.Project)
		}
		if v.userRef(k.Owner, "SSH key owner", "sshKeys", k.Name, "owner") && projectOK && !isMember(p, k.Owner) {
			v.diags.Addf(v.at("sshKeys", k.Name, "owner"), "SSH key %q: owner %q is not a member of project %q", k.Name, k.Owner, k.Project)
		}
		pub, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(k.PublicKey))
		if err != nil {
			v.diags.Addf(v.at("sshKeys", k.Name, "publicKey"), "SSH key %q: publicKey is not an authorized_keys line: %v", k.Name, err)
			continue
		}
		if len(strings.TrimSpace(string(rest))) > 0 {
			v.diags.Addf(v.at("sshKeys", k.Name, "publicKey"), "SSH key %q: publicKey holds more than one key; use one entry per key", k.Name)
			continue
		}
		k.Fingerprint = ssh.FingerprintLegacyMD5(pub)
		k.FingerprintSHA256 = ssh.FingerprintSHA256(pub)
	}
}

func (v *validator) clusters() {
	for i := range v.cfg.Clusters {
		c := &v.cfg.Clusters[i]
		at := func(field ...string) model.Pos { return v.at(append([]string{"clusters", c.Name}, field...)...) }
		if _, ok := v.ix.Projects[c.Project]; !ok && !v.cfg.IsBroken("projects", c.Project) {
			v.diags.Addf(at("project"), "cluster %q: project %q does not exist", c.Name, c.Project)
		}
		if d, ok := v.ix.Datacenters[c.Datacenter]; ok {
			c.Resolved.Seed = d.Seed
			c.Resolved.Provider = d.Provider.Name()
		} else if !v.anySeedBroken() {
			v.diags.Addf(at("datacenter"), "cluster %q: datacenter %q does not exist in any seed", c.Name, c.Datacenter)
		}
		if ver, ok := v.cat.Resolve(c.Version); ok {
			c.Resolved.Version, c.Resolved.Minor = ver.Version, ver.Minor
		} else {
			v.diags.Addf(at("version"), "cluster %q: version %q is not in the catalog (supported minors: %s)", c.Name, c.Version, strings.Join(v.cat.Minors(), ", "))
		}
		for j, name := range c.SSHKeys {
			k, ok := v.ix.SSHKeys[name]
			switch {
			case !ok:
				if !v.cfg.IsBroken("sshKeys", name) {
					v.diags.Addf(at("sshKeys", "["+strconv.Itoa(j)+"]"), "cluster %q: SSH key %q does not exist", c.Name, name)
				}
			case k.Project != c.Project:
				v.diags.Addf(at("sshKeys", "["+strconv.Itoa(j)+"]"), "cluster %q: SSH key %q belongs to project %q, not to the cluster's project %q", c.Name, name, k.Project, c.Project)
			}
		}
		v.networks(c, at)
		if q, err := resource.ParseQuantity(c.Etcd.Storage); err != nil {
			v.diags.Addf(at("etcd", "storage"), "cluster %q: etcd.storage %q is not a quantity such as 5Gi", c.Name, c.Etcd.Storage)
		} else if q.Sign() <= 0 {
			v.diags.Addf(at("etcd", "storage"), "cluster %q: etcd.storage %q must be more than zero (e.g. 5Gi)", c.Name, c.Etcd.Storage)
		}
		if c.APIServer.NodePort != nil {
			if s, ok := v.ix.Seeds[c.Resolved.Seed]; ok && s.Expose != model.ExposeNodePort {
				v.diags.Addf(at("apiserver", "nodePort"), "cluster %q: apiserver.nodePort is only used on seeds with expose \"NodePort\"; seed %q uses %q", c.Name, s.Name, s.Expose)
			}
		}
	}
}

func (v *validator) networks(c *model.Cluster, at func(...string) model.Pos) {
	parse := func(field, s string) (netip.Prefix, bool) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			v.diags.Addf(at("network", field), "cluster %q: network.%s %q is not a CIDR", c.Name, field, s)
			return p, false
		}
		if p.Masked() != p {
			v.diags.Addf(at("network", field), "cluster %q: network.%s %q has host bits set (did you mean %q?)", c.Name, field, s, p.Masked().String())
			return p, false
		}
		if !p.Addr().Is4() {
			v.diags.Addf(at("network", field), "cluster %q: network.%s %q: only IPv4 is supported", c.Name, field, s)
			return p, false
		}
		return p, true
	}
	pods, ok1 := parse("pods", c.Network.Pods)
	svcs, ok2 := parse("services", c.Network.Services)
	if ok2 && svcs.Bits() > 28 {
		v.diags.Addf(at("network", "services"), "cluster %q: network.services %q is too small (at most /28)", c.Name, c.Network.Services)
	}
	if ok1 && ok2 && pods.Overlaps(svcs) {
		v.diags.Addf(at("network", "services"), "cluster %q: network.services %s overlaps network.pods %s", c.Name, svcs, pods)
	}
}

// nodePorts checks written NodePorts and allocates the others.
//
// On seeds that expose by NodePort or LoadBalancer every cluster needs two
// ports of the seed's range: the apiserver's and the tunnel's. A written
// apiserver.nodePort is used as is; every other port is chosen by hashing
// the cluster's name into the range and probing upwards past ports already
// taken, clusters taken in name order. A cluster's port therefore does not
// depend on the other clusters unless their preferred ports collide.
func (v *validator) nodePorts() {
	for si := range v.cfg.Seeds {
		s := &v.cfg.Seeds[si]
		if s.Expose == model.ExposeTunneling || s.NodePortMin == 0 {
			continue
		}
		clusters := v.cfg.ClustersOfSeed(s.Name)
		used := map[int]string{}
		for _, c := range clusters {
			if c.APIServer.NodePort == nil {
				continue
			}
			p := *c.APIServer.NodePort
			path := []string{"clusters", c.Name, "apiserver", "nodePort"}
			if p < s.NodePortMin || p > s.NodePortMax {
				v.diags.Addf(v.at(path...), "cluster %q: apiserver.nodePort %d is outside seed %q's nodePortRange %s", c.Name, p, s.Name, s.NodePortRange)
				continue
			}
			if other, dup := used[p]; dup {
				v.diags.Addf(v.at("clusters", other, "apiserver", "nodePort"), "apiserver.nodePort %d is used by clusters %q and %q on seed %q", p, other, c.Name, s.Name)
				v.diags.Addf(v.at(path...), "apiserver.nodePort %d is used by clusters %q and %q on seed %q", p, other, c.Name, s.Name)
				continue
			}
			used[p] = c.Name
			c.Resolved.NodePort = p
		}
		size := s.NodePortMax - s.NodePortMin + 1
		alloc := func(c *model.Cluster, purpose string) int {
			if len(used) >= size {
				v.diags.Addf(v.at("seeds", s.Name, "nodePortRange"), "seed %q: nodePortRange %s has no free port left for cluster %q (each cluster needs 2)", s.Name, s.NodePortRange, c.Name)
				return 0
			}
			h := fnv.New32a()
			fmt.Fprintf(h, "%s/%s", c.Name, purpose)
			off := int(h.Sum32() % uint32(size))
			for used[s.NodePortMin+off] != "" {
				off = (off + 1) % size // upwards, from the range's end back to its start
			}
			p := s.NodePortMin + off
			used[p] = c.Name
			return p
		}
		for _, c := range clusters {
			if c.APIServer.NodePort == nil { // a written port was taken above (or is wrong)
				c.Resolved.NodePort = alloc(c, "apiserver")
			}
		}
		for _, c := range clusters {
			c.Resolved.TunnelNodePort = alloc(c, "tunnel")
		}
	}
}
