package controlplane

import (
	"errors"
	"fmt"
	"path"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/encode"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

// The seed-level nodeport-proxy (Kubermatic's nodeport-proxy in namespace
// kubermatic, kkp:pkg/controller/operator/seed/resources/nodeportproxy):
// one Envoy behind one LoadBalancer Service per seed that makes the
// apiservers and tunnels of the seed's clusters reachable from outside.
//   - Tunneling: port 6443, routed by TLS server name:
//     <cluster>.<seed>.<domain> to the cluster's apiserver-external Service,
//     konnectivity-server.<cluster>.<seed>.<domain> to its
//     konnectivity-server Service; and port 8088, HTTP/2 CONNECT tunnels
//     of the clusters' envoy-agents, routed by authority
//     <cluster>.<seed>.<domain>:6443 to the apiserver-external Service and
//     (tunnel "openvpn") openvpn-server.cluster-<cluster>.svc.cluster.local:1194
//     to the openvpn-server Service. A
//     wildcard DNS record *.<seed>.<domain> points at the Service's
//     address.
//   - NodePort: one port per cluster's apiserver and tunnel NodePort,
//     forwarded to the cluster's Service.
//
// LoadBalancer seeds have a proxy per cluster instead (nodeportproxy.go).
// Kubermatic configures its Envoy at run time (envoy-manager); fleetc
// knows every cluster and port at render time and renders it statically.
const (
	// SeedProxyNamespace is the namespace of the seed-level proxy.
	SeedProxyNamespace = "nodeport-proxy"
	appSeedProxy       = "nodeport-proxy-envoy"
	svcSeedProxy       = "nodeport-proxy"
	seedProxyReplicas  = 3 // Kubermatic's default envoy replicas
	tlsInspectorType   = "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"
	hcmType            = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
	routerType         = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
)

// SeedProxyInput is what the seed-level proxy is rendered from.
type SeedProxyInput struct {
	Seed     *model.Seed
	Master   *model.Master
	Clusters []*model.Cluster // the seed's clusters, Resolved filled in
	Images   catalog.Images
}

// Envoy configuration with SNI routing (the types of nodeportproxy.go
// have no listener filters or chain matches).
type sniBootstrap struct {
	StaticResources sniStaticResources `json:"static_resources"`
}

type sniStaticResources struct {
	Listeners []sniListener  `json:"listeners"`
	Clusters  []envoyCluster `json:"clusters"`
}

type sniListener struct {
	Name            string              `json:"name"`
	Address         envoyAddress        `json:"address"`
	ListenerFilters []sniListenerFilter `json:"listener_filters,omitempty"`
	FilterChains    []sniFilterChain    `json:"filter_chains"`
}

type sniListenerFilter struct {
	Name        string         `json:"name"`
	TypedConfig map[string]any `json:"typed_config"`
}

type sniFilterChain struct {
	FilterChainMatch *sniChainMatch `json:"filter_chain_match,omitempty"`
	Filters          []seedFilter   `json:"filters"`
}

// seedFilter is a network filter: a TCP proxy, or (the CONNECT listener)
// an HTTP connection manager.
type seedFilter struct {
	Name        string           `json:"name"`
	TypedConfig seedFilterConfig `json:"typed_config"`
}

// seedFilterConfig holds the fields of
// envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy and of
// envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
// that fleetc sets; @type says which one it is.
type seedFilterConfig struct {
	Type       string `json:"@type"`
	StatPrefix string `json:"stat_prefix"`
	// TcpProxy.
	Cluster     string `json:"cluster,omitempty"`
	IdleTimeout string `json:"idle_timeout,omitempty"`
	// HttpConnectionManager.
	CodecType            string                `json:"codec_type,omitempty"`
	HTTP2ProtocolOptions *http2ProtocolOptions `json:"http2_protocol_options,omitempty"`
	UpgradeConfigs       []upgradeConfig       `json:"upgrade_configs,omitempty"`
	RouteConfig          *routeConfig          `json:"route_config,omitempty"`
	HTTPFilters          []httpFilter          `json:"http_filters,omitempty"`
}

type http2ProtocolOptions struct {
	AllowConnect bool `json:"allow_connect"`
}

type upgradeConfig struct {
	UpgradeType   string    `json:"upgrade_type"`
	ConnectConfig *struct{} `json:"connect_config,omitempty"`
}

type routeConfig struct {
	Name         string        `json:"name"`
	VirtualHosts []virtualHost `json:"virtual_hosts"`
}

type virtualHost struct {
	Name    string      `json:"name"`
	Domains []string    `json:"domains"`
	Routes  []httpRoute `json:"routes"`
}

type httpRoute struct {
	Match httpRouteMatch  `json:"match"`
	Route httpRouteAction `json:"route"`
}

type httpRouteMatch struct {
	ConnectMatcher struct{} `json:"connect_matcher"`
}

type httpRouteAction struct {
	Cluster        string          `json:"cluster"`
	UpgradeConfigs []upgradeConfig `json:"upgrade_configs"`
	IdleTimeout    string          `json:"idle_timeout"`
}

type httpFilter struct {
	Name        string            `json:"name"`
	TypedConfig map[string]string `json:"typed_config"`
}

type sniChainMatch struct {
	ServerNames []string `json:"server_names"`
}

// route is one way into one cluster Service.
type route struct {
	name    string // Envoy cluster name, unique in the seed
	host    string // the Service's DNS name
	port    int32  // the Service's port
	sni     string // Tunneling: the TLS server name
	connect string // Tunneling: the HTTP CONNECT authority it is reachable by on 8088, if any
	extPort int32  // NodePort: the port the proxy listens on
}

func seedRoutes(in SeedProxyInput) []route {
	var rs []route
	for _, c := range in.Clusters {
		ns := c.Namespace()
		external := fmt.Sprintf("%s.%s.%s", c.Name, in.Seed.Name, in.Master.Domain)
		svc := func(name string) string { return fmt.Sprintf("%s.%s.svc.cluster.local.", name, ns) }
		api := route{
			name: ns + "-apiserver", host: svc(svcAPIServerExternal), port: 443,
			sni: external, connect: usercluster.ConnectAuthority(external), extPort: int32(c.Resolved.NodePort),
		}
		tunnel := route{name: ns + "-tunnel", host: svc(svcKonnectivity), port: 443, sni: svcKonnectivity + "." + external, extPort: int32(c.Resolved.TunnelNodePort)}
		if c.Tunnel == model.TunnelOpenVPN {
			// OpenVPN has no TLS server name: on Tunneling seeds it is
			// reached only through the envoy-agent's CONNECT tunnel,
			// under the Service's own name (as Kubermatic's).
			tunnel = route{
				name: ns + "-tunnel", host: svc(svcOpenVPN), port: openVPNPort,
				connect: usercluster.OpenVPNConnectAuthority(ns), extPort: int32(c.Resolved.TunnelNodePort),
			}
		}
		rs = append(rs, api, tunnel)
	}
	return rs
}

func strictDNS(r route) envoyCluster {
	return envoyCluster{
		Name: r.name, Type: "STRICT_DNS", ConnectTimeout: envoyConnTimeout, DNSLookupFamily: "V4_ONLY",
		LoadAssignment: envoyLoadAssigment{ClusterName: r.name, Endpoints: []envoyLocalityLBEnds{{LBEndpoints: []envoyLBEndpoint{{
			Endpoint: envoyEndpoint{Address: envoyAddress{SocketAddress: envoySocketAddress{Address: r.host, PortValue: r.port}}},
		}}}}},
	}
}

func tcpProxy(r route) []seedFilter {
	return []seedFilter{{Name: "envoy.filters.network.tcp_proxy", TypedConfig: seedFilterConfig{
		Type: envoyTCPProxyType, StatPrefix: r.name, Cluster: r.name, IdleTimeout: envoyIdleTimeout,
	}}}
}

// connectListener terminates the HTTP/2 CONNECT tunnels of the
// envoy-agents of a Tunneling seed's clusters (port 8088, as Kubermatic's
// nodeport-proxy): a tunnel whose authority is <external name>:6443 is
// joined to that cluster's apiserver-external Service, one whose authority
// is openvpn-server.<namespace>.svc.cluster.local:1194 to its
// openvpn-server Service. Pods dial the
// `kubernetes` Service by its IP address, so their TLS carries no server
// name the SNI listener could route by; the agent names the cluster in
// the CONNECT request instead.
func connectListener(in SeedProxyInput, routes []route) sniListener {
	rc := &routeConfig{Name: "tunneling"}
	for _, r := range routes {
		if r.connect == "" {
			continue
		}
		rc.VirtualHosts = append(rc.VirtualHosts, virtualHost{
			Name:    r.name,
			Domains: []string{r.connect},
			Routes: []httpRoute{{Route: httpRouteAction{
				Cluster:        r.name,
				UpgradeConfigs: []upgradeConfig{{UpgradeType: "CONNECT", ConnectConfig: &struct{}{}}},
				IdleTimeout:    envoyIdleTimeout,
			}}},
		})
	}
	return sniListener{
		Name:    "tunneling",
		Address: envoyAddress{SocketAddress: envoySocketAddress{Address: "0.0.0.0", PortValue: usercluster.TunnelingConnectPort}},
		FilterChains: []sniFilterChain{{Filters: []seedFilter{{
			Name: "envoy.filters.network.http_connection_manager",
			TypedConfig: seedFilterConfig{
				Type:       hcmType,
				StatPrefix: "tunneling",
				// The agents speak HTTP/2 without TLS (prior knowledge);
				// the tunnelled bytes are the client's own TLS.
				CodecType:            "HTTP2",
				HTTP2ProtocolOptions: &http2ProtocolOptions{AllowConnect: true},
				UpgradeConfigs:       []upgradeConfig{{UpgradeType: "CONNECT"}},
				RouteConfig:          rc,
				HTTPFilters: []httpFilter{{
					Name:        "envoy.filters.http.router",
					TypedConfig: map[string]string{"@type": routerType},
				}},
			},
		}}}},
	}
}

// seedProxyConfig returns the Envoy configuration and the ports it serves.
func seedProxyConfig(in SeedProxyInput) (sniBootstrap, []int32) {
	var cfg sniBootstrap
	var ports []int32
	routes := seedRoutes(in)
	switch in.Seed.Expose {
	case model.ExposeTunneling:
		l := sniListener{
			Name:            "sni",
			Address:         envoyAddress{SocketAddress: envoySocketAddress{Address: "0.0.0.0", PortValue: tunnelingSecurePort}},
			ListenerFilters: []sniListenerFilter{{Name: "envoy.filters.listener.tls_inspector", TypedConfig: map[string]any{"@type": tlsInspectorType}}},
		}
		for _, r := range routes {
			if r.sni != "" {
				l.FilterChains = append(l.FilterChains, sniFilterChain{FilterChainMatch: &sniChainMatch{ServerNames: []string{r.sni}}, Filters: tcpProxy(r)})
			}
			if r.sni != "" || r.connect != "" {
				cfg.StaticResources.Clusters = append(cfg.StaticResources.Clusters, strictDNS(r))
			}
		}
		cfg.StaticResources.Listeners = []sniListener{l, connectListener(in, routes)}
		ports = []int32{tunnelingSecurePort, usercluster.TunnelingConnectPort}
	case model.ExposeNodePort:
		for _, r := range routes {
			cfg.StaticResources.Listeners = append(cfg.StaticResources.Listeners, sniListener{
				Name:         r.name,
				Address:      envoyAddress{SocketAddress: envoySocketAddress{Address: "0.0.0.0", PortValue: r.extPort}},
				FilterChains: []sniFilterChain{{Filters: tcpProxy(r)}},
			})
			cfg.StaticResources.Clusters = append(cfg.StaticResources.Clusters, strictDNS(r))
			ports = append(ports, r.extPort)
		}
	}
	return cfg, ports
}

// SeedProxyObjects returns the seed-level proxy of a Tunneling or NodePort
// seed (nothing for LoadBalancer seeds, or a seed without clusters).
func SeedProxyObjects(in SeedProxyInput) ([]object.Object, error) {
	if in.Seed == nil || in.Master == nil {
		return nil, errors.New("controlplane: seed proxy: Seed and Master are required")
	}
	if in.Seed.Expose == model.ExposeLoadBalancer || len(in.Clusters) == 0 {
		return nil, nil
	}
	if in.Images.Envoy == "" {
		return nil, fmt.Errorf("seed %s: no Envoy image", in.Seed.Name)
	}
	cfg, ports := seedProxyConfig(in)
	for _, p := range ports {
		if !validPort(int(p)) {
			return nil, fmt.Errorf("seed %s: nodeport-proxy port %d is not resolved", in.Seed.Name, p)
		}
	}
	data, err := encode.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("seed %s: nodeport-proxy configuration: %w", in.Seed.Name, err)
	}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: SeedProxyNamespace, Labels: map[string]string{
			labelApp: appSeedProxy, labelManagedBy: managedBy, labelSeed: in.Seed.Name,
		}}
	}
	sel := map[string]string{labelApp: appSeedProxy}
	var cports []corev1.ContainerPort
	var sports []corev1.ServicePort
	for _, p := range ports {
		name := fmt.Sprintf("p%d", p)
		cports = append(cports, corev1.ContainerPort{Name: name, ContainerPort: p, Protocol: corev1.ProtocolTCP})
		sports = append(sports, corev1.ServicePort{Name: name, Port: p, TargetPort: intstr.FromInt32(p), Protocol: corev1.ProtocolTCP})
	}
	probe := func(delay, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(ports[0])}},
			InitialDelaySeconds: delay, TimeoutSeconds: 5, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: failures,
		}
	}
	const volConfig = "envoy-config"
	container := corev1.Container{
		Name:                     appSeedProxy,
		Image:                    in.Images.Envoy,
		ImagePullPolicy:          corev1.PullIfNotPresent,
		Command:                  []string{"/usr/local/bin/envoy"},
		Args:                     []string{"--config-path", path.Join(envoyConfigDir, envoyConfigKey), "--disable-hot-restart", "--log-level", "info"},
		Ports:                    cports,
		ReadinessProbe:           probe(2, 3),
		LivenessProbe:            probe(15, 5),
		Resources:                resources("50m", "32Mi", "1", "512Mi"),
		SecurityContext:          containerSecurityContext(),
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		VolumeMounts:             []corev1.VolumeMount{mount(volConfig, envoyConfigDir)},
	}
	return []object.Object{
		&corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: SeedProxyNamespace, Labels: map[string]string{labelManagedBy: managedBy}},
		},
		&corev1.ServiceAccount{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: meta(appSeedProxy),
			AutomountServiceAccountToken: ptr(false),
		},
		&corev1.ConfigMap{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: meta(appSeedProxy),
			Data: map[string]string{envoyConfigKey: string(data)},
		},
		&appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: meta(appSeedProxy),
			Spec: appsv1.DeploymentSpec{
				Replicas:             ptr(int32(seedProxyReplicas)),
				RevisionHistoryLimit: ptr(int32(2)),
				Selector:             &metav1.LabelSelector{MatchLabels: sel},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: sel},
					Spec: corev1.PodSpec{
						ServiceAccountName:           appSeedProxy,
						AutomountServiceAccountToken: ptr(false),
						EnableServiceLinks:           ptr(false),
						SecurityContext:              podSecurityContext(),
						Containers:                   []corev1.Container{container},
						Volumes:                      []corev1.Volume{configMapVolume(volConfig, appSeedProxy)},
					},
				},
			},
		},
		&corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: meta(svcSeedProxy),
			Spec: corev1.ServiceSpec{
				Type:                  corev1.ServiceTypeLoadBalancer,
				ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal,
				Selector:              sel,
				Ports:                 sports,
			},
		},
		&policyv1.PodDisruptionBudget{
			TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
			ObjectMeta: meta(appSeedProxy),
			Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(intstr.FromInt32(1)), Selector: &metav1.LabelSelector{MatchLabels: sel}},
		},
	}, nil
}
