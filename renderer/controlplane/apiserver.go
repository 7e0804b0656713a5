package controlplane

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/fleetc/fleetc/renderer/encode"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

const (
	svcAPIServerExternal = "apiserver-external"
	svcKonnectivity      = "konnectivity-server"
	cmEgress             = "kube-apiserver-egress"
	egressKey            = "egress-selector-configuration.yaml"

	containerKonnectivity = "konnectivity-server"

	// nodeport-proxy annotations (kkp:pkg/resources/nodeportproxy).
	annExpose           = "nodeport-proxy.k8s.io/expose"
	annExposeNamespaced = "nodeport-proxy.k8s.io/expose-namespaced"
	annPortMapping      = "nodeport-proxy.k8s.io/port-mapping"

	// Mount points in the apiserver pod.
	pkiDir          = "/etc/kubernetes/pki"
	apiserverTLSDir = pkiDir + "/apiserver-tls"
	caDir           = pkiDir + "/ca"
	// systemCertDirs are Go's default certificate folders on Linux, which
	// setting SSL_CERT_DIR replaces.
	systemCertDirs        = "/etc/ssl/certs:/etc/pki/tls/certs"
	frontProxyCADir       = pkiDir + "/front-proxy-ca"
	etcdClientDir         = pkiDir + "/etcd-client"
	proxyClientDir        = pkiDir + "/front-proxy-client"
	kubeletClientDir      = pkiDir + "/kubelet-client"
	saKeyDir              = pkiDir + "/service-account-key"
	saKeyFile             = saKeyDir + "/sa.key"
	caCertFile            = caDir + "/" + keyCA
	caKeyFile             = caDir + "/ca.key"
	konnectivityTLSDir    = pkiDir + "/konnectivity-server"
	egressDir             = "/etc/kubernetes/konnectivity"
	konnectivityUDSDir    = "/etc/kubernetes/konnectivity-server"
	konnectivityUDSSocket = konnectivityUDSDir + "/konnectivity-server.socket"
	volKonnectivityUDS    = "konnectivity-uds"
	volKonnectivityKC     = "konnectivity-kubeconfig"
	volKonnectivityClient = "konnectivity-client"
)

// admissionPlugins are Kubermatic's default admission plugins.
var admissionPlugins = []string{
	"DefaultStorageClass", "DefaultTolerationSeconds", "LimitRanger", "MutatingAdmissionWebhook",
	"NamespaceLifecycle", "NodeRestriction", "Priority", "ResourceQuota", "ServiceAccount",
	"ValidatingAdmissionWebhook",
}

// tlsCipherSuites are Kubermatic's TLS 1.2/1.3 suites.
var tlsCipherSuites = []string{
	"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
}

// egressSelectorConfiguration is apiserver.k8s.io/v1beta1
// EgressSelectorConfiguration, reduced to the UDS transport fleetc uses.
type egressSelectorConfiguration struct {
	APIVersion       string            `json:"apiVersion"`
	Kind             string            `json:"kind"`
	EgressSelections []egressSelection `json:"egressSelections"`
}

type egressSelection struct {
	Name       string           `json:"name"`
	Connection egressConnection `json:"connection"`
}

type egressConnection struct {
	ProxyProtocol string          `json:"proxyProtocol"`
	Transport     egressTransport `json:"transport"`
}

type egressTransport struct {
	UDS egressUDS `json:"uds"`
}

type egressUDS struct {
	UDSName string `json:"udsName"`
}

func (b *builder) apiserver() ([]object.Object, error) {
	svcs, err := b.apiserverServices()
	if err != nil {
		return nil, err
	}
	out := append([]object.Object{b.apiserverDeployment()}, svcs...)
	if b.c.APIServer.Replicas > 1 {
		out = append(out, b.pdb(appAPIServer, &policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr(intstr.FromInt32(1)),
		}))
	}
	if b.konnectivity {
		data, err := encode.Marshal(egressSelectorConfiguration{
			APIVersion: "apiserver.k8s.io/v1beta1",
			Kind:       "EgressSelectorConfiguration",
			EgressSelections: []egressSelection{{
				Name: "cluster",
				Connection: egressConnection{
					ProxyProtocol: "GRPC",
					Transport:     egressTransport{UDS: egressUDS{UDSName: konnectivityUDSSocket}},
				},
			}},
		})
		if err != nil {
			return nil, fmt.Errorf("cluster %s: egress selector configuration: %w", b.c.Name, err)
		}
		out = append(out, &corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: b.meta(cmEgress, appAPIServer),
			Data:       map[string]string{egressKey: string(data)},
		})
	}
	return out, nil
}

func (b *builder) apiserverArgs() []string {
	etcd := make([]string, b.c.Etcd.Replicas)
	for i := range etcd {
		// The trailing dot makes the name absolute: no search-path lookups.
		etcd[i] = fmt.Sprintf("https://%s.:%d", etcdMemberHost(i, b.ns), etcdClientPort)
	}
	issuer := b.externalURL()
	audiences := []string{issuer}
	if b.konnectivity {
		audiences = append(audiences, "system:konnectivity-server")
	}
	args := []string{
		fmt.Sprintf("--secure-port=%d", b.securePort),
		"--external-hostname=" + b.externalName,
		"--etcd-servers=" + strings.Join(etcd, ","),
		"--etcd-cafile=" + path.Join(etcdClientDir, keyCA),
		"--etcd-certfile=" + path.Join(etcdClientDir, keyCert),
		"--etcd-keyfile=" + path.Join(etcdClientDir, keyKey),
		"--storage-backend=etcd3",
		"--enable-admission-plugins=" + strings.Join(admissionPlugins, ","),
		"--enable-bootstrap-token-auth",
		"--service-account-key-file=" + saKeyFile,
		"--service-account-signing-key-file=" + saKeyFile,
		"--service-account-issuer=" + issuer,
		"--api-audiences=" + strings.Join(audiences, ","),
		"--service-cluster-ip-range=" + b.c.Network.Services,
		"--service-node-port-range=" + userNodePortRange,
		"--allow-privileged",
		"--tls-cert-file=" + path.Join(apiserverTLSDir, keyCert),
		"--tls-private-key-file=" + path.Join(apiserverTLSDir, keyKey),
		"--tls-min-version=VersionTLS12",
		"--tls-cipher-suites=" + strings.Join(tlsCipherSuites, ","),
		"--client-ca-file=" + caCertFile,
		"--proxy-client-cert-file=" + path.Join(proxyClientDir, keyCert),
		"--proxy-client-key-file=" + path.Join(proxyClientDir, keyKey),
		"--requestheader-client-ca-file=" + path.Join(frontProxyCADir, keyCA),
		"--requestheader-allowed-names=apiserver-aggregator",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-username-headers=X-Remote-User",
		"--kubelet-client-certificate=" + path.Join(kubeletClientDir, keyCert),
		"--kubelet-client-key=" + path.Join(kubeletClientDir, keyKey),
		"--kubelet-certificate-authority=" + caCertFile,
		"--kubelet-preferred-address-types=InternalIP,ExternalIP",
		"--authorization-mode=Node,RBAC",
		"--endpoint-reconciler-type=none",
		"--profiling=false",
	}
	if o := b.in.Master.OIDC; o != nil {
		args = append(args,
			"--oidc-issuer-url="+o.IssuerURL,
			"--oidc-client-id="+o.ClientID,
			"--oidc-username-claim=email",
			"--oidc-username-prefix="+usercluster.OIDCUsernamePrefix,
			"--oidc-groups-claim=groups",
			// Every group of the identity provider gets a prefix, so
			// that none of them is a Kubernetes system group such as
			// system:masters.
			"--oidc-groups-prefix="+usercluster.OIDCGroupsPrefix,
		)
	}
	if b.konnectivity {
		args = append(args, "--egress-selector-config-file="+path.Join(egressDir, egressKey))
	}
	return args
}

func (b *builder) apiserverDeployment() *appsv1.Deployment {
	apiserver := corev1.Container{
		Name:    appAPIServer,
		Image:   b.in.Images.APIServer,
		Command: []string{"/usr/local/bin/kube-apiserver"},
		Args:    b.apiserverArgs(),
		Ports: []corev1.ContainerPort{
			{Name: "https", ContainerPort: b.securePort, Protocol: corev1.ProtocolTCP},
		},
		LivenessProbe:  httpsProbe("/healthz", b.securePort, 8),
		ReadinessProbe: httpProbe(corev1.URISchemeHTTPS, "/readyz", b.securePort, timing{0, 15, 5, 3}),
		Resources:      resources("100m", "256Mi", "2", "4Gi"),
		VolumeMounts: []corev1.VolumeMount{
			mount(certAPIServerTLS, apiserverTLSDir),
			mount(certCA, caDir),
			mount(certFrontProxyCA, frontProxyCADir),
			mount(certAPIServerEtcdClient, etcdClientDir),
			mount(certAPIServerProxyClient, proxyClientDir),
			mount(certKubeletClient, kubeletClientDir),
			mount(certServiceAccountKey, saKeyDir),
		},
	}
	volumes := []corev1.Volume{
		secretVolume(certAPIServerTLS, certAPIServerTLS, keyCert, keyCert, keyKey, keyKey),
		// Only the CA certificates: the apiserver never sees a CA key.
		secretVolume(certCA, certCA, keyCert, keyCA),
		secretVolume(certFrontProxyCA, certFrontProxyCA, keyCert, keyCA),
		secretVolume(certAPIServerEtcdClient, certAPIServerEtcdClient),
		secretVolume(certAPIServerProxyClient, certAPIServerProxyClient, keyCert, keyCert, keyKey, keyKey),
		secretVolume(certKubeletClient, certKubeletClient, keyCert, keyCert, keyKey, keyKey),
		// The signing key, and nothing else, of the self-signed
		// service-account-key Certificate.
		secretVolume(certServiceAccountKey, certServiceAccountKey, keyKey, "sa.key"),
	}
	if b.machinesEnabled() {
		// The webhooks of machine-controller and OSM are registered
		// without a caBundle (the cluster CA is issued on the seed, after
		// the render): an empty caBundle means the apiserver's system
		// roots, to which this adds the cluster CA's certificate (Go reads
		// every file of each SSL_CERT_DIR folder, next to the image's
		// bundle).
		apiserver.Env = append(apiserver.Env, corev1.EnvVar{Name: "SSL_CERT_DIR", Value: systemCertDirs + ":" + caDir})
	}
	containers := []corev1.Container{apiserver}

	if b.konnectivity {
		containers[0].VolumeMounts = append(containers[0].VolumeMounts,
			mount(cmEgress, egressDir),
			corev1.VolumeMount{Name: volKonnectivityUDS, MountPath: konnectivityUDSDir},
		)
		containers = append(containers, b.konnectivityContainer())
		volumes = append(volumes,
			configMapVolume(cmEgress, cmEgress),
			emptyDirVolume(volKonnectivityUDS),
			secretVolume(certKonnectivityServer, certKonnectivityServer, keyCert, keyCert, keyKey, keyKey),
			configMapVolume(volKonnectivityKC, cmKonnectivityKubeconfig),
			secretVolume(volKonnectivityClient, certKonnectivityClient),
		)
	}

	if !b.konnectivity {
		// OpenVPN: the apiserver reaches the customer cluster's pod,
		// service and node networks through the routes this client
		// installs in the pod's network namespace.
		containers = append(containers, b.openVPNClientContainer())
		volumes = append(volumes, openVPNClientVolumes()...)
	}

	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: b.meta(appAPIServer, appAPIServer),
		Spec: appsv1.DeploymentSpec{
			Replicas:             ptr(int32(b.c.APIServer.Replicas)),
			Selector:             &metav1.LabelSelector{MatchLabels: b.selector(appAPIServer)},
			RevisionHistoryLimit: ptr(int32(2)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.podLabels(appAPIServer, true)},
				Spec:       b.podSpec(appAPIServer, containers, volumes),
			},
		},
	}
}

// konnectivityContainer is the Konnectivity server sidecar: agents in the
// worker nodes dial it (through the konnectivity-server Service), and the
// apiserver reaches the cluster network through its Unix socket.
func (b *builder) konnectivityContainer() corev1.Container {
	return corev1.Container{
		Name:    containerKonnectivity,
		Image:   b.in.Images.KonnectivityServer,
		Command: []string{"/proxy-server"},
		Args: []string{
			"--mode=grpc",
			fmt.Sprintf("--server-count=%d", b.c.APIServer.Replicas),
			"--uds-name=" + konnectivityUDSSocket,
			"--delete-existing-uds-file=true",
			"--server-port=0",
			"--cluster-cert=" + path.Join(konnectivityTLSDir, keyCert),
			"--cluster-key=" + path.Join(konnectivityTLSDir, keyKey),
			"--kubeconfig=" + kubeconfigFile,
			fmt.Sprintf("--agent-port=%d", konnectivityAgentPort),
			fmt.Sprintf("--admin-port=%d", konnectivityAdminPort),
			fmt.Sprintf("--health-port=%d", konnectivityHealthPort),
			"--agent-namespace=kube-system",
			"--agent-service-account=system-konnectivity-agent",
			"--authentication-audience=system:konnectivity-server",
			"--proxy-strategies=default",
			"--keepalive-time=1m",
		},
		Ports: []corev1.ContainerPort{
			{Name: "agentport", ContainerPort: konnectivityAgentPort, Protocol: corev1.ProtocolTCP},
			{Name: "adminport", ContainerPort: konnectivityAdminPort, Protocol: corev1.ProtocolTCP},
			{Name: "healthport", ContainerPort: konnectivityHealthPort, Protocol: corev1.ProtocolTCP},
		},
		// Liveness only: a readiness gate on connected agents would keep the
		// apiserver out of its Services before the first node joins.
		LivenessProbe: httpProbe(corev1.URISchemeHTTP, "/healthz", konnectivityHealthPort, timing{15, 15, 10, 3}),
		Resources:     resources("10m", "10Mi", "2", "200Mi"),
		VolumeMounts: []corev1.VolumeMount{
			{Name: volKonnectivityUDS, MountPath: konnectivityUDSDir},
			mount(certKonnectivityServer, konnectivityTLSDir),
			mount(volKonnectivityKC, kubeconfigDir),
			mount(volKonnectivityClient, kubeconfigClientDir),
		},
	}
}

// apiserverServices returns apiserver-external and, with Konnectivity,
// konnectivity-server, wired for the seed's expose strategy.
func (b *builder) apiserverServices() ([]object.Object, error) {
	api, err := b.exposedService(exposure{
		name: svcAPIServerExternal, app: appAPIServer, port: 443, sniHost: b.externalName,
		tunnelTarget: tunnelingSecurePort, nodePortTarget: b.securePort, nodePort: b.in.Cluster.Resolved.NodePort,
	})
	if err != nil {
		return nil, err
	}
	out := []object.Object{api}
	if b.konnectivity {
		konn, err := b.exposedService(exposure{
			name: svcKonnectivity, app: appAPIServer, port: 443, sniHost: svcKonnectivity + "." + b.externalName,
			tunnelTarget: konnectivityAgentPort, nodePortTarget: konnectivityAgentPort, nodePort: b.in.Cluster.Resolved.TunnelNodePort,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, konn)
	}
	return out, nil
}

// exposure describes a Service the seed's nodeport-proxy exposes.
type exposure struct {
	name, app string
	// port is the Service port (named secure).
	port int32
	// sniHost is the TLS server name the proxy routes by on Tunneling
	// seeds; empty for protocols without SNI (OpenVPN), which are
	// exposed for the envoy-agent's CONNECT tunnel only.
	sniHost string
	// tunnelTarget is the targetPort on Tunneling seeds, nodePortTarget on
	// NodePort and LoadBalancer seeds, where nodePort is the Service's
	// nodePort.
	tunnelTarget, nodePortTarget int32
	nodePort                     int
}

// exposedService is a Service selecting the pods of e.app, exposed by the
// seed's nodeport-proxy:
//   - Tunneling: ClusterIP to tunnelTarget, routed by SNI host sniHost;
//   - NodePort: type NodePort with nodePort, to nodePortTarget;
//   - LoadBalancer: the same, exposed through the namespaced proxy
//     (nodeport-proxy-envoy behind the front-loadbalancer Service).
func (b *builder) exposedService(e exposure) (*corev1.Service, error) {
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: b.meta(e.name, e.app),
		Spec: corev1.ServiceSpec{
			Selector: b.selector(e.app),
			Ports:    []corev1.ServicePort{{Name: "secure", Port: e.port, Protocol: corev1.ProtocolTCP}},
		},
	}
	port := &svc.Spec.Ports[0]
	switch b.in.Seed.Expose {
	case model.ExposeTunneling:
		svc.Spec.Type = corev1.ServiceTypeClusterIP
		port.TargetPort = intstr.FromInt32(e.tunnelTarget)
		if e.sniHost == "" {
			svc.Annotations = map[string]string{annExpose: "Tunneling"}
			break
		}
		mapping, err := json.Marshal(map[string]string{"secure": e.sniHost})
		if err != nil {
			return nil, err
		}
		svc.Annotations = map[string]string{annExpose: "SNI,Tunneling", annPortMapping: string(mapping)}
	case model.ExposeNodePort:
		svc.Annotations = map[string]string{annExpose: "NodePort"}
		svc.Spec.Type = corev1.ServiceTypeNodePort
		port.TargetPort = intstr.FromInt32(e.nodePortTarget)
		port.NodePort = int32(e.nodePort)
	case model.ExposeLoadBalancer:
		svc.Annotations = map[string]string{annExposeNamespaced: "true"}
		svc.Spec.Type = corev1.ServiceTypeNodePort
		port.TargetPort = intstr.FromInt32(e.nodePortTarget)
		port.NodePort = int32(e.nodePort)
	}
	return svc, nil
}
