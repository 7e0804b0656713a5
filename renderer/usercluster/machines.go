package usercluster

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
	machinecontroller "github.com/fleetc/fleetc/third_party/machine-controller"
	osm "github.com/fleetc/fleetc/third_party/operating-system-manager"
)

// PoolLabel selects the Machines of a node pool.
const PoolLabel = "fleetc.io/node-pool"

// The identities (client certificate CNs) of machine-controller and
// operating-system-manager, which run on the seed, in the customer cluster.
const (
	MachineControllerUser = "machine-controller"
	OSMUser               = "operating-system-manager"
)

// crds parses machine-controller's and operating-system-manager's CRDs
// once.
var crds = sync.OnceValues(func() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	mc, err := parseCRDs("machine-controller", machinecontroller.CRDs)
	if err != nil {
		return nil, err
	}
	o, err := parseCRDs("operating-system-manager", osm.CRDs)
	return append(mc, o...), err
})

// parseCRDs decodes YAML documents separated by "---" lines strictly into
// CustomResourceDefinitions.
func parseCRDs(source string, data []byte) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var out []*apiextensionsv1.CustomResourceDefinition
	for i, doc := range bytes.Split(data, []byte("\n---\n")) {
		doc = bytes.TrimPrefix(bytes.TrimSpace(doc), []byte("---"))
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(doc, crd); err != nil {
			return nil, fmt.Errorf("%s CRD %d: %w", source, i, err)
		}
		out = append(out, crd)
	}
	return out, nil
}

// stripComments drops the comment lines of a YAML document.
func stripComments(doc []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(out, l)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// machines returns machine-controller's and operating-system-manager's
// CRDs and a MachineDeployment per node pool, for a cluster with node
// pools (the seed runs machine-controller and OSM on the same condition).
// Pools on bringyourown have no machines: their nodes join with a
// bootstrap token by hand.
func (b *builder) machines() ([]object.Object, error) {
	if b.in.Datacenter.Provider.BringYourOwn != nil || len(b.c.NodePools) == 0 {
		return nil, nil
	}
	defs, err := crds()
	if err != nil {
		return nil, fmt.Errorf("usercluster: %w", err)
	}
	var out []object.Object
	for _, d := range defs {
		out = append(out, d.DeepCopyObject().(object.Object))
	}
	// machine-controller creates nodes, bootstrap tokens and approves
	// CSRs; operating-system-manager writes the nodes' provisioning
	// Secrets: both get cluster-admin in the customer cluster, where
	// Kubermatic gives each a wide ClusterRole of its own.
	for _, u := range []string{MachineControllerUser, OSMUser} {
		out = append(out, clusterRoleBinding("fleetc:"+u, "cluster-admin",
			rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: u}))
	}
	out = append(out, b.webhooks()...)
	out = append(out, b.cloudControllerManagerRBAC()...)
	keys := make([]string, 0, len(b.in.SSHKeys))
	for _, k := range b.in.SSHKeys {
		keys = append(keys, strings.TrimSpace(k.PublicKey))
	}
	for _, p := range b.c.Pools() {
		cp, spec, err := CloudProviderSpec(b.in.Datacenter, p)
		if err != nil {
			return nil, fmt.Errorf("usercluster: cluster %s: %w", b.c.Name, err)
		}
		sel := map[string]string{PoolLabel: p.Name}
		m := meta(p.Name, "")
		m.Labels[PoolLabel] = p.Name
		out = append(out, &MachineDeployment{
			TypeMeta:   typeMeta("cluster.k8s.io/v1alpha1", "MachineDeployment"),
			ObjectMeta: m,
			Spec: MachineDeploymentSpec{
				Replicas: ptr(int32(p.Replicas)),
				Selector: metav1.LabelSelector{MatchLabels: sel},
				Strategy: MachineDeploymentStrategy{
					Type:          "RollingUpdate",
					RollingUpdate: &MachineRollingUpdate{MaxSurge: ptr(int32(1)), MaxUnavailable: ptr(int32(0))},
				},
				Template: MachineTemplateSpec{
					ObjectMeta: MachineTemplateMeta{Labels: sel},
					Spec: MachineSpec{
						ObjectMeta: MachineTemplateMeta{Labels: p.Labels},
						ProviderSpec: ProviderSpec{Value: &ProviderConfig{
							SSHPublicKeys:       keys,
							CloudProvider:       cp,
							CloudProviderSpec:   spec,
							OperatingSystem:     p.OS,
							OperatingSystemSpec: osSpec(p.OS),
						}},
						Versions: MachineVersionInfo{Kubelet: b.c.Resolved.Version},
					},
				},
			},
		})
	}
	return out, nil
}

func osSpec(os string) map[string]any {
	switch os {
	case model.OSFlatcar:
		// Updates are rolled by replacing machines, not by the OS.
		return map[string]any{"disableAutoUpdate": true}
	case model.OSUbuntu:
		return map[string]any{"distUpgradeOnBoot": false}
	}
	return map[string]any{}
}

// CloudProviderSpec is machine-controller's cloudProvider name and
// cloudProviderSpec for a pool of the datacenter. Credentials are not part
// of it: machine-controller reads them from its environment, which the
// seed side fills from the credentials Secret.
func CloudProviderSpec(d *model.Datacenter, p model.NodePool) (string, map[string]any, error) {
	pr := d.Provider
	switch {
	case pr.AWS != nil:
		return "aws", map[string]any{
			"region":           pr.AWS.Region,
			"availabilityZone": pr.AWS.Region + "a",
			"instanceType":     p.Size,
			"diskSize":         p.DiskSize,
			"diskType":         "gp3",
			"assignPublicIP":   true,
		}, nil
	case pr.GCP != nil:
		zone := pr.GCP.Region + "-a"
		if len(pr.GCP.ZoneSuffixes) > 0 {
			zone = pr.GCP.Region + "-" + pr.GCP.ZoneSuffixes[0]
		}
		return "gce", map[string]any{
			"zone":                  zone,
			"machineType":           p.Size,
			"diskSize":              p.DiskSize,
			"diskType":              "pd-standard",
			"assignPublicIPAddress": true,
		}, nil
	case pr.DigitalOcean != nil:
		return "digitalocean", map[string]any{
			"region":             pr.DigitalOcean.Region,
			"size":               p.Size,
			"private_networking": true,
		}, nil
	case pr.Hetzner != nil:
		spec := map[string]any{"serverType": p.Size, "datacenter": pr.Hetzner.Datacenter}
		if pr.Hetzner.Network != "" {
			spec["networks"] = []string{pr.Hetzner.Network}
		}
		return "hetzner", spec, nil
	case pr.OpenStack != nil:
		return "openstack", map[string]any{
			"identityEndpoint": pr.OpenStack.AuthURL,
			"region":           pr.OpenStack.Region,
			"image":            pr.OpenStack.Images[p.OS],
			"flavor":           p.Size,
			"rootDiskSizeGB":   p.DiskSize,
		}, nil
	case pr.VSphere != nil:
		cpus, mem, ok := vsphereSize(p.Size)
		if !ok {
			return "", nil, fmt.Errorf("node pool %s: vSphere size %q is not <CPUs>cpu-<memory>gb", p.Name, p.Size)
		}
		spec := map[string]any{
			"vsphereURL":     pr.VSphere.Endpoint,
			"datacenter":     pr.VSphere.Datacenter,
			"cluster":        pr.VSphere.Cluster,
			"templateVMName": pr.VSphere.Templates[p.OS],
			"cpus":           cpus,
			"memoryMB":       mem * 1024,
			"diskSizeGB":     p.DiskSize,
		}
		if pr.VSphere.Datastore != "" {
			spec["datastore"] = pr.VSphere.Datastore
		}
		return "vsphere", spec, nil
	case pr.Azure != nil:
		return "azure", map[string]any{
			"location":   pr.Azure.Location,
			"vmSize":     p.Size,
			"osDiskSize": p.DiskSize,
		}, nil
	}
	return "", nil, fmt.Errorf("node pool %s: provider %q has no machines", p.Name, pr.Name())
}

// vsphereSize parses "<CPUs>cpu-<memory>gb".
func vsphereSize(s string) (cpus, memGB int, ok bool) {
	c, m, found := strings.Cut(strings.TrimSuffix(s, "gb"), "cpu-")
	if !found || !strings.HasSuffix(s, "gb") {
		return 0, 0, false
	}
	cpus, err1 := strconv.Atoi(c)
	memGB, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || cpus < 1 || memGB < 1 {
		return 0, 0, false
	}
	return cpus, memGB, true
}
