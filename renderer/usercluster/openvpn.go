package usercluster

import (
	"fmt"
	"net/netip"
	"path"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// The OpenVPN client inside the customer cluster (tunnel "openvpn"), as
// Kubermatic's openvpn add-on runs it in kube-system: it dials the
// cluster's openvpn-server on the seed, owns the cluster's pod, service
// and node-access networks on the VPN (the server's client-config-dir
// entry for its certificate's CN), masquerades the control plane's
// traffic into the cluster, and a second container maps the node-access
// network (10.254.x.y) to each node's InternalIP (x.y its last two
// octets). Hardened: no container is privileged.
const (
	// OpenVPNClientSecret is the Secret (kube-system) with the client's
	// certificate, key and the VPN CA (keys tls.crt, tls.key, ca.crt).
	// The control plane's kubeconfig-writer writes it from what
	// cert-manager issued on the seed, and keeps it current.
	OpenVPNClientSecret = "openvpn-client-certificates"
	// OpenVPNTransferNet is the VPN's own address range; the server is
	// its first address.
	OpenVPNTransferNet = "10.20.0.0/24"
	// NodeAccessNetwork is the network through which the control plane
	// reaches the nodes over the VPN (Kubermatic's DefaultNodeAccessNetwork).
	NodeAccessNetwork = "10.254.0.0/16"
	// OpenVPNServerCN is the server certificate's common name, which the
	// client verifies.
	OpenVPNServerCN = "openvpn-server"
	// OpenVPNPort is the server's port.
	OpenVPNPort = 1194
	// tunnelingAgentIP is where the envoy-agent of a Tunneling cluster
	// listens on every node (Kubermatic's DefaultTunnelingAgentIP), and
	// forwards port 1194 to the server on the seed.
	tunnelingAgentIP = "100.64.30.10"

	appOpenVPNClient = "openvpn-client"
	saOpenVPNClient  = "vpn-client"
	cmOpenVPNClient  = "openvpn-client-config"
	containerDNAT    = "dnat-controller"
	openVPNConfigKey = "config"
	openVPNConfigDir = "/etc/openvpn/config"
	openVPNCertsDir  = "/etc/openvpn/certs"
	openVPNRunDir    = "/run"
)

// openVPNClientConfig is the client's configuration file, as typed data.
type openVPNClientConfig struct {
	Remote     string
	Port       int32
	CertsDir   string
	ServerCN   string
	StatusFile string
	// Masquerade is the source network the client masquerades into the
	// cluster: the VPN's transfer network.
	Masquerade string
}

func (c openVPNClientConfig) render() string {
	var b strings.Builder
	line := func(args ...any) { fmt.Fprintln(&b, args...) }
	line("# Rendered by fleetc; do not edit.")
	line("client")
	line("proto", "tcp-client")
	line("dev", "tun")
	line("auth-nocache")
	line("remote", c.Remote, c.Port)
	line("nobind")
	// The server pushes the cluster's own networks to every client; this
	// client owns them (its iroutes) and must keep reaching them through
	// the pod's interface. The transfer network, where the seed's clients
	// are, is on the tun device itself.
	line("route-nopull")
	line("connect-retry", 1)
	line("ca", path.Join(c.CertsDir, "ca.crt"))
	line("cert", path.Join(c.CertsDir, "tls.crt"))
	line("key", path.Join(c.CertsDir, "tls.key"))
	line("remote-cert-tls", "server")
	line("verify-x509-name", c.ServerCN, "name")
	line("cipher", "AES-256-GCM")
	line("auth", "SHA1")
	line("status", c.StatusFile)
	line("script-security", 2)
	// openvpn appends the device's parameters to the up command: sh -c
	// takes them as $0, $1, ... and iptables gets only its own.
	line("up", fmt.Sprintf(`'/bin/sh -c "/sbin/iptables -t nat -I POSTROUTING -s %s -j MASQUERADE"'`, c.Masquerade))
	return b.String()
}

// openVPNTunScript creates the tun device node (a non-privileged container
// may use 10:200 but gets no node) and runs openvpn with the arguments.
const openVPNTunScript = `set -eu
mkdir -p /dev/net
[ -c /dev/net/tun ] || mknod /dev/net/tun c 10 200
exec /usr/sbin/openvpn "$@"`

// dnatScript keeps two iptables chains, the active one hooked into
// PREROUTING, mapping each address of the node-access network to a node's
// InternalIP (the last two octets kept), and swaps them every 5 seconds.
// Forwarding in the pod's network namespace is inherited from the node
// (every Kubernetes node forwards), so the container needs no privilege.
const dnatScript = `set -eu
iptables -t nat -N host_dnat || true
iptables -t nat -N host_dnat_inactive || true
iptables -t nat -D PREROUTING -j host_dnat || true
iptables -t nat -D PREROUTING -j host_dnat_inactive || true
left="$(echo "$NODE_ACCESS_NETWORK" | cut -d. -f1-2)"
while sleep 5; do
  iptables -t nat -F host_dnat_inactive
  kubectl get nodes -o jsonpath='{range .items[*]}{range .status.addresses[?(@.type=="InternalIP")]}{.address}{"\n"}{end}{end}' |
    while read -r ip; do
      right="$(echo "$ip" | cut -d. -s -f3-4)"
      if [ -n "$right" ]; then
        iptables -t nat -A host_dnat_inactive -d "$left.$right" -j DNAT --to "$ip"
      fi
    done
  iptables -t nat -I PREROUTING -j host_dnat_inactive
  iptables -t nat -D PREROUTING -j host_dnat || true
  iptables -t nat -E host_dnat host_dnat_old
  iptables -t nat -E host_dnat_inactive host_dnat
  iptables -t nat -E host_dnat_old host_dnat_inactive
done
`

// netAdmin is the security context of the VPN's containers: root with
// only the given capabilities, never privileged, no escalation, read-only
// root file system.
func netAdmin(caps ...corev1.Capability) *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             ptr(false),
		RunAsUser:                ptr(int64(0)),
		Privileged:               ptr(false),
		AllowPrivilegeEscalation: ptr(false),
		ReadOnlyRootFilesystem:   ptr(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: caps},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// openVPNRemote is where the client reaches the server: the envoy-agent on
// the node on Tunneling seeds (Kubermatic's choice), else the server's
// NodePort at the cluster's external name.
func (b *builder) openVPNRemote() (string, int32) {
	if b.in.Seed.Expose == model.ExposeTunneling {
		return tunnelingAgentIP, OpenVPNPort
	}
	return b.apiHost, b.konnPort
}

func (b *builder) openVPNClient() ([]object.Object, error) {
	if _, err := netip.ParsePrefix(OpenVPNTransferNet); err != nil {
		return nil, err
	}
	remote, port := b.openVPNRemote()
	cfg := openVPNClientConfig{
		Remote:     remote,
		Port:       port,
		CertsDir:   openVPNCertsDir,
		ServerCN:   OpenVPNServerCN,
		StatusFile: path.Join(openVPNRunDir, "openvpn-status"),
		Masquerade: OpenVPNTransferNet,
	}
	// The server answers ping at the transfer network's first address.
	server := netip.MustParsePrefix(OpenVPNTransferNet).Addr().Next().String()
	ping := &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/ping", "-c", "1", "-w", "5", server}}},
		PeriodSeconds:    10,
		TimeoutSeconds:   10,
		FailureThreshold: 3,
	}
	liveness := *ping
	liveness.InitialDelaySeconds = 60
	run := corev1.VolumeMount{Name: "run", MountPath: openVPNRunDir}
	client := corev1.Container{
		Name:           appOpenVPNClient,
		Image:          b.in.Images.OpenVPN,
		Command:        []string{"/bin/bash", "-c", openVPNTunScript, "openvpn"},
		Args:           []string{"--config", path.Join(openVPNConfigDir, openVPNConfigKey)},
		Resources:      limits(requests("5m", "5Mi"), "1", "32Mi"),
		ReadinessProbe: ping,
		LivenessProbe:  &liveness,
		// tun device, routes and the masquerade rule.
		SecurityContext: netAdmin("NET_ADMIN", "NET_RAW", "MKNOD"),
		VolumeMounts: []corev1.VolumeMount{
			{Name: cmOpenVPNClient, MountPath: openVPNConfigDir, ReadOnly: true},
			{Name: OpenVPNClientSecret, MountPath: openVPNCertsDir, ReadOnly: true},
			run,
		},
	}
	dnat := corev1.Container{
		Name:    containerDNAT,
		Image:   b.in.Images.OpenVPN,
		Command: []string{"/bin/bash", "-c", dnatScript},
		Env: append(b.apiEnv(),
			corev1.EnvVar{Name: "NODE_ACCESS_NETWORK", Value: NodeAccessNetwork},
			// kubectl writes its cache under $HOME.
			corev1.EnvVar{Name: "HOME", Value: "/tmp"},
		),
		Resources:       limits(requests("25m", "25Mi"), "100m", "50Mi"),
		SecurityContext: netAdmin("NET_ADMIN", "NET_RAW"),
		VolumeMounts:    []corev1.VolumeMount{run, {Name: "tmp", MountPath: "/tmp"}},
	}
	dep := &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: meta(appOpenVPNClient, appOpenVPNClient),
		Spec: appsv1.DeploymentSpec{
			// One client: the server routes the cluster's networks to one
			// client certificate.
			Replicas:             ptr(int32(1)),
			RevisionHistoryLimit: ptr(int32(2)),
			Strategy:             appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector:             selector(appOpenVPNClient),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta(appOpenVPNClient),
				Spec: corev1.PodSpec{
					ServiceAccountName:            saOpenVPNClient,
					PriorityClassName:             "system-cluster-critical",
					Tolerations:                   criticalTolerations,
					TerminationGracePeriodSeconds: ptr(int64(5)),
					Containers:                    []corev1.Container{client, dnat},
					Volumes: []corev1.Volume{
						{Name: cmOpenVPNClient, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: cmOpenVPNClient},
						}}},
						{Name: OpenVPNClientSecret, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
							SecretName: OpenVPNClientSecret, DefaultMode: ptr(int32(0o400)),
						}}},
						{Name: "run", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
						{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
					},
				},
			},
		},
	}
	return []object.Object{
		serviceAccount(saOpenVPNClient, appOpenVPNClient),
		// The DNAT controller lists the nodes' addresses.
		clusterRole(saOpenVPNClient, rule(core, []string{"nodes"}, []string{"list", "watch"})),
		clusterRoleBinding(saOpenVPNClient, saOpenVPNClient, saSubject(saOpenVPNClient)),
		&corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: meta(cmOpenVPNClient, appOpenVPNClient), Data: map[string]string{openVPNConfigKey: cfg.render()}},
		dep,
	}, nil
}
