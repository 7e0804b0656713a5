package controlplane

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/fleetc/fleetc/renderer/model"
)

// The command line of every control-plane container, flag by flag: the
// value each flag must have (`make mutants` deletes each flag and changes
// each constant value, and a case here fails for each).

// flagCase is one flag of one container: want is its exact value ("" for
// a flag without one); when, if set, says in which variants it is there
// (absent from the others).
type flagCase struct {
	flag string
	want func(v variant, in Input) string
	when func(v variant) bool
}

func is(s string) func(variant, Input) string { return func(variant, Input) string { return s } }

const (
	kubeconfigPath = "/etc/kubernetes/kubeconfig/kubeconfig"
	caCert         = "/etc/kubernetes/pki/ca/ca.crt"
	saKey          = "/etc/kubernetes/pki/service-account-key/sa.key"
)

func tunneling(v variant) bool    { return v.expose == model.ExposeTunneling }
func konnectivity(v variant) bool { return v.tunnel == model.TunnelKonnectivity }

// externalName and securePort as Kubermatic makes them: 6443 on Tunneling
// seeds, else the cluster's NodePort.
func externalName(in Input) string {
	return in.Cluster.Name + "." + in.Seed.Name + "." + in.Master.Domain
}

func securePort(v variant, in Input) string {
	if tunneling(v) {
		return "6443"
	}
	return strconv.Itoa(in.Cluster.Resolved.NodePort)
}

func etcdMembers(in Input, scheme string, port int) []string {
	var out []string
	for i := range in.Cluster.Etcd.Replicas {
		out = append(out, fmt.Sprintf("%s://etcd-%d.etcd.%s.svc.cluster.local:%d", scheme, i, in.Cluster.Namespace(), port))
	}
	return out
}

var flagTable = map[string][]flagCase{
	"Deployment/apiserver/apiserver": {
		{flag: "secure-port", want: securePort},
		{flag: "external-hostname", want: func(_ variant, in Input) string { return externalName(in) }},
		{flag: "etcd-servers", want: func(_ variant, in Input) string {
			var s []string
			for _, m := range etcdMembers(in, "https", 2379) {
				s = append(s, strings.Replace(m, ".local:", ".local.:", 1))
			}
			return strings.Join(s, ",")
		}},
		{flag: "etcd-cafile", want: is("/etc/kubernetes/pki/etcd-client/ca.crt")},
		{flag: "etcd-certfile", want: is("/etc/kubernetes/pki/etcd-client/tls.crt")},
		{flag: "etcd-keyfile", want: is("/etc/kubernetes/pki/etcd-client/tls.key")},
		{flag: "storage-backend", want: is("etcd3")},
		{flag: "enable-admission-plugins", want: is("DefaultStorageClass,DefaultTolerationSeconds,LimitRanger,MutatingAdmissionWebhook,NamespaceLifecycle,NodeRestriction,Priority,ResourceQuota,ServiceAccount,ValidatingAdmissionWebhook")},
		{flag: "enable-bootstrap-token-auth", want: is("")},
		{flag: "service-account-key-file", want: is(saKey)},
		{flag: "service-account-signing-key-file", want: is(saKey)},
		{flag: "service-account-issuer", want: func(v variant, in Input) string { return "https://" + externalName(in) + ":" + securePort(v, in) }},
		{flag: "api-audiences", want: func(v variant, in Input) string {
			aud := "https://" + externalName(in) + ":" + securePort(v, in)
			if konnectivity(v) {
				aud += ",system:konnectivity-server"
			}
			return aud
		}},
		{flag: "service-cluster-ip-range", want: is("10.240.16.0/20")},
		{flag: "service-node-port-range", want: is("30000-32767")},
		{flag: "allow-privileged", want: is("")},
		{flag: "tls-cert-file", want: is("/etc/kubernetes/pki/apiserver-tls/tls.crt")},
		{flag: "tls-private-key-file", want: is("/etc/kubernetes/pki/apiserver-tls/tls.key")},
		{flag: "tls-min-version", want: is("VersionTLS12")},
		{flag: "tls-cipher-suites", want: is("TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305")},
		{flag: "client-ca-file", want: is(caCert)},
		{flag: "proxy-client-cert-file", want: is("/etc/kubernetes/pki/front-proxy-client/tls.crt")},
		{flag: "proxy-client-key-file", want: is("/etc/kubernetes/pki/front-proxy-client/tls.key")},
		{flag: "requestheader-client-ca-file", want: is("/etc/kubernetes/pki/front-proxy-ca/ca.crt")},
		{flag: "requestheader-allowed-names", want: is("apiserver-aggregator")},
		{flag: "requestheader-extra-headers-prefix", want: is("X-Remote-Extra-")},
		{flag: "requestheader-group-headers", want: is("X-Remote-Group")},
		{flag: "requestheader-username-headers", want: is("X-Remote-User")},
		{flag: "kubelet-client-certificate", want: is("/etc/kubernetes/pki/kubelet-client/tls.crt")},
		{flag: "kubelet-client-key", want: is("/etc/kubernetes/pki/kubelet-client/tls.key")},
		{flag: "kubelet-certificate-authority", want: is(caCert)},
		{flag: "kubelet-preferred-address-types", want: is("InternalIP,ExternalIP")},
		{flag: "authorization-mode", want: is("Node,RBAC")},
		{flag: "endpoint-reconciler-type", want: is("none")},
		{flag: "profiling", want: is("false")},
		{flag: "oidc-issuer-url", want: is("https://kkp.example.com/dex"), when: func(v variant) bool { return v.oidc }},
		{flag: "oidc-client-id", want: is("kubermatic"), when: func(v variant) bool { return v.oidc }},
		{flag: "oidc-username-claim", want: is("email"), when: func(v variant) bool { return v.oidc }},
		{flag: "oidc-groups-claim", want: is("groups"), when: func(v variant) bool { return v.oidc }},
		// No prefix on e-mails (members are bound by them); every IdP group
		// prefixed, so none can be named system:masters.
		{flag: "oidc-username-prefix", want: is("-"), when: func(v variant) bool { return v.oidc }},
		{flag: "oidc-groups-prefix", want: is("oidc:"), when: func(v variant) bool { return v.oidc }},
		{flag: "egress-selector-config-file", want: is("/etc/kubernetes/konnectivity/egress-selector-configuration.yaml"), when: konnectivity},
		{flag: "token-auth-file", when: func(variant) bool { return false }},
		{flag: "anonymous-auth", when: func(variant) bool { return false }},
	},
	"Deployment/apiserver/konnectivity-server": {
		{flag: "mode", want: is("grpc")},
		{flag: "server-count", want: func(v variant, _ Input) string { return strconv.Itoa(v.apiserver) }},
		{flag: "uds-name", want: is("/etc/kubernetes/konnectivity-server/konnectivity-server.socket")},
		{flag: "delete-existing-uds-file", want: is("true")},
		{flag: "server-port", want: is("0")},
		{flag: "cluster-cert", want: is("/etc/kubernetes/pki/konnectivity-server/tls.crt")},
		{flag: "cluster-key", want: is("/etc/kubernetes/pki/konnectivity-server/tls.key")},
		{flag: "kubeconfig", want: is(kubeconfigPath)},
		{flag: "agent-port", want: is("8132")},
		{flag: "admin-port", want: is("8133")},
		{flag: "health-port", want: is("8134")},
		{flag: "agent-namespace", want: is("kube-system")},
		{flag: "agent-service-account", want: is("system-konnectivity-agent")},
		{flag: "authentication-audience", want: is("system:konnectivity-server")},
		{flag: "proxy-strategies", want: is("default")},
		{flag: "keepalive-time", want: is("1m")},
	},
	"Deployment/controller-manager/controller-manager": {
		{flag: "kubeconfig", want: is(kubeconfigPath)},
		{flag: "authentication-kubeconfig", want: is(kubeconfigPath)},
		{flag: "authorization-kubeconfig", want: is(kubeconfigPath)},
		{flag: "client-ca-file", want: is(caCert)},
		{flag: "service-account-private-key-file", want: is(saKey)},
		{flag: "root-ca-file", want: is(caCert)},
		{flag: "cluster-signing-cert-file", want: is(caCert)},
		{flag: "cluster-signing-key-file", want: is("/etc/kubernetes/pki/ca/ca.key")},
		{flag: "controllers", want: is("*,bootstrapsigner,tokencleaner")},
		{flag: "use-service-account-credentials", want: is("")},
		{flag: "allocate-node-cidrs", want: is("")},
		{flag: "cluster-cidr", want: is("172.25.0.0/16")},
		{flag: "service-cluster-ip-range", want: is("10.240.16.0/20")},
		{flag: "configure-cloud-routes", want: is("false")},
		{flag: "cloud-provider", want: is("external")},
		{flag: "profiling", want: is("false")},
		{flag: "leader-elect", want: is("true")},
	},
	"Deployment/scheduler/scheduler": {
		{flag: "kubeconfig", want: is(kubeconfigPath)},
		{flag: "authentication-kubeconfig", want: is(kubeconfigPath)},
		{flag: "authorization-kubeconfig", want: is(kubeconfigPath)},
		{flag: "client-ca-file", want: is(caCert)},
		{flag: "profiling", want: is("false")},
		{flag: "leader-elect", want: is("true")},
	},
	"StatefulSet/etcd/etcd": {
		{flag: "name", want: is("$(POD_NAME)")},
		{flag: "data-dir", want: is("/var/run/etcd/pod_$(POD_NAME)/")},
		{flag: "initial-cluster", want: func(_ variant, in Input) string {
			var s []string
			for i, m := range etcdMembers(in, "https", 2380) {
				s = append(s, fmt.Sprintf("etcd-%d=%s", i, m))
			}
			return strings.Join(s, ",")
		}},
		{flag: "initial-cluster-token", want: func(_ variant, in Input) string { return in.Cluster.Name }},
		{flag: "initial-cluster-state", want: is("new")},
		{flag: "advertise-client-urls", want: func(_ variant, in Input) string {
			return "https://$(POD_NAME).etcd." + in.Cluster.Namespace() + ".svc.cluster.local:2379,https://$(POD_IP):2379"
		}},
		{flag: "listen-client-urls", want: is("https://$(POD_IP):2379,https://127.0.0.1:2379")},
		{flag: "listen-peer-urls", want: is("https://$(POD_IP):2380")},
		{flag: "initial-advertise-peer-urls", want: func(_ variant, in Input) string {
			return "https://$(POD_NAME).etcd." + in.Cluster.Namespace() + ".svc.cluster.local:2380"
		}},
		{flag: "listen-metrics-urls", want: is("http://$(POD_IP):2378,http://127.0.0.1:2378")},
		{flag: "trusted-ca-file", want: is("/etc/etcd/pki/ca/ca.crt")},
		{flag: "client-cert-auth", want: is("")},
		{flag: "cert-file", want: is("/etc/etcd/pki/tls/tls.crt")},
		{flag: "key-file", want: is("/etc/etcd/pki/tls/tls.key")},
		{flag: "peer-trusted-ca-file", want: is("/etc/etcd/pki/ca/ca.crt")},
		{flag: "peer-client-cert-auth", want: is("")},
		{flag: "peer-cert-file", want: is("/etc/etcd/pki/tls/tls.crt")},
		{flag: "peer-key-file", want: is("/etc/etcd/pki/tls/tls.key")},
		{flag: "auto-compaction-retention", want: is("8")},
		{flag: "experimental-initial-corrupt-check", want: is("true")},
		{flag: "experimental-corrupt-check-time", want: is("240m")},
	},
	"StatefulSet/prometheus/prometheus": {
		{flag: "config.file", want: is("/etc/prometheus/config/prometheus.yaml")},
		{flag: "storage.tsdb.path", want: is("/var/prometheus/data")},
		{flag: "storage.tsdb.retention.time", want: is("1h")},
		{flag: "storage.tsdb.retention.size", want: is("1GB")},
		{flag: "web.listen-address", want: is(":9090")},
	},
}

// flagValues returns the values of --name=value (or "" for a bare --name)
// in args, in order.
func flagValues(args []string, name string) []string {
	var out []string
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			out = append(out, v)
		} else if a == "--"+name {
			out = append(out, "")
		}
	}
	return out
}

func TestFlagTable(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			specs := podSpecs(render(t, in))
			for key, cases := range flagTable {
				workload, name, _ := strings.Cut(key, "/")
				workload += "/" + name[:strings.Index(name, "/")]
				name = name[strings.Index(name, "/")+1:]
				spec, ok := specs[workload]
				if !ok {
					if workload == "StatefulSet/prometheus" && v.noMonitoring {
						continue
					}
					t.Fatalf("no %s", workload)
				}
				c := container(spec, name)
				if c == nil {
					if name == containerKonnectivity && !konnectivity(v) {
						continue
					}
					t.Fatalf("%s: no container %s", workload, name)
				}
				for _, fc := range cases {
					got := flagValues(c.Args, fc.flag)
					if fc.when != nil && !fc.when(v) {
						if len(got) > 0 {
							t.Errorf("%s: --%s is set (%q), want it absent", key, fc.flag, got)
						}
						continue
					}
					if want := fc.want(v, in); len(got) != 1 || got[0] != want {
						t.Errorf("%s: --%s = %q, want exactly once %q", key, fc.flag, got, want)
					}
				}
			}
		})
	}
}

// TestFlagLists: the containers whose command lines are lists of
// separate words, each word in place.
func TestFlagLists(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			specs := podSpecs(objs)
			etcd := container(specs["StatefulSet/etcd"], "etcd")
			if got, want := etcd.ReadinessProbe.Exec.Command, []string{etcdctlBinary, "--command-timeout=10s", "endpoint", "health"}; !slices.Equal(got, want) {
				t.Errorf("etcd readiness probe %q, want %q", got, want)
			}
			if v.expose == model.ExposeLoadBalancer {
				envoy := container(specs["Deployment/nodeport-proxy-envoy"], "nodeport-proxy-envoy")
				if !slices.Equal(envoy.Args, envoyArgs) {
					t.Errorf("envoy args %q, want %q", envoy.Args, envoyArgs)
				}
			}
			if konnectivity(v) {
				return
			}
			server := container(specs["Deployment/openvpn-server"], "openvpn-server")
			if want := []string{"--config", "/etc/openvpn/server/server.conf"}; !slices.Equal(server.Args, want) {
				t.Errorf("openvpn-server args %q, want %q", server.Args, want)
			}
			want := []string{
				"--client", "--proto", "tcp-client", "--dev", "tun", "--auth-nocache",
				"--remote", "openvpn-server." + in.Cluster.Namespace() + ".svc.cluster.local.", "1194",
				"--nobind", "--connect-timeout", "5", "--connect-retry", "1",
				"--ca", "/etc/openvpn/pki/client/ca.crt", "--cert", "/etc/openvpn/pki/client/tls.crt", "--key", "/etc/openvpn/pki/client/tls.key",
				"--remote-cert-tls", "server", "--verify-x509-name", "openvpn-server", "name",
				"--link-mtu", "1432", "--cipher", "AES-256-GCM", "--auth", "SHA1", "--status", "/run/openvpn/openvpn-status",
			}
			for _, w := range []string{"Deployment/apiserver", "Deployment/dns-resolver"} {
				c := container(specs[w], containerOpenVPNClient)
				if c == nil {
					t.Fatalf("%s: no openvpn-client", w)
				}
				if !slices.Equal(c.Args, want) {
					t.Errorf("%s openvpn-client args\n%q\nwant\n%q", w, c.Args, want)
				}
			}
		})
	}
}

// TestSecurityContexts: every pod is restricted, every container too,
// except the OpenVPN containers, which get exactly the capabilities they
// need and nothing else.
func TestSecurityContexts(t *testing.T) {
	uid := int64(unprivilegedUID)
	netAdmin := map[string][]corev1.Capability{
		"iptables-init":        {"NET_ADMIN", "NET_RAW"},
		"openvpn-server":       {"NET_ADMIN", "MKNOD"},
		containerOpenVPNClient: {"NET_ADMIN", "MKNOD"},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := render(t, v.input())
			for name, spec := range podSpecs(objs) {
				p := spec.SecurityContext
				if p == nil || p.RunAsNonRoot == nil || !*p.RunAsNonRoot || p.RunAsUser == nil || *p.RunAsUser != uid ||
					p.RunAsGroup == nil || *p.RunAsGroup != uid || p.FSGroup == nil || *p.FSGroup != uid ||
					p.FSGroupChangePolicy == nil || *p.FSGroupChangePolicy != corev1.FSGroupChangeOnRootMismatch ||
					p.SeccompProfile == nil || p.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
					t.Errorf("%s: pod securityContext %+v", name, p)
				}
				if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken != (name == "StatefulSet/prometheus" || name == "Deployment/kubeconfig-writer" || name == "Deployment/cert-roller") {
					t.Errorf("%s: automountServiceAccountToken %v", name, spec.AutomountServiceAccountToken)
				}
				for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
					s := c.SecurityContext
					if s == nil || s.ReadOnlyRootFilesystem == nil || !*s.ReadOnlyRootFilesystem ||
						s.AllowPrivilegeEscalation == nil || *s.AllowPrivilegeEscalation ||
						s.Capabilities == nil || !slices.Equal(s.Capabilities.Drop, []corev1.Capability{"ALL"}) {
						t.Errorf("%s/%s: securityContext %+v", name, c.Name, s)
						continue
					}
					if caps, ok := netAdmin[c.Name]; ok {
						if s.RunAsNonRoot == nil || *s.RunAsNonRoot || s.RunAsUser == nil || *s.RunAsUser != 0 ||
							s.RunAsGroup == nil || *s.RunAsGroup != 0 ||
							s.Privileged == nil || *s.Privileged || !slices.Equal(s.Capabilities.Add, caps) {
							t.Errorf("%s/%s: securityContext %+v, want root with exactly %v", name, c.Name, s, caps)
						}
						continue
					}
					if s.RunAsNonRoot == nil || !*s.RunAsNonRoot || s.RunAsUser == nil || *s.RunAsUser != uid ||
						s.RunAsGroup == nil || *s.RunAsGroup != uid || len(s.Capabilities.Add) > 0 || (s.Privileged != nil && *s.Privileged) {
						t.Errorf("%s/%s: securityContext %+v", name, c.Name, s)
					}
				}
			}
		})
	}
}

// TestNetworkPolicyTable: the exact NetworkPolicies of each variant, rule
// by rule: default deny for ingress, then per component who may reach
// which port ("*": anyone, for the ports the seed exposes anyway).
func TestNetworkPolicyTable(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			mon := !v.noMonitoring
			port := securePort(v, in)
			want := map[string][]string{
				npDefaultDenyIngress: nil,
				"etcd-ingress":       {"apiserver → TCP/2379", "etcd → TCP/2380"},
			}
			if konnectivity(v) {
				want["apiserver-ingress"] = []string{"* → TCP/" + port + ",TCP/8132"}
			} else {
				want["apiserver-ingress"] = []string{"* → TCP/" + port}
				want["openvpn-server-ingress"] = []string{"* → TCP/1194"}
				want["dns-resolver-ingress"] = []string{"apiserver → UDP/1053,TCP/1053"}
			}
			if mon {
				want["etcd-ingress"] = append(want["etcd-ingress"], "prometheus → TCP/2378")
				want["controller-manager-ingress"] = []string{"prometheus → TCP/10257"}
				want["scheduler-ingress"] = []string{"prometheus → TCP/10259"}
			}
			if v.backups {
				want["etcd-ingress"] = append(want["etcd-ingress"], "etcd-backup → TCP/2379")
			}
			if v.expose == model.ExposeLoadBalancer {
				want["nodeport-proxy-envoy-ingress"] = []string{fmt.Sprintf("* → TCP/%d,TCP/%d", in.Cluster.Resolved.NodePort, in.Cluster.Resolved.TunnelNodePort)}
			}
			got := map[string][]string{}
			for _, o := range render(t, in) {
				np, ok := o.(*networkingv1.NetworkPolicy)
				if !ok {
					continue
				}
				app := strings.TrimSuffix(np.Name, "-ingress")
				wantSel := map[string]string{labelApp: app, labelCluster: in.Cluster.Name}
				if np.Name == npDefaultDenyIngress {
					wantSel = nil
				}
				if sel := np.Spec.PodSelector; !maps.Equal(sel.MatchLabels, wantSel) || len(sel.MatchExpressions) > 0 {
					t.Errorf("%s: podSelector %+v, want %v", np.Name, sel, wantSel)
				}
				if !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}) || len(np.Spec.Egress) > 0 {
					t.Errorf("%s: policyTypes %v, egress %v: want Ingress only", np.Name, np.Spec.PolicyTypes, np.Spec.Egress)
				}
				var rules []string
				for _, r := range np.Spec.Ingress {
					var from, ports []string
					for _, p := range r.From {
						if p.PodSelector == nil || p.NamespaceSelector != nil || p.IPBlock != nil ||
							p.PodSelector.MatchLabels[labelCluster] != in.Cluster.Name || len(p.PodSelector.MatchLabels) != 2 {
							t.Errorf("%s: peer %+v is not a pod of this cluster", np.Name, p)
							continue
						}
						from = append(from, p.PodSelector.MatchLabels[labelApp])
					}
					if len(from) == 0 {
						from = []string{"*"}
					}
					for _, p := range r.Ports {
						if p.Protocol == nil || p.Port == nil {
							t.Errorf("%s: port %+v without protocol or number", np.Name, p)
							continue
						}
						ports = append(ports, fmt.Sprintf("%s/%s", *p.Protocol, p.Port.String()))
					}
					rules = append(rules, strings.Join(from, ",")+" → "+strings.Join(ports, ","))
				}
				got[np.Name] = rules
			}
			if !maps.EqualFunc(got, want, slices.Equal) {
				t.Errorf("NetworkPolicies\n got %v\nwant %v", got, want)
			}
		})
	}
}
