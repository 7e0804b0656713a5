package master

import (
	"slices"
	"strings"
	"testing"

	"github.com/fleetc/fleetc/renderer/master/kkpv1"
	"github.com/fleetc/fleetc/renderer/model"
)

// clusterConfig is testConfig with what validation resolves, and one
// cluster in every datacenter (every provider).
func clusterConfig() *model.Config {
	cfg := testConfig()
	cfg.Clusters = nil
	for _, s := range cfg.Seeds {
		for _, d := range s.Datacenters {
			cfg.Clusters = append(cfg.Clusters, model.Cluster{
				Name: "c-" + d.Name, Project: "alpha", Datacenter: d.Name, Version: "1.35",
				Tunnel:    model.TunnelKonnectivity,
				Network:   model.Network{Pods: "172.25.0.0/16", Services: "10.240.16.0/20"},
				APIServer: model.APIServer{Replicas: 2},
				Etcd:      model.Etcd{Replicas: 3, Storage: "5Gi"},
				Resolved:  model.Resolved{Seed: s.Name, Version: "1.35.8", Minor: "1.35", Provider: d.Provider.Name()},
			})
		}
	}
	return cfg
}

func renderClusters(t *testing.T, cfg *model.Config) []*kkpv1.Cluster {
	t.Helper()
	ix := model.NewIndex(cfg)
	var out []*kkpv1.Cluster
	for i := range cfg.Seeds {
		objs, err := Clusters(&cfg.Seeds[i], ix.Datacenters, cfg.ClustersOfSeed(cfg.Seeds[i].Name))
		if err != nil {
			t.Fatalf("Clusters: %v", err)
		}
		out = append(out, byKind[*kkpv1.Cluster](objs)...)
	}
	return out
}

func TestClusterObjects(t *testing.T) {
	cfg := clusterConfig()
	cfg.Clusters[0].DisplayName = "Payments (prod)"
	cfg.Clusters[1].Tunnel = model.TunnelOpenVPN
	cfg.Clusters[1].Resolved.Minor, cfg.Clusters[1].Resolved.Version = "1.34", "1.34.11"
	cfg.Clusters[2].Etcd.StorageClass = "fast"
	got := renderClusters(t, cfg)
	if len(got) != len(cfg.Clusters) {
		t.Fatalf("%d Clusters for %d clusters", len(got), len(cfg.Clusters))
	}
	providers := map[string]bool{}
	for _, c := range got {
		i := slices.IndexFunc(cfg.Clusters, func(m model.Cluster) bool { return m.Name == c.Name })
		m := cfg.Clusters[i]
		s := c.Spec
		if c.Namespace != "" || c.Labels[LabelProjectID] != m.Project || c.Labels[LabelManagedBy] != ManagedBy {
			t.Errorf("%s: namespace %q labels %v", c.Name, c.Namespace, c.Labels)
		}
		// Never reconciled by a seed-controller-manager.
		if !s.Pause || s.PauseReason == "" {
			t.Errorf("%s: not paused", c.Name)
		}
		wantName := m.DisplayName
		if wantName == "" {
			wantName = m.Name
		}
		if s.HumanReadableName != wantName || s.Version != m.Resolved.Version {
			t.Errorf("%s: name %q version %q", c.Name, s.HumanReadableName, s.Version)
		}
		if s.Cloud.DatacenterName != m.Datacenter || s.Cloud.ProviderName != m.Resolved.Provider {
			t.Errorf("%s: cloud %+v", c.Name, s.Cloud)
		}
		providers[s.Cloud.ProviderName] = true
		seed := model.NewIndex(cfg).Seeds[m.Resolved.Seed]
		if s.ExposeStrategy != seed.Expose {
			t.Errorf("%s: exposeStrategy %q, seed has %q", c.Name, s.ExposeStrategy, seed.Expose)
		}
		n := s.ClusterNetwork
		if !slices.Equal(n.Pods.CIDRBlocks, []string{m.Network.Pods}) || !slices.Equal(n.Services.CIDRBlocks, []string{m.Network.Services}) ||
			n.DNSDomain != "cluster.local" || n.KonnectivityEnabled != (m.Tunnel == model.TunnelKonnectivity) {
			t.Errorf("%s: network %+v", c.Name, n)
		}
		wantMode := "nftables"
		switch {
		case m.Resolved.Provider == "hetzner":
			wantMode = "iptables"
		case m.Resolved.Minor == "1.34":
			wantMode = "ipvs"
		}
		if n.ProxyMode != wantMode {
			t.Errorf("%s: proxyMode %q, want %q", c.Name, n.ProxyMode, wantMode)
		}
		co := s.ComponentsOverride
		if *co.Apiserver.Replicas != int32(m.APIServer.Replicas) || *co.Etcd.ClusterSize != int32(m.Etcd.Replicas) ||
			co.Etcd.DiskSize != m.Etcd.Storage || co.Etcd.StorageClass != m.Etcd.StorageClass {
			t.Errorf("%s: componentsOverride %+v", c.Name, co)
		}
	}
	if len(providers) != 8 {
		t.Errorf("providers covered: %v", providers)
	}
}

func TestClusterErrors(t *testing.T) {
	cfg := clusterConfig()
	ix := model.NewIndex(cfg)
	cl := cfg.ClustersOfSeed("eu")
	if _, err := Clusters(&cfg.Seeds[1], ix.Datacenters, cl); err == nil || !strings.Contains(err.Error(), "placed on seed") {
		t.Errorf("cluster of another seed: %v", err)
	}
	delete(ix.Datacenters, cl[0].Datacenter)
	if _, err := Clusters(&cfg.Seeds[0], ix.Datacenters, cl); err == nil || !strings.Contains(err.Error(), "datacenter") {
		t.Errorf("unknown datacenter: %v", err)
	}
	cfg = clusterConfig()
	cfg.Clusters[0].Resolved.Minor = "x"
	if _, err := Clusters(&cfg.Seeds[0], model.NewIndex(cfg).Datacenters, cfg.ClustersOfSeed("eu")); err == nil {
		t.Error("bad minor accepted")
	}
}

// TestClusterCRDSchema checks every provider's Cluster against Kubermatic's
// Cluster CRD.
func TestClusterCRDSchema(t *testing.T) {
	crds := sharedCRDs(t)
	cfg := clusterConfig()
	cfg.Clusters[0].Etcd.StorageClass = "fast"
	cfg.Clusters[1].Tunnel = model.TunnelOpenVPN
	for _, c := range renderClusters(t, cfg) {
		for _, e := range validateCRD(c, crds) {
			t.Errorf("Cluster %s: %s", c.Name, e)
		}
	}
	// The validator would catch a Cluster without its required fields.
	bad := kkpv1.NewCluster(meta("x", ""), kkpv1.ClusterSpec{})
	errs := strings.Join(validateCRD(bad, crds), "\n")
	for _, want := range []string{"exposeStrategy", "proxyMode", "cidrBlocks"} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors %q do not mention %s", errs, want)
		}
	}
}
