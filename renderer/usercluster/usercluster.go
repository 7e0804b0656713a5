// Package usercluster renders what fleetc applies inside a customer
// cluster, as opposed to its control plane on the seed: what Kubermatic's
// usercluster-controller-manager and its add-ons put there.
//
//   - CoreDNS, with the kube-dns Service at the 10th address of the
//     services CIDR (Kubermatic's -dns-cluster-ip);
//   - kube-proxy, in Kubermatic's mode: ipvs before 1.35, nftables from
//     1.35, iptables on Hetzner;
//   - the CNI: Cilium (the default) or Canal;
//   - the Konnectivity agent, and the permission of the Konnectivity
//     server to authenticate it (tunnel "konnectivity"), or the OpenVPN
//     client (tunnel "openvpn", openvpn.go);
//   - the webhook registrations of machine-controller and OSM
//     (webhooks.go), and the cloud-controller-manager's RBAC (ccm.go);
//   - metrics-server;
//   - the envoy-agent on every node and the endpoints of the `kubernetes`
//     Service that point at it (envoyagent.go);
//   - the node pools as MachineDeployments, with machine-controller's CRDs;
//   - the project members' RBAC (when the master has an OIDC issuer);
//   - the node-bootstrap RBAC (bootstrap.go).
//
// The system add-ons reach the apiserver at its external address (the
// KUBERNETES_SERVICE_HOST and _PORT of their pods), as Kubermatic's do, so
// that they do not depend on the `kubernetes` Service they help to serve.
//
// The objects go to seeds/<seed>/usercluster/<cluster>/. The cluster's
// folder holds a Flux Kustomization `usercluster-<cluster>` (in the
// cluster's namespace on the seed) that applies that folder to the customer
// cluster through spec.kubeConfig.secretRef, Secret `usercluster-kubeconfig`
// (key `value`) in the same namespace, which the control plane's
// kubeconfig-writer makes from what cert-manager issued (package
// controlplane, package flux).
//
// Members are bound by e-mail: the apiserver runs with
// --oidc-username-claim=email and --oidc-username-prefix=- (no prefix), and
// every group of the identity provider gets the prefix oidc: (so that a
// group named system:masters is oidc:system:masters, which nothing
// binds). Owners get cluster-admin, editors edit, viewers view
// (Kubermatic's mapping of project groups to user-cluster roles).
package usercluster

import (
	"errors"
	"fmt"
	"net/netip"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// OIDC prefixes of the customer cluster's apiserver (package controlplane
// sets the flags from these).
const (
	// OIDCUsernamePrefix "-" turns prefixing off: members are bound by
	// their e-mail as it is.
	OIDCUsernamePrefix = "-"
	// OIDCGroupsPrefix is put before every group of the identity
	// provider's token, so that none can name a Kubernetes system group.
	OIDCGroupsPrefix = "oidc:"
)

// Addresses of the customer cluster, as Kubermatic has them.
const (
	// tunnelingPort is the apiserver's (and the Konnectivity server's)
	// port on Tunneling seeds: the seed's nodeport-proxy routes by SNI.
	tunnelingPort = 6443
	namespace     = "kube-system"
	managedBy     = "fleetc"
)

// Input is everything the customer cluster's objects are rendered from.
type Input struct {
	Cluster    *model.Cluster // Resolved filled in
	Seed       *model.Seed
	Datacenter *model.Datacenter
	Master     *model.Master
	Project    *model.Project
	Images     catalog.Images
	SSHKeys    []*model.SSHKey // the cluster's keys, sorted by name
}

// builder holds the values derived once from Input.
type builder struct {
	in Input
	c  *model.Cluster

	// apiHost and apiPort are where nodes and pods reach the apiserver.
	apiHost string
	apiPort int32
	// konnHost and konnPort are where Konnectivity agents reach the server.
	konnHost string
	konnPort int32
	// dnsIP is the kube-dns Service's address.
	dnsIP string
}

// Objects returns every object applied inside the customer cluster, sorted.
func Objects(in Input) ([]object.Object, error) {
	b, err := newBuilder(in)
	if err != nil {
		return nil, err
	}
	var objs []object.Object
	add := func(os ...object.Object) { objs = append(objs, os...) }
	add(b.members()...)
	add(NodeBootstrap()...)
	add(b.coreDNS()...)
	kp, err := b.kubeProxy()
	if err != nil {
		return nil, err
	}
	add(kp...)
	switch b.c.CNI {
	case model.CNICanal:
		canal, err := b.canal()
		if err != nil {
			return nil, err
		}
		add(canal...)
	default:
		add(b.cilium()...)
	}
	switch b.c.Tunnel {
	case model.TunnelKonnectivity:
		add(b.konnectivity()...)
	case model.TunnelOpenVPN:
		vpn, err := b.openVPNClient()
		if err != nil {
			return nil, err
		}
		add(vpn...)
	}
	add(b.metricsServer()...)
	agent, err := b.envoyAgent()
	if err != nil {
		return nil, err
	}
	add(agent...)
	md, err := b.machines()
	if err != nil {
		return nil, err
	}
	add(md...)
	object.Sort(objs)
	return objs, nil
}

func newBuilder(in Input) (*builder, error) {
	if in.Cluster == nil || in.Seed == nil || in.Datacenter == nil || in.Master == nil {
		return nil, errors.New("usercluster: Cluster, Seed, Datacenter and Master are required")
	}
	c := in.Cluster
	b := &builder{in: in, c: c}
	external := fmt.Sprintf("%s.%s.%s", c.Name, in.Seed.Name, in.Master.Domain)
	b.apiHost, b.konnHost = external, external
	switch in.Seed.Expose {
	case model.ExposeTunneling:
		b.apiPort, b.konnPort = tunnelingPort, tunnelingPort
		b.konnHost = "konnectivity-server." + external
	case model.ExposeNodePort, model.ExposeLoadBalancer:
		b.apiPort, b.konnPort = int32(c.Resolved.NodePort), int32(c.Resolved.TunnelNodePort)
		if b.apiPort <= 0 || b.konnPort <= 0 {
			return nil, fmt.Errorf("usercluster: cluster %s: seed %s exposes by %s but the NodePorts are not resolved", c.Name, in.Seed.Name, in.Seed.Expose)
		}
	default:
		return nil, fmt.Errorf("usercluster: cluster %s: unknown expose strategy %q", c.Name, in.Seed.Expose)
	}
	ip, err := DNSServiceIP(c.Network.Services)
	if err != nil {
		return nil, fmt.Errorf("usercluster: cluster %s: %w", c.Name, err)
	}
	b.dnsIP = ip
	return b, nil
}

// DNSServiceIP is the 10th address of the services CIDR, where Kubermatic
// puts the cluster DNS (10.240.16.10 for 10.240.16.0/20).
func DNSServiceIP(services string) (string, error) {
	p, err := netip.ParsePrefix(services)
	if err != nil {
		return "", fmt.Errorf("network.services: %w", err)
	}
	a := p.Masked().Addr()
	for range 10 {
		a = a.Next()
	}
	if !p.Contains(a) {
		return "", fmt.Errorf("network.services %s has no 10th address", services)
	}
	return a.String(), nil
}

// meta is the ObjectMeta of a kube-system object.
func meta(name, app string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{"app.kubernetes.io/managed-by": managedBy}}
	if app != "" {
		m.Labels["app"] = app
	}
	return m
}

// clusterMeta is the ObjectMeta of a cluster-scoped object.
func clusterMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/managed-by": managedBy}}
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

// roles maps a project role to the user-cluster ClusterRole it grants.
var roles = []struct {
	role        model.Role
	clusterRole string
}{
	{model.RoleOwners, "cluster-admin"},
	{model.RoleEditors, "edit"},
	{model.RoleViewers, "view"},
}

// members returns the RBAC of the project members, or nothing when the
// master has no OIDC issuer (then nobody logs in by e-mail).
func (b *builder) members() []object.Object {
	p := b.in.Project
	if b.in.Master.OIDC == nil || p == nil {
		return nil
	}
	byRole := map[model.Role][]rbacv1.Subject{}
	for _, mem := range p.Members() {
		byRole[mem.Role] = append(byRole[mem.Role], rbacv1.Subject{
			Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: mem.Email,
		})
	}
	var objs []object.Object
	for _, r := range roles {
		if len(byRole[r.role]) == 0 {
			continue
		}
		m := clusterMeta("fleetc-project-" + string(r.role))
		m.Labels["project"] = p.Name
		objs = append(objs, &rbacv1.ClusterRoleBinding{
			TypeMeta:   typeMeta(rbacv1.SchemeGroupVersion.String(), "ClusterRoleBinding"),
			ObjectMeta: m,
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: r.clusterRole},
			Subjects:   byRole[r.role],
		})
	}
	return objs
}

func ptr[T any](v T) *T { return &v }
