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
