package controlplane

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/object"
)

const npDefaultDenyIngress = "default-deny-ingress"

// netPort is one port a policy opens.
type netPort struct {
	port  int32
	proto corev1.Protocol
}

func tcp(p int32) netPort { return netPort{p, corev1.ProtocolTCP} }
func udp(p int32) netPort { return netPort{p, corev1.ProtocolUDP} }

// ingressRule opens ports to the pods of the apps in from (in this
// namespace); no apps means from anywhere (ports that are exposed anyway).
type ingressRule struct {
	from  []string
	ports []netPort
}

// networkPolicies isolate the namespace for ingress: default deny, then
// one policy per component listing who may reach which port. Peers are
// always podSelectors, which only match pods of the policy's own
// namespace; the only rules open to other namespaces (and the world) are
// those for the ports the seed exposes anyway. Egress is not restricted
// (see doc.go).
func (b *builder) networkPolicies() []object.Object {
	out := []object.Object{&networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: b.meta(npDefaultDenyIngress, ""),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		},
	}}
	add := func(app string, rules ...ingressRule) {
		np := &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: b.meta(app+"-ingress", app),
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: b.selector(app)},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			},
		}
		for _, r := range rules {
			var ir networkingv1.NetworkPolicyIngressRule
			for _, from := range r.from {
				ir.From = append(ir.From, networkingv1.NetworkPolicyPeer{
					PodSelector: &metav1.LabelSelector{MatchLabels: b.selector(from)},
				})
			}
			for _, p := range r.ports {
				ir.Ports = append(ir.Ports, networkingv1.NetworkPolicyPort{
					Protocol: ptr(p.proto),
					Port:     ptr(intstr.FromInt32(p.port)),
				})
			}
			np.Spec.Ingress = append(np.Spec.Ingress, ir)
		}
		out = append(out, np)
	}
	mon := b.c.Monitoring

	// The apiserver is public: nodes, users and the seed's proxies reach
	// its secure port (and the Konnectivity agents port 8132).
	apiPorts := []netPort{tcp(b.securePort)}
	if b.konnectivity {
		apiPorts = append(apiPorts, tcp(konnectivityAgentPort))
	}
	add(appAPIServer, ingressRule{ports: apiPorts})

	etcd := []ingressRule{
		{from: []string{appAPIServer}, ports: []netPort{tcp(etcdClientPort)}},
		{from: []string{appEtcd}, ports: []netPort{tcp(etcdPeerPort)}},
	}
	if mon {
		etcd = append(etcd, ingressRule{from: []string{appPrometheus}, ports: []netPort{tcp(etcdMetricsPort)}})
	}
	if b.in.Seed.Backups != nil {
		// The backup job's snapshot (etcdctl snapshot save).
		etcd = append(etcd, ingressRule{from: []string{appEtcdBackup}, ports: []netPort{tcp(etcdClientPort)}})
	}
	add(appEtcd, etcd...)

	// controller-manager and scheduler serve only metrics and health:
	// Prometheus may scrape them, nobody else needs them (the kubelet's
	// probes are always allowed).
	if mon {
		add(appControllerManager, ingressRule{from: []string{appPrometheus}, ports: []netPort{tcp(controllerManagerPort)}})
		add(appScheduler, ingressRule{from: []string{appPrometheus}, ports: []netPort{tcp(schedulerPort)}})
	}
	// Prometheus itself accepts nothing: the default deny covers it.

	if !b.konnectivity {
		// Nodes (through the seed's proxies) and the seed-side clients.
		add(appOpenVPN, ingressRule{ports: []netPort{tcp(openVPNPort)}})
		add(appDNSResolver, ingressRule{
			from:  []string{appAPIServer},
			ports: []netPort{udp(dnsResolverPort), tcp(dnsResolverPort)},
		})
	}
	if b.machinesEnabled() {
		// The webhooks are called by the customer cluster's apiserver
		// only.
		add(appMachineControllerWebhook, ingressRule{from: []string{appAPIServer}, ports: []netPort{tcp(machineControllerWebhookPort)}})
		add(appOSMWebhook, ingressRule{from: []string{appAPIServer}, ports: []netPort{tcp(osmWebhookPort)}})
	}
	if b.loadBalancer() {
		var ports []netPort
		for _, l := range b.envoyListeners() {
			ports = append(ports, tcp(l.port))
		}
		add(appEnvoy, ingressRule{ports: ports})
	}
	return out
}
