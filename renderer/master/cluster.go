package master

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fleetc/fleetc/renderer/master/kkpv1"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// LabelProjectID is the label that ties a Cluster to its Project; the API
// and dashboard list a project's clusters by it.
const LabelProjectID = "project-id"

// PauseReason is written into every rendered Cluster.
const PauseReason = "The control plane is rendered by fleetc and applied by Flux; Kubermatic must not reconcile this cluster."

// Clusters renders the Kubermatic Cluster object of each cluster of a
// seed, sorted with object.Sort. The clusters must be placed on seed
// (Resolved.Seed), as model.Config.ClustersOfSeed returns them.
func Clusters(seed *model.Seed, dcs map[string]*model.Datacenter, clusters []*model.Cluster) ([]object.Object, error) {
	objs := make([]object.Object, 0, len(clusters))
	for _, c := range clusters {
		if c.Resolved.Seed != seed.Name {
			return nil, fmt.Errorf("cluster %q is placed on seed %q, not %q", c.Name, c.Resolved.Seed, seed.Name)
		}
		dc := dcs[c.Datacenter]
		if dc == nil {
			return nil, fmt.Errorf("cluster %q: datacenter %q not found", c.Name, c.Datacenter)
		}
		cloud, err := cloudSpec(c.Datacenter, dc.Provider)
		if err != nil {
			return nil, fmt.Errorf("cluster %q: %w", c.Name, err)
		}
		mode, err := proxyMode(dc.Provider, c.Resolved.Minor)
		if err != nil {
			return nil, fmt.Errorf("cluster %q: %w", c.Name, err)
		}
		name := c.DisplayName
		if name == "" {
			name = c.Name
		}
		m := meta(c.Name, "")
		m.Labels[LabelProjectID] = c.Project
		spec := kkpv1.ClusterSpec{
			HumanReadableName: name,
			Version:           c.Resolved.Version,
			Cloud:             cloud,
			ClusterNetwork: kkpv1.ClusterNetworkingConfig{
				IPFamily:            "IPv4",
				Pods:                kkpv1.NetworkRanges{CIDRBlocks: []string{c.Network.Pods}},
				Services:            kkpv1.NetworkRanges{CIDRBlocks: []string{c.Network.Services}},
				DNSDomain:           "cluster.local",
				ProxyMode:           mode,
				KonnectivityEnabled: c.Tunnel != model.TunnelOpenVPN,
			},
			ExposeStrategy: seed.Expose,
			ComponentsOverride: kkpv1.ComponentSettings{
				Apiserver: kkpv1.APIServerSettings{Replicas: ptr(int32(c.APIServer.Replicas))},
				Etcd: kkpv1.EtcdSettings{
					ClusterSize:  ptr(int32(c.Etcd.Replicas)),
					DiskSize:     c.Etcd.Storage,
					StorageClass: c.Etcd.StorageClass,
				},
			},
			Pause:       true,
			PauseReason: PauseReason,
		}
		objs = append(objs, kkpv1.NewCluster(m, spec))
	}
	object.Sort(objs)
	return objs, nil
}

// cloudSpec is the Cluster's cloud block: the datacenter, the provider's
// name and its block with the fields the CRD requires left empty (the
// provider's resources are not managed by Kubermatic here).
func cloudSpec(dc string, p model.Provider) (kkpv1.CloudSpec, error) {
	cs := kkpv1.CloudSpec{DatacenterName: dc, ProviderName: p.Name()}
	switch {
	case p.AWS != nil:
		cs.AWS = &kkpv1.AWSCloudSpec{}
	case p.GCP != nil:
		cs.GCP = &kkpv1.GCPCloudSpec{}
	case p.DigitalOcean != nil:
		cs.Digitalocean = &kkpv1.EmptyCloudSpec{}
	case p.Hetzner != nil:
		cs.Hetzner = &kkpv1.EmptyCloudSpec{}
	case p.OpenStack != nil:
		cs.Openstack = &kkpv1.OpenstackCloudSpec{}
	case p.VSphere != nil:
		cs.VSphere = &kkpv1.VSphereCloudSpec{}
	case p.Azure != nil:
		cs.Azure = &kkpv1.AzureCloudSpec{LoadBalancerSKU: "standard"}
	case p.BringYourOwn != nil:
		cs.BringYourOwn = &kkpv1.EmptyCloudSpec{}
	default:
		return cs, fmt.Errorf("datacenter %q has no provider", dc)
	}
	return cs, nil
}

// proxyMode is Kubermatic's default kube-proxy mode
// (kkp:pkg/defaulting/cluster.go): iptables on Hetzner, ipvs before
// Kubernetes 1.35, nftables from 1.35.
func proxyMode(p model.Provider, minor string) (string, error) {
	if p.Hetzner != nil {
		return "iptables", nil
	}
	major, min, ok := strings.Cut(minor, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(min)
	if !ok || err1 != nil || err2 != nil {
		return "", fmt.Errorf("version minor %q is not MAJOR.MINOR", minor)
	}
	if ma == 1 && mi < 35 {
		return "ipvs", nil
	}
	return "nftables", nil
}
