package controlplane

import (
	"fmt"
	"net/netip"
	"path"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

// OpenVPN tunnel (Kubermatic's legacy layout, kkp:pkg/resources/openvpn,
// kkp:pkg/resources/vpnsidecar, kkp:pkg/resources/dns), hardened: no
// container is privileged; see doc.go.
const (
	appOpenVPN      = "openvpn-server"
	appDNSResolver  = "dns-resolver"
	svcOpenVPN      = "openvpn-server"
	svcDNSResolver  = "dns-resolver"
	cmOpenVPN       = "openvpn-server-configs"
	cmDNSResolver   = "dns-resolver"
	openVPNPort     = usercluster.OpenVPNPort
	issuerOpenVPNCA = "openvpn-ca"

	certOpenVPNCA         = "openvpn-ca"
	certOpenVPNServer     = "openvpn-server-certificates"
	certOpenVPNClient     = "openvpn-client-certificates"
	certOpenVPNUserClient = "openvpn-user-cluster-client-certificate"

	// Common names: the server, the seed-side clients (apiserver and
	// dns-resolver sidecars) and the client in the customer cluster, whose
	// client-config-dir entry routes the cluster's networks to it.
	cnOpenVPNServer     = usercluster.OpenVPNServerCN
	cnOpenVPNInternal   = "internal-client"
	cnOpenVPNUserClient = "user-cluster-client"

	// openVPNTransferNet is the VPN's own address range (Kubermatic's
	// --server 10.20.0.0 255.255.255.0).
	openVPNTransferNet = usercluster.OpenVPNTransferNet
	// nodeAccessNetwork is the network through which the control plane
	// reaches the nodes over the VPN (Kubermatic's DefaultNodeAccessNetwork).
	nodeAccessNetwork = usercluster.NodeAccessNetwork

	containerOpenVPNClient = "openvpn-client"
	containerIPTablesInit  = "iptables-init"

	openVPNServerKey  = "server.conf"
	openVPNConfDir    = "/etc/openvpn/server"
	openVPNCCDDir     = openVPNConfDir + "/ccd"
	openVPNServerPKI  = "/etc/openvpn/pki/server"
	openVPNCADir      = "/etc/openvpn/pki/ca"
	openVPNClientPKI  = "/etc/openvpn/pki/client"
	openVPNRunDir     = "/run/openvpn"
	openVPNStatusFile = openVPNRunDir + "/openvpn-status"
	openVPNBinary     = "/usr/sbin/openvpn"
	volOpenVPNRun     = "openvpn-run"
	volIPTablesRun    = "iptables-run"
	iptablesRunDir    = "/run"

	// dns-resolver listens on an unprivileged port (CoreDNS runs as
	// nobody); its Service maps 53 to it.
	dnsResolverPort       = 1053
	dnsResolverHealthPort = 8080
	dnsResolverMetrics    = 9253
	corefileKey           = "Corefile"
	corefileDir           = "/etc/coredns"
)

// openVPNTunScript creates the tun device node (a non-privileged container
// gets the device cgroup rule for 10:200 but not the node) and runs
// openvpn with the container's arguments.
const openVPNTunScript = `set -eu
mkdir -p /dev/net
[ -c /dev/net/tun ] || mknod /dev/net/tun c 10 200
exec ` + openVPNBinary + ` "$@"`

// ipv4Route is one network routed through the VPN.
type ipv4Route struct {
	Network string // "172.25.0.0"
	Mask    string // "255.255.0.0"
	CIDR    string // "172.25.0.0/16"
}

func newIPv4Route(cidr string) (ipv4Route, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return ipv4Route{}, err
	}
	if !p.Addr().Is4() {
		return ipv4Route{}, fmt.Errorf("%s: OpenVPN routes are IPv4 only", cidr)
	}
	p = p.Masked()
	var mask [4]byte
	for i := 0; i < p.Bits(); i++ {
		mask[i/8] |= 0x80 >> (i % 8)
	}
	return ipv4Route{Network: p.Addr().String(), Mask: netip.AddrFrom4(mask).String(), CIDR: p.String()}, nil
}

// openVPNServerConfig is the server's configuration file, as typed data.
type openVPNServerConfig struct {
	Port           int
	TransferNet    ipv4Route
	CAFile         string
	CertFile       string
	KeyFile        string
	CCDDir         string
	StatusFile     string
	Routes         []ipv4Route // routed to the customer cluster's client, pushed to every client
	ClientToClient bool
}

// render writes the configuration file, one directive a line.
func (c openVPNServerConfig) render() string {
	var b strings.Builder
	line := func(args ...any) { fmt.Fprintln(&b, args...) }
	line("# Rendered by fleetc; do not edit.")
	line("mode", "server")
	line("tls-server")
	line("proto", "tcp-server")
	line("port", c.Port)
	line("dev", "tun")
	line("topology", "subnet")
	line("server", c.TransferNet.Network, c.TransferNet.Mask)
	if c.ClientToClient {
		line("client-to-client")
	}
	line("duplicate-cn")
	line("ca", c.CAFile)
	line("cert", c.CertFile)
	line("key", c.KeyFile)
	line("dh", "none")
	line("remote-cert-tls", "client")
	line("client-config-dir", c.CCDDir)
	line("status", c.StatusFile)
	line("status-version", 3)
	line("cipher", "AES-256-GCM")
	line("auth", "SHA1")
	line("ping", 5)
	line("verb", 3)
	for _, r := range c.Routes {
		line("route", r.Network, r.Mask)
		line("push", fmt.Sprintf("%q", "route "+r.Network+" "+r.Mask))
	}
	return b.String()
}

// openVPNRoutes are the customer cluster's pod, service and node networks.
func (b *builder) openVPNRoutes() ([]ipv4Route, error) {
	var out []ipv4Route
	for _, cidr := range []string{b.c.Network.Pods, b.c.Network.Services, nodeAccessNetwork} {
		r, err := newIPv4Route(cidr)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: %w", b.c.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// openVPN returns the OpenVPN server, its configuration, Service and the
// dns-resolver.
func (b *builder) openVPN() ([]object.Object, error) {
	routes, err := b.openVPNRoutes()
	if err != nil {
		return nil, err
	}
	transfer, _ := newIPv4Route(openVPNTransferNet)
	cfg := openVPNServerConfig{
		Port:           openVPNPort,
		TransferNet:    transfer,
		CAFile:         path.Join(openVPNCADir, keyCA),
		CertFile:       path.Join(openVPNServerPKI, keyCert),
		KeyFile:        path.Join(openVPNServerPKI, keyKey),
		CCDDir:         openVPNCCDDir,
		StatusFile:     openVPNStatusFile,
		Routes:         routes,
		ClientToClient: true,
	}
	// The customer cluster's client owns the routed networks.
	var ccd strings.Builder
	for _, r := range routes {
		fmt.Fprintf(&ccd, "iroute %s %s\n", r.Network, r.Mask)
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: b.meta(cmOpenVPN, appOpenVPN),
		Data: map[string]string{
			openVPNServerKey:    cfg.render(),
			cnOpenVPNUserClient: ccd.String(),
		},
	}

	// No SNI on Tunneling seeds: OpenVPN's TLS runs inside its own
	// framing, so the nodeport-proxy cannot route it by server name; it is
	// reached through the envoy-agent's HTTP/2 CONNECT tunnel instead
	// (Kubermatic's "Tunneling" expose annotation).
	svc, err := b.exposedService(exposure{
		name: svcOpenVPN, app: appOpenVPN, port: openVPNPort,
		tunnelTarget: openVPNPort, nodePortTarget: openVPNPort, nodePort: b.c.Resolved.TunnelNodePort,
	})
	if err != nil {
		return nil, err
	}

	out := []object.Object{
		b.serviceAccount(appOpenVPN, false),
		cm,
		svc,
		b.openVPNDeployment(),
	}
	dns, err := b.dnsResolver()
	if err != nil {
		return nil, err
	}
	return append(out, dns...), nil
}

func (b *builder) openVPNDeployment() *appsv1.Deployment {
	iptables := strings.Join([]string{
		"set -eu",
		// Nothing is forwarded by the kernel: clients reach each other
		// inside openvpn (client-to-client), never the seed's networks.
		"iptables -P FORWARD DROP",
		// Through the tunnel, the server itself answers only ping.
		"iptables -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT",
		"iptables -A INPUT -i tun0 -p icmp -j ACCEPT",
		"iptables -A INPUT -i tun0 -j DROP",
		// Kubermatic's MSS clamp for the TCP tunnel.
		fmt.Sprintf("iptables -t mangle -A INPUT -p tcp --tcp-flags SYN,RST SYN --dport %d -j TCPMSS --set-mss 1300", openVPNPort),
	}, "\n")
	init := corev1.Container{
		Name:                     containerIPTablesInit,
		Image:                    b.in.Images.OpenVPN,
		Command:                  []string{"/bin/bash", "-c", iptables},
		Resources:                resources("5m", "5Mi", "1", "50Mi"),
		ImagePullPolicy:          corev1.PullIfNotPresent,
		SecurityContext:          netAdminSecurityContext("NET_ADMIN", "NET_RAW"),
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		// iptables takes its lock at /run/xtables.lock; the root
		// filesystem is read-only.
		VolumeMounts: []corev1.VolumeMount{{Name: volIPTablesRun, MountPath: iptablesRunDir}},
	}
	server := corev1.Container{
		Name:    appOpenVPN,
		Image:   b.in.Images.OpenVPN,
		Command: []string{"/bin/bash", "-c", openVPNTunScript, "openvpn"},
		Args:    []string{"--config", path.Join(openVPNConfDir, openVPNServerKey)},
		Ports: []corev1.ContainerPort{
			{Name: "openvpn", ContainerPort: openVPNPort, Protocol: corev1.ProtocolTCP},
		},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{
				Command: []string{"test", "-s", openVPNStatusFile},
			}},
			InitialDelaySeconds: 5,
			TimeoutSeconds:      1,
			PeriodSeconds:       5,
			SuccessThreshold:    1,
			FailureThreshold:    3,
		},
		LivenessProbe: &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(openVPNPort)}},
			InitialDelaySeconds: 15,
			TimeoutSeconds:      5,
			PeriodSeconds:       10,
			SuccessThreshold:    1,
			FailureThreshold:    3,
		},
		Resources: resources("5m", "5Mi", "1", "50Mi"),
		VolumeMounts: []corev1.VolumeMount{
			mount(cmOpenVPN, openVPNConfDir),
			mount(certOpenVPNServer, openVPNServerPKI),
			mount(certOpenVPNCA, openVPNCADir),
			{Name: volOpenVPNRun, MountPath: openVPNRunDir},
		},
	}
	vols := []corev1.Volume{
		configMapItemsVolume(cmOpenVPN, cmOpenVPN,
			openVPNServerKey, openVPNServerKey,
			cnOpenVPNUserClient, path.Join(path.Base(openVPNCCDDir), cnOpenVPNUserClient)),
		secretVolume(certOpenVPNServer, certOpenVPNServer, keyCert, keyCert, keyKey, keyKey),
		// The VPN CA's certificate only, never its key.
		secretVolume(certOpenVPNCA, certOpenVPNCA, keyCert, keyCA),
		emptyDirVolume(volOpenVPNRun),
		emptyDirVolume(volIPTablesRun),
	}
	server.SecurityContext = netAdminSecurityContext("NET_ADMIN", "MKNOD")
	spec := b.podSpec(appOpenVPN, []corev1.Container{server}, vols)
	spec.InitContainers = []corev1.Container{init}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: b.meta(appOpenVPN, appOpenVPN),
		Spec: appsv1.DeploymentSpec{
			// One server: a second replica behind the Service would split
			// the clients, and routes only exist between clients of the
			// same server process.
			Replicas:             ptr(int32(1)),
			Selector:             &metav1.LabelSelector{MatchLabels: b.selector(appOpenVPN)},
			RevisionHistoryLimit: ptr(int32(2)),
			Strategy:             appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.podLabels(appOpenVPN, false)},
				Spec:       spec,
			},
		},
	}
}

// openVPNClientContainer is the seed-side VPN client that runs next to a
// component needing the customer cluster's networks (Kubermatic's
// vpnsidecar.OpenVPNSidecarContainer). Its pod needs the volumes from
// openVPNClientVolumes.
func (b *builder) openVPNClientContainer() corev1.Container {
	remote := fmt.Sprintf("%s.%s.svc.cluster.local.", svcOpenVPN, b.ns)
	return corev1.Container{
		Name:    containerOpenVPNClient,
		Image:   b.in.Images.OpenVPN,
		Command: []string{"/bin/bash", "-c", openVPNTunScript, "openvpn"},
		Args: []string{
			"--client",
			"--proto", "tcp-client",
			"--dev", "tun",
			"--auth-nocache",
			"--remote", remote, fmt.Sprint(openVPNPort),
			"--nobind",
			"--connect-timeout", "5",
			"--connect-retry", "1",
			"--ca", path.Join(openVPNClientPKI, keyCA),
			"--cert", path.Join(openVPNClientPKI, keyCert),
			"--key", path.Join(openVPNClientPKI, keyKey),
			"--remote-cert-tls", "server",
			"--verify-x509-name", cnOpenVPNServer, "name",
			"--link-mtu", "1432",
			"--cipher", "AES-256-GCM",
			"--auth", "SHA1",
			"--status", openVPNStatusFile,
		},
		Resources:       resources("5m", "5Mi", "1", "32Mi"),
		ImagePullPolicy: corev1.PullIfNotPresent,
		SecurityContext: netAdminSecurityContext("NET_ADMIN", "MKNOD"),
		VolumeMounts: []corev1.VolumeMount{
			mount(certOpenVPNClient, openVPNClientPKI),
			{Name: volOpenVPNRun, MountPath: openVPNRunDir},
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
}

func openVPNClientVolumes() []corev1.Volume {
	return []corev1.Volume{
		// The client certificate with the VPN CA (cert-manager's ca.crt is
		// the issuing CA's certificate).
		secretVolume(certOpenVPNClient, certOpenVPNClient),
		emptyDirVolume(volOpenVPNRun),
	}
}

// corefile is the dns-resolver's configuration: the seed namespace's own
// names go to the seed's DNS, the customer cluster's cluster.local to its
// DNS Service (through the VPN), everything else to the seed's DNS.
type corefile struct {
	Port         int
	SeedZone     string // cluster-<name>.svc.cluster.local.
	ClusterZone  string // cluster.local.
	ClusterDNSIP string
	HealthPort   int
	MetricsPort  int
}

func (c corefile) render() string {
	return fmt.Sprintf(`%[2]s:%[1]d {
    forward . /etc/resolv.conf
    errors
}
%[3]s:%[1]d {
    forward . %[4]s {
        force_tcp
    }
    errors
}
.:%[1]d {
    forward . /etc/resolv.conf
    errors
    health :%[5]d
    prometheus :%[6]d
}
`, c.Port, c.SeedZone, c.ClusterZone, c.ClusterDNSIP, c.HealthPort, c.MetricsPort)
}

// clusterDNSIP is the customer cluster's DNS Service address: the tenth
// address of the services CIDR (Kubermatic's UserClusterDNSResolverIP).
func clusterDNSIP(services string) (string, error) {
	p, err := netip.ParsePrefix(services)
	if err != nil {
		return "", err
	}
	a := p.Masked().Addr()
	for i := 0; i < 10; i++ {
		a = a.Next()
	}
	if !p.Contains(a) {
		return "", fmt.Errorf("%s is too small for a DNS Service address", services)
	}
	return a.String(), nil
}

func (b *builder) dnsResolver() ([]object.Object, error) {
	dnsIP, err := clusterDNSIP(b.c.Network.Services)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: network.services: %w", b.c.Name, err)
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: b.meta(cmDNSResolver, appDNSResolver),
		Data: map[string]string{corefileKey: corefile{
			Port:         dnsResolverPort,
			SeedZone:     b.ns + ".svc.cluster.local.",
			ClusterZone:  "cluster.local.",
			ClusterDNSIP: dnsIP,
			HealthPort:   dnsResolverHealthPort,
			MetricsPort:  dnsResolverMetrics,
		}.render()},
	}
	coredns := corev1.Container{
		Name:  appDNSResolver,
		Image: b.in.Images.DNSResolver,
		Args:  []string{"-conf", path.Join(corefileDir, corefileKey)},
		Ports: []corev1.ContainerPort{
			{Name: "dns", ContainerPort: dnsResolverPort, Protocol: corev1.ProtocolUDP},
			{Name: "dns-tcp", ContainerPort: dnsResolverPort, Protocol: corev1.ProtocolTCP},
			{Name: "metrics", ContainerPort: dnsResolverMetrics, Protocol: corev1.ProtocolTCP},
		},
		ReadinessProbe: httpProbe(corev1.URISchemeHTTP, "/health", dnsResolverHealthPort, timing{2, 15, 10, 3}),
		LivenessProbe:  httpProbe(corev1.URISchemeHTTP, "/health", dnsResolverHealthPort, timing{15, 5, 10, 5}),
		Resources:      resources("5m", "20Mi", "100m", "128Mi"),
		VolumeMounts:   []corev1.VolumeMount{mount(cmDNSResolver, corefileDir)},
	}
	vols := append([]corev1.Volume{configMapVolume(cmDNSResolver, cmDNSResolver)}, openVPNClientVolumes()...)
	spec := b.podSpec(appDNSResolver, []corev1.Container{coredns, b.openVPNClientContainer()}, vols)

	replicas := int32(2)
	dep := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: b.meta(appDNSResolver, appDNSResolver),
		Spec: appsv1.DeploymentSpec{
			Replicas:             ptr(replicas),
			Selector:             &metav1.LabelSelector{MatchLabels: b.selector(appDNSResolver)},
			RevisionHistoryLimit: ptr(int32(2)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.podLabels(appDNSResolver, false)},
				Spec:       spec,
			},
		},
	}
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: b.meta(svcDNSResolver, appDNSResolver),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: b.selector(appDNSResolver),
			Ports: []corev1.ServicePort{
				{Name: "dns", Port: 53, TargetPort: intstr.FromInt32(dnsResolverPort), Protocol: corev1.ProtocolUDP},
				{Name: "dns-tcp", Port: 53, TargetPort: intstr.FromInt32(dnsResolverPort), Protocol: corev1.ProtocolTCP},
			},
		},
	}
	return []object.Object{
		b.serviceAccount(appDNSResolver, false),
		cm, dep, svc,
		b.pdb(appDNSResolver, &policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(intstr.FromInt32(replicas - 1))}),
	}, nil
}

// openVPNCerts are the VPN's own PKI: a dedicated CA (never the cluster
// CA, see doc.go), the server, the seed-side clients and the customer
// cluster's client.
func (b *builder) openVPNCerts() []cert {
	svc := fmt.Sprintf("%s.%s.svc.cluster.local", svcOpenVPN, b.ns)
	return []cert{
		{name: certOpenVPNCA, issuer: issuerSelfSigned, cn: "openvpn-ca." + b.c.Name, usages: caUsages, isCA: true, keepKey: true, app: appOpenVPN},
		{name: certOpenVPNServer, issuer: issuerOpenVPNCA, cn: cnOpenVPNServer, dnsNames: []string{svcOpenVPN, svc}, usages: serverUsages, app: appOpenVPN},
		{name: certOpenVPNClient, issuer: issuerOpenVPNCA, cn: cnOpenVPNInternal, usages: clientUsages, app: appOpenVPN},
		{name: certOpenVPNUserClient, issuer: issuerOpenVPNCA, cn: cnOpenVPNUserClient, usages: clientUsages, app: appOpenVPN},
	}
}

// netAdminSecurityContext is the one exception to containerSecurityContext:
// OpenVPN and iptables need root with the given capabilities (tun device,
// routes, packet filter). Everything else stays locked down: no
// privileged mode, no escalation, read-only root file system, all other
// capabilities dropped.
func netAdminSecurityContext(caps ...corev1.Capability) *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             ptr(false),
		RunAsUser:                ptr(int64(0)),
		RunAsGroup:               ptr(int64(0)),
		ReadOnlyRootFilesystem:   ptr(true),
		AllowPrivilegeEscalation: ptr(false),
		Privileged:               ptr(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: caps},
	}
}

// configMapItemsVolume mounts some keys of a ConfigMap at the given paths.
func configMapItemsVolume(name, cm string, items ...string) corev1.Volume {
	v := configMapVolume(name, cm)
	for i := 0; i+1 < len(items); i += 2 {
		v.ConfigMap.Items = append(v.ConfigMap.Items, corev1.KeyToPath{Key: items[i], Path: items[i+1]})
	}
	return v
}

// serviceAccount is a component's ServiceAccount; automount is true only
// for components that talk to the seed's API.
func (b *builder) serviceAccount(app string, automount bool) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   b.meta(app, app),
		AutomountServiceAccountToken: ptr(automount),
	}
}
