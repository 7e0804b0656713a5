package validate_test

import (
	"strings"
	"testing"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/config"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/validate"
)

const poolsBase = `package fleet

master: {domain: "kkp.example.com", gitops: url: "https://git.example.com/r.git"}
users: "ann@example.com": name: "Ann"
projects: shop: owners: ["ann@example.com"]
seeds: eu: {
	location: "Frankfurt"
	country:  "DE"
	datacenters: {
		"aws-fra": {location: "AWS", country: "DE", provider: aws: region: "eu-central-1"}
		"aws-fra-creds": {location: "AWS", country: "DE", credentials: "dc-creds", provider: aws: region: "eu-central-1"}
		byo: {location: "own", country: "DE", provider: bringyourown: {}}
	}
}
`

func loadPools(t *testing.T, clusters string) (*model.Config, error) {
	t.Helper()
	cfg, err := config.Load([]source.File{{Path: "f.cue", Data: []byte(poolsBase + clusters)}})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return cfg, validate.Validate(cfg, catalog.Default())
}

// TestPoolsBringYourOwn: a pool on bringyourown needs neither size nor
// credentials.
func TestPoolsBringYourOwn(t *testing.T) {
	if _, err := loadPools(t, `clusters: c: {project: "shop", datacenter: "byo", version: "1.35", nodePools: w: replicas: 0}`); err != nil {
		t.Fatalf("bringyourown pool rejected: %v", err)
	}
}

// TestPoolsCredentials: the cluster's credentials override the
// datacenter's; either is enough for a pool.
func TestPoolsCredentials(t *testing.T) {
	cfg, err := loadPools(t, `clusters: {
	a: {project: "shop", datacenter: "aws-fra-creds", version: "1.35", nodePools: w: size: "t3.medium"}
	b: {project: "shop", datacenter: "aws-fra-creds", version: "1.35", credentials: "own", nodePools: w: size: "t3.medium"}
	c: {project: "shop", datacenter: "aws-fra", version: "1.35", credentials: "own", nodePools: w: size: "t3.medium"}
	d: {project: "shop", datacenter: "aws-fra", version: "1.35"}
}`)
	if err != nil {
		t.Fatalf("rejected: %v", err)
	}
	want := map[string]string{"a": "dc-creds", "b": "own", "c": "own", "d": ""}
	for _, c := range cfg.Clusters {
		if c.Resolved.Credentials != want[c.Name] {
			t.Errorf("cluster %s: credentials %q, want %q", c.Name, c.Resolved.Credentials, want[c.Name])
		}
		if c.CNI != model.CNICilium {
			t.Errorf("cluster %s: cni %q, want the default cilium", c.Name, c.CNI)
		}
	}
	for _, p := range cfg.Clusters[0].Pools() {
		if p.Replicas != 1 || p.DiskSize != 25 || p.OS != model.OSUbuntu || p.Name != "w" {
			t.Errorf("pool defaults: %+v", p)
		}
	}
}

func TestPoolsVSphereSize(t *testing.T) {
	for size, ok := range map[string]bool{"2cpu-4gb": true, "16cpu-128gb": true, "0cpu-4gb": false, "2cpu": false, "medium": false} {
		if got := validate.VSphereSize.MatchString(size); got != ok {
			t.Errorf("%q: match %v, want %v", size, got, ok)
		}
	}
}

// TestPoolsNoCredentialsRejected: without credentials a pool on a cloud is
// an error at the pool (the fixture covers the message).
func TestPoolsNoCredentialsRejected(t *testing.T) {
	_, err := loadPools(t, `clusters: d: {project: "shop", datacenter: "aws-fra", version: "1.35", nodePools: w: size: "t3.medium"}`)
	if err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("got %v, want a credentials error", err)
	}
}

// pool gives cluster edge (datacenter aws-us, credentials "cloud") the one
// node pool "w", on provider (AWS when zero).
func pool(provider model.Provider, p model.NodePool) func(*model.Config) {
	return func(c *model.Config) {
		if provider.Name() != "" {
			seed(c, "america").Datacenters[0].Provider = provider
		}
		e := cluster(c, "edge")
		e.Credentials = "cloud"
		e.NodePools = map[string]model.NodePool{"w": p}
	}
}

func vsphere(templates map[string]string) model.Provider {
	return model.Provider{VSphere: &model.VSphere{Endpoint: "https://vcenter.example.com", Templates: templates}}
}

func openstack(images map[string]string) model.Provider {
	return model.Provider{OpenStack: &model.OpenStack{AuthURL: "https://keystone.example.com:5000/v3", Images: images}}
}

func TestPoolRules(t *testing.T) {
	aws := model.Provider{}
	byo := model.Provider{BringYourOwn: &model.BringYourOwn{}}
	ubuntu := map[string]string{model.OSUbuntu: "ubuntu-24.04"}
	testFieldCases(t, []fieldCase{
		{"pool on AWS", pool(aws, model.NodePool{Size: "t3.medium", OS: model.OSUbuntu}), nil},
		{"replicas -1", pool(aws, model.NodePool{Replicas: -1, Size: "t3.medium", OS: model.OSUbuntu}),
			[]string{`clusters.edge.nodePools.w.replicas: cluster "edge": node pool "w": replicas -1 is below 0`}},
		{"replicas -1 on bringyourown", pool(byo, model.NodePool{Replicas: -1}),
			[]string{`clusters.edge.nodePools.w.replicas: cluster "edge": node pool "w": replicas -1 is below 0`}},
		{"no size on AWS", pool(aws, model.NodePool{OS: model.OSUbuntu}),
			[]string{`clusters.edge.nodePools.w: cluster "edge": node pool "w": size is required on provider aws (the machine type or flavor, e.g. "t3.medium")`}},
		{"no credentials", func(c *model.Config) {
			pool(aws, model.NodePool{Size: "t3.medium", OS: model.OSUbuntu})(c)
			cluster(c, "edge").Credentials = ""
		}, []string{`clusters.edge.nodePools.w: cluster "edge": node pool "w": datacenter "aws-us" names no credentials Secret`}},
		{"pool on vSphere", pool(vsphere(ubuntu), model.NodePool{Size: "2cpu-4gb", OS: model.OSUbuntu}), nil},
		{"no size on vSphere", pool(vsphere(ubuntu), model.NodePool{OS: model.OSUbuntu}),
			[]string{`clusters.edge.nodePools.w: cluster "edge": node pool "w": size is required on provider vsphere (the machine type or flavor, e.g. "2cpu-4gb")`}},
		{"size on vSphere not CPUs and memory", pool(vsphere(ubuntu), model.NodePool{Size: "medium", OS: model.OSUbuntu}),
			[]string{`clusters.edge.nodePools.w.size: cluster "edge": node pool "w": size "medium" on vSphere must be <CPUs>cpu-<memory>gb`}},
		{"no template for the os", pool(vsphere(ubuntu), model.NodePool{Size: "2cpu-4gb", OS: model.OSFlatcar}),
			[]string{`clusters.edge.nodePools.w.os: cluster "edge": node pool "w": datacenter "aws-us" has no templates entry for os "flatcar" (add templates: flatcar: ...`}},
		{"pool on OpenStack", pool(openstack(ubuntu), model.NodePool{Size: "m1.medium", OS: model.OSUbuntu}), nil},
		{"no image for the os", pool(openstack(nil), model.NodePool{Size: "m1.medium", OS: model.OSUbuntu}),
			[]string{`clusters.edge.nodePools.w.os: cluster "edge": node pool "w": datacenter "aws-us" has no images entry for os "ubuntu" (add images: ubuntu: ...`}},
	})
}

func vsphereEndpoint(url string) func(*model.Config) {
	return func(c *model.Config) {
		seed(c, "america").Datacenters[0].Provider = model.Provider{VSphere: &model.VSphere{Endpoint: url}}
	}
}

func TestVSphereEndpoint(t *testing.T) {
	const at = `seeds.america.datacenters."aws-us".provider.vsphere.endpoint: datacenter "aws-us": vsphere endpoint `
	testFieldCases(t, []fieldCase{
		{"URL", vsphereEndpoint("https://vcenter.example.com/sdk"), nil},
		{"host only", vsphereEndpoint("vcenter.example.com"), []string{at + `"vcenter.example.com" is not a URL with a host`}},
		{"no host", vsphereEndpoint("https://:443"), []string{at + `"https://:443" is not a URL with a host`}},
		{"not a URL", vsphereEndpoint("https://vcenter.example.com/%zz"), []string{at + `"https://vcenter.example.com/%zz" is not a URL with a host`}},
	})
}
