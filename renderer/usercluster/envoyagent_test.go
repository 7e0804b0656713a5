package usercluster_test

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

// TestKubernetesEndpoints: the `kubernetes` Service has endpoints on every
// expose strategy: the envoy-agent's address at the apiserver's port, in
// Endpoints the mirroring controller skips and in an EndpointSlice that
// the endpointslice controller does not own.
func TestKubernetesEndpoints(t *testing.T) {
	for _, tt := range []struct {
		expose string
		port   int32
	}{{model.ExposeTunneling, 6443}, {model.ExposeNodePort, 30443}, {model.ExposeLoadBalancer, 30443}} {
		t.Run(tt.expose, func(t *testing.T) {
			objs := render(t, input(tt.expose, aws))
			ep := find[*corev1.Endpoints](t, objs, "Endpoints", "kubernetes") //nolint:staticcheck
			if ep.Namespace != "default" || ep.Labels[discoveryv1.LabelSkipMirror] != "true" {
				t.Errorf("Endpoints %s/%s labels %v: want default and skip-mirror", ep.Namespace, ep.Name, ep.Labels)
			}
			if len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != 1 || ep.Subsets[0].Addresses[0].IP != usercluster.AgentIP ||
				len(ep.Subsets[0].Ports) != 1 || ep.Subsets[0].Ports[0].Port != tt.port || ep.Subsets[0].Ports[0].Name != "https" {
				t.Errorf("Endpoints subsets %+v, want %s:%d (https)", ep.Subsets, usercluster.AgentIP, tt.port)
			}
			s := find[*discoveryv1.EndpointSlice](t, objs, "EndpointSlice", "kubernetes")
			if s.Namespace != "default" || s.Labels[discoveryv1.LabelServiceName] != "kubernetes" {
				t.Errorf("EndpointSlice %s/%s labels %v", s.Namespace, s.Name, s.Labels)
			}
			if m := s.Labels[discoveryv1.LabelManagedBy]; m == "" || m == "endpointslice-controller.k8s.io" || m == "endpointslicemirroring-controller.k8s.io" {
				t.Errorf("EndpointSlice managed-by %q: a Kubernetes controller would take it over", m)
			}
			if s.AddressType != discoveryv1.AddressTypeIPv4 || len(s.Endpoints) != 1 || len(s.Endpoints[0].Addresses) != 1 ||
				s.Endpoints[0].Addresses[0] != usercluster.AgentIP || s.Endpoints[0].Conditions.Ready == nil || !*s.Endpoints[0].Conditions.Ready {
				t.Errorf("EndpointSlice endpoints %+v", s.Endpoints)
			}
			if len(s.Ports) != 1 || *s.Ports[0].Port != tt.port || *s.Ports[0].Name != "https" || *s.Ports[0].Protocol != corev1.ProtocolTCP {
				t.Errorf("EndpointSlice ports %+v", s.Ports)
			}
		})
	}
}

type agentCfg struct {
	StaticResources struct {
		Listeners []struct {
			Address struct {
				SocketAddress struct {
					Address   string `json:"address"`
					PortValue int32  `json:"port_value"`
				} `json:"socket_address"`
			} `json:"address"`
			FilterChains []struct {
				Filters []struct {
					TypedConfig struct {
						Cluster         string `json:"cluster"`
						TunnelingConfig *struct {
							Hostname string `json:"hostname"`
						} `json:"tunneling_config"`
					} `json:"typed_config"`
				} `json:"filters"`
			} `json:"filter_chains"`
		} `json:"listeners"`
		Clusters []struct {
			Name                          string         `json:"name"`
			TypedExtensionProtocolOptions map[string]any `json:"typed_extension_protocol_options"`
			LoadAssignment                struct {
				Endpoints []struct {
					LBEndpoints []struct {
						Endpoint struct {
							Address struct {
								SocketAddress struct {
									Address   string `json:"address"`
									PortValue int32  `json:"port_value"`
								} `json:"socket_address"`
							} `json:"address"`
						} `json:"endpoint"`
					} `json:"lb_endpoints"`
				} `json:"endpoints"`
			} `json:"load_assignment"`
		} `json:"clusters"`
	} `json:"static_resources"`
}

// TestEnvoyAgentConfig: the agent listens on its address at the
// apiserver's port and forwards to the external address: in an HTTP/2
// CONNECT tunnel through the seed proxy's 8088 on Tunneling seeds, as
// plain TCP to the NodePort otherwise.
func TestEnvoyAgentConfig(t *testing.T) {
	for _, tt := range []struct {
		expose   string
		port     int32
		upstream int32
		tunnel   string
	}{
		{model.ExposeTunneling, 6443, 8088, "shop.europe.kkp.example.com:6443"},
		{model.ExposeNodePort, 30443, 30443, ""},
		{model.ExposeLoadBalancer, 30443, 30443, ""},
	} {
		t.Run(tt.expose, func(t *testing.T) {
			objs := render(t, input(tt.expose, aws))
			cm := find[*corev1.ConfigMap](t, objs, "ConfigMap", "envoy-agent")
			var cfg agentCfg
			if err := yaml.Unmarshal([]byte(cm.Data["envoy.yaml"]), &cfg); err != nil {
				t.Fatal(err)
			}
			ls, cs := cfg.StaticResources.Listeners, cfg.StaticResources.Clusters
			if len(ls) != 1 || len(cs) != 1 {
				t.Fatalf("listeners %+v clusters %+v", ls, cs)
			}
			if a := ls[0].Address.SocketAddress; a.Address != "100.64.30.10" || a.PortValue != tt.port {
				t.Errorf("listener on %s:%d, want 100.64.30.10:%d", a.Address, a.PortValue, tt.port)
			}
			proxy := ls[0].FilterChains[0].Filters[0].TypedConfig
			if proxy.Cluster != cs[0].Name {
				t.Errorf("proxy to %q, cluster is %q", proxy.Cluster, cs[0].Name)
			}
			up := cs[0].LoadAssignment.Endpoints[0].LBEndpoints[0].Endpoint.Address.SocketAddress
			if up.Address != "shop.europe.kkp.example.com" || up.PortValue != tt.upstream {
				t.Errorf("upstream %s:%d, want shop.europe.kkp.example.com:%d", up.Address, up.PortValue, tt.upstream)
			}
			if tt.tunnel == "" {
				if proxy.TunnelingConfig != nil || cs[0].TypedExtensionProtocolOptions != nil {
					t.Errorf("plain TCP expected, got tunnel %+v options %v", proxy.TunnelingConfig, cs[0].TypedExtensionProtocolOptions)
				}
				return
			}
			if proxy.TunnelingConfig == nil || proxy.TunnelingConfig.Hostname != tt.tunnel {
				t.Errorf("tunneling config %+v, want hostname %s", proxy.TunnelingConfig, tt.tunnel)
			}
			opts, _ := cs[0].TypedExtensionProtocolOptions["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].(map[string]any)
			explicit, _ := opts["explicit_http_config"].(map[string]any)
			if _, ok := explicit["http2_protocol_options"]; !ok {
				t.Errorf("upstream protocol options %v: CONNECT goes over HTTP/2", opts)
			}
		})
	}
}

// TestEnvoyAgentPod: every node (every taint tolerated), in the node's
// network namespace with the node's resolver; only the interface setup
// holds a capability (NET_ADMIN, as root); Envoy runs unprivileged; a
// configuration change rolls the agents.
func TestEnvoyAgentPod(t *testing.T) {
	objs := render(t, input(model.ExposeTunneling, aws))
	ds := find[*appsv1.DaemonSet](t, objs, "DaemonSet", "envoy-agent")
	if ds.Namespace != "kube-system" {
		t.Errorf("namespace %s", ds.Namespace)
	}
	ps := ds.Spec.Template.Spec
	if !ps.HostNetwork || ps.DNSPolicy != corev1.DNSDefault {
		t.Errorf("hostNetwork %v dnsPolicy %s: want the node's network and resolver", ps.HostNetwork, ps.DNSPolicy)
	}
	if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
		t.Error("the agent needs no API token")
	}
	if ps.EnableServiceLinks == nil || *ps.EnableServiceLinks {
		t.Error("service links enabled")
	}
	if ps.SecurityContext == nil || ps.SecurityContext.SeccompProfile == nil || ps.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v", ps.SecurityContext)
	}
	tolerated := map[corev1.TaintEffect]bool{}
	for _, tol := range ps.Tolerations {
		if tol.Operator == corev1.TolerationOpExists && tol.Key == "" {
			tolerated[tol.Effect] = true
		}
	}
	if !tolerated[corev1.TaintEffectNoSchedule] || !tolerated[corev1.TaintEffectNoExecute] {
		t.Errorf("tolerations %+v: want every NoSchedule and NoExecute taint", ps.Tolerations)
	}
	if ps.PriorityClassName != "system-node-critical" {
		t.Errorf("priority class %q", ps.PriorityClassName)
	}
	cm := find[*corev1.ConfigMap](t, objs, "ConfigMap", "envoy-agent")
	sum := sha256.Sum256([]byte(cm.Data["envoy.yaml"]))
	if got := ds.Spec.Template.Annotations["fleetc.io/config-hash"]; got != hex.EncodeToString(sum[:]) {
		t.Errorf("config hash %q does not follow the ConfigMap", got)
	}
	if len(ps.InitContainers) != 1 || len(ps.Containers) != 2 {
		t.Fatalf("containers %d+%d", len(ps.InitContainers), len(ps.Containers))
	}
	for _, c := range append(append([]corev1.Container{}, ps.InitContainers...), ps.Containers...) {
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || sc.Privileged != nil {
			t.Errorf("%s: securityContext %+v", c.Name, sc)
			continue
		}
		if c.Name == "envoy-agent" {
			if len(sc.Capabilities.Add) != 0 || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
				t.Errorf("envoy: securityContext %+v: want unprivileged, no capability", sc)
			}
			if c.ReadinessProbe == nil || c.ReadinessProbe.TCPSocket == nil || c.ReadinessProbe.TCPSocket.Host != usercluster.AgentIP || c.LivenessProbe == nil {
				t.Errorf("envoy probes %+v", c.ReadinessProbe)
			}
			// The mounted configuration, and no hot restart (its shared
			// memory would be shared by every host-network pod).
			if !slices.Equal(c.Args, []string{"--config-path", "/etc/envoy/envoy.yaml", "--disable-hot-restart", "--log-level", "info"}) ||
				len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != "/etc/envoy" || !c.VolumeMounts[0].ReadOnly {
				t.Errorf("envoy args %v mounts %+v", c.Args, c.VolumeMounts)
			}
			continue
		}
		if len(sc.Capabilities.Add) != 1 || sc.Capabilities.Add[0] != "NET_ADMIN" || sc.RunAsUser == nil || *sc.RunAsUser != 0 {
			t.Errorf("%s: securityContext %+v: want root with NET_ADMIN only", c.Name, sc)
		}
		mode := map[string]string{"create-dummy-interface": "init", "assign-address": "probe"}[c.Name]
		if c.Image == "" || !slices.Equal(c.Args, []string{"-mode", mode, "-if", "envoyagent", "-addr", usercluster.AgentIP}) {
			t.Errorf("%s: image %q args %v", c.Name, c.Image, c.Args)
		}
	}
}

// TestEnvoyAgentOpenVPN: on a Tunneling seed, a cluster with tunnel
// "openvpn" gets a second agent listener at 100.64.30.10:1194 (the OpenVPN
// client's remote) that opens an HTTP/2 CONNECT tunnel through the seed
// proxy's 8088 under the openvpn-server Service's authority, asserted
// value by value; every other combination has the apiserver listener
// only.
func TestEnvoyAgentOpenVPN(t *testing.T) {
	wantListener := `
name: openvpn
address: {socket_address: {address: 100.64.30.10, port_value: 1194}}
filter_chains:
- filters:
  - name: envoy.filters.network.tcp_proxy
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
      stat_prefix: openvpn
      cluster: openvpn
      tunneling_config: {hostname: "openvpn-server.cluster-shop.svc.cluster.local:1194"}
`
	wantCluster := `
name: openvpn
type: LOGICAL_DNS
connect_timeout: 5s
dns_lookup_family: V4_ONLY
typed_extension_protocol_options:
  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
    explicit_http_config: {http2_protocol_options: {}}
load_assignment:
  cluster_name: openvpn
  endpoints:
  - lb_endpoints:
    - endpoint: {address: {socket_address: {address: shop.europe.kkp.example.com, port_value: 8088}}}
`
	if got := usercluster.OpenVPNConnectAuthority("cluster-shop"); got != "openvpn-server.cluster-shop.svc.cluster.local:1194" {
		t.Errorf("OpenVPNConnectAuthority = %q", got)
	}
	for _, tt := range []struct {
		expose, tunnel string
		vpn            bool
	}{
		{model.ExposeTunneling, model.TunnelOpenVPN, true},
		{model.ExposeTunneling, model.TunnelKonnectivity, false},
		{model.ExposeNodePort, model.TunnelOpenVPN, false},
		{model.ExposeLoadBalancer, model.TunnelOpenVPN, false},
	} {
		t.Run(tt.expose+"-"+tt.tunnel, func(t *testing.T) {
			in := input(tt.expose, aws)
			in.Cluster.Tunnel = tt.tunnel
			cm := find[*corev1.ConfigMap](t, render(t, in), "ConfigMap", "envoy-agent")
			var cfg struct {
				StaticResources struct {
					Listeners []map[string]any `json:"listeners"`
					Clusters  []map[string]any `json:"clusters"`
				} `json:"static_resources"`
			}
			if err := yaml.Unmarshal([]byte(cm.Data["envoy.yaml"]), &cfg); err != nil {
				t.Fatal(err)
			}
			ls, cs := cfg.StaticResources.Listeners, cfg.StaticResources.Clusters
			if !tt.vpn {
				if len(ls) != 1 || len(cs) != 1 || ls[0]["name"] != "apiserver" {
					t.Errorf("listeners %v clusters %v: want the apiserver's only", ls, cs)
				}
				return
			}
			if len(ls) != 2 || len(cs) != 2 || ls[0]["name"] != "apiserver" || cs[0]["name"] != "apiserver" {
				t.Fatalf("listeners %v clusters %v: want apiserver and openvpn", ls, cs)
			}
			for _, c := range []struct {
				got  map[string]any
				want string
			}{{ls[1], wantListener}, {cs[1], wantCluster}} {
				var want map[string]any
				if err := yaml.Unmarshal([]byte(c.want), &want); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(c.got, want) {
					g, _ := yaml.Marshal(c.got)
					t.Errorf("got\n%s\nwant\n%s", g, c.want)
				}
			}
		})
	}
}
