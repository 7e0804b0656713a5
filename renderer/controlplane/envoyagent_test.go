package controlplane

import (
	"slices"
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
// authority <cluster external name>:6443 to that cluster's apiserver;
// a NodePort seed has no such listener.
func TestSeedProxyConnectListener(t *testing.T) {
	objs, err := SeedProxyObjects(seedProxyInput(model.ExposeTunneling))
	if err != nil {
		t.Fatal(err)
	}
	cfg := seedProxyConfigOf(t, objs)
	var l *sniListener
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
	if hcm.Type != hcmType || hcm.CodecType != "HTTP2" || hcm.HTTP2ProtocolOptions == nil || !hcm.HTTP2ProtocolOptions.AllowConnect {
		t.Errorf("connection manager %+v: want HTTP/2 with CONNECT allowed", hcm)
	}
	if len(hcm.UpgradeConfigs) != 1 || hcm.UpgradeConfigs[0].UpgradeType != "CONNECT" {
		t.Errorf("upgrade configs %+v", hcm.UpgradeConfigs)
	}
	if len(hcm.HTTPFilters) != 1 || hcm.HTTPFilters[0].TypedConfig["@type"] != routerType {
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
		"a.eu.kkp.example.com:6443": "cluster-a-apiserver",
		"b.eu.kkp.example.com:6443": "cluster-b-apiserver",
	}
	if len(routes) != len(want) {
		t.Errorf("CONNECT routes %v, want %v", routes, want)
	}
	for auth, cl := range want {
		if routes[auth] != cl {
			t.Errorf("CONNECT %s -> %q, want %s", auth, routes[auth], cl)
		}
	}
	for _, cl := range routes {
		if !slices.ContainsFunc(cfg.StaticResources.Clusters, func(c envoyCluster) bool { return c.Name == cl }) {
			t.Errorf("CONNECT route to undefined cluster %s", cl)
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

func seedProxyConfigOf(t *testing.T, objs []object.Object) sniBootstrap {
	t.Helper()
	cm := find[*corev1.ConfigMap](objs, "ConfigMap", appSeedProxy)
	if cm == nil {
		t.Fatal("no proxy ConfigMap")
	}
	var cfg sniBootstrap
	if err := yaml.UnmarshalStrict([]byte(cm.Data[envoyConfigKey]), &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// agentConfig is the part of the envoy-agent's configuration this test
// reads.
type agentConfig struct {
	StaticResources struct {
		Listeners []struct {
			Address      envoyAddress `json:"address"`
			FilterChains []struct {
				Filters []struct {
					TypedConfig struct {
						TunnelingConfig *struct {
							Hostname string `json:"hostname"`
						} `json:"tunneling_config"`
					} `json:"typed_config"`
				} `json:"filters"`
			} `json:"filter_chains"`
		} `json:"listeners"`
		Clusters []struct {
			LoadAssignment envoyLoadAssigment `json:"load_assignment"`
		} `json:"clusters"`
	} `json:"static_resources"`
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
			var agent agentConfig
			if err := yaml.Unmarshal([]byte(cm.Data["envoy.yaml"]), &agent); err != nil {
				t.Fatal(err)
			}
			ls := agent.StaticResources.Listeners
			if len(ls) != 1 || ls[0].Address.SocketAddress.Address != epIP || ls[0].Address.SocketAddress.PortValue != epPort {
				t.Fatalf("agent listeners %+v, want one on %s:%d", ls, epIP, epPort)
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
