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
	"github.com/fleetc/fleetc/renderer/envoy"
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
)

// SeedProxyInput is what the seed-level proxy is rendered from.
type SeedProxyInput struct {
	Seed     *model.Seed
	Master   *model.Master
	Clusters []*model.Cluster // the seed's clusters, Resolved filled in
	Images   catalog.Images
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

func strictDNS(r route) envoy.Cluster {
	return envoy.DNSCluster(r.name, "STRICT_DNS", envoyConnTimeout, r.host, r.port)
}

func tcpProxy(r route) []envoy.Filter {
	return []envoy.Filter{envoy.TCPProxy(r.name, envoyIdleTimeout)}
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
func connectListener(in SeedProxyInput, routes []route) envoy.Listener {
	rc := &envoy.RouteConfig{Name: "tunneling"}
	for _, r := range routes {
		if r.connect == "" {
			continue
		}
		rc.VirtualHosts = append(rc.VirtualHosts, envoy.VirtualHost{
			Name:    r.name,
			Domains: []string{r.connect},
			Routes: []envoy.Route{{Route: envoy.RouteAction{
				Cluster:        r.name,
				UpgradeConfigs: []envoy.UpgradeConfig{{UpgradeType: "CONNECT", ConnectConfig: &struct{}{}}},
				IdleTimeout:    envoyIdleTimeout,
			}}},
		})
	}
	return envoy.Listener{
		Name:    "tunneling",
		Address: envoy.At("0.0.0.0", usercluster.TunnelingConnectPort),
		FilterChains: []envoy.FilterChain{{Filters: []envoy.Filter{{
			Name: envoy.HCMName,
			TypedConfig: envoy.FilterConfig{
				Type:       envoy.HCMType,
				StatPrefix: "tunneling",
				// The agents speak HTTP/2 without TLS (prior knowledge);
				// the tunnelled bytes are the client's own TLS.
				CodecType:            "HTTP2",
				HTTP2ProtocolOptions: &envoy.HTTP2ProtocolOptions{AllowConnect: true},
				UpgradeConfigs:       []envoy.UpgradeConfig{{UpgradeType: "CONNECT"}},
				RouteConfig:          rc,
				HTTPFilters: []envoy.HTTPFilter{{
					Name:        envoy.RouterName,
					TypedConfig: map[string]string{"@type": envoy.RouterType},
				}},
			},
		}}}},
	}
}

// seedProxyConfig returns the Envoy configuration and the ports it serves.
func seedProxyConfig(in SeedProxyInput) (envoy.Bootstrap, []int32) {
	var cfg envoy.Bootstrap
	var ports []int32
	routes := seedRoutes(in)
	switch in.Seed.Expose {
	case model.ExposeTunneling:
		l := envoy.Listener{
			Name:            "sni",
			Address:         envoy.At("0.0.0.0", tunnelingSecurePort),
			ListenerFilters: []envoy.ListenerFilter{{Name: envoy.TLSInspectorName, TypedConfig: map[string]any{"@type": envoy.TLSInspectorType}}},
		}
		for _, r := range routes {
			if r.sni != "" {
				l.FilterChains = append(l.FilterChains, envoy.FilterChain{FilterChainMatch: &envoy.ChainMatch{ServerNames: []string{r.sni}}, Filters: tcpProxy(r)})
			}
			if r.sni != "" || r.connect != "" {
				cfg.StaticResources.Clusters = append(cfg.StaticResources.Clusters, strictDNS(r))
			}
		}
		cfg.StaticResources.Listeners = []envoy.Listener{l, connectListener(in, routes)}
		ports = []int32{tunnelingSecurePort, usercluster.TunnelingConnectPort}
	case model.ExposeNodePort:
		for _, r := range routes {
			cfg.StaticResources.Listeners = append(cfg.StaticResources.Listeners, envoy.Listener{
				Name:         r.name,
				Address:      envoy.At("0.0.0.0", r.extPort),
				FilterChains: []envoy.FilterChain{{Filters: tcpProxy(r)}},
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
