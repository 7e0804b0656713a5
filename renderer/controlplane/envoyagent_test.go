package controlplane

import (
	"github.com/fleetc/fleetc/renderer/envoy"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

// TestSeedProxyConnectListener: a Tunneling seed's proxy terminates the
// envoy-agents' HTTP/2 CONNECT tunnels on 8088 and joins the tunnel of
// authority <cluster external name>:6443 to that cluster's apiserver,
// and (tunnel "openvpn" only) the tunnel of authority
// openvpn-server.<namespace>.svc.cluster.local:1194 to that cluster's
// openvpn-server Service; a NodePort seed has no such listener.
func TestSeedProxyConnectListener(t *testing.T) {
	objs, err := SeedProxyObjects(seedProxyInput(model.ExposeTunneling))
	if err != nil {
		t.Fatal(err)
	}
	cfg := seedProxyConfigOf(t, objs)
	var l *envoy.Listener
	for i := range cfg.StaticResources.Listeners {
		if cfg.StaticResources.Listeners[i].Address.SocketAddress.PortValue == 8088 {
			l = &cfg.StaticResources.Listeners[i]
		}
	}
	if l == nil {
		t.Fatal("no listener on 8088")
	}
	if len(l.FilterChains) != 1 || len(l.FilterChains[0].Filters) != 1 {
		t.Fatalf("filter chains %+v", l.FilterChains)
	}
	hcm := l.FilterChains[0].Filters[0].TypedConfig
	if hcm.Type != envoy.HCMType || hcm.CodecType != "HTTP2" || hcm.HTTP2ProtocolOptions == nil || !hcm.HTTP2ProtocolOptions.AllowConnect {
		t.Errorf("connection manager %+v: want HTTP/2 with CONNECT allowed", hcm)
	}
	if len(hcm.UpgradeConfigs) != 1 || hcm.UpgradeConfigs[0].UpgradeType != "CONNECT" {
		t.Errorf("upgrade configs %+v", hcm.UpgradeConfigs)
	}
	if len(hcm.HTTPFilters) != 1 || hcm.HTTPFilters[0].TypedConfig["@type"] != envoy.RouterType {
		t.Errorf("http filters %+v: want the router", hcm.HTTPFilters)
	}
	routes := map[string]string{}
	for _, vh := range hcm.RouteConfig.VirtualHosts {
		if len(vh.Domains) != 1 || len(vh.Routes) != 1 {
			t.Fatalf("virtual host %+v", vh)
		}
		r := vh.Routes[0].Route
		if len(r.UpgradeConfigs) != 1 || r.UpgradeConfigs[0].UpgradeType != "CONNECT" || r.UpgradeConfigs[0].ConnectConfig == nil {
			t.Errorf("route %+v does not terminate CONNECT", r)
		}
		if r.IdleTimeout != envoyIdleTimeout {
			t.Errorf("route idle timeout %q: a watch idle for 5 minutes would be cut", r.IdleTimeout)
		}
		routes[vh.Domains[0]] = r.Cluster
	}
	want := map[string]string{
		"a.eu.kkp.example.com:6443":                       "cluster-a-apiserver",
		"b.eu.kkp.example.com:6443":                       "cluster-b-apiserver",
		"openvpn-server.cluster-b.svc.cluster.local:1194": "cluster-b-tunnel",
	}
	if len(routes) != len(want) {
		t.Errorf("CONNECT routes %v, want %v (no OpenVPN route for the Konnectivity cluster a)", routes, want)
	}
	for auth, cl := range want {
		if routes[auth] != cl {
			t.Errorf("CONNECT %s -> %q, want %s", auth, routes[auth], cl)
		}
	}
	for _, cl := range routes {
		if !slices.ContainsFunc(cfg.StaticResources.Clusters, func(c envoy.Cluster) bool { return c.Name == cl }) {
			t.Errorf("CONNECT route to undefined cluster %s", cl)
		}
	}
	// The OpenVPN route and its upstream, value by value.
	for _, vh := range hcm.RouteConfig.VirtualHosts {
		if vh.Name != "cluster-b-tunnel" {
			continue
		}
		wantVH := envoy.VirtualHost{
			Name:    "cluster-b-tunnel",
			Domains: []string{"openvpn-server.cluster-b.svc.cluster.local:1194"},
			Routes: []envoy.Route{{Route: envoy.RouteAction{
				Cluster:        "cluster-b-tunnel",
				UpgradeConfigs: []envoy.UpgradeConfig{{UpgradeType: "CONNECT", ConnectConfig: &struct{}{}}},
				IdleTimeout:    envoyIdleTimeout,
			}}},
		}
		if !reflect.DeepEqual(vh, wantVH) {
			t.Errorf("OpenVPN virtual host %+v, want %+v", vh, wantVH)
		}
	}
	wantCluster := envoy.Cluster{
		Name: "cluster-b-tunnel", Type: "STRICT_DNS", ConnectTimeout: envoyConnTimeout, DNSLookupFamily: "V4_ONLY",
		LoadAssignment: envoy.LoadAssignment{ClusterName: "cluster-b-tunnel", Endpoints: []envoy.LocalityEndpoints{{LBEndpoints: []envoy.LBEndpoint{{
			Endpoint: envoy.Endpoint{Address: envoy.Address{SocketAddress: envoy.SocketAddress{Address: "openvpn-server.cluster-b.svc.cluster.local.", PortValue: 1194}}},
		}}}}},
	}
	i := slices.IndexFunc(cfg.StaticResources.Clusters, func(c envoy.Cluster) bool { return c.Name == "cluster-b-tunnel" })
	if i < 0 || !reflect.DeepEqual(cfg.StaticResources.Clusters[i], wantCluster) {
		t.Errorf("OpenVPN upstream cluster (index %d) %+v, want %+v", i, cfg.StaticResources.Clusters, wantCluster)
	}
	// OpenVPN has no server name: no SNI chain leads to it.
	for _, fc := range cfg.StaticResources.Listeners[0].FilterChains {
		if fc.Filters[0].TypedConfig.Cluster == "cluster-b-tunnel" {
			t.Errorf("SNI chain %+v routes to the OpenVPN server", fc.FilterChainMatch)
		}
	}

	objs, err = SeedProxyObjects(seedProxyInput(model.ExposeNodePort))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range seedProxyConfigOf(t, objs).StaticResources.Listeners {
		if l.Address.SocketAddress.PortValue == 8088 {
			t.Error("a NodePort seed listens on 8088")
		}
	}
}

func seedProxyConfigOf(t *testing.T, objs []object.Object) envoy.Bootstrap {
	t.Helper()
	cm := find[*corev1.ConfigMap](objs, "ConfigMap", appSeedProxy)
	if cm == nil {
		t.Fatal("no proxy ConfigMap")
	}
	var cfg envoy.Bootstrap
	if err := yaml.UnmarshalStrict([]byte(cm.Data[envoyConfigKey]), &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestKubernetesServiceReachesAPIServer follows a pod's connection to the
// `kubernetes` Service through what the render wires, for every expose
// strategy: the Service's endpoint is the envoy-agent's listener, the
// apiserver's certificate carries that address, and the agent forwards to
// what the seed serves: the cluster's CONNECT route on the seed proxy
// (Tunneling) or the apiserver's NodePort (NodePort, LoadBalancer).
func TestKubernetesServiceReachesAPIServer(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			cp := render(t, in)
			images := catalog.Images{Envoy: testImages.Envoy, NetworkInterfaceManager: "mirror.example.com/kubermatic/network-interface-manager:v2.31.0"}
			uc, err := usercluster.Objects(usercluster.Input{Cluster: in.Cluster, Seed: in.Seed, Datacenter: in.Datacenter, Master: in.Master, Images: images})
			if err != nil {
				t.Fatal(err)
			}
			slice := find[*discoveryv1.EndpointSlice](uc, "EndpointSlice", "kubernetes")
			if slice == nil || len(slice.Endpoints) != 1 || len(slice.Endpoints[0].Addresses) != 1 || len(slice.Ports) != 1 {
				t.Fatalf("EndpointSlice kubernetes: %+v", slice)
			}
			epIP, epPort := slice.Endpoints[0].Addresses[0], *slice.Ports[0].Port

			tls := find[*cmv1.Certificate](cp, "Certificate", certAPIServerTLS)
			if !slices.Contains(tls.Spec.IPAddresses, epIP) {
				t.Errorf("apiserver-tls lacks the endpoint address %s: %v", epIP, tls.Spec.IPAddresses)
			}

			cm := find[*corev1.ConfigMap](uc, "ConfigMap", "envoy-agent")
			if cm == nil {
				t.Fatal("no envoy-agent ConfigMap")
			}
			var agent envoy.Bootstrap
			if err := yaml.Unmarshal([]byte(cm.Data["envoy.yaml"]), &agent); err != nil {
				t.Fatal(err)
			}
			ls := agent.StaticResources.Listeners
			if len(ls) == 0 || ls[0].Address.SocketAddress.Address != epIP || ls[0].Address.SocketAddress.PortValue != epPort {
				t.Fatalf("agent listeners %+v, want the first on %s:%d", ls, epIP, epPort)
			}
			up := agent.StaticResources.Clusters[0].LoadAssignment.Endpoints[0].LBEndpoints[0].Endpoint.Address.SocketAddress
			ext := in.Cluster.Name + ".europe.kkp.example.com"
			tunnel := ls[0].FilterChains[0].Filters[0].TypedConfig.TunnelingConfig
			if v.expose != model.ExposeTunneling {
				if tunnel != nil || up.Address != ext || up.PortValue != int32(in.Cluster.Resolved.NodePort) || up.PortValue != b(t, in).securePort {
					t.Errorf("agent upstream %+v tunnel %+v, want %s:%d", up, tunnel, ext, in.Cluster.Resolved.NodePort)
				}
				return
			}
			if tunnel == nil || up.Address != ext || up.PortValue != 8088 {
				t.Fatalf("agent upstream %+v tunnel %+v, want CONNECT through %s:8088", up, tunnel, ext)
			}
			proxy, err := SeedProxyObjects(SeedProxyInput{Seed: in.Seed, Master: in.Master, Clusters: []*model.Cluster{in.Cluster}, Images: testImages})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, l := range seedProxyConfigOf(t, proxy).StaticResources.Listeners {
				for _, fc := range l.FilterChains {
					rc := fc.Filters[0].TypedConfig.RouteConfig
					if rc == nil || l.Address.SocketAddress.PortValue != up.PortValue {
						continue
					}
					for _, vh := range rc.VirtualHosts {
						if slices.Contains(vh.Domains, tunnel.Hostname) && strings.HasSuffix(vh.Routes[0].Route.Cluster, "-apiserver") {
							found = true
						}
					}
				}
			}
			if !found {
				t.Errorf("the seed proxy has no CONNECT route for %q on %d", tunnel.Hostname, up.PortValue)
			}
		})
	}
}

func b(t *testing.T, in Input) *builder {
	t.Helper()
	bl, err := newBuilder(in)
	if err != nil {
		t.Fatal(err)
	}
	return bl
}

// TestSeedProxyEnvoyArgs: the seed proxy's Envoy reads the mounted
// configuration, without hot restart (no shared memory to set up in a
// read-only, unprivileged container), logging at info.
func TestSeedProxyEnvoyArgs(t *testing.T) {
	objs, err := SeedProxyObjects(seedProxyInput(model.ExposeTunneling))
	if err != nil {
		t.Fatal(err)
	}
	dep := find[*appsv1.Deployment](objs, "Deployment", appSeedProxy)
	c := dep.Spec.Template.Spec.Containers[0]
	if want := []string{"--config-path", envoyConfigDir + "/" + envoyConfigKey, "--disable-hot-restart", "--log-level", "info"}; !slices.Equal(c.Args, want) {
		t.Errorf("args %v, want %v", c.Args, want)
	}
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != envoyConfigDir {
		t.Errorf("mounts %+v: the configuration is not where --config-path reads it", c.VolumeMounts)
	}
}

// hopConfig is an Envoy configuration (the seed proxy's or a cluster's
// nodeport-proxy), read for where a connection goes.
type hopConfig envoy.Bootstrap

// upstream is the address of Envoy cluster name in cfg.
func (cfg hopConfig) upstream(t *testing.T, name string) envoy.SocketAddress {
	t.Helper()
	for _, c := range cfg.StaticResources.Clusters {
		if c.Name == name && len(c.LoadAssignment.Endpoints) == 1 && len(c.LoadAssignment.Endpoints[0].LBEndpoints) == 1 {
			return c.LoadAssignment.Endpoints[0].LBEndpoints[0].Endpoint.Address.SocketAddress
		}
	}
	t.Fatalf("no Envoy cluster %s with one endpoint", name)
	return envoy.SocketAddress{}
}

// tcpRoute is the Envoy cluster a plain TCP connection to port reaches
// (a listener without server-name match or HTTP routing).
func (cfg hopConfig) tcpRoute(t *testing.T, port int32) string {
	t.Helper()
	for _, l := range cfg.StaticResources.Listeners {
		if l.Address.SocketAddress.PortValue != port {
			continue
		}
		if len(l.FilterChains) != 1 || l.FilterChains[0].FilterChainMatch != nil || l.FilterChains[0].Filters[0].TypedConfig.Cluster == "" {
			t.Fatalf("listener on %d is not a plain TCP proxy: %+v", port, l.FilterChains)
		}
		return l.FilterChains[0].Filters[0].TypedConfig.Cluster
	}
	t.Fatalf("no listener on %d", port)
	return ""
}

// connectRoute is the Envoy cluster a CONNECT tunnel of authority reaches
// on port.
func (cfg hopConfig) connectRoute(t *testing.T, port int32, authority string) string {
	t.Helper()
	for _, l := range cfg.StaticResources.Listeners {
		if l.Address.SocketAddress.PortValue != port {
			continue
		}
		for _, fc := range l.FilterChains {
			if rc := fc.Filters[0].TypedConfig.RouteConfig; rc != nil {
				for _, vh := range rc.VirtualHosts {
					if slices.Contains(vh.Domains, authority) {
						return vh.Routes[0].Route.Cluster
					}
				}
			}
		}
	}
	t.Fatalf("no CONNECT route for %q on %d", authority, port)
	return ""
}

func hopConfigOf(t *testing.T, cm *corev1.ConfigMap) hopConfig {
	t.Helper()
	if cm == nil {
		t.Fatal("no proxy ConfigMap")
	}
	var cfg hopConfig
	if err := yaml.Unmarshal([]byte(cm.Data[envoyConfigKey]), &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestOpenVPNClientReachesServer follows the OpenVPN client's connection
// (tunnel "openvpn") from its `remote` to the openvpn-server's pod, on
// every expose strategy:
//   - Tunneling: remote 100.64.30.10:1194 is an envoy-agent listener that
//     opens a CONNECT tunnel to <external name>:8088; the seed proxy's
//     8088 routes that authority to the openvpn-server Service's port;
//   - NodePort: remote <external name>:<tunnel NodePort> is a seed proxy
//     listener forwarding to the Service's port;
//   - LoadBalancer: the same port on the cluster's own nodeport-proxy.
//
// The Service's port leads to the server container's port.
func TestOpenVPNClientReachesServer(t *testing.T) {
	byExpose := map[string]variant{}
	for _, v := range variants {
		if _, ok := byExpose[v.expose]; !ok || v.tunnel == model.TunnelOpenVPN {
			byExpose[v.expose] = v
		}
	}
	for _, expose := range []string{model.ExposeTunneling, model.ExposeNodePort, model.ExposeLoadBalancer} {
		t.Run(expose, func(t *testing.T) {
			v := byExpose[expose]
			v.tunnel = model.TunnelOpenVPN
			in := v.input()
			cp := render(t, in)
			images := catalog.Images{
				Envoy: testImages.Envoy, NetworkInterfaceManager: "mirror.example.com/kubermatic/network-interface-manager:v2.31.0",
				OpenVPN: "mirror.example.com/kubermatic/openvpn:v2.6", Kubectl: "mirror.example.com/kubermatic/kubectl:v1.35",
			}
			uc, err := usercluster.Objects(usercluster.Input{Cluster: in.Cluster, Seed: in.Seed, Datacenter: in.Datacenter, Master: in.Master, Images: images})
			if err != nil {
				t.Fatal(err)
			}
			ns := in.Cluster.Namespace()
			ext := in.Cluster.Name + ".europe.kkp.example.com"

			// The openvpn-server Service and the pod behind it.
			svc := find[*corev1.Service](cp, "Service", svcOpenVPN)
			if svc == nil || len(svc.Spec.Ports) != 1 {
				t.Fatalf("Service %s: %+v", svcOpenVPN, svc)
			}
			svcHost, svcPort := svcOpenVPN+"."+ns+".svc.cluster.local.", svc.Spec.Ports[0].Port
			dep := find[*appsv1.Deployment](cp, "Deployment", appOpenVPN)
			if dep == nil || !slices.ContainsFunc(dep.Spec.Template.Spec.Containers, func(c corev1.Container) bool {
				return slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.ContainerPort == svc.Spec.Ports[0].TargetPort.IntVal })
			}) {
				t.Errorf("no openvpn-server container port %v", svc.Spec.Ports[0].TargetPort)
			}

			// The client's remote.
			cm := find[*corev1.ConfigMap](uc, "ConfigMap", "openvpn-client-config")
			if cm == nil {
				t.Fatal("no openvpn-client-config")
			}
			var remote []string
			for _, line := range strings.Split(cm.Data["config"], "\n") {
				if f := strings.Fields(line); len(f) == 3 && f[0] == "remote" {
					remote = f[1:]
				}
			}
			if remote == nil {
				t.Fatalf("client config has no remote:\n%s", cm.Data["config"])
			}

			proxy, err := SeedProxyObjects(SeedProxyInput{Seed: in.Seed, Master: in.Master, Clusters: []*model.Cluster{in.Cluster}, Images: testImages})
			if err != nil {
				t.Fatal(err)
			}
			var up envoy.SocketAddress
			switch expose {
			case model.ExposeTunneling:
				if remote[0] != usercluster.AgentIP || remote[1] != "1194" {
					t.Fatalf("remote %v, want the envoy-agent %s:1194", remote, usercluster.AgentIP)
				}
				agentCM := find[*corev1.ConfigMap](uc, "ConfigMap", "envoy-agent")
				var agent envoy.Bootstrap
				if err := yaml.Unmarshal([]byte(agentCM.Data["envoy.yaml"]), &agent); err != nil {
					t.Fatal(err)
				}
				i := slices.IndexFunc(agent.StaticResources.Listeners, func(l envoy.Listener) bool {
					a := l.Address.SocketAddress
					return a.Address == remote[0] && strconv.Itoa(int(a.PortValue)) == remote[1]
				})
				if i < 0 {
					t.Fatalf("no agent listener on %s:%s", remote[0], remote[1])
				}
				l := agent.StaticResources.Listeners[i]
				tunnel := l.FilterChains[0].Filters[0].TypedConfig.TunnelingConfig
				if tunnel == nil {
					t.Fatal("the agent's OpenVPN listener opens no CONNECT tunnel")
				}
				var agentUp envoy.SocketAddress
				for _, c := range agent.StaticResources.Clusters {
					if c.Name == l.FilterChains[0].Filters[0].TypedConfig.Cluster {
						agentUp = c.LoadAssignment.Endpoints[0].LBEndpoints[0].Endpoint.Address.SocketAddress
					}
				}
				if agentUp.Address != ext || agentUp.PortValue != usercluster.TunnelingConnectPort {
					t.Fatalf("agent tunnels to %+v, want %s:%d", agentUp, ext, usercluster.TunnelingConnectPort)
				}
				cfg := hopConfigOf(t, find[*corev1.ConfigMap](proxy, "ConfigMap", appSeedProxy))
				up = cfg.upstream(t, cfg.connectRoute(t, agentUp.PortValue, tunnel.Hostname))
			case model.ExposeNodePort, model.ExposeLoadBalancer:
				tp := strconv.Itoa(in.Cluster.Resolved.TunnelNodePort)
				if remote[0] != ext || remote[1] != tp {
					t.Fatalf("remote %v, want %s %s", remote, ext, tp)
				}
				// A LoadBalancer seed has no seed proxy: the cluster's own.
				objs, proxyName := proxy, appSeedProxy
				if expose == model.ExposeLoadBalancer {
					objs, proxyName = cp, cmEnvoy
				}
				cfg := hopConfigOf(t, find[*corev1.ConfigMap](objs, "ConfigMap", proxyName))
				up = cfg.upstream(t, cfg.tcpRoute(t, int32(in.Cluster.Resolved.TunnelNodePort)))
			}
			if up.Address != svcHost || up.PortValue != svcPort {
				t.Errorf("the connection ends at %s:%d, want the openvpn-server Service %s:%d", up.Address, up.PortValue, svcHost, svcPort)
			}
		})
	}
}
