package controlplane

import (
	"errors"
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// Input is everything the control plane of one cluster is rendered from.
type Input struct {
	Cluster    *model.Cluster // Resolved filled in
	Seed       *model.Seed
	Datacenter *model.Datacenter
	Master     *model.Master
	Images     catalog.Images
	SSHKeys    []*model.SSHKey // the cluster's keys, sorted by name
}

// Ports and addresses.
const (
	// tunnelingSecurePort is the apiserver's port on Tunneling seeds, where
	// the seed's nodeport-proxy routes by SNI on :6443.
	tunnelingSecurePort = 6443
	// userNodePortRange is the NodePort range of the customer cluster
	// (Kubermatic's DefaultNodePortRange), unrelated to the seed's range.
	userNodePortRange = "30000-32767"

	konnectivityAgentPort  = 8132
	konnectivityAdminPort  = 8133
	konnectivityHealthPort = 8134

	etcdClientPort  = 2379
	etcdPeerPort    = 2380
	etcdPeerTLSPort = 2381
	etcdMetricsPort = 2378

	controllerManagerPort = 10257
	schedulerPort         = 10259
)

// Label keys.
const (
	labelApp       = "app"
	labelCluster   = "cluster"
	labelManagedBy = "app.kubernetes.io/managed-by"
	labelVersion   = "app.kubernetes.io/version"
	labelProjectID = "project-id"
	labelSeed      = "seed"
	labelDC        = "datacenter"
	managedBy      = "fleetc"
)

// Component names: the app label, and the name of the workload, its
// ServiceAccount and PodDisruptionBudget.
const (
	appAPIServer         = "apiserver"
	appEtcd              = "etcd"
	appControllerManager = "controller-manager"
	appScheduler         = "scheduler"
)

// unprivilegedUID is the user (and group) every container runs as.
const unprivilegedUID = 65534

// builder holds the values derived once from Input.
type builder struct {
	in Input
	c  *model.Cluster
	ns string

	// externalName is <cluster>.<seed>.<domain>.
	externalName string
	// securePort is the port kube-apiserver listens on.
	securePort int32
	// externalPort is the port clients outside the seed use.
	externalPort int32
	// internalURL is the in-seed apiserver URL for the kubeconfigs.
	internalURL string
	// serviceIP is the first address of the services CIDR (the
	// "kubernetes" Service of the customer cluster).
	serviceIP string

	konnectivity bool
	storage      resource.Quantity
}

func newBuilder(in Input) (*builder, error) {
	if in.Cluster == nil || in.Seed == nil || in.Datacenter == nil || in.Master == nil {
		return nil, errors.New("controlplane: Cluster, Seed, Datacenter and Master are required")
	}
	c := in.Cluster
	b := &builder{in: in, c: c, ns: c.Namespace()}
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("cluster %s: "+format, append([]any{c.Name}, args...)...))
	}

	if c.Name == "" {
		return nil, errors.New("controlplane: cluster has no name")
	}
	if in.Master.Domain == "" {
		fail("master.domain is empty")
	}
	if c.Resolved.Seed != "" && c.Resolved.Seed != in.Seed.Name {
		fail("resolved seed %q is not the seed given (%q)", c.Resolved.Seed, in.Seed.Name)
	}
	b.externalName = fmt.Sprintf("%s.%s.%s", c.Name, in.Seed.Name, in.Master.Domain)
	b.internalURL = fmt.Sprintf("https://%s.%s.svc.cluster.local.:443", svcAPIServerExternal, b.ns)

	switch c.Tunnel {
	case model.TunnelKonnectivity:
		b.konnectivity = true
	case model.TunnelOpenVPN:
	default:
		fail("unknown tunnel %q", c.Tunnel)
	}

	switch in.Seed.Expose {
	case model.ExposeTunneling:
		b.securePort = tunnelingSecurePort
		b.externalPort = tunnelingSecurePort
	case model.ExposeNodePort, model.ExposeLoadBalancer:
		if !validPort(c.Resolved.NodePort) {
			fail("seed %s exposes by %s but the apiserver has no NodePort (got %d)", in.Seed.Name, in.Seed.Expose, c.Resolved.NodePort)
		}
		tunnelSvc := svcKonnectivity
		if !b.konnectivity {
			tunnelSvc = svcOpenVPN
		}
		if !validPort(c.Resolved.TunnelNodePort) {
			fail("seed %s exposes by %s but the %s has no NodePort (got %d)", in.Seed.Name, in.Seed.Expose, tunnelSvc, c.Resolved.TunnelNodePort)
		} else if c.Resolved.TunnelNodePort == c.Resolved.NodePort {
			fail("the apiserver and the %s share NodePort %d", tunnelSvc, c.Resolved.NodePort)
		}
		b.securePort = int32(c.Resolved.NodePort)
		b.externalPort = int32(c.Resolved.NodePort)
	default:
		fail("seed %s has unknown expose strategy %q", in.Seed.Name, in.Seed.Expose)
	}

	svc, err := netip.ParsePrefix(c.Network.Services)
	if err != nil {
		fail("network.services: %v", err)
	} else {
		b.serviceIP = svc.Masked().Addr().Next().String()
	}
	if _, err := netip.ParsePrefix(c.Network.Pods); err != nil {
		fail("network.pods: %v", err)
	}
	if c.APIServer.Replicas < 1 {
		fail("apiserver.replicas must be at least 1, got %d", c.APIServer.Replicas)
	}
	if c.Etcd.Replicas < 1 {
		fail("etcd.replicas must be at least 1, got %d", c.Etcd.Replicas)
	}
	if q, err := resource.ParseQuantity(c.Etcd.Storage); err != nil {
		fail("etcd.storage %q: %v", c.Etcd.Storage, err)
	} else if q.Sign() <= 0 {
		fail("etcd.storage %q must be positive", c.Etcd.Storage)
	} else {
		b.storage = q
	}

	imgs := []struct{ name, ref string }{
		{"APIServer", in.Images.APIServer},
		{"ControllerManager", in.Images.ControllerManager},
		{"Scheduler", in.Images.Scheduler},
		{"Etcd", in.Images.Etcd},
	}
	if b.konnectivity {
		imgs = append(imgs, struct{ name, ref string }{"KonnectivityServer", in.Images.KonnectivityServer})
	} else {
		imgs = append(imgs, struct{ name, ref string }{"OpenVPN", in.Images.OpenVPN}, struct{ name, ref string }{"DNSResolver", in.Images.DNSResolver})
	}
	if c.Monitoring {
		imgs = append(imgs, struct{ name, ref string }{"Prometheus", in.Images.Prometheus})
	}
	if in.Seed.Backups != nil {
		imgs = append(imgs, struct{ name, ref string }{"S3Client", in.Images.S3Client})
	}
	if in.Seed.Expose == model.ExposeLoadBalancer {
		imgs = append(imgs, struct{ name, ref string }{"Envoy", in.Images.Envoy})
	}
	for _, i := range imgs {
		if i.ref == "" {
			fail("no %s image", i.name)
		}
	}
	for i, k := range in.SSHKeys {
		if k == nil || k.Name == "" {
			fail("SSH key %d is nil or has no name", i)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return b, nil
}

func validPort(p int) bool { return p > 0 && p < 65536 }

// Objects returns every object of the cluster's namespace cluster-<name>
// (plus nothing outside it), sorted with object.Sort.
func Objects(in Input) ([]object.Object, error) {
	b, err := newBuilder(in)
	if err != nil {
		return nil, err
	}
	var objs []object.Object
	add := func(os ...object.Object) { objs = append(objs, os...) }

	add(b.namespace())
	add(b.serviceAccounts()...)
	add(b.pki()...)
	kcs, err := b.kubeconfigs()
	if err != nil {
		return nil, err
	}
	add(kcs...)
	add(b.etcd()...)
	add(b.etcdBackup()...)
	apiObjs, err := b.apiserver()
	if err != nil {
		return nil, err
	}
	add(apiObjs...)
	add(b.controllerManager(), b.scheduler())
	kw, err := b.kubeconfigWriter()
	if err != nil {
		return nil, err
	}
	add(kw...)
	if cm := b.sshKeys(); cm != nil {
		add(cm)
	}
	if !b.konnectivity {
		vpn, err := b.openVPN()
		if err != nil {
			return nil, err
		}
		add(vpn...)
	}
	if b.c.Monitoring {
		mon, err := b.monitoring()
		if err != nil {
			return nil, err
		}
		add(mon...)
	}
	if b.loadBalancer() {
		lb, err := b.nodePortProxy()
		if err != nil {
			return nil, err
		}
		add(lb...)
	}
	cc, err := b.cloudConfigMap()
	if err != nil {
		return nil, err
	}
	if cc != nil {
		add(cc)
	}
	mc, err := b.machineControllers()
	if err != nil {
		return nil, err
	}
	add(mc...)
	ccm, err := b.cloudControllerManager()
	if err != nil {
		return nil, err
	}
	add(ccm...)
	add(b.networkPolicies()...)
	targets, err := rollTargets(objs, renewal)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", b.c.Name, err)
	}
	add(b.certRoller(targets)...)
	object.Sort(objs)
	return objs, nil
}

// meta returns the ObjectMeta of a namespaced object; app may be empty.
func (b *builder) meta(name, app string) metav1.ObjectMeta {
	l := map[string]string{
		labelCluster:   b.c.Name,
		labelManagedBy: managedBy,
	}
	if app != "" {
		l[labelApp] = app
	}
	return metav1.ObjectMeta{Name: name, Namespace: b.ns, Labels: l}
}

// selector is the minimal, stable label set that selects a component's pods.
func (b *builder) selector(app string) map[string]string {
	return map[string]string{labelApp: app, labelCluster: b.c.Name}
}

// podLabels are the labels of a component's pod template.
func (b *builder) podLabels(app string, versioned bool) map[string]string {
	l := b.selector(app)
	if versioned && b.c.Resolved.Version != "" {
		l[labelVersion] = b.c.Resolved.Version
	}
	return l
}

func (b *builder) namespace() *corev1.Namespace {
	l := map[string]string{}
	for k, v := range b.c.Labels {
		l[k] = v
	}
	// fleetc's own labels win over user labels of the same key.
	l[labelManagedBy] = managedBy
	l[labelCluster] = b.c.Name
	l[labelProjectID] = b.c.Project
	l[labelSeed] = b.in.Seed.Name
	l[labelDC] = b.in.Datacenter.Name
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: b.ns, Labels: l},
	}
}

func (b *builder) serviceAccounts() []object.Object {
	var out []object.Object
	for _, app := range []string{appAPIServer, appControllerManager, appEtcd, appScheduler} {
		out = append(out, &corev1.ServiceAccount{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta: b.meta(app, app),
			// No control-plane component talks to the seed's API.
			AutomountServiceAccountToken: ptr(false),
		})
	}
	return out
}

// sshKeys returns the usersshkeys ConfigMap, or nil without keys.
func (b *builder) sshKeys() *corev1.ConfigMap {
	if len(b.in.SSHKeys) == 0 {
		return nil
	}
	data := make(map[string]string, len(b.in.SSHKeys))
	for _, k := range b.in.SSHKeys {
		data[k.Name] = k.PublicKey
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: b.meta("usersshkeys", ""),
		Data:       data,
	}
}

func ptr[T any](v T) *T { return &v }
