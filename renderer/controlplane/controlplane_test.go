package controlplane

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// variant describes one test cluster.
type variant struct {
	name         string
	expose       string
	tunnel       string
	etcd         int
	apiserver    int
	oidc         bool
	keys         bool
	storageClass string
	noMonitoring bool
	backups      bool           // the seed backs etcd up (withBackups)
	provider     model.Provider // AWS when empty
}

var variants = []variant{
	{name: "konnectivity-tunneling", expose: model.ExposeTunneling, tunnel: model.TunnelKonnectivity, etcd: 3, apiserver: 2, oidc: true, keys: true},
	{name: "openvpn-nodeport", expose: model.ExposeNodePort, tunnel: model.TunnelOpenVPN, etcd: 1, apiserver: 1, backups: true,
		provider: model.Provider{OpenStack: &model.OpenStack{AuthURL: "https://keystone.example.com:5000/v3", Region: "RegionOne"}}},
	{name: "konnectivity-loadbalancer", expose: model.ExposeLoadBalancer, tunnel: model.TunnelKonnectivity, etcd: 5, apiserver: 3, oidc: true, storageClass: "fast-ssd",
		provider: model.Provider{VSphere: &model.VSphere{Endpoint: "https://vcenter.example.com", Datacenter: "dc-1", Cluster: "compute-1"}}},
	{name: "konnectivity-nodeport", expose: model.ExposeNodePort, tunnel: model.TunnelKonnectivity, etcd: 3, apiserver: 2, keys: true,
		provider: model.Provider{Hetzner: &model.Hetzner{Datacenter: "fsn1-dc14"}}},
	{name: "openvpn-tunneling", expose: model.ExposeTunneling, tunnel: model.TunnelOpenVPN, etcd: 5, apiserver: 1, keys: true, noMonitoring: true,
		provider: model.Provider{Azure: &model.Azure{Location: "westeurope"}}},
	{name: "konnectivity-loadbalancer-single", expose: model.ExposeLoadBalancer, tunnel: model.TunnelKonnectivity, etcd: 1, apiserver: 1,
		provider: model.Provider{GCP: &model.GCP{Region: "europe-west3"}}},
	{name: "openvpn-loadbalancer", expose: model.ExposeLoadBalancer, tunnel: model.TunnelOpenVPN, etcd: 3, apiserver: 2,
		provider: model.Provider{BringYourOwn: &model.BringYourOwn{}}},
}

var testImages = catalog.Images{
	APIServer:          "mirror.example.com/kube-apiserver:v1.35.8",
	ControllerManager:  "mirror.example.com/kube-controller-manager:v1.35.8",
	Scheduler:          "mirror.example.com/kube-scheduler:v1.35.8",
	Etcd:               "mirror.example.com/etcd:3.5.21-0",
	KonnectivityServer: "mirror.example.com/kas-network-proxy/proxy-server:v0.34.0",
	KonnectivityAgent:  "mirror.example.com/kas-network-proxy/proxy-agent:v0.34.0",
	Prometheus:         "mirror.example.com/prometheus/prometheus:v2.51.1",
	OpenVPN:            "mirror.example.com/kubermatic/openvpn:v2.5.2-r0",
	DNSResolver:        "mirror.example.com/coredns/coredns:v1.10.1",
	Envoy:              "mirror.example.com/envoyproxy/envoy:distroless-v1.37.0",
	Kubectl:            "mirror.example.com/alpine/k8s:1.37.2",
}

func (v variant) input() Input {
	seed := &model.Seed{Name: "europe", Location: "GKE europe-west3", Country: "DE", Expose: v.expose, NodePortRange: "30000-32767"}
	dc := &model.Datacenter{Name: "aws-eu-central-1", Seed: seed.Name, Provider: model.Provider{AWS: &model.AWS{Region: "eu-central-1"}}}
	if v.provider.Name() != "" {
		dc.Provider = v.provider
		dc.Name = v.provider.Name() + "-dc"
	}
	c := &model.Cluster{
		Name:       "payments-" + strings.ReplaceAll(v.name, "konnectivity", "k"),
		Project:    "payments",
		Datacenter: dc.Name,
		Version:    "1.35",
		Tunnel:     v.tunnel,
		Network:    model.Network{Pods: "172.25.0.0/16", Services: "10.240.16.0/20"},
		APIServer:  model.APIServer{Replicas: v.apiserver},
		Etcd:       model.Etcd{Replicas: v.etcd, Storage: "5Gi", StorageClass: v.storageClass},
		Monitoring: !v.noMonitoring,
		Labels:     map[string]string{"team": "payments", "cluster": "user-value-is-overridden"},
		Resolved: model.Resolved{
			Seed:     seed.Name,
			Version:  "1.35.8",
			Minor:    "1.35",
			Provider: dc.Provider.Name(),
		},
	}
	if v.expose != model.ExposeTunneling {
		c.Resolved.NodePort = 30443
		c.Resolved.TunnelNodePort = 30444
	}
	master := &model.Master{Domain: "kkp.example.com", GitOps: model.GitOps{URL: "https://git.example.com/fleet.git", Branch: "main", Path: "rendered", Interval: "5m"}}
	if v.oidc {
		master.OIDC = &model.OIDC{IssuerURL: "https://kkp.example.com/dex", ClientID: "kubermatic"}
	}
	in := Input{Cluster: c, Seed: seed, Datacenter: dc, Master: master, Images: testImages}
	if v.keys {
		in.SSHKeys = []*model.SSHKey{
			{Name: "alice-laptop", Owner: "alice@example.com", Project: "payments", PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE alice@laptop"},
			{Name: "bob-ci", Owner: "bob@example.com", Project: "payments", PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBOBBOBBOBBOBBOBBOBBOBBOBBOBBOBBOBBOBBOBBOB bob@ci"},
		}
		c.SSHKeys = []string{"alice-laptop", "bob-ci"}
	}
	if v.backups {
		in = withBackups(in)
	}
	return in
}

func render(t *testing.T, in Input) []object.Object {
	t.Helper()
	objs, err := Objects(in)
	if err != nil {
		t.Fatalf("Objects: %v", err)
	}
	return objs
}

// find returns the object of kind and name, or nil.
func find[T object.Object](objs []object.Object, kind, name string) T {
	var zero T
	for _, o := range objs {
		if object.Kind(o) == kind && o.GetName() == name {
			if t, ok := o.(T); ok {
				return t
			}
		}
	}
	return zero
}

// flag returns the value of --name=value in args, and whether it is there.
func flag(args []string, name string) (string, bool) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
		if a == "--"+name {
			return "", true
		}
	}
	return "", false
}

func container(spec corev1.PodSpec, name string) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == name {
			return &spec.Containers[i]
		}
	}
	return nil
}

// podSpecs returns the pod specs of every workload, by "Kind/name".
func podSpecs(objs []object.Object) map[string]corev1.PodSpec {
	out := map[string]corev1.PodSpec{}
	for _, o := range objs {
		switch w := o.(type) {
		case *appsv1.Deployment:
			out["Deployment/"+w.Name] = w.Spec.Template.Spec
		case *appsv1.StatefulSet:
			out["StatefulSet/"+w.Name] = w.Spec.Template.Spec
		}
	}
	return out
}

func TestObjectMeta(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			ns := "cluster-" + in.Cluster.Name
			seen := map[string]bool{}
			namespaces := 0
			for _, o := range objs {
				gvk := o.GetObjectKind().GroupVersionKind()
				if gvk.Kind == "" || gvk.Version == "" {
					t.Errorf("%T %s: apiVersion/kind not set (%v)", o, o.GetName(), gvk)
				}
				key := object.Kind(o) + "/" + o.GetName()
				if seen[key] {
					t.Errorf("duplicate %s", key)
				}
				seen[key] = true
				if o.GetName() == "" {
					t.Errorf("%s without a name", key)
				}
				if object.Kind(o) == "Namespace" {
					namespaces++
					if o.GetName() != ns || o.GetNamespace() != "" {
						t.Errorf("Namespace is %q in %q, want %q", o.GetName(), o.GetNamespace(), ns)
					}
					l := o.GetLabels()
					for k, want := range map[string]string{
						labelManagedBy: managedBy, labelCluster: in.Cluster.Name, labelProjectID: "payments",
						labelSeed: "europe", "team": "payments",
					} {
						if l[k] != want {
							t.Errorf("Namespace label %s = %q, want %q", k, l[k], want)
						}
					}
					continue
				}
				if o.GetNamespace() != ns {
					t.Errorf("%s in namespace %q, want %q", key, o.GetNamespace(), ns)
				}
			}
			if namespaces != 1 {
				t.Errorf("%d Namespaces, want 1", namespaces)
			}
			sorted := slices.Clone(objs)
			object.Sort(sorted)
			if !slices.Equal(sorted, objs) {
				t.Errorf("objects are not sorted with object.Sort")
			}
		})
	}
}

func TestEtcd(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			ns := in.Cluster.Namespace()
			sts := find[*appsv1.StatefulSet](objs, "StatefulSet", "etcd")
			if sts == nil {
				t.Fatal("no StatefulSet etcd")
			}
			if got := *sts.Spec.Replicas; int(got) != v.etcd {
				t.Errorf("replicas = %d, want %d", got, v.etcd)
			}
			if sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
				t.Errorf("podManagementPolicy = %q", sts.Spec.PodManagementPolicy)
			}
			c := container(sts.Spec.Template.Spec, "etcd")
			if c == nil {
				t.Fatal("no etcd container")
			}
			if c.Image != testImages.Etcd {
				t.Errorf("image %q, want %q", c.Image, testImages.Etcd)
			}
			ic, ok := flag(c.Args, "initial-cluster")
			if !ok {
				t.Fatal("no --initial-cluster")
			}
			members := strings.Split(ic, ",")
			if len(members) != v.etcd {
				t.Errorf("--initial-cluster has %d members, want %d: %s", len(members), v.etcd, ic)
			}
			for i, m := range members {
				want := fmt.Sprintf("etcd-%d=https://etcd-%d.etcd.%s.svc.cluster.local:2380", i, i, ns)
				if m != want {
					t.Errorf("member %d = %q, want %q", i, m, want)
				}
			}
			for _, f := range []string{"client-cert-auth", "trusted-ca-file", "cert-file", "key-file", "auto-compaction-retention", "listen-metrics-urls",
				"peer-client-cert-auth", "peer-trusted-ca-file", "peer-cert-file", "peer-key-file"} {
				if _, ok := flag(c.Args, f); !ok {
					t.Errorf("etcd has no --%s", f)
				}
			}
			for _, f := range []string{"listen-peer-urls", "initial-advertise-peer-urls"} {
				if lp, _ := flag(c.Args, f); !strings.HasPrefix(lp, "https://") || !strings.HasSuffix(lp, ":2380") {
					t.Errorf("--%s = %q, want TLS on 2380", f, lp)
				}
			}
			// Every $(VAR) in the args is an env var of the container.
			env := map[string]bool{}
			for _, e := range c.Env {
				env[e.Name] = true
			}
			for _, a := range c.Args {
				for _, part := range strings.Split(a, "$(")[1:] {
					name, _, _ := strings.Cut(part, ")")
					if !env[name] {
						t.Errorf("arg %q uses $(%s), which is not in env", a, name)
					}
				}
			}
			// The apiserver talks to exactly these members.
			api := find[*appsv1.Deployment](objs, "Deployment", "apiserver")
			servers, _ := flag(container(api.Spec.Template.Spec, "apiserver").Args, "etcd-servers")
			if n := len(strings.Split(servers, ",")); n != v.etcd {
				t.Errorf("--etcd-servers has %d entries, want %d", n, v.etcd)
			}
			if !strings.Contains(servers, "https://etcd-0.etcd."+ns+".svc.cluster.local.:2379") {
				t.Errorf("--etcd-servers = %q", servers)
			}
			// etcd-tls has a SAN per member.
			tls := find[*cmv1.Certificate](objs, "Certificate", certEtcdTLS)
			for i := 0; i < v.etcd; i++ {
				if !slices.Contains(tls.Spec.DNSNames, etcdMemberHost(i, ns)) {
					t.Errorf("etcd-tls lacks SAN %s", etcdMemberHost(i, ns))
				}
			}
			// Storage.
			if len(sts.Spec.VolumeClaimTemplates) != 1 || sts.Spec.VolumeClaimTemplates[0].Name != "data" {
				t.Fatalf("volumeClaimTemplates = %+v", sts.Spec.VolumeClaimTemplates)
			}
			pvc := sts.Spec.VolumeClaimTemplates[0]
			if q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; q.String() != "5Gi" {
				t.Errorf("storage = %s, want 5Gi", q.String())
			}
			switch sc := pvc.Spec.StorageClassName; {
			case v.storageClass == "" && sc != nil:
				t.Errorf("storageClassName = %q, want none (default StorageClass)", *sc)
			case v.storageClass != "" && (sc == nil || *sc != v.storageClass):
				t.Errorf("storageClassName = %v, want %q", sc, v.storageClass)
			}
			// Headless Service.
			svc := find[*corev1.Service](objs, "Service", "etcd")
			if svc == nil || svc.Spec.ClusterIP != corev1.ClusterIPNone || !svc.Spec.PublishNotReadyAddresses {
				t.Fatalf("Service etcd is not headless with publishNotReadyAddresses: %+v", svc)
			}
			var ports []int32
			for _, p := range svc.Spec.Ports {
				ports = append(ports, p.Port)
			}
			if !slices.Equal(ports, []int32{2379, 2380, 2381}) {
				t.Errorf("etcd Service ports = %v", ports)
			}
		})
	}
}

func TestPodDisruptionBudgets(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := render(t, v.input())
			etcd := find[*policyv1.PodDisruptionBudget](objs, "PodDisruptionBudget", "etcd")
			if v.etcd == 1 {
				if etcd != nil {
					t.Errorf("PDB etcd rendered for a single member")
				}
			} else {
				if etcd == nil {
					t.Fatal("no PDB etcd")
				}
				if want := v.etcd/2 + 1; etcd.Spec.MinAvailable == nil || etcd.Spec.MinAvailable.IntValue() != want {
					t.Errorf("etcd minAvailable = %v, want %d", etcd.Spec.MinAvailable, want)
				}
			}
			api := find[*policyv1.PodDisruptionBudget](objs, "PodDisruptionBudget", "apiserver")
			if (api != nil) != (v.apiserver > 1) {
				t.Errorf("PDB apiserver rendered = %v with %d replicas", api != nil, v.apiserver)
			}
			if api != nil && (api.Spec.MaxUnavailable == nil || api.Spec.MaxUnavailable.IntValue() != 1) {
				t.Errorf("apiserver maxUnavailable = %v, want 1", api.Spec.MaxUnavailable)
			}
			// Every PDB selects the pods of its workload.
			specs := map[string]map[string]string{}
			for _, o := range objs {
				switch w := o.(type) {
				case *appsv1.Deployment:
					specs[w.Name] = w.Spec.Template.Labels
				case *appsv1.StatefulSet:
					specs[w.Name] = w.Spec.Template.Labels
				}
			}
			for _, p := range []*policyv1.PodDisruptionBudget{etcd, api} {
				if p == nil {
					continue
				}
				for k, val := range p.Spec.Selector.MatchLabels {
					if specs[p.Name][k] != val {
						t.Errorf("PDB %s selects %s=%s, pods have %q", p.Name, k, val, specs[p.Name][k])
					}
				}
			}
		})
	}
}

func TestAPIServerExposure(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			api := find[*appsv1.Deployment](objs, "Deployment", "apiserver")
			if api == nil {
				t.Fatal("no Deployment apiserver")
			}
			if int(*api.Spec.Replicas) != v.apiserver {
				t.Errorf("replicas = %d, want %d", *api.Spec.Replicas, v.apiserver)
			}
			c := container(api.Spec.Template.Spec, "apiserver")
			sp, ok := flag(c.Args, "secure-port")
			if !ok {
				t.Fatal("no --secure-port")
			}
			port, err := strconv.Atoi(sp)
			if err != nil {
				t.Fatal(err)
			}
			svc := find[*corev1.Service](objs, "Service", "apiserver-external")
			if svc == nil || len(svc.Spec.Ports) != 1 {
				t.Fatalf("Service apiserver-external: %+v", svc)
			}
			sport := svc.Spec.Ports[0]
			if sport.Port != 443 || sport.Name != "secure" {
				t.Errorf("Service port %d %q, want 443 secure", sport.Port, sport.Name)
			}
			if sport.TargetPort.IntValue() != port {
				t.Errorf("Service targetPort %s != --secure-port %d", sport.TargetPort.String(), port)
			}
			if c.Ports[0].ContainerPort != int32(port) || c.LivenessProbe.HTTPGet.Port.IntValue() != port || c.ReadinessProbe.HTTPGet.Port.IntValue() != port {
				t.Errorf("container port / probes do not use --secure-port %d", port)
			}
			issuer, _ := flag(c.Args, "service-account-issuer")
			ext := in.Cluster.Name + ".europe.kkp.example.com"
			if hn, _ := flag(c.Args, "external-hostname"); hn != ext {
				t.Errorf("--external-hostname = %q, want %q", hn, ext)
			}
			konn := find[*corev1.Service](objs, "Service", "konnectivity-server")
			if (konn != nil) != (v.tunnel == model.TunnelKonnectivity) {
				t.Fatalf("konnectivity-server Service rendered = %v for tunnel %s", konn != nil, v.tunnel)
			}
			switch v.expose {
			case model.ExposeTunneling:
				if port != 6443 || svc.Spec.Type != corev1.ServiceTypeClusterIP || sport.NodePort != 0 {
					t.Errorf("Tunneling: port %d type %s nodePort %d", port, svc.Spec.Type, sport.NodePort)
				}
				if svc.Annotations[annExpose] != "SNI,Tunneling" || svc.Annotations[annPortMapping] != `{"secure":"`+ext+`"}` {
					t.Errorf("Tunneling annotations = %v", svc.Annotations)
				}
				if issuer != "https://"+ext+":6443" {
					t.Errorf("--service-account-issuer = %q", issuer)
				}
				if konn != nil && (konn.Spec.Type != corev1.ServiceTypeClusterIP || konn.Annotations[annPortMapping] != `{"secure":"konnectivity-server.`+ext+`"}`) {
					t.Errorf("konnectivity-server Service: %+v", konn)
				}
			default:
				np := in.Cluster.Resolved.NodePort
				if port != np || int(sport.NodePort) != np || svc.Spec.Type != corev1.ServiceTypeNodePort {
					t.Errorf("%s: --secure-port %d nodePort %d type %s, want %d NodePort", v.expose, port, sport.NodePort, svc.Spec.Type, np)
				}
				wantAnn := map[string]string{annExpose: "NodePort"}
				if v.expose == model.ExposeLoadBalancer {
					wantAnn = map[string]string{annExposeNamespaced: "true"}
				}
				if !reflect.DeepEqual(svc.Annotations, wantAnn) {
					t.Errorf("annotations = %v, want %v", svc.Annotations, wantAnn)
				}
				if issuer != fmt.Sprintf("https://%s:%d", ext, np) {
					t.Errorf("--service-account-issuer = %q", issuer)
				}
				if konn != nil {
					kp := konn.Spec.Ports[0]
					if konn.Spec.Type != corev1.ServiceTypeNodePort || int(kp.NodePort) != in.Cluster.Resolved.TunnelNodePort || kp.TargetPort.IntValue() != 8132 || !reflect.DeepEqual(konn.Annotations, wantAnn) {
						t.Errorf("konnectivity-server Service: %+v", konn)
					}
				}
			}
			// Services select the apiserver pods.
			for _, s := range []*corev1.Service{svc, konn} {
				if s == nil {
					continue
				}
				for k, val := range s.Spec.Selector {
					if api.Spec.Template.Labels[k] != val {
						t.Errorf("Service %s selects %s=%s, pods have %q", s.Name, k, val, api.Spec.Template.Labels[k])
					}
				}
			}
		})
	}
}

func TestAPIServerFlags(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			api := find[*appsv1.Deployment](objs, "Deployment", "apiserver")
			c := container(api.Spec.Template.Spec, "apiserver")
			for _, f := range []string{
				"authorization-mode", "profiling", "endpoint-reconciler-type", "service-cluster-ip-range",
				"service-node-port-range", "client-ca-file", "tls-cert-file", "tls-private-key-file",
				"tls-min-version", "tls-cipher-suites", "enable-admission-plugins", "kubelet-client-certificate",
				"kubelet-client-key", "proxy-client-cert-file", "proxy-client-key-file",
				"requestheader-client-ca-file", "requestheader-allowed-names",
				"service-account-key-file", "service-account-signing-key-file",
			} {
				if _, ok := flag(c.Args, f); !ok {
					t.Errorf("apiserver has no --%s", f)
				}
			}
			for f, want := range map[string]string{
				"authorization-mode":       "Node,RBAC",
				"profiling":                "false",
				"endpoint-reconciler-type": "none",
				"service-cluster-ip-range": "10.240.16.0/20",
			} {
				if got, _ := flag(c.Args, f); got != want {
					t.Errorf("--%s = %q, want %q", f, got, want)
				}
			}
			if _, ok := flag(c.Args, "token-auth-file"); ok {
				t.Errorf("apiserver has a --token-auth-file")
			}
			_, hasOIDC := flag(c.Args, "oidc-issuer-url")
			if hasOIDC != v.oidc {
				t.Errorf("--oidc-issuer-url present = %v, want %v", hasOIDC, v.oidc)
			}
			if v.oidc {
				for f, want := range map[string]string{
					"oidc-issuer-url": "https://kkp.example.com/dex", "oidc-client-id": "kubermatic",
					"oidc-username-claim": "email", "oidc-groups-claim": "groups",
				} {
					if got, _ := flag(c.Args, f); got != want {
						t.Errorf("--%s = %q, want %q", f, got, want)
					}
				}
			}

			konn := container(api.Spec.Template.Spec, containerKonnectivity)
			_, egress := flag(c.Args, "egress-selector-config-file")
			cm := find[*corev1.ConfigMap](objs, "ConfigMap", cmEgress)
			aud, _ := flag(c.Args, "api-audiences")
			if v.tunnel == model.TunnelKonnectivity {
				if konn == nil || !egress || cm == nil {
					t.Fatalf("konnectivity: sidecar %v, egress flag %v, ConfigMap %v", konn != nil, egress, cm != nil)
				}
				if konn.Image != testImages.KonnectivityServer {
					t.Errorf("konnectivity image %q", konn.Image)
				}
				if n, _ := flag(konn.Args, "server-count"); n != strconv.Itoa(v.apiserver) {
					t.Errorf("--server-count = %s, want %d", n, v.apiserver)
				}
				uds, _ := flag(konn.Args, "uds-name")
				var cfg egressSelectorConfiguration
				if err := yaml.UnmarshalStrict([]byte(cm.Data[egressKey]), &cfg); err != nil {
					t.Fatal(err)
				}
				if cfg.APIVersion != "apiserver.k8s.io/v1beta1" || cfg.Kind != "EgressSelectorConfiguration" ||
					len(cfg.EgressSelections) != 1 || cfg.EgressSelections[0].Name != "cluster" ||
					cfg.EgressSelections[0].Connection.Transport.UDS.UDSName != uds {
					t.Errorf("egress configuration %+v does not use the socket %s", cfg, uds)
				}
				if !strings.HasSuffix(aud, ",system:konnectivity-server") {
					t.Errorf("--api-audiences = %q", aud)
				}
			} else {
				if konn != nil || egress || cm != nil {
					t.Errorf("openvpn: sidecar %v, egress flag %v, ConfigMap %v", konn != nil, egress, cm != nil)
				}
				for _, name := range []string{certKonnectivityClient, certKonnectivityServer} {
					if find[*cmv1.Certificate](objs, "Certificate", name) != nil {
						t.Errorf("openvpn: Certificate %s rendered", name)
					}
				}
				if find[*corev1.ConfigMap](objs, "ConfigMap", cmKonnectivityKubeconfig) != nil {
					t.Errorf("openvpn: konnectivity kubeconfig rendered")
				}
			}
		})
	}
}

func TestCertificates(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			ext := in.Cluster.Name + ".europe.kkp.example.com"
			tls := find[*cmv1.Certificate](objs, "Certificate", certAPIServerTLS)
			if tls == nil {
				t.Fatal("no Certificate apiserver-tls")
			}
			ns := in.Cluster.Namespace()
			for _, san := range []string{ext, "kubernetes.default.svc.cluster.local", "apiserver-external." + ns + ".svc.cluster.local"} {
				if !slices.Contains(tls.Spec.DNSNames, san) {
					t.Errorf("apiserver-tls lacks SAN %s: %v", san, tls.Spec.DNSNames)
				}
			}
			// 100.64.30.10: the kubernetes Service's endpoint (the
			// envoy-agent), on every expose strategy.
			for _, ip := range []string{"10.240.16.1", "127.0.0.1", "100.64.30.10"} {
				if !slices.Contains(tls.Spec.IPAddresses, ip) {
					t.Errorf("apiserver-tls lacks IP %s: %v", ip, tls.Spec.IPAddresses)
				}
			}
			if !slices.Contains(tls.Spec.Usages, cmv1.UsageServerAuth) || slices.Contains(tls.Spec.Usages, cmv1.UsageClientAuth) {
				t.Errorf("apiserver-tls usages %v", tls.Spec.Usages)
			}

			issuers := map[string]*cmv1.Issuer{}
			for _, o := range objs {
				if i, ok := o.(*cmv1.Issuer); ok {
					issuers[i.Name] = i
				}
			}
			if issuers[issuerSelfSigned] == nil || issuers[issuerSelfSigned].Spec.SelfSigned == nil {
				t.Errorf("no selfSigned Issuer")
			}
			for name, secret := range map[string]string{issuerCA: certCA, issuerFrontProxyCA: certFrontProxyCA} {
				if i := issuers[name]; i == nil || i.Spec.CA == nil || i.Spec.CA.SecretName != secret {
					t.Errorf("Issuer %s does not sign with Secret %s", name, secret)
				}
			}
			wantCN := map[string]string{
				certCA:                   "root-ca." + ext,
				certAPIServerTLS:         "kube-apiserver",
				certAPIServerEtcdClient:  "apiserver",
				certKubeletClient:        "kube-apiserver-kubelet-client",
				certAPIServerProxyClient: "apiserver-aggregator",
				certControllerManager:    "system:kube-controller-manager",
				certScheduler:            "system:kube-scheduler",
				certServiceAccountKey:    "service-account-signer",
			}
			for _, o := range objs {
				c, ok := o.(*cmv1.Certificate)
				if !ok {
					continue
				}
				s := c.Spec
				if s.SecretName != c.Name {
					t.Errorf("Certificate %s writes Secret %s", c.Name, s.SecretName)
				}
				if issuers[s.IssuerRef.Name] == nil || s.IssuerRef.Kind != "Issuer" {
					t.Errorf("Certificate %s: issuer %+v not rendered", c.Name, s.IssuerRef)
				}
				if want, ok := wantCN[c.Name]; ok && s.CommonName != want {
					t.Errorf("Certificate %s CN %q, want %q", c.Name, s.CommonName, want)
				}
				if s.IsCA != (s.IssuerRef.Name == issuerSelfSigned && c.Name != certServiceAccountKey) {
					t.Errorf("Certificate %s isCA %v issued by %s", c.Name, s.IsCA, s.IssuerRef.Name)
				}
				if s.Duration == nil || s.RenewBefore == nil || s.RenewBefore.Duration >= s.Duration.Duration {
					t.Errorf("Certificate %s duration %v renewBefore %v", c.Name, s.Duration, s.RenewBefore)
				}
				if !s.IsCA && c.Name != certServiceAccountKey && s.Duration.Duration.Hours() != 8760 {
					t.Errorf("leaf %s lasts %v", c.Name, s.Duration)
				}
				if s.PrivateKey == nil || s.PrivateKey.Algorithm != cmv1.RSAKeyAlgorithm || s.PrivateKey.Size != 2048 {
					t.Errorf("Certificate %s private key %+v", c.Name, s.PrivateKey)
				}
				if len(s.Usages) == 0 {
					t.Errorf("Certificate %s has no usages", c.Name)
				}
			}
			if c := find[*cmv1.Certificate](objs, "Certificate", certAPIServerProxyClient); c.Spec.IssuerRef.Name != issuerFrontProxyCA {
				t.Errorf("apiserver-proxy-client issued by %s", c.Spec.IssuerRef.Name)
			}
			for _, name := range []string{certKubeletClient, certAdmin} {
				c := find[*cmv1.Certificate](objs, "Certificate", name)
				if c == nil || c.Spec.Subject == nil || !slices.Equal(c.Spec.Subject.Organizations, []string{"system:masters"}) {
					t.Errorf("Certificate %s is not in system:masters", name)
				}
			}
		})
	}
}

// TestContainers checks resources, security contexts and images.
func TestContainers(t *testing.T) {
	allowed := map[string]bool{}
	for _, img := range []string{testImages.APIServer, testImages.ControllerManager, testImages.Scheduler, testImages.Etcd, testImages.KonnectivityServer,
		testImages.Prometheus, testImages.OpenVPN, testImages.DNSResolver, testImages.Envoy, testImages.Kubectl} {
		allowed[img] = true
	}
	// The documented exception (netAdminSecurityContext): the OpenVPN
	// containers run as root with exactly these capabilities.
	netAdmin := map[string][]corev1.Capability{
		containerIPTablesInit:  {"NET_ADMIN", "NET_RAW"},
		appOpenVPN:             {"NET_ADMIN", "MKNOD"},
		containerOpenVPNClient: {"NET_ADMIN", "MKNOD"},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := render(t, v.input())
			specs := podSpecs(objs)
			want := []string{"Deployment/apiserver", "Deployment/controller-manager", "Deployment/scheduler", "StatefulSet/etcd", "Deployment/kubeconfig-writer", "Deployment/cert-roller"}
			if !v.noMonitoring {
				want = append(want, "StatefulSet/prometheus")
			}
			if v.tunnel == model.TunnelOpenVPN {
				want = append(want, "Deployment/openvpn-server", "Deployment/dns-resolver")
			}
			if v.expose == model.ExposeLoadBalancer {
				want = append(want, "Deployment/nodeport-proxy-envoy")
			}
			var got []string
			for wl := range specs {
				got = append(got, wl)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("workloads %v, want %v", got, want)
			}
			for wl, spec := range specs {
				psc := spec.SecurityContext
				if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
					t.Errorf("%s: pod seccompProfile is not RuntimeDefault", wl)
				}
				// Only Prometheus (service discovery), the kubeconfig
				// writer (its Secret) and the cert-roller (the Deployments
				// it rolls) talk to the seed's API.
				if automount := spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken; automount != (wl == "StatefulSet/prometheus" || wl == "Deployment/kubeconfig-writer" || wl == "Deployment/cert-roller") {
					t.Errorf("%s: automounts a service account token: %v", wl, automount)
				}
				if spec.ServiceAccountName == "" || find[*corev1.ServiceAccount](objs, "ServiceAccount", spec.ServiceAccountName) == nil {
					t.Errorf("%s: ServiceAccount %q not rendered", wl, spec.ServiceAccountName)
				}
				for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
					name := wl + "/" + c.Name
					for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
						req, okr := c.Resources.Requests[r]
						lim, okl := c.Resources.Limits[r]
						if !okr || !okl {
							t.Errorf("%s: no %s request and limit", name, r)
						} else if req.Cmp(lim) > 0 {
							t.Errorf("%s: %s request %s above limit %s", name, r, req.String(), lim.String())
						}
					}
					sc := c.SecurityContext
					if caps, ok := netAdmin[c.Name]; ok && v.tunnel == model.TunnelOpenVPN {
						switch {
						case sc == nil:
							t.Errorf("%s: no securityContext", name)
						case sc.Privileged == nil || *sc.Privileged:
							t.Errorf("%s: not explicitly unprivileged", name)
						case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
							t.Errorf("%s: allowPrivilegeEscalation not false", name)
						case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
							t.Errorf("%s: readOnlyRootFilesystem not true", name)
						case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || !slices.Equal(sc.Capabilities.Add, caps):
							t.Errorf("%s: capabilities %+v, want drop ALL add %v", name, sc.Capabilities, caps)
						}
						if !allowed[c.Image] {
							t.Errorf("%s: image %q is not from Input.Images", name, c.Image)
						}
						continue
					}
					switch {
					case sc == nil:
						t.Errorf("%s: no securityContext", name)
					case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot:
						t.Errorf("%s: runAsNonRoot not true", name)
					case sc.RunAsUser == nil || *sc.RunAsUser == 0:
						t.Errorf("%s: runAsUser not a non-root number", name)
					case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
						t.Errorf("%s: allowPrivilegeEscalation not false", name)
					case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
						t.Errorf("%s: readOnlyRootFilesystem not true", name)
					case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
						t.Errorf("%s: capabilities %+v, want drop ALL", name, sc.Capabilities)
					case sc.Privileged != nil && *sc.Privileged:
						t.Errorf("%s: privileged", name)
					}
					if !allowed[c.Image] {
						t.Errorf("%s: image %q is not from Input.Images", name, c.Image)
					}
					if c.ImagePullPolicy != corev1.PullIfNotPresent {
						t.Errorf("%s: imagePullPolicy %q", name, c.ImagePullPolicy)
					}
				}
			}
			for _, o := range objs {
				if d, ok := o.(*appsv1.Deployment); ok {
					if d.Spec.RevisionHistoryLimit == nil || *d.Spec.RevisionHistoryLimit != 2 {
						t.Errorf("Deployment %s revisionHistoryLimit %v, want 2", d.Name, d.Spec.RevisionHistoryLimit)
					}
					for k, val := range d.Spec.Selector.MatchLabels {
						if d.Spec.Template.Labels[k] != val {
							t.Errorf("Deployment %s selector %s=%s does not match its pods", d.Name, k, val)
						}
					}
					if len(d.Spec.Selector.MatchLabels) != 2 {
						t.Errorf("Deployment %s selector %v, want app and cluster", d.Name, d.Spec.Selector.MatchLabels)
					}
				}
			}
			for _, name := range []string{"controller-manager", "scheduler"} {
				d := find[*appsv1.Deployment](objs, "Deployment", name)
				if d == nil || *d.Spec.Replicas != 1 {
					t.Errorf("Deployment %s missing or not 1 replica", name)
				}
			}
		})
	}
}

// TestMounts checks that every file a container is told about (flags and
// the kubeconfigs it reads) lies in a volume that provides it.
func TestMounts(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := render(t, v.input())
			certs := map[string]bool{}
			cms := map[string]*corev1.ConfigMap{}
			for _, o := range objs {
				switch x := o.(type) {
				case *cmv1.Certificate:
					certs[x.Spec.SecretName] = true
				case *corev1.ConfigMap:
					cms[x.Name] = x
				}
			}
			for wl, spec := range podSpecs(objs) {
				vols := map[string]corev1.Volume{}
				for _, vol := range spec.Volumes {
					if _, dup := vols[vol.Name]; dup {
						t.Errorf("%s: duplicate volume %s", wl, vol.Name)
					}
					vols[vol.Name] = vol
					switch {
					case vol.Secret != nil && !certs[vol.Secret.SecretName]:
						t.Errorf("%s: volume %s mounts Secret %s, which no Certificate writes", wl, vol.Name, vol.Secret.SecretName)
					case vol.ConfigMap != nil && cms[vol.ConfigMap.Name] == nil:
						t.Errorf("%s: volume %s mounts ConfigMap %s, which is not rendered", wl, vol.Name, vol.ConfigMap.Name)
					}
				}
				for _, c := range spec.Containers {
					// provides reports whether file is in a volume mounted in c.
					provides := func(file string) bool {
						for _, m := range c.VolumeMounts {
							if file == m.MountPath {
								return true // a folder, e.g. the cert-roller's
							}
							rel, ok := strings.CutPrefix(file, strings.TrimSuffix(m.MountPath, "/")+"/")
							if !ok {
								continue
							}
							vol := vols[m.Name]
							switch {
							case vol.Secret != nil && len(vol.Secret.Items) > 0:
								return slices.ContainsFunc(vol.Secret.Items, func(i corev1.KeyToPath) bool { return i.Path == rel })
							case vol.Secret != nil:
								return rel == keyCert || rel == keyKey || rel == keyCA
							case vol.ConfigMap != nil && len(vol.ConfigMap.Items) > 0:
								return slices.ContainsFunc(vol.ConfigMap.Items, func(i corev1.KeyToPath) bool {
									_, ok := cms[vol.ConfigMap.Name].Data[i.Key]
									return ok && i.Path == rel
								})
							case vol.ConfigMap != nil:
								_, ok := cms[vol.ConfigMap.Name].Data[rel]
								return ok
							case vol.EmptyDir != nil:
								return true
							}
							return vol.Name == "data" // the etcd PVC
						}
						return false
					}
					for _, m := range c.VolumeMounts {
						if _, ok := vols[m.Name]; !ok && m.Name != "data" {
							t.Errorf("%s/%s mounts unknown volume %s", wl, c.Name, m.Name)
						}
					}
					var files []string
					for _, a := range append(slices.Clone(c.Args), envValues(c)...) {
						val := a
						if strings.HasPrefix(a, "-") || strings.Contains(a, "=") {
							_, val, _ = strings.Cut(a, "=")
						}
						if strings.HasPrefix(val, "/etc/") && !strings.HasSuffix(val, ".socket") {
							files = append(files, val)
						}
					}
					if len(files) == 0 {
						t.Errorf("%s/%s reads no files", wl, c.Name)
					}
					for _, f := range files {
						if !provides(f) {
							t.Errorf("%s/%s: %s is in no mounted volume", wl, c.Name, f)
						}
						if path.Base(f) != "kubeconfig" {
							continue
						}
						// A kubeconfig's own files must be mounted too.
						var kc kubeconfig
						cmName := ""
						for _, m := range c.VolumeMounts {
							if m.MountPath == path.Dir(f) {
								cmName = vols[m.Name].ConfigMap.Name
							}
						}
						if err := yaml.UnmarshalStrict([]byte(cms[cmName].Data[kubeconfigKey]), &kc); err != nil {
							t.Fatalf("%s: %v", cmName, err)
						}
						for _, kf := range []string{kc.Clusters[0].Cluster.CertificateAuthority, kc.Users[0].User.ClientCertificate, kc.Users[0].User.ClientKey} {
							if !provides(kf) {
								t.Errorf("%s/%s: %s of %s is in no mounted volume", wl, c.Name, kf, cmName)
							}
						}
					}
				}
			}
		})
	}
}

func envValues(c corev1.Container) []string {
	var out []string
	for _, e := range c.Env {
		out = append(out, e.Name+"="+e.Value)
	}
	return out
}

func TestKubeconfigs(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			internal := "https://apiserver-external." + in.Cluster.Namespace() + ".svc.cluster.local.:443"
			users := map[string]string{
				cmControllerManagerKubeconfig: "system:kube-controller-manager",
				cmSchedulerKubeconfig:         "system:kube-scheduler",
				cmAdminKubeconfig:             "kubermatic:admin",
			}
			if v.tunnel == model.TunnelKonnectivity {
				users[cmKonnectivityKubeconfig] = "system:konnectivity-server"
			}
			for name, user := range users {
				cm := find[*corev1.ConfigMap](objs, "ConfigMap", name)
				if cm == nil {
					t.Errorf("no ConfigMap %s", name)
					continue
				}
				var kc kubeconfig
				if err := yaml.UnmarshalStrict([]byte(cm.Data[kubeconfigKey]), &kc); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if kc.Kind != "Config" || kc.APIVersion != "v1" || len(kc.Clusters) != 1 || len(kc.Users) != 1 || len(kc.Contexts) != 1 ||
					kc.CurrentContext != kc.Contexts[0].Name || kc.Contexts[0].Context.User != kc.Users[0].Name || kc.Contexts[0].Context.Cluster != kc.Clusters[0].Name {
					t.Errorf("%s: inconsistent kubeconfig %+v", name, kc)
				}
				if kc.Users[0].Name != user {
					t.Errorf("%s: user %s, want %s", name, kc.Users[0].Name, user)
				}
				server := kc.Clusters[0].Cluster.Server
				if name == cmAdminKubeconfig {
					port := "6443"
					if v.expose != model.ExposeTunneling {
						port = strconv.Itoa(in.Cluster.Resolved.NodePort)
					}
					if want := "https://" + in.Cluster.Name + ".europe.kkp.example.com:" + port; server != want {
						t.Errorf("admin server %s, want %s", server, want)
					}
				} else if server != internal {
					t.Errorf("%s: server %s, want %s", name, server, internal)
				}
			}
		})
	}
}

func TestSSHKeys(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			cm := find[*corev1.ConfigMap](objs, "ConfigMap", "usersshkeys")
			if (cm != nil) != v.keys {
				t.Fatalf("usersshkeys rendered = %v, want %v", cm != nil, v.keys)
			}
			if cm == nil {
				return
			}
			want := map[string]string{}
			for _, k := range in.SSHKeys {
				want[k.Name] = k.PublicKey
			}
			if !reflect.DeepEqual(cm.Data, want) {
				t.Errorf("usersshkeys = %v, want %v", cm.Data, want)
			}
		})
	}
}

// TestNoSecretMaterial: no Secret with data, nothing that looks like a key.
func TestNoSecretMaterial(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			for _, o := range render(t, v.input()) {
				if s, ok := o.(*corev1.Secret); ok && (len(s.Data) > 0 || len(s.StringData) > 0) {
					t.Errorf("Secret %s carries data", s.Name)
				}
				if object.Kind(o) == "Secret" {
					t.Errorf("a Secret is rendered: %s", o.GetName())
				}
				b, err := json.Marshal(o)
				if err != nil {
					t.Fatal(err)
				}
				for _, bad := range []string{"PRIVATE KEY", "BEGIN CERTIFICATE", "token-auth-file", "tokens.csv"} {
					if bytes.Contains(b, []byte(bad)) {
						t.Errorf("%s %s contains %q", object.Kind(o), o.GetName(), bad)
					}
				}
			}
		})
	}
}

// roundTrip decodes o's JSON into a new value of o's own type, rejecting
// unknown fields, and checks that it encodes back to the same bytes.
func roundTrip(o object.Object) error {
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	fresh := reflect.New(reflect.TypeOf(o).Elem()).Interface()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(fresh); err != nil {
		return err
	}
	again, err := json.Marshal(fresh)
	if err != nil {
		return err
	}
	if !bytes.Equal(b, again) {
		return fmt.Errorf("does not round-trip:\n%s\n%s", b, again)
	}
	return nil
}

func TestStrictRoundTrip(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			for _, o := range render(t, v.input()) {
				if err := roundTrip(o); err != nil {
					t.Errorf("%s %s: %v", object.Kind(o), o.GetName(), err)
				}
			}
		})
	}
}

// leakyConfigMap encodes a field its type does not have.
type leakyConfigMap struct{ corev1.ConfigMap }

func (l *leakyConfigMap) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(&l.ConfigMap)
	if err != nil {
		return nil, err
	}
	return append([]byte(`{"bogus":1,`), b[1:]...), nil
}

// TestRoundTripRejects shows that roundTrip catches an unknown field.
func TestRoundTripRejects(t *testing.T) {
	o := &leakyConfigMap{corev1.ConfigMap{}}
	o.APIVersion, o.Kind, o.Name = "v1", "ConfigMap", "x"
	if err := roundTrip(o); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("roundTrip(leaky) = %v, want an unknown field error", err)
	}
}

func TestDeterministic(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			dump := func() []byte {
				var buf bytes.Buffer
				for _, o := range render(t, v.input()) {
					b, err := yaml.Marshal(o)
					if err != nil {
						t.Fatal(err)
					}
					buf.Write(b)
					buf.WriteString("---\n")
				}
				return buf.Bytes()
			}
			first := dump()
			for i := 0; i < 5; i++ {
				if !bytes.Equal(first, dump()) {
					t.Fatal("two renders differ")
				}
			}
		})
	}
}

func TestObjectsDoNotShareState(t *testing.T) {
	in := variants[0].input()
	a := render(t, in)
	// Mutating one render must not leak into the next (shared slices or
	// maps in package-level vars would).
	for _, o := range a {
		if c, ok := o.(*cmv1.Certificate); ok && len(c.Spec.Usages) > 0 {
			c.Spec.Usages[0] = "mutated"
		}
		o.GetLabels()[labelCluster] = "mutated"
	}
	for _, o := range render(t, in) {
		if c, ok := o.(*cmv1.Certificate); ok && len(c.Spec.Usages) > 0 && c.Spec.Usages[0] == "mutated" {
			t.Fatalf("Certificate %s shares its usages with a previous render", c.Name)
		}
		if o.GetLabels()[labelCluster] == "mutated" {
			t.Fatalf("%s shares its labels with a previous render", o.GetName())
		}
	}
}

// TestLongNames: cert-manager rejects a commonName over 64 characters.
func TestLongNames(t *testing.T) {
	in := variants[0].input()
	in.Cluster.Name = strings.Repeat("c", 36)
	in.Cluster.Resolved.Seed = strings.Repeat("s", 20)
	in.Seed.Name = in.Cluster.Resolved.Seed
	in.Master.Domain = "kubermatic.platform.example.com"
	objs := render(t, in)
	for _, o := range objs {
		if c, ok := o.(*cmv1.Certificate); ok && len(c.Spec.CommonName) > maxCommonName {
			t.Errorf("Certificate %s: commonName %q is longer than 64", c.Name, c.Spec.CommonName)
		}
	}
	if ca := find[*cmv1.Certificate](objs, "Certificate", certCA); ca.Spec.CommonName != "root-ca."+in.Cluster.Name {
		t.Errorf("long root CA CN = %q", ca.Spec.CommonName)
	}
}

func TestInvalidInput(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Input)
		want   string
	}{
		{"nil cluster", func(in *Input) { in.Cluster = nil }, "required"},
		{"nil master", func(in *Input) { in.Master = nil }, "required"},
		{"no nodeport", func(in *Input) { in.Cluster.Resolved.NodePort = 0 }, "no NodePort"},
		{"no tunnel nodeport", func(in *Input) { in.Cluster.Resolved.TunnelNodePort = 0 }, "konnectivity-server has no NodePort"},
		{"bad services", func(in *Input) { in.Cluster.Network.Services = "10.240.16.0/33" }, "network.services"},
		{"bad pods", func(in *Input) { in.Cluster.Network.Pods = "pods" }, "network.pods"},
		{"bad storage", func(in *Input) { in.Cluster.Etcd.Storage = "5 GB" }, "etcd.storage"},
		{"no etcd", func(in *Input) { in.Cluster.Etcd.Replicas = 0 }, "etcd.replicas"},
		{"no apiserver", func(in *Input) { in.Cluster.APIServer.Replicas = 0 }, "apiserver.replicas"},
		{"no image", func(in *Input) { in.Images.KonnectivityServer = "" }, "KonnectivityServer"},
		{"bad expose", func(in *Input) { in.Seed.Expose = "Ingress" }, "expose strategy"},
		{"bad tunnel", func(in *Input) { in.Cluster.Tunnel = "wireguard" }, "tunnel"},
		{"other seed", func(in *Input) { in.Cluster.Resolved.Seed = "asia" }, "resolved seed"},
		{"shared nodeport", func(in *Input) { in.Cluster.Resolved.TunnelNodePort = in.Cluster.Resolved.NodePort }, "share NodePort"},
		{"openvpn without tunnel nodeport", func(in *Input) {
			in.Cluster.Tunnel = model.TunnelOpenVPN
			in.Cluster.Resolved.TunnelNodePort = 0
		}, "openvpn-server has no NodePort"},
		{"openvpn without image", func(in *Input) {
			in.Cluster.Tunnel = model.TunnelOpenVPN
			in.Images.OpenVPN = ""
		}, "no OpenVPN image"},
		{"openvpn without resolver image", func(in *Input) {
			in.Cluster.Tunnel = model.TunnelOpenVPN
			in.Images.DNSResolver = ""
		}, "no DNSResolver image"},
		{"openvpn with IPv6 pods", func(in *Input) {
			in.Cluster.Tunnel = model.TunnelOpenVPN
			in.Cluster.Network.Pods = "fd01::/48"
		}, "IPv4 only"},
		{"no prometheus image", func(in *Input) { in.Images.Prometheus = "" }, "no Prometheus image"},
		{"no envoy image", func(in *Input) {
			in.Seed.Expose = model.ExposeLoadBalancer
			in.Images.Envoy = ""
		}, "no Envoy image"},
		{"bad vsphere endpoint", func(in *Input) {
			in.Datacenter.Provider = model.Provider{VSphere: &model.VSphere{Endpoint: "vcenter", Datacenter: "dc", Cluster: "c"}}
		}, "vsphere endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := variants[3].input() // konnectivity + NodePort
			tt.mutate(&in)
			_, err := Objects(in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
