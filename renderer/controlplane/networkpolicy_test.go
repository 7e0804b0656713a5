package controlplane

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// endpoint is a pod as NetworkPolicies see it: its namespace (with the
// namespace's labels), its labels and its container ports. A source
// outside the cluster (a user, a node through a load balancer) has
// external set and no pod.
type endpoint struct {
	namespace string
	nsLabels  map[string]string
	labels    map[string]string
	ports     []corev1.ContainerPort
	external  bool
}

// netpolEvaluator decides ingress with Kubernetes NetworkPolicy semantics
// (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
//   - a pod is isolated for ingress if any policy in its namespace selects
//     it and has Ingress in its policyTypes (or no policyTypes, which
//     means Ingress);
//   - an isolated pod accepts a connection if any selecting policy has an
//     ingress rule whose ports match (no ports: all) and whose from
//     matches (no from: every source);
//   - a podSelector peer alone matches pods of the policy's namespace; a
//     namespaceSelector alone all pods of matching namespaces; both
//     together, matching pods in matching namespaces; an ipBlock matches
//     only sources outside the cluster here (pod IPs are not modelled).
type netpolEvaluator struct {
	policies []*networkingv1.NetworkPolicy
}

func selects(t *testing.T, sel *metav1.LabelSelector, l map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %v: %v", sel, err)
	}
	return s.Matches(labels.Set(l))
}

func hasIngressType(np *networkingv1.NetworkPolicy) bool {
	if len(np.Spec.PolicyTypes) == 0 {
		return true
	}
	return slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
}

func (e netpolEvaluator) peerMatches(t *testing.T, np *networkingv1.NetworkPolicy, p networkingv1.NetworkPolicyPeer, from endpoint) bool {
	if p.IPBlock != nil {
		return from.external // pod IPs are not modelled
	}
	if from.external {
		return false
	}
	switch {
	case p.PodSelector != nil && p.NamespaceSelector == nil:
		return from.namespace == np.Namespace && selects(t, p.PodSelector, from.labels)
	case p.PodSelector == nil && p.NamespaceSelector != nil:
		return selects(t, p.NamespaceSelector, from.nsLabels)
	case p.PodSelector != nil && p.NamespaceSelector != nil:
		return selects(t, p.NamespaceSelector, from.nsLabels) && selects(t, p.PodSelector, from.labels)
	}
	t.Fatalf("NetworkPolicy %s: empty peer", np.Name)
	return false
}

func portMatches(t *testing.T, p networkingv1.NetworkPolicyPort, to endpoint, port int32, proto corev1.Protocol) bool {
	want := corev1.ProtocolTCP
	if p.Protocol != nil {
		want = *p.Protocol
	}
	if want != proto {
		return false
	}
	if p.Port == nil {
		return true
	}
	if p.Port.Type == intstr.String {
		// A named port resolves against the destination's container ports.
		for _, cp := range to.ports {
			if cp.Name == p.Port.StrVal && cp.ContainerPort == port && cp.Protocol == proto {
				return true
			}
		}
		return false
	}
	if p.EndPort != nil {
		return port >= p.Port.IntVal && port <= *p.EndPort
	}
	return port == p.Port.IntVal
}

// allowed reports whether from may open a connection to port/proto of to.
func (e netpolEvaluator) allowed(t *testing.T, from, to endpoint, port int32, proto corev1.Protocol) bool {
	t.Helper()
	isolated := false
	for _, np := range e.policies {
		if np.Namespace != to.namespace || !hasIngressType(np) || !selects(t, &np.Spec.PodSelector, to.labels) {
			continue
		}
		isolated = true
		for _, r := range np.Spec.Ingress {
			portOK := len(r.Ports) == 0
			for _, p := range r.Ports {
				if portMatches(t, p, to, port, proto) {
					portOK = true
				}
			}
			fromOK := len(r.From) == 0
			for _, peer := range r.From {
				if e.peerMatches(t, np, peer, from) {
					fromOK = true
				}
			}
			if portOK && fromOK {
				return true
			}
		}
	}
	return !isolated
}

// TestNetpolEvaluator pins the evaluator's semantics on hand-written
// policies, so that the matrix below tests the rendered policies and not
// a lenient evaluator.
func TestNetpolEvaluator(t *testing.T) {
	web := endpoint{namespace: "a", labels: map[string]string{"app": "web"}, ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}
	client := endpoint{namespace: "a", labels: map[string]string{"app": "client"}}
	other := endpoint{namespace: "b", nsLabels: map[string]string{"team": "x"}, labels: map[string]string{"app": "client"}}
	world := endpoint{external: true}
	np := func(rules ...networkingv1.NetworkPolicyIngressRule) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "a"},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Ingress:     rules,
			},
		}
	}
	byPod := networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "client"}}}
	byNS := networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "x"}}}
	tcp8080 := networkingv1.NetworkPolicyPort{Port: ptr(intstr.FromInt32(8080))}
	named := networkingv1.NetworkPolicyPort{Port: ptr(intstr.FromString("http"))}
	tests := []struct {
		name     string
		policies []*networkingv1.NetworkPolicy
		from     endpoint
		port     int32
		proto    corev1.Protocol
		want     bool
	}{
		{"no policy: open", nil, other, 8080, corev1.ProtocolTCP, true},
		{"selected, no rules: deny", []*networkingv1.NetworkPolicy{np()}, client, 8080, corev1.ProtocolTCP, false},
		{"podSelector, same namespace", []*networkingv1.NetworkPolicy{np(networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{byPod}})}, client, 8080, corev1.ProtocolTCP, true},
		{"podSelector, other namespace", []*networkingv1.NetworkPolicy{np(networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{byPod}})}, other, 8080, corev1.ProtocolTCP, false},
		{"namespaceSelector", []*networkingv1.NetworkPolicy{np(networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{byNS}})}, other, 8080, corev1.ProtocolTCP, true},
		{"port mismatch", []*networkingv1.NetworkPolicy{np(networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{tcp8080}})}, client, 9090, corev1.ProtocolTCP, false},
		{"protocol mismatch", []*networkingv1.NetworkPolicy{np(networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{tcp8080}})}, client, 8080, corev1.ProtocolUDP, false},
		{"named port", []*networkingv1.NetworkPolicy{np(networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{named}})}, client, 8080, corev1.ProtocolTCP, true},
		{"no from: world", []*networkingv1.NetworkPolicy{np(networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{tcp8080}})}, world, 8080, corev1.ProtocolTCP, true},
		{"podSelector: not world", []*networkingv1.NetworkPolicy{np(networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{byPod}})}, world, 8080, corev1.ProtocolTCP, false},
		{"union of policies", []*networkingv1.NetworkPolicy{np(), np(networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{byPod}})}, client, 8080, corev1.ProtocolTCP, true},
		{"egress-only policy does not isolate", []*networkingv1.NetworkPolicy{func() *networkingv1.NetworkPolicy {
			p := np()
			p.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
			return p
		}()}, other, 8080, corev1.ProtocolTCP, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (netpolEvaluator{tt.policies}).allowed(t, tt.from, web, tt.port, tt.proto); got != tt.want {
				t.Errorf("allowed = %v, want %v", got, tt.want)
			}
		})
	}
}

// clusterPods returns one endpoint per workload of a rendered namespace,
// by app label, plus its NetworkPolicies.
func clusterPods(t *testing.T, objs []object.Object) (map[string]endpoint, []*networkingv1.NetworkPolicy) {
	t.Helper()
	pods := map[string]endpoint{}
	var nps []*networkingv1.NetworkPolicy
	var nsLabels map[string]string
	for _, o := range objs {
		if ns, ok := o.(*corev1.Namespace); ok {
			nsLabels = ns.Labels
		}
	}
	for _, o := range objs {
		var tmpl corev1.PodTemplateSpec
		switch w := o.(type) {
		case *appsv1.Deployment:
			tmpl = w.Spec.Template
		case *appsv1.StatefulSet:
			tmpl = w.Spec.Template
		case *networkingv1.NetworkPolicy:
			nps = append(nps, w)
			continue
		default:
			continue
		}
		var ports []corev1.ContainerPort
		for _, c := range tmpl.Spec.Containers {
			ports = append(ports, c.Ports...)
		}
		pods[tmpl.Labels[labelApp]] = endpoint{namespace: o.GetNamespace(), nsLabels: nsLabels, labels: tmpl.Labels, ports: ports}
	}
	return pods, nps
}

// TestNetworkPolicyMatrix evaluates the rendered policies of two
// customer namespaces on one seed: who may reach which port of which
// component, and that nothing crosses from one customer to the other.
func TestNetworkPolicyMatrix(t *testing.T) {
	const (
		TCP = corev1.ProtocolTCP
		UDP = corev1.ProtocolUDP
	)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			pods, nps := clusterPods(t, objs)

			// A second customer on the same seed, same variant.
			in2 := v.input()
			in2.Cluster.Name = "intruder"
			in2.Cluster.Project = "other"
			objs2 := render(t, in2)
			pods2, nps2 := clusterPods(t, objs2)
			eval := netpolEvaluator{append(slices.Clone(nps), nps2...)}

			world := endpoint{external: true}
			seedPod := endpoint{namespace: "kube-system", nsLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}, labels: map[string]string{"k8s-app": "some-seed-pod"}}
			secure := int32(tunnelingSecurePort)
			if v.expose != model.ExposeTunneling {
				secure = int32(in.Cluster.Resolved.NodePort)
			}
			openvpn := v.tunnel == model.TunnelOpenVPN
			mon := !v.noMonitoring
			lb := v.expose == model.ExposeLoadBalancer
			// The seed-level proxy's pod (Tunneling and NodePort seeds), as
			// rendered: it forwards to the apiserver and the tunnel.
			var seedProxy endpoint
			if !lb {
				sp, err := SeedProxyObjects(SeedProxyInput{Seed: in.Seed, Master: in.Master, Clusters: []*model.Cluster{in.Cluster}, Images: testImages})
				if err != nil {
					t.Fatal(err)
				}
				d := find[*appsv1.Deployment](sp, "Deployment", appSeedProxy)
				seedProxy = endpoint{namespace: d.Namespace, nsLabels: map[string]string{"kubernetes.io/metadata.name": d.Namespace}, labels: d.Spec.Template.Labels}
			}

			type row struct {
				from  string // app in this namespace, or "world", "seed", "intruder/<app>"
				to    string // app in this namespace
				port  int32
				proto corev1.Protocol
				want  bool
				when  bool // the row applies to this variant
			}
			rows := []row{
				// The apiserver is public on its secure port, and only there.
				{"world", appAPIServer, secure, TCP, true, true},
				{"seed", appAPIServer, secure, TCP, true, true},
				{"intruder/" + appAPIServer, appAPIServer, secure, TCP, true, true},
				{"world", appAPIServer, 8080, TCP, false, true},
				{"world", appAPIServer, konnectivityAgentPort, TCP, !openvpn, true},
				{"world", appAPIServer, konnectivityAdminPort, TCP, false, !openvpn},
				// etcd: clients only from this cluster's apiserver.
				{appAPIServer, appEtcd, etcdClientPort, TCP, true, true},
				{appEtcd, appEtcd, etcdPeerPort, TCP, true, true},
				{appAPIServer, appEtcd, etcdPeerPort, TCP, false, true},
				{appEtcd, appEtcd, etcdClientPort, TCP, false, true},
				{appControllerManager, appEtcd, etcdClientPort, TCP, false, true},
				{appScheduler, appEtcd, etcdClientPort, TCP, false, true},
				{appPrometheus, appEtcd, etcdMetricsPort, TCP, true, mon},
				{appPrometheus, appEtcd, etcdClientPort, TCP, false, mon},
				{appAPIServer, appEtcd, etcdMetricsPort, TCP, false, true},
				{"world", appEtcd, etcdClientPort, TCP, false, true},
				{"seed", appEtcd, etcdClientPort, TCP, false, true},
				{"intruder/" + appAPIServer, appEtcd, etcdClientPort, TCP, false, true},
				{"intruder/" + appEtcd, appEtcd, etcdPeerPort, TCP, false, true},
				// A pod elsewhere that copies this cluster's labels exactly.
				{"impostor/" + appAPIServer, appEtcd, etcdClientPort, TCP, false, true},
				{"impostor/" + appEtcd, appEtcd, etcdPeerPort, TCP, false, true},
				{"impostor/" + appAPIServer, appDNSResolver, dnsResolverPort, UDP, false, openvpn},
				{"intruder/" + appPrometheus, appEtcd, etcdMetricsPort, TCP, false, mon},
				// controller-manager and scheduler: Prometheus only.
				{appPrometheus, appControllerManager, controllerManagerPort, TCP, true, mon},
				{appPrometheus, appScheduler, schedulerPort, TCP, true, mon},
				{appAPIServer, appControllerManager, controllerManagerPort, TCP, false, true},
				{"world", appScheduler, schedulerPort, TCP, false, true},
				{"intruder/" + appPrometheus, appControllerManager, controllerManagerPort, TCP, false, mon},
				{"intruder/" + appPrometheus, appScheduler, schedulerPort, TCP, false, mon},
				// Prometheus accepts nothing.
				{appAPIServer, appPrometheus, prometheusPort, TCP, false, mon},
				{"seed", appPrometheus, prometheusPort, TCP, false, mon},
				{"world", appPrometheus, prometheusPort, TCP, false, mon},
				// OpenVPN: the server is public on 1194; the resolver serves
				// this cluster's apiserver only.
				{"world", appOpenVPN, openVPNPort, TCP, true, openvpn},
				{appAPIServer, appOpenVPN, openVPNPort, TCP, true, openvpn},
				{"world", appOpenVPN, 22, TCP, false, openvpn},
				// The seed proxy reaches what it routes to: the apiserver,
				// and the OpenVPN server (Tunneling: the envoy-agent's
				// CONNECT tunnels; NodePort: the tunnel NodePort).
				{"seedproxy", appAPIServer, secure, TCP, true, !lb},
				{"seedproxy", appOpenVPN, openVPNPort, TCP, true, openvpn && !lb},
				{appAPIServer, appDNSResolver, dnsResolverPort, UDP, true, openvpn},
				{appAPIServer, appDNSResolver, dnsResolverPort, TCP, true, openvpn},
				{appEtcd, appDNSResolver, dnsResolverPort, UDP, false, openvpn},
				{"world", appDNSResolver, dnsResolverPort, UDP, false, openvpn},
				{"intruder/" + appAPIServer, appDNSResolver, dnsResolverPort, UDP, false, openvpn},
				{appAPIServer, appDNSResolver, dnsResolverMetrics, TCP, false, openvpn},
				// The namespaced nodeport-proxy is public on its listeners.
				{"world", appEnvoy, int32(in.Cluster.Resolved.NodePort), TCP, true, lb},
				{"world", appEnvoy, int32(in.Cluster.Resolved.TunnelNodePort), TCP, true, lb},
				{"world", appEnvoy, 9901, TCP, false, lb},
			}
			n := 0
			for _, r := range rows {
				if !r.when {
					continue
				}
				n++
				var from endpoint
				switch {
				case r.from == "world":
					from = world
				case r.from == "seed":
					from = seedPod
				case r.from == "seedproxy":
					from = seedProxy
				case strings.HasPrefix(r.from, "intruder/"):
					p, ok := pods2[strings.TrimPrefix(r.from, "intruder/")]
					if !ok {
						t.Fatalf("no pod %s in the second namespace", r.from)
					}
					from = p
				case strings.HasPrefix(r.from, "impostor/"):
					p, ok := pods[strings.TrimPrefix(r.from, "impostor/")]
					if !ok {
						t.Fatalf("no pod %s", r.from)
					}
					from = p
					from.namespace, from.nsLabels = "tenant-playground", map[string]string{"kubernetes.io/metadata.name": "tenant-playground"}
				default:
					p, ok := pods[r.from]
					if !ok {
						t.Fatalf("no pod %s", r.from)
					}
					from = p
				}
				to, ok := pods[r.to]
				if !ok {
					t.Fatalf("no pod %s", r.to)
				}
				if got := eval.allowed(t, from, to, r.port, r.proto); got != r.want {
					t.Errorf("%s → %s:%d/%s allowed = %v, want %v", r.from, r.to, r.port, r.proto, got, r.want)
				}
			}
			if n < 20 {
				t.Errorf("only %d rows apply", n)
			}

			// Every pod is isolated for ingress (the default deny selects it).
			for app, p := range pods {
				if eval.allowed(t, seedPod, p, 65000, TCP) {
					t.Errorf("%s accepts anything from the seed on an arbitrary port", app)
				}
			}
			// Peers: never a namespaceSelector or ipBlock; rules open to
			// every source carry explicit ports.
			for _, np := range nps {
				for _, r := range np.Spec.Ingress {
					if len(r.From) == 0 && len(r.Ports) == 0 {
						t.Errorf("NetworkPolicy %s opens every port to everyone", np.Name)
					}
					for _, peer := range r.From {
						if peer.NamespaceSelector != nil || peer.IPBlock != nil || peer.PodSelector == nil {
							t.Errorf("NetworkPolicy %s has a peer beyond its namespace: %+v", np.Name, peer)
						}
					}
				}
			}
			// Every port a rendered Service targets in this namespace is
			// reachable by someone, or the Service would be dead.
			for _, o := range objs {
				svc, ok := o.(*corev1.Service)
				if !ok {
					continue
				}
				app := svc.Spec.Selector[labelApp]
				to := pods[app]
				for _, sp := range svc.Spec.Ports {
					port := int32(sp.TargetPort.IntValue())
					reachable := false
					for _, src := range append([]endpoint{world}, valuesOf(pods)...) {
						if eval.allowed(t, src, to, port, sp.Protocol) {
							reachable = true
						}
					}
					// etcd's peer-tls port is listed but unused (doc.go).
					if !reachable && !(svc.Name == svcEtcd && port == etcdPeerTLSPort) && !(svc.Name == svcPrometheus) {
						t.Errorf("Service %s port %d/%s is reachable by nobody", svc.Name, port, sp.Protocol)
					}
				}
			}
		})
	}
}

func valuesOf(m map[string]endpoint) []endpoint {
	var out []endpoint
	for _, k := range model.SortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}
