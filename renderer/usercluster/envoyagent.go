package usercluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"path"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/encode"
	"github.com/fleetc/fleetc/renderer/envoy"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// The `kubernetes` Service of the customer cluster and the envoy-agent
// behind its endpoints.
//
// The apiserver runs with --endpoint-reconciler-type=none (its pods are on
// the seed, not reachable at their own addresses), so the Service
// `default/kubernetes` gets the endpoints rendered here: one address,
// AgentIP, on every node, at the apiserver's external port. There a
// DaemonSet, envoy-agent, listens on a dummy interface and forwards to
// where the apiserver is reachable from outside the seed:
//   - Tunneling: through the seed's nodeport-proxy, by an HTTP/2 CONNECT
//     to <external name>:6443 on its port 8088 (the proxy routes by the
//     CONNECT authority; plain TLS from a pod carries no server name when
//     the client dialled the Service's IP), as Kubermatic's envoy-agent;
//   - NodePort and LoadBalancer: a plain TCP proxy to <external name>:<its
//     NodePort>, where Kubermatic points the endpoints at the external
//     name's resolved IP, which a render cannot know.
//
// So the endpoints are the same static address on every strategy, and a
// change of the external address changes the agent's configuration only.
// On Tunneling seeds the agent also carries a tunnel "openvpn" cluster's
// OpenVPN client (AgentIP:1194) to its server, over CONNECT as well
// (OpenVPNConnectAuthority).
const (
	// AgentIP is the address the envoy-agent listens on in every node
	// (Kubermatic's DefaultTunnelingAgentIP, from the shared address
	// space of RFC 6598). The apiserver's serving certificate carries it.
	AgentIP = "100.64.30.10"
	// TunnelingConnectPort is the port of the seed's nodeport-proxy that
	// accepts HTTP/2 CONNECT tunnels (Tunneling seeds).
	TunnelingConnectPort = 8088

	appEnvoyAgent     = "envoy-agent"
	envoyAgentIface   = "envoyagent"
	envoyAgentCfgDir  = "/etc/envoy"
	envoyAgentCfgKey  = "envoy.yaml"
	envoyAgentCluster = "apiserver"
	envoyAgentOpenVPN = "openvpn"
	// openVPNServerService is the OpenVPN server's Service on the seed.
	openVPNServerService = "openvpn-server"
	// annConfigHash rolls the agents when their configuration changes.
	annConfigHash = "fleetc.io/config-hash"

	kubernetesService = "kubernetes"
	defaultNamespace  = "default"
)

const (
	agentConnTimeout  = "5s"
	agentClusterLogic = "LOGICAL_DNS"
)

// EnvoyAgentConfig returns the agent's Envoy configuration: a listener on
// AgentIP at the apiserver's port, forwarding to the external address
// (Tunneling: in a CONNECT tunnel through the seed's nodeport-proxy). On
// Tunneling seeds a cluster with tunnel "openvpn" gets a second listener,
// AgentIP:1194 (the OpenVPN client's remote), tunnelled through the same
// proxy under the authority of its openvpn-server Service
// (OpenVPNConnectAuthority), as Kubermatic's envoy-agent.
func (b *builder) envoyAgentConfig() envoy.Bootstrap {
	tunneling := b.in.Seed.Expose == model.ExposeTunneling
	upstream, upstreamPort := b.apiHost, b.apiPort
	if tunneling {
		upstreamPort = TunnelingConnectPort
	}
	var cfg envoy.Bootstrap
	add := func(name string, port int32, authority string) {
		proxy := envoy.TCPProxy(name, "")
		cl := envoy.DNSCluster(name, agentClusterLogic, agentConnTimeout, upstream, upstreamPort)
		if tunneling {
			proxy.TypedConfig.TunnelingConfig = &envoy.TunnelingConfig{Hostname: authority}
			cl.TypedExtensionProtocolOptions = map[string]envoy.HTTPProtocolOptions{
				envoy.HTTPOptionsName: {Type: envoy.HTTPOptionsType},
			}
		}
		cfg.StaticResources.Listeners = append(cfg.StaticResources.Listeners, envoy.Listener{
			Name:         name,
			Address:      envoy.At(AgentIP, port),
			FilterChains: []envoy.FilterChain{{Filters: []envoy.Filter{proxy}}},
		})
		cfg.StaticResources.Clusters = append(cfg.StaticResources.Clusters, cl)
	}
	add(envoyAgentCluster, b.apiPort, b.connectAuthority())
	if tunneling && b.c.Tunnel == model.TunnelOpenVPN {
		add(envoyAgentOpenVPN, OpenVPNPort, OpenVPNConnectAuthority(b.c.Namespace()))
	}
	return cfg
}

// OpenVPNConnectAuthority is the HTTP CONNECT authority under which the
// envoy-agent of a Tunneling cluster (in seed namespace namespace) reaches
// its openvpn-server through the seed's nodeport-proxy: the Service's DNS
// name at the OpenVPN port, as Kubermatic names it. OpenVPN's TLS carries
// no server name, so the CONNECT authority is the only route key.
func OpenVPNConnectAuthority(namespace string) string {
	return net.JoinHostPort(fmt.Sprintf("%s.%s.svc.cluster.local", openVPNServerService, namespace), strconv.Itoa(OpenVPNPort))
}

// connectAuthority is the CONNECT authority of the cluster's apiserver on
// a Tunneling seed: <external name>:6443. The seed's nodeport-proxy
// routes it (ConnectAuthority).
func (b *builder) connectAuthority() string {
	return ConnectAuthority(b.apiHost)
}

// ConnectAuthority is the HTTP CONNECT authority under which the
// envoy-agent of a Tunneling cluster with external name host reaches its
// apiserver through the seed's nodeport-proxy.
func ConnectAuthority(host string) string {
	return host + ":" + strconv.Itoa(tunnelingPort)
}

// envoyAgent returns the agent's ConfigMap and DaemonSet, and the
// Endpoints and EndpointSlice of the `kubernetes` Service.
func (b *builder) envoyAgent() ([]object.Object, error) {
	data, err := encode.Marshal(b.envoyAgentConfig())
	if err != nil {
		return nil, fmt.Errorf("usercluster: cluster %s: envoy-agent configuration: %w", b.c.Name, err)
	}
	sum := sha256.Sum256(data)
	ifaceArgs := func(mode string) []string {
		return []string{"-mode", mode, "-if", envoyAgentIface, "-addr", AgentIP}
	}
	// Adding the interface and its address needs NET_ADMIN in the node's
	// network namespace, which only root holds (Kubernetes sets no
	// ambient capabilities); everything else is dropped.
	netAdmin := func() *corev1.SecurityContext {
		return &corev1.SecurityContext{
			RunAsUser:                ptr(int64(0)),
			RunAsNonRoot:             ptr(false),
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: []corev1.Capability{"NET_ADMIN"}},
		}
	}
	probe := &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Host: AgentIP, Port: intstr.FromInt32(b.apiPort)}},
		PeriodSeconds:    10,
		TimeoutSeconds:   5,
		FailureThreshold: 3,
	}
	envoy := corev1.Container{
		Name:    appEnvoyAgent,
		Image:   b.in.Images.Envoy,
		Command: []string{"/usr/local/bin/envoy"},
		// Hot restart needs shared memory named per base id, which all
		// host-network pods of a node would share.
		Args:            []string{"--config-path", path.Join(envoyAgentCfgDir, envoyAgentCfgKey), "--disable-hot-restart", "--log-level", "info"},
		ReadinessProbe:  probe,
		LivenessProbe:   probe,
		Resources:       limits(requests("100m", "64Mi"), "1", "512Mi"),
		SecurityContext: restricted(),
		VolumeMounts:    []corev1.VolumeMount{{Name: "config", MountPath: envoyAgentCfgDir, ReadOnly: true}},
	}
	// The agent's listening port is above 1024: no capability at all.
	envoy.SecurityContext.RunAsUser = ptr(int64(65534))
	ds := &appsv1.DaemonSet{
		TypeMeta:   typeMeta("apps/v1", "DaemonSet"),
		ObjectMeta: meta(appEnvoyAgent, appEnvoyAgent),
		Spec: appsv1.DaemonSetSpec{
			Selector:             selector(appEnvoyAgent),
			RevisionHistoryLimit: ptr(int32(2)),
			// One node at a time loses its agent while it rolls.
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type:          appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr(intstr.FromInt32(1))},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      map[string]string{"app": appEnvoyAgent},
					Annotations: map[string]string{annConfigHash: hex.EncodeToString(sum[:])},
				},
				Spec: corev1.PodSpec{
					// The node's network namespace: the address is the
					// node's, for every pod and the node itself.
					HostNetwork: true,
					// The external name is resolved by the node's resolver:
					// cluster DNS may not run yet.
					DNSPolicy:                    corev1.DNSDefault,
					AutomountServiceAccountToken: ptr(false),
					EnableServiceLinks:           ptr(false),
					PriorityClassName:            "system-node-critical",
					// Every node, also one that is not ready or cordoned:
					// its kubelet-side clients need the apiserver first.
					Tolerations: []corev1.Toleration{
						{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
						{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
					},
					SecurityContext: &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
					InitContainers: []corev1.Container{{
						Name:            "create-dummy-interface",
						Image:           b.in.Images.NetworkInterfaceManager,
						Args:            ifaceArgs("init"),
						Resources:       limits(requests("5m", "16Mi"), "100m", "32Mi"),
						SecurityContext: netAdmin(),
					}},
					Containers: []corev1.Container{
						envoy,
						{
							// Keeps the address on the interface (Kubermatic's
							// probe mode).
							Name:            "assign-address",
							Image:           b.in.Images.NetworkInterfaceManager,
							Args:            ifaceArgs("probe"),
							Resources:       limits(requests("5m", "16Mi"), "100m", "32Mi"),
							SecurityContext: netAdmin(),
						},
					},
					Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
						LocalObjectReference: corev1.LocalObjectReference{Name: appEnvoyAgent},
					}}}},
				},
			},
		},
	}
	for _, cs := range [][]corev1.Container{ds.Spec.Template.Spec.InitContainers, ds.Spec.Template.Spec.Containers} {
		for i := range cs {
			cs[i].ImagePullPolicy = corev1.PullIfNotPresent
		}
	}
	return []object.Object{
		&corev1.ConfigMap{
			TypeMeta:   typeMeta("v1", "ConfigMap"),
			ObjectMeta: meta(appEnvoyAgent, appEnvoyAgent),
			Data:       map[string]string{envoyAgentCfgKey: string(data)},
		},
		ds,
		b.kubernetesEndpoints(),
		b.kubernetesEndpointSlice(),
	}, nil
}

// kubernetesEndpoints are the Endpoints of Service default/kubernetes,
// labelled so that the EndpointSlice mirroring controller leaves them
// alone (the slice is rendered too, as the apiserver's own reconciler
// writes both).
func (b *builder) kubernetesEndpoints() *corev1.Endpoints { //nolint:staticcheck // the apiserver's own reconciler still writes Endpoints
	m := metav1.ObjectMeta{Name: kubernetesService, Namespace: defaultNamespace, Labels: map[string]string{
		"app.kubernetes.io/managed-by": managedBy,
		discoveryv1.LabelSkipMirror:    "true",
	}}
	return &corev1.Endpoints{ //nolint:staticcheck
		TypeMeta:   typeMeta("v1", "Endpoints"),
		ObjectMeta: m,
		Subsets: []corev1.EndpointSubset{{ //nolint:staticcheck
			Addresses: []corev1.EndpointAddress{{IP: AgentIP}},                                               //nolint:staticcheck
			Ports:     []corev1.EndpointPort{{Name: "https", Port: b.apiPort, Protocol: corev1.ProtocolTCP}}, //nolint:staticcheck
		}},
	}
}

// kubernetesEndpointSlice is the EndpointSlice kube-proxy and the CNI read
// for Service default/kubernetes (named like the Service, as the
// apiserver names its own).
func (b *builder) kubernetesEndpointSlice() *discoveryv1.EndpointSlice {
	m := metav1.ObjectMeta{Name: kubernetesService, Namespace: defaultNamespace, Labels: map[string]string{
		"app.kubernetes.io/managed-by": managedBy,
		discoveryv1.LabelServiceName:   kubernetesService,
		// Not the endpointslice controller's value: it would delete a
		// slice it manages for a Service without a selector.
		discoveryv1.LabelManagedBy: "fleetc.io",
	}}
	return &discoveryv1.EndpointSlice{
		TypeMeta:    typeMeta("discovery.k8s.io/v1", "EndpointSlice"),
		ObjectMeta:  m,
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{AgentIP},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr(true)},
		}},
		Ports: []discoveryv1.EndpointPort{{Name: ptr("https"), Port: ptr(b.apiPort), Protocol: ptr(corev1.ProtocolTCP)}},
	}
}
