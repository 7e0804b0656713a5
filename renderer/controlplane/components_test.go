package controlplane

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"github.com/fleetc/fleetc/renderer/envoy"
	"reflect"
	"slices"
	"strings"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// argAfter returns the value following the bare flag name in args.
func argAfter(t *testing.T, args []string, name string) string {
	t.Helper()
	i := slices.Index(args, name)
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("no %s in %v", name, args)
	}
	return args[i+1]
}

// directives parses an OpenVPN configuration file: directive → arguments
// (repeated directives append).
func directives(conf string) map[string][]string {
	out := map[string][]string{}
	for _, l := range strings.Split(conf, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, v, _ := strings.Cut(l, " ")
		out[k] = append(out[k], v)
	}
	return out
}

func TestOpenVPN(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			names := []struct{ kind, name string }{
				{"Deployment", appOpenVPN}, {"Service", svcOpenVPN}, {"ConfigMap", cmOpenVPN},
				{"Deployment", appDNSResolver}, {"Service", svcDNSResolver}, {"ConfigMap", cmDNSResolver},
				{"PodDisruptionBudget", appDNSResolver}, {"Issuer", issuerOpenVPNCA},
				{"Certificate", certOpenVPNCA}, {"Certificate", certOpenVPNServer},
				{"Certificate", certOpenVPNClient}, {"Certificate", certOpenVPNUserClient},
			}
			openvpn := v.tunnel == model.TunnelOpenVPN
			for _, n := range names {
				found := slices.ContainsFunc(objs, func(o object.Object) bool { return object.Kind(o) == n.kind && o.GetName() == n.name })
				if found != openvpn {
					t.Errorf("%s %s rendered = %v with tunnel %s", n.kind, n.name, found, v.tunnel)
				}
			}
			api := find[*appsv1.Deployment](objs, "Deployment", appAPIServer)
			if (container(api.Spec.Template.Spec, containerOpenVPNClient) != nil) != openvpn {
				t.Errorf("apiserver openvpn-client sidecar present with tunnel %s", v.tunnel)
			}
			if !openvpn {
				return
			}

			// The server configuration routes the customer's networks and
			// hands them to the customer cluster's client.
			cm := find[*corev1.ConfigMap](objs, "ConfigMap", cmOpenVPN)
			d := directives(cm.Data[openVPNServerKey])
			wantRoutes := []string{"172.25.0.0 255.255.0.0", "10.240.16.0 255.255.240.0", "10.254.0.0 255.255.0.0"}
			if !slices.Equal(d["route"], wantRoutes) {
				t.Errorf("route %v, want %v", d["route"], wantRoutes)
			}
			var pushed []string
			for _, r := range wantRoutes {
				pushed = append(pushed, fmt.Sprintf("%q", "route "+r))
			}
			if !slices.Equal(d["push"], pushed) {
				t.Errorf("push %v, want %v", d["push"], pushed)
			}
			for k, want := range map[string]string{"port": "1194", "proto": "tcp-server", "server": "10.20.0.0 255.255.255.0", "remote-cert-tls": "client"} {
				if got := d[k]; len(got) != 1 || got[0] != want {
					t.Errorf("%s %v, want %s", k, got, want)
				}
			}
			if _, ok := d["client-to-client"]; !ok {
				t.Errorf("no client-to-client: the apiserver's client could not reach the nodes")
			}
			ccd := directives(cm.Data[cnOpenVPNUserClient])
			if !slices.Equal(ccd["iroute"], wantRoutes) {
				t.Errorf("iroute %v, want %v", ccd["iroute"], wantRoutes)
			}

			// Files: everything the server and the clients read is mounted,
			// and the certificates chain as OpenVPN will check them.
			secrets := issueAll(t, objs)
			fss := mountedFiles(t, objs, secrets)
			srv := fss["openvpn-server/openvpn-server"]
			if srv == nil {
				t.Fatal("no openvpn-server container")
			}
			srvDep := find[*appsv1.Deployment](objs, "Deployment", appOpenVPN)
			conf := srv.file(t, argAfter(t, container(srvDep.Spec.Template.Spec, appOpenVPN).Args, "--config"))
			if string(conf) != cm.Data[openVPNServerKey] {
				t.Errorf("--config is not the server configuration")
			}
			ccdFile := srv.file(t, d["client-config-dir"][0]+"/"+cnOpenVPNUserClient)
			if string(ccdFile) != cm.Data[cnOpenVPNUserClient] {
				t.Errorf("client-config-dir entry for %s is not mounted", cnOpenVPNUserClient)
			}
			serverCert := srv.cert(t, d["cert"][0])
			if !srv.isKeyOf(t, d["key"][0], serverCert) {
				t.Errorf("server key does not match its certificate")
			}
			vpnCA := srv.pool(t, d["ca"][0])
			for _, wl := range []string{"apiserver/openvpn-client", "dns-resolver/openvpn-client"} {
				cfs := fss[wl]
				if cfs == nil {
					t.Fatalf("no %s", wl)
				}
				dep := find[*appsv1.Deployment](objs, "Deployment", strings.Split(wl, "/")[0])
				args := container(dep.Spec.Template.Spec, containerOpenVPNClient).Args
				if got, want := argAfter(t, args, "--remote"), svcOpenVPN+"."+in.Cluster.Namespace()+".svc.cluster.local."; got != want {
					t.Errorf("%s --remote %s, want %s", wl, got, want)
				}
				verify(t, wl+" → server", serverCert, cfs.pool(t, argAfter(t, args, "--ca")), "", x509.ExtKeyUsageServerAuth)
				if serverCert.Subject.CommonName != argAfter(t, args, "--verify-x509-name") {
					t.Errorf("%s verifies server name %q, server is %q", wl, argAfter(t, args, "--verify-x509-name"), serverCert.Subject.CommonName)
				}
				client := cfs.cert(t, argAfter(t, args, "--cert"))
				verify(t, wl+" client", client, vpnCA, "", x509.ExtKeyUsageClientAuth)
				if !cfs.isKeyOf(t, argAfter(t, args, "--key"), client) {
					t.Errorf("%s: client key does not match", wl)
				}
			}
			verify(t, "customer cluster client", secrets[certOpenVPNUserClient].cert, vpnCA, "", x509.ExtKeyUsageClientAuth)
			if secrets[certOpenVPNUserClient].cert.Subject.CommonName != cnOpenVPNUserClient {
				t.Errorf("customer client CN %q has no client-config-dir entry", secrets[certOpenVPNUserClient].cert.Subject.CommonName)
			}
			// The VPN trusts its own CA only: cluster-CA client certificates
			// (admin, kubelets signed by the controller-manager) stay out.
			if _, err := secrets[certAdmin].cert.Verify(x509.VerifyOptions{Roots: vpnCA, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
				t.Errorf("the admin certificate would be accepted by the VPN")
			}

			// Service, exposed like the other tunnel.
			svc := find[*corev1.Service](objs, "Service", svcOpenVPN)
			sp := svc.Spec.Ports[0]
			if sp.Port != openVPNPort || sp.TargetPort.IntValue() != openVPNPort || svc.Spec.Selector[labelApp] != appOpenVPN {
				t.Errorf("openvpn-server Service %+v", svc.Spec)
			}
			switch v.expose {
			case model.ExposeTunneling:
				if svc.Spec.Type != corev1.ServiceTypeClusterIP || !reflect.DeepEqual(svc.Annotations, map[string]string{annExpose: "Tunneling"}) || sp.NodePort != 0 {
					t.Errorf("Tunneling: openvpn-server Service %+v %v", svc.Spec, svc.Annotations)
				}
			default:
				if svc.Spec.Type != corev1.ServiceTypeNodePort || int(sp.NodePort) != in.Cluster.Resolved.TunnelNodePort {
					t.Errorf("%s: openvpn-server Service type %s nodePort %d", v.expose, svc.Spec.Type, sp.NodePort)
				}
			}
			if r := *srvDep.Spec.Replicas; r != 1 {
				t.Errorf("openvpn-server replicas %d, want 1", r)
			}

			// dns-resolver: cluster.local goes to the customer's DNS
			// (services CIDR + 10), the namespace's own names to the seed.
			core := find[*corev1.ConfigMap](objs, "ConfigMap", cmDNSResolver).Data[corefileKey]
			for _, want := range []string{
				"cluster.local.:1053 {\n    forward . 10.240.16.10",
				in.Cluster.Namespace() + ".svc.cluster.local.:1053 {\n    forward . /etc/resolv.conf",
				".:1053 {\n    forward . /etc/resolv.conf",
			} {
				if !strings.Contains(core, want) {
					t.Errorf("Corefile lacks %q:\n%s", want, core)
				}
			}
			dns := find[*appsv1.Deployment](objs, "Deployment", appDNSResolver)
			dnsSvc := find[*corev1.Service](objs, "Service", svcDNSResolver)
			for _, p := range dnsSvc.Spec.Ports {
				if p.Port != 53 || !slices.ContainsFunc(container(dns.Spec.Template.Spec, appDNSResolver).Ports, func(cp corev1.ContainerPort) bool {
					return cp.ContainerPort == int32(p.TargetPort.IntValue()) && cp.Protocol == p.Protocol
				}) {
					t.Errorf("dns-resolver Service port %+v targets no container port", p)
				}
			}
			if got := container(dns.Spec.Template.Spec, appDNSResolver).Args; !slices.Equal(got, []string{"-conf", corefileDir + "/" + corefileKey}) {
				t.Errorf("coredns args %v", got)
			}
			// The apiserver keeps the seed's DNS (see doc.go).
			if p := api.Spec.Template.Spec.DNSPolicy; p != "" && p != corev1.DNSClusterFirst {
				t.Errorf("apiserver dnsPolicy %s", p)
			}
		})
	}
}

func TestMonitoring(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			sts := find[*appsv1.StatefulSet](objs, "StatefulSet", appPrometheus)
			if (sts != nil) == v.noMonitoring {
				t.Fatalf("prometheus rendered = %v with monitoring %v", sts != nil, !v.noMonitoring)
			}
			if v.noMonitoring {
				for _, o := range objs {
					if strings.Contains(o.GetName(), "prometheus") {
						t.Errorf("%s %s rendered without monitoring", object.Kind(o), o.GetName())
					}
				}
				return
			}
			c := container(sts.Spec.Template.Spec, appPrometheus)
			if ret, _ := flag(c.Args, "storage.tsdb.retention.time"); ret != "1h" {
				t.Errorf("retention %q, want 1h", ret)
			}
			if *sts.Spec.Replicas != 1 || c.Image != testImages.Prometheus {
				t.Errorf("replicas %d image %s", *sts.Spec.Replicas, c.Image)
			}

			// The configuration decodes strictly into the typed structs.
			var cfg prometheusConfig
			if err := yaml.UnmarshalStrict([]byte(find[*corev1.ConfigMap](objs, "ConfigMap", cmPrometheus).Data[prometheusConfigKey]), &cfg); err != nil {
				t.Fatal(err)
			}
			jobs := map[string]scrapeConfig{}
			for _, sc := range cfg.ScrapeConfigs {
				jobs[sc.JobName] = sc
			}
			secrets := issueAll(t, objs)
			fss := mountedFiles(t, objs, secrets)
			pfs := fss["StatefulSet/prometheus/prometheus"]
			pods, _ := clusterPods(t, objs)
			api := fss["apiserver/apiserver"]
			apiArgs := container(find[*appsv1.Deployment](objs, "Deployment", appAPIServer).Spec.Template.Spec, appAPIServer).Args
			clientCA, _ := flag(apiArgs, "client-ca-file")
			serving, _ := flag(apiArgs, "tls-cert-file")
			for _, tt := range []struct {
				job, scheme string
				port        int32
				verifyAs    string // server name checked against apiserver-tls; "" = skip
			}{
				{appEtcd, "http", etcdMetricsPort, ""},
				{appAPIServer, "https", -1, "kubernetes"},
				{appControllerManager, "https", controllerManagerPort, ""},
				{appScheduler, "https", schedulerPort, ""},
			} {
				sc, ok := jobs[tt.job]
				if !ok {
					t.Errorf("no job %s", tt.job)
					continue
				}
				if sc.Scheme != tt.scheme || len(sc.KubernetesSDConfigs) != 1 || !slices.Equal(sc.KubernetesSDConfigs[0].Namespaces.Names, []string{in.Cluster.Namespace()}) {
					t.Errorf("job %s: scheme %s sd %+v", tt.job, sc.Scheme, sc.KubernetesSDConfigs)
				}
				// The keep rule selects exactly one container port of the
				// component's pods, the one its NetworkPolicy opens.
				keep := sc.RelabelConfigs[0]
				parts := strings.Split(keep.Regex, ";")
				if keep.Action != "keep" || len(parts) != 3 || parts[0] != tt.job {
					t.Fatalf("job %s keep rule %+v", tt.job, keep)
				}
				pod := pods[tt.job]
				var matched []corev1.ContainerPort
				for _, cp := range pod.ports {
					if cp.Name == parts[2] {
						matched = append(matched, cp)
					}
				}
				want := tt.port
				if want < 0 {
					sp, _ := flag(apiArgs, "secure-port")
					fmt.Sscan(sp, &want)
				}
				if len(matched) != 1 || matched[0].ContainerPort != want {
					t.Errorf("job %s scrapes ports %+v, want %d", tt.job, matched, want)
				}
				if tt.scheme != "https" {
					continue
				}
				tls := sc.TLSConfig
				cert := pfs.cert(t, tls.CertFile)
				verify(t, tt.job+" scrape client", cert, api.pool(t, clientCA), "", x509.ExtKeyUsageClientAuth)
				if !pfs.isKeyOf(t, tls.KeyFile, cert) {
					t.Errorf("job %s: key does not match", tt.job)
				}
				if cert.Subject.CommonName != "prometheus" || !slices.Equal(cert.Subject.Organization, []string{"system:monitoring"}) {
					t.Errorf("scrape identity %v", cert.Subject)
				}
				if tt.verifyAs != "" {
					if tls.InsecureSkipVerify || tls.ServerName != tt.verifyAs {
						t.Errorf("job %s tls %+v", tt.job, tls)
					}
					verify(t, tt.job+" serving", api.cert(t, serving), pfs.pool(t, tls.CAFile), tls.ServerName, x509.ExtKeyUsageServerAuth)
				}
			}

			svc := find[*corev1.Service](objs, "Service", svcPrometheus)
			if svc == nil || svc.Spec.ClusterIP != corev1.ClusterIPNone || svc.Spec.Ports[0].Port != prometheusPort || sts.Spec.ServiceName != svc.Name {
				t.Errorf("prometheus Service %+v", svc)
			}
			role := find[*rbacv1.Role](objs, "Role", appPrometheus)
			rb := find[*rbacv1.RoleBinding](objs, "RoleBinding", appPrometheus)
			if role == nil || rb == nil {
				t.Fatal("no Role/RoleBinding prometheus")
			}
			wantRules := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"endpoints", "pods", "services"}, Verbs: []string{"get", "list", "watch"}}}
			if !reflect.DeepEqual(role.Rules, wantRules) {
				t.Errorf("Role rules %+v", role.Rules)
			}
			if rb.RoleRef.Name != role.Name || len(rb.Subjects) != 1 || rb.Subjects[0].Name != sts.Spec.Template.Spec.ServiceAccountName || rb.Subjects[0].Namespace != in.Cluster.Namespace() {
				t.Errorf("RoleBinding %+v", rb)
			}
			data := sts.Spec.Template.Spec.Volumes[len(sts.Spec.Template.Spec.Volumes)-1]
			if data.EmptyDir == nil || data.EmptyDir.SizeLimit == nil {
				t.Errorf("prometheus data volume %+v, want a bounded emptyDir", data)
			}
		})
	}
}

func TestTunnelAndLoadBalancerExposure(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			tunnel := svcKonnectivity
			if v.tunnel == model.TunnelOpenVPN {
				tunnel = svcOpenVPN
			}
			api := find[*corev1.Service](objs, "Service", svcAPIServerExternal)
			tun := find[*corev1.Service](objs, "Service", tunnel)
			if tun == nil {
				t.Fatalf("no tunnel Service %s", tunnel)
			}
			// Both exposed Services follow the seed's strategy the same way.
			for _, s := range []*corev1.Service{api, tun} {
				switch v.expose {
				case model.ExposeTunneling:
					if s.Spec.Type != corev1.ServiceTypeClusterIP || !strings.Contains(s.Annotations[annExpose], "Tunneling") || s.Spec.Ports[0].NodePort != 0 {
						t.Errorf("%s: type %s annotations %v", s.Name, s.Spec.Type, s.Annotations)
					}
				case model.ExposeNodePort:
					if s.Spec.Type != corev1.ServiceTypeNodePort || s.Annotations[annExpose] != "NodePort" {
						t.Errorf("%s: type %s annotations %v", s.Name, s.Spec.Type, s.Annotations)
					}
				case model.ExposeLoadBalancer:
					if s.Spec.Type != corev1.ServiceTypeNodePort || s.Annotations[annExposeNamespaced] != "true" {
						t.Errorf("%s: type %s annotations %v", s.Name, s.Spec.Type, s.Annotations)
					}
				}
			}
			if v.expose != model.ExposeTunneling {
				if int(api.Spec.Ports[0].NodePort) != in.Cluster.Resolved.NodePort || int(tun.Spec.Ports[0].NodePort) != in.Cluster.Resolved.TunnelNodePort {
					t.Errorf("nodePorts %d/%d, want %d/%d", api.Spec.Ports[0].NodePort, tun.Spec.Ports[0].NodePort, in.Cluster.Resolved.NodePort, in.Cluster.Resolved.TunnelNodePort)
				}
			}

			lb := find[*corev1.Service](objs, "Service", svcFrontLB)
			proxy := find[*appsv1.Deployment](objs, "Deployment", appEnvoy)
			if (lb != nil) != (v.expose == model.ExposeLoadBalancer) || (proxy != nil) != (lb != nil) {
				t.Fatalf("front-loadbalancer %v, envoy %v on %s", lb != nil, proxy != nil, v.expose)
			}
			if lb == nil {
				return
			}
			if lb.Spec.Type != corev1.ServiceTypeLoadBalancer {
				t.Errorf("front-loadbalancer type %s", lb.Spec.Type)
			}
			// The load balancer's ports are the NodePorts, so the external
			// URL (https://<externalName>:<NodePort>) is the same as on
			// NodePort seeds; Envoy forwards each to its Service.
			var cfg envoy.Bootstrap
			if err := yaml.UnmarshalStrict([]byte(find[*corev1.ConfigMap](objs, "ConfigMap", cmEnvoy).Data[envoyConfigKey]), &cfg); err != nil {
				t.Fatal(err)
			}
			clusters := map[string]envoy.Cluster{}
			for _, c := range cfg.StaticResources.Clusters {
				clusters[c.Name] = c
			}
			targets := map[int32]*corev1.Service{int32(in.Cluster.Resolved.NodePort): api, int32(in.Cluster.Resolved.TunnelNodePort): tun}
			if len(lb.Spec.Ports) != 2 || len(cfg.StaticResources.Listeners) != 2 {
				t.Fatalf("front-loadbalancer ports %+v, listeners %+v", lb.Spec.Ports, cfg.StaticResources.Listeners)
			}
			ec := container(proxy.Spec.Template.Spec, appEnvoy)
			for _, p := range lb.Spec.Ports {
				target := targets[p.Port]
				if target == nil || p.TargetPort.IntValue() != int(p.Port) {
					t.Errorf("front-loadbalancer port %+v", p)
					continue
				}
				if !slices.ContainsFunc(ec.Ports, func(cp corev1.ContainerPort) bool { return cp.ContainerPort == p.Port }) {
					t.Errorf("envoy has no container port %d", p.Port)
				}
				i := slices.IndexFunc(cfg.StaticResources.Listeners, func(l envoy.Listener) bool { return l.Address.SocketAddress.PortValue == p.Port })
				if i < 0 {
					t.Errorf("no listener on %d", p.Port)
					continue
				}
				l := cfg.StaticResources.Listeners[i]
				tcpProxy := l.FilterChains[0].Filters[0].TypedConfig
				c := clusters[tcpProxy.Cluster]
				addr := c.LoadAssignment.Endpoints[0].LBEndpoints[0].Endpoint.Address.SocketAddress
				want := target.Name + "." + in.Cluster.Namespace() + ".svc.cluster.local."
				if addr.Address != want || addr.PortValue != target.Spec.Ports[0].Port || c.Type != "STRICT_DNS" || tcpProxy.Type != envoy.TCPProxyType {
					t.Errorf("listener %d → %s:%d (%s), want %s:%d", p.Port, addr.Address, addr.PortValue, c.Type, want, target.Spec.Ports[0].Port)
				}
			}
			if *proxy.Spec.Replicas < 2 || find[*policyv1.PodDisruptionBudget](objs, "PodDisruptionBudget", appEnvoy) == nil {
				t.Errorf("envoy replicas %d without PDB", *proxy.Spec.Replicas)
			}
		})
	}
}

// TestAvailability: every workload with more than one replica has a PDB
// selecting its pods; singletons have none.
func TestAvailability(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := render(t, v.input())
			pdbs := map[string]*policyv1.PodDisruptionBudget{}
			for _, o := range objs {
				if p, ok := o.(*policyv1.PodDisruptionBudget); ok {
					pdbs[p.Name] = p
				}
			}
			seen := map[string]bool{}
			for _, o := range objs {
				var replicas int32
				var labels map[string]string
				switch w := o.(type) {
				case *appsv1.Deployment:
					replicas, labels = *w.Spec.Replicas, w.Spec.Template.Labels
				case *appsv1.StatefulSet:
					replicas, labels = *w.Spec.Replicas, w.Spec.Template.Labels
				default:
					continue
				}
				p := pdbs[o.GetName()]
				if (p != nil) != (replicas > 1) {
					t.Errorf("%s %s: %d replicas, PDB %v", object.Kind(o), o.GetName(), replicas, p != nil)
				}
				if p == nil {
					continue
				}
				seen[p.Name] = true
				for k, val := range p.Spec.Selector.MatchLabels {
					if labels[k] != val {
						t.Errorf("PDB %s selects %s=%s, pods have %q", p.Name, k, val, labels[k])
					}
				}
				if p.Spec.MinAvailable != nil && int32(p.Spec.MinAvailable.IntValue()) >= replicas {
					t.Errorf("PDB %s minAvailable %d blocks every eviction of %d replicas", p.Name, p.Spec.MinAvailable.IntValue(), replicas)
				}
			}
			for name := range pdbs {
				if !seen[name] {
					t.Errorf("PDB %s has no workload", name)
				}
			}
		})
	}
}

func TestCloudConfig(t *testing.T) {
	tests := []struct {
		provider model.Provider
		format   string   // "ini", "json" or "" (no ConfigMap)
		want     []string // lines the file must hold
	}{
		{model.Provider{AWS: &model.AWS{Region: "eu-central-1"}}, "ini", []string{"[global]", `Zone = "eu-central-1x"`, `KubernetesClusterID = "prod"`}},
		{model.Provider{GCP: &model.GCP{Region: "europe-west3"}}, "ini", []string{"[global]", `node-tags = "kubernetes-cluster-prod"`, "multizone = true"}},
		{model.Provider{OpenStack: &model.OpenStack{AuthURL: "https://keystone.example.com:5000/v3", Region: "RegionOne"}}, "ini",
			[]string{"[Global]", `auth-url = "https://keystone.example.com:5000/v3"`, `region = "RegionOne"`, "[LoadBalancer]", "[BlockStorage]"}},
		{model.Provider{VSphere: &model.VSphere{Endpoint: "https://vcenter.example.com:8443/sdk", Datacenter: "dc-1", Cluster: "compute-1"}}, "ini",
			[]string{"[Global]", `server = "vcenter.example.com"`, `port = "8443"`, `datacenter = "dc-1"`, `cluster-id = "compute-1"`, `working-dir = "prod"`, `[VirtualCenter "vcenter.example.com"]`, `datacenters = "dc-1"`}},
		{model.Provider{VSphere: &model.VSphere{Endpoint: "https://vcenter.example.com", Datacenter: `dc "quoted"`, Cluster: "c"}}, "ini",
			[]string{`port = "443"`, `datacenter = "dc \"quoted\""`}},
		{model.Provider{Azure: &model.Azure{Location: "westeurope"}}, "json", []string{`"location": "westeurope"`, `"cloud": "AZUREPUBLICCLOUD"`}},
		{model.Provider{Hetzner: &model.Hetzner{Datacenter: "fsn1-dc14"}}, "", nil},
		{model.Provider{DigitalOcean: &model.DigitalOcean{Region: "ams3"}}, "", nil},
		{model.Provider{BringYourOwn: &model.BringYourOwn{}}, "", nil},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%d-%s", i, tt.provider.Name()), func(t *testing.T) {
			in := variants[0].input()
			in.Cluster.Name = "prod"
			in.Datacenter.Provider = tt.provider
			objs := render(t, in)
			cm := find[*corev1.ConfigMap](objs, "ConfigMap", cmCloudConfig)
			if (cm != nil) != (tt.format != "") || (cm != nil) != providerHasCloudConfig(tt.provider) {
				t.Fatalf("cloud-config rendered = %v for %s", cm != nil, tt.provider.Name())
			}
			if cm == nil {
				return
			}
			file := cm.Data[cloudConfigKey]
			lines := strings.Split(file, "\n")
			for _, w := range tt.want {
				if !slices.Contains(lines, w) && !slices.Contains(lines, "  "+w) && !slices.Contains(lines, "  "+w+",") {
					t.Errorf("cloud-config lacks %q:\n%s", w, file)
				}
			}
			switch tt.format {
			case "json":
				var m map[string]any
				if err := json.Unmarshal([]byte(file), &m); err != nil {
					t.Errorf("azure config: %v", err)
				}
			case "ini":
				for _, l := range lines {
					if l == "" || strings.HasPrefix(l, "[") {
						continue
					}
					k, val, ok := strings.Cut(l, " = ")
					if !ok || k == "" || val == "" {
						t.Errorf("malformed line %q", l)
					}
				}
			}
			for _, secret := range []string{"password", "secret", "token =", "aadClient", "username"} {
				if strings.Contains(strings.ToLower(file), strings.ToLower(secret)) {
					t.Errorf("cloud-config mentions %q: credentials belong in Secret cloud-credentials", secret)
				}
			}
			// Nothing cloud-specific reaches the controller-manager.
			kcm := container(find[*appsv1.Deployment](objs, "Deployment", appControllerManager).Spec.Template.Spec, appControllerManager)
			if cp, _ := flag(kcm.Args, "cloud-provider"); cp != "external" {
				t.Errorf("--cloud-provider=%s", cp)
			}
			if _, ok := flag(kcm.Args, "cloud-config"); ok {
				t.Errorf("controller-manager has a --cloud-config")
			}
		})
	}
}

// TestNewCertificates checks the Certificates this package added for the
// tunnel and monitoring, beyond TestCertificates' general rules.
func TestNewCertificates(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := render(t, v.input())
			prom := find[*cmv1.Certificate](objs, "Certificate", certPrometheusClient)
			if (prom != nil) == v.noMonitoring {
				t.Fatalf("prometheus-client-certificate rendered = %v", prom != nil)
			}
			if prom != nil && (prom.Spec.IssuerRef.Name != issuerCA || prom.Spec.CommonName != "prometheus" ||
				prom.Spec.Subject == nil || !slices.Equal(prom.Spec.Subject.Organizations, []string{"system:monitoring"}) ||
				!slices.Equal(prom.Spec.Usages, clientUsages)) {
				t.Errorf("prometheus-client-certificate %+v", prom.Spec)
			}
			if v.tunnel != model.TunnelOpenVPN {
				return
			}
			for name, want := range map[string]struct {
				issuer, cn string
				usages     []cmv1.KeyUsage
			}{
				certOpenVPNServer:     {issuerOpenVPNCA, cnOpenVPNServer, serverUsages},
				certOpenVPNClient:     {issuerOpenVPNCA, cnOpenVPNInternal, clientUsages},
				certOpenVPNUserClient: {issuerOpenVPNCA, cnOpenVPNUserClient, clientUsages},
			} {
				c := find[*cmv1.Certificate](objs, "Certificate", name)
				if c == nil || c.Spec.IssuerRef.Name != want.issuer || c.Spec.CommonName != want.cn || !slices.Equal(c.Spec.Usages, want.usages) {
					t.Errorf("Certificate %s: %+v", name, c)
				}
			}
			iss := find[*cmv1.Issuer](objs, "Issuer", issuerOpenVPNCA)
			if iss == nil || iss.Spec.CA == nil || iss.Spec.CA.SecretName != certOpenVPNCA || iss.Spec.CA.SecretName == certCA {
				t.Errorf("Issuer openvpn-ca %+v", iss)
			}
		})
	}
}
