package usercluster_test

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/fleetc/fleetc/catalog"
	_ "github.com/fleetc/fleetc/internal/golden"
	"github.com/fleetc/fleetc/renderer/controlplane"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

func input(expose string, provider model.Provider) usercluster.Input {
	seed := &model.Seed{Name: "europe", Expose: expose, NodePortRange: "30000-32767"}
	dc := &model.Datacenter{Name: "dc", Seed: seed.Name, Provider: provider, Credentials: "creds"}
	c := &model.Cluster{
		Name: "shop", Project: "shop", Datacenter: "dc", Version: "1.35", Tunnel: model.TunnelKonnectivity,
		CNI:       model.CNICilium,
		Network:   model.Network{Pods: "172.25.0.0/16", Services: "10.240.16.0/20"},
		APIServer: model.APIServer{Replicas: 2},
		Etcd:      model.Etcd{Replicas: 3, Storage: "5Gi"},
		NodePools: map[string]model.NodePool{
			"workers": {Replicas: 3, Size: "size-1", OS: model.OSFlatcar, DiskSize: 50, Labels: map[string]string{"tier": "web"}},
			"batch":   {Replicas: 0, Size: "size-2", OS: model.OSUbuntu, DiskSize: 25},
		},
		Resolved: model.Resolved{Seed: "europe", Version: "1.35.8", Minor: "1.35", Provider: provider.Name(), Credentials: "creds"},
	}
	if expose != model.ExposeTunneling {
		c.Resolved.NodePort, c.Resolved.TunnelNodePort = 30443, 30444
	}
	v, _ := catalog.Default().Resolve("1.35.8")
	return usercluster.Input{
		Cluster: c, Seed: seed, Datacenter: dc,
		Master:  &model.Master{Domain: "kkp.example.com", GitOps: model.GitOps{URL: "https://git.example.com/fleet.git", Branch: "main", Path: "rendered", Interval: "5m"}, OIDC: &model.OIDC{IssuerURL: "https://id.example.com", ClientID: "kubermatic"}},
		Project: &model.Project{Name: "shop", Owners: []string{"a@x.io"}, Editors: []string{"b@x.io", "c@x.io"}},
		Images:  catalog.Default().Images(v, ""),
		SSHKeys: []*model.SSHKey{{Name: "k", PublicKey: "ssh-ed25519 AAAA k@x\n"}},
	}
}

var aws = model.Provider{AWS: &model.AWS{Region: "eu-central-1"}}

func render(t *testing.T, in usercluster.Input) []object.Object {
	t.Helper()
	objs, err := usercluster.Objects(in)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func find[T object.Object](t *testing.T, objs []object.Object, kind, name string) T {
	t.Helper()
	for _, o := range objs {
		if object.Kind(o) == kind && o.GetName() == name {
			return o.(T)
		}
	}
	t.Fatalf("no %s %s", kind, name)
	var zero T
	return zero
}

func has(objs []object.Object, kind, name string) bool {
	return slices.ContainsFunc(objs, func(o object.Object) bool { return object.Kind(o) == kind && o.GetName() == name })
}

func TestMembers(t *testing.T) {
	in := input(model.ExposeTunneling, aws)
	objs := render(t, in)
	want := map[string]struct {
		role  string
		users []string
	}{
		"fleetc-project-owners":  {"cluster-admin", []string{"a@x.io"}},
		"fleetc-project-editors": {"edit", []string{"b@x.io", "c@x.io"}},
	}
	got := 0
	for _, o := range objs {
		b, ok := o.(*rbacv1.ClusterRoleBinding)
		if !ok || !strings.HasPrefix(b.Name, "fleetc-project-") {
			continue
		}
		got++
		w, ok := want[b.Name]
		if !ok {
			t.Fatalf("unexpected %s (no binding for a role without members)", b.Name)
		}
		if b.RoleRef.Name != w.role || len(b.Subjects) != len(w.users) {
			t.Errorf("%s: role %s, %d subjects", b.Name, b.RoleRef.Name, len(b.Subjects))
		}
		for i, s := range b.Subjects {
			if s.Kind != rbacv1.UserKind || s.Name != w.users[i] {
				t.Errorf("%s: subject %+v", b.Name, s)
			}
		}
	}
	if got != len(want) {
		t.Errorf("%d member bindings, want %d", got, len(want))
	}
	in.Master.OIDC = nil
	for _, o := range render(t, in) {
		if strings.HasPrefix(o.GetName(), "fleetc-project-") {
			t.Errorf("without OIDC: %s rendered", o.GetName())
		}
	}
}

// TestNoIdPGroupIsClusterAdmin: the apiserver prefixes every group of the
// identity provider, and nothing binds an unprefixed system:masters.
func TestNoIdPGroupIsClusterAdmin(t *testing.T) {
	if p := usercluster.OIDCGroupsPrefix; p == "" || p == "-" || strings.HasPrefix("system:", p) {
		t.Fatalf("OIDCGroupsPrefix %q does not keep IdP groups out of system:", p)
	}
	in := input(model.ExposeTunneling, aws)
	for _, o := range render(t, in) {
		if b, ok := o.(*rbacv1.ClusterRoleBinding); ok {
			for _, s := range b.Subjects {
				if s.Kind == rbacv1.GroupKind && strings.HasPrefix(s.Name, "system:masters") {
					t.Errorf("%s binds group %s", b.Name, s.Name)
				}
			}
		}
	}
	cp := controlplaneInput(in)
	args := apiserverArgs(t, cp, "apiserver")
	for _, want := range []string{"--oidc-groups-prefix=" + usercluster.OIDCGroupsPrefix, "--oidc-username-prefix=-", "--oidc-username-claim=email"} {
		if !slices.Contains(args, want) {
			t.Errorf("apiserver lacks %s", want)
		}
	}
}

func controlplaneInput(in usercluster.Input) controlplane.Input {
	return controlplane.Input{Cluster: in.Cluster, Seed: in.Seed, Datacenter: in.Datacenter, Master: in.Master, Images: in.Images}
}

func apiserverArgs(t *testing.T, in controlplane.Input, container string) []string {
	t.Helper()
	objs, err := controlplane.Objects(in)
	if err != nil {
		t.Fatal(err)
	}
	d := find[*appsv1.Deployment](t, objs, "Deployment", "apiserver")
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == container {
			return c.Args
		}
	}
	t.Fatalf("no container %s", container)
	return nil
}

// TestKonnectivityAgentMatchesServer: the agent's ServiceAccount and token
// audience are the ones the server in the apiserver pod accepts, and the
// server may review tokens.
func TestKonnectivityAgentMatchesServer(t *testing.T) {
	for _, expose := range []string{model.ExposeTunneling, model.ExposeNodePort} {
		in := input(expose, aws)
		objs := render(t, in)
		server := apiserverArgs(t, controlplaneInput(in), "konnectivity-server")
		d := find[*appsv1.Deployment](t, objs, "Deployment", "konnectivity-agent")
		spec := d.Spec.Template.Spec
		if !slices.Contains(server, "--agent-service-account="+spec.ServiceAccountName) {
			t.Errorf("agent SA %s is not the server's (%v)", spec.ServiceAccountName, server)
		}
		aud := spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.Audience
		if !slices.Contains(server, "--authentication-audience="+aud) {
			t.Errorf("agent token audience %s is not the server's", aud)
		}
		args := spec.Containers[0].Args
		wantHost, wantPort := "konnectivity-server.shop.europe.kkp.example.com", "6443"
		if expose == model.ExposeNodePort {
			wantHost, wantPort = "shop.europe.kkp.example.com", "30444"
		}
		if !slices.Contains(args, "--proxy-server-host="+wantHost) || !slices.Contains(args, "--proxy-server-port="+wantPort) {
			t.Errorf("%s: agent args %v, want host %s port %s", expose, args, wantHost, wantPort)
		}
		crb := find[*rbacv1.ClusterRoleBinding](t, objs, "ClusterRoleBinding", "system:konnectivity-server")
		if crb.RoleRef.Name != "system:auth-delegator" || crb.Subjects[0].Name != "system:konnectivity-server" {
			t.Errorf("server's TokenReview permission: %+v", crb)
		}
	}
	in := input(model.ExposeTunneling, aws)
	in.Cluster.Tunnel = model.TunnelOpenVPN
	if has(render(t, in), "Deployment", "konnectivity-agent") {
		t.Error("konnectivity agent rendered for tunnel openvpn")
	}
}

func TestCoreDNS(t *testing.T) {
	if ip, err := usercluster.DNSServiceIP("10.240.16.0/20"); err != nil || ip != "10.240.16.10" {
		t.Errorf("DNSServiceIP = %s, %v", ip, err)
	}
	if _, err := usercluster.DNSServiceIP("10.0.0.0/29"); err == nil {
		t.Error("a /29 has no 10th address")
	}
	in := input(model.ExposeTunneling, aws)
	in.Cluster.Network.Services = "10.96.0.0/12"
	svc := find[*corev1.Service](t, render(t, in), "Service", "kube-dns")
	if svc.Spec.ClusterIP != "10.96.0.10" || svc.Namespace != "kube-system" {
		t.Errorf("kube-dns at %s/%s", svc.Namespace, svc.Spec.ClusterIP)
	}
}

func TestProxyMode(t *testing.T) {
	for _, tc := range []struct{ provider, minor, want string }{
		{"aws", "1.33", "ipvs"}, {"aws", "1.34", "ipvs"}, {"aws", "1.35", "nftables"}, {"gcp", "1.36", "nftables"},
		{"hetzner", "1.33", "iptables"}, {"hetzner", "1.36", "iptables"},
	} {
		if got := usercluster.ProxyMode(tc.provider, tc.minor); got != tc.want {
			t.Errorf("ProxyMode(%s, %s) = %s, want %s", tc.provider, tc.minor, got, tc.want)
		}
	}
	in := input(model.ExposeTunneling, model.Provider{Hetzner: &model.Hetzner{Datacenter: "fsn1"}})
	cm := find[*corev1.ConfigMap](t, render(t, in), "ConfigMap", "kube-proxy")
	if !strings.Contains(cm.Data["config.conf"], "mode: iptables") || !strings.Contains(cm.Data["config.conf"], "clusterCIDR: 172.25.0.0/16") {
		t.Errorf("kube-proxy config:\n%s", cm.Data["config.conf"])
	}
	if !strings.Contains(cm.Data["kubeconfig.conf"], "server: https://shop.europe.kkp.example.com:6443") {
		t.Errorf("kube-proxy kubeconfig:\n%s", cm.Data["kubeconfig.conf"])
	}
}

// TestAddonsReachAPIServer: the add-ons that the kubernetes Service
// depends on reach the apiserver at its external address.
func TestAddonsReachAPIServer(t *testing.T) {
	in := input(model.ExposeNodePort, aws)
	objs := render(t, in)
	for _, name := range []string{"coredns", "cilium-operator"} {
		d := find[*appsv1.Deployment](t, objs, "Deployment", name)
		env := d.Spec.Template.Spec.Containers[0].Env
		if !slices.Contains(env, corev1.EnvVar{Name: "KUBERNETES_SERVICE_HOST", Value: "shop.europe.kkp.example.com"}) ||
			!slices.Contains(env, corev1.EnvVar{Name: "KUBERNETES_SERVICE_PORT", Value: "30443"}) {
			t.Errorf("%s env %v", name, env)
		}
	}
}

func TestCNI(t *testing.T) {
	in := input(model.ExposeTunneling, aws)
	objs := render(t, in)
	if !has(objs, "DaemonSet", "cilium") || !has(objs, "Deployment", "cilium-operator") {
		t.Error("cilium not rendered by default")
	}
	ccm := find[*corev1.ConfigMap](t, objs, "ConfigMap", "cilium-config")
	if ccm.Data["ipam"] != "kubernetes" {
		t.Errorf("cilium ipam %q", ccm.Data["ipam"])
	}
	in.Cluster.CNI = model.CNICanal
	objs = render(t, in)
	if has(objs, "DaemonSet", "cilium") || !has(objs, "DaemonSet", "canal") {
		t.Error("canal: cilium rendered, or canal not")
	}
	if !has(objs, "CustomResourceDefinition", "felixconfigurations.crd.projectcalico.org") {
		t.Error("canal without Calico's CRDs")
	}
	cm := find[*corev1.ConfigMap](t, objs, "ConfigMap", "canal-config")
	if !strings.Contains(cm.Data["net-conf.json"], `"Network":"172.25.0.0/16"`) {
		t.Errorf("flannel net-conf %s", cm.Data["net-conf.json"])
	}
}

func TestMachineDeployments(t *testing.T) {
	in := input(model.ExposeTunneling, aws)
	objs := render(t, in)
	for _, crd := range []string{"machines.cluster.k8s.io", "machinesets.cluster.k8s.io", "machinedeployments.cluster.k8s.io",
		"operatingsystemconfigs.operatingsystemmanager.k8c.io", "operatingsystemprofiles.operatingsystemmanager.k8c.io"} {
		if !has(objs, "CustomResourceDefinition", crd) {
			t.Errorf("no CRD %s", crd)
		}
	}
	md := find[*usercluster.MachineDeployment](t, objs, "MachineDeployment", "workers")
	pc := md.Spec.Template.Spec.ProviderSpec.Value
	if *md.Spec.Replicas != 3 || pc.OperatingSystem != model.OSFlatcar || pc.CloudProvider != "aws" ||
		pc.CloudProviderSpec["instanceType"] != "size-1" || pc.CloudProviderSpec["diskSize"] != 50 ||
		md.Spec.Template.Spec.ObjectMeta.Labels["tier"] != "web" || md.Namespace != "kube-system" ||
		md.Spec.Template.Spec.Versions.Kubelet != "1.35.8" {
		t.Errorf("workers: %+v", md.Spec)
	}
	if !slices.Equal(pc.SSHPublicKeys, []string{"ssh-ed25519 AAAA k@x"}) {
		t.Errorf("ssh keys %v", pc.SSHPublicKeys)
	}
	sel, err := metav1.LabelSelectorAsSelector(&md.Spec.Selector)
	if err != nil || !sel.Matches(labels.Set(md.Spec.Template.ObjectMeta.Labels)) {
		t.Error("selector does not select the template")
	}
	if md := find[*usercluster.MachineDeployment](t, objs, "MachineDeployment", "batch"); *md.Spec.Replicas != 0 {
		t.Errorf("batch replicas %d", *md.Spec.Replicas)
	}
	in = input(model.ExposeTunneling, model.Provider{BringYourOwn: &model.BringYourOwn{}})
	for _, o := range render(t, in) {
		if object.Kind(o) == "MachineDeployment" || object.Kind(o) == "CustomResourceDefinition" {
			t.Errorf("bringyourown: %s %s rendered", object.Kind(o), o.GetName())
		}
	}
	in = input(model.ExposeTunneling, aws)
	in.Cluster.NodePools = nil
	for _, o := range render(t, in) {
		if object.Kind(o) == "CustomResourceDefinition" {
			t.Errorf("no pools: CRD %s rendered (nothing runs machine-controller)", o.GetName())
		}
	}
}

func TestCloudProviderSpec(t *testing.T) {
	pool := model.NodePool{Name: "p", Size: "4cpu-8gb", OS: model.OSUbuntu, DiskSize: 30}
	for _, tc := range []struct {
		p        model.Provider
		name     string
		key, val string
	}{
		{model.Provider{GCP: &model.GCP{Region: "us-east4", ZoneSuffixes: []string{"b"}}}, "gce", "zone", "us-east4-b"},
		{model.Provider{DigitalOcean: &model.DigitalOcean{Region: "ams3"}}, "digitalocean", "size", "4cpu-8gb"},
		{model.Provider{Hetzner: &model.Hetzner{Datacenter: "fsn1"}}, "hetzner", "serverType", "4cpu-8gb"},
		{model.Provider{OpenStack: &model.OpenStack{Images: map[string]string{"ubuntu": "img"}}}, "openstack", "image", "img"},
		{model.Provider{VSphere: &model.VSphere{Templates: map[string]string{"ubuntu": "tpl"}}}, "vsphere", "templateVMName", "tpl"},
		{model.Provider{Azure: &model.Azure{Location: "westeurope"}}, "azure", "vmSize", "4cpu-8gb"},
	} {
		name, spec, err := usercluster.CloudProviderSpec(&model.Datacenter{Provider: tc.p}, pool)
		if err != nil || name != tc.name || spec[tc.key] != tc.val {
			t.Errorf("%s: %s %v %v", tc.name, name, spec, err)
		}
		if tc.name == "vsphere" && (spec["cpus"] != 4 || spec["memoryMB"] != 8192) {
			t.Errorf("vsphere size: %v", spec)
		}
	}
}
