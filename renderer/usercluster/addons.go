package usercluster

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/encode"
	"github.com/fleetc/fleetc/renderer/object"
)

// Names inside the customer cluster.
const (
	appCoreDNS      = "coredns"
	svcKubeDNS      = "kube-dns"
	appKubeProxy    = "kube-proxy"
	appKonnectivity = "konnectivity-agent"
	// KonnectivityAgentSA is the agents' ServiceAccount, the one the
	// Konnectivity server accepts (--agent-service-account).
	KonnectivityAgentSA = "system-konnectivity-agent"
	// KonnectivityAudience is the audience of the agents' token, the one
	// the server checks (--authentication-audience).
	KonnectivityAudience = "system:konnectivity-server"
	// konnectivityServerUser is the Konnectivity server's identity in the
	// customer cluster (its client certificate's CN).
	konnectivityServerUser = "system:konnectivity-server"
	appMetricsServer       = "metrics-server"

	saTokenDir = "/var/run/secrets/kubernetes.io/serviceaccount"
)

// apiEnv points in-cluster clients at the apiserver's external address.
func (b *builder) apiEnv() []corev1.EnvVar {
	return []corev1.EnvVar{
		{Name: "KUBERNETES_SERVICE_HOST", Value: b.apiHost},
		{Name: "KUBERNETES_SERVICE_PORT", Value: strconv.Itoa(int(b.apiPort))},
	}
}

func (b *builder) apiURL() string { return fmt.Sprintf("https://%s:%d", b.apiHost, b.apiPort) }

var criticalTolerations = []corev1.Toleration{
	{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpExists},
	{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
}

func requests(cpu, mem string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem),
	}}
}

func limits(r corev1.ResourceRequirements, cpu, mem string) corev1.ResourceRequirements {
	r.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
	return r
}

func serviceAccount(name, app string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: meta(name, app)}
}

func clusterRole(name string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "ClusterRole"), ObjectMeta: clusterMeta(name), Rules: rules}
}

func clusterRoleBinding(name, role string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
		ObjectMeta: clusterMeta(name),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   subjects,
	}
}

func saSubject(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: namespace}
}

func rule(groups, resources, verbs []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs}
}

var (
	core      = []string{""}
	readVerbs = []string{"get", "list", "watch"}
)

func selector(app string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
}

func podMeta(app string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: map[string]string{"app": app}}
}

func restricted() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr(false),
		ReadOnlyRootFilesystem:   ptr(true),
		RunAsNonRoot:             ptr(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func httpGet(path string, port int32, scheme corev1.URIScheme) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(port), Scheme: scheme}},
		PeriodSeconds:    10,
		TimeoutSeconds:   5,
		FailureThreshold: 3,
	}
}

// --- CoreDNS ---

// corefile is CoreDNS's configuration, as Kubermatic's CoreDNS has it.
const corefile = `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
`

func (b *builder) coreDNS() []object.Object {
	labels := map[string]string{"app": appCoreDNS, "k8s-app": svcKubeDNS}
	dep := &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: meta(appCoreDNS, appCoreDNS),
		Spec: appsv1.DeploymentSpec{
			Replicas:             ptr(int32(2)),
			RevisionHistoryLimit: ptr(int32(2)),
			Selector:             &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					ServiceAccountName: appCoreDNS,
					PriorityClassName:  "system-cluster-critical",
					DNSPolicy:          corev1.DNSDefault,
					Tolerations:        criticalTolerations,
					Containers: []corev1.Container{{
						Name:  appCoreDNS,
						Image: b.in.Images.DNSResolver,
						Args:  []string{"-conf", "/etc/coredns/Corefile"},
						Env:   b.apiEnv(),
						Ports: []corev1.ContainerPort{
							{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
							{Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP},
							{Name: "metrics", ContainerPort: 9153, Protocol: corev1.ProtocolTCP},
						},
						LivenessProbe:  httpGet("/health", 8080, corev1.URISchemeHTTP),
						ReadinessProbe: httpGet("/ready", 8181, corev1.URISchemeHTTP),
						Resources:      limits(requests("50m", "32Mi"), "1", "256Mi"),
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr(false),
							ReadOnlyRootFilesystem:   ptr(true),
							Capabilities:             &corev1.Capabilities{Add: []corev1.Capability{"NET_BIND_SERVICE"}, Drop: []corev1.Capability{"ALL"}},
						},
						VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/coredns", ReadOnly: true}},
					}},
					Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
						LocalObjectReference: corev1.LocalObjectReference{Name: appCoreDNS},
					}}}},
				},
			},
		},
	}
	svcMeta := meta(svcKubeDNS, appCoreDNS)
	svcMeta.Labels["k8s-app"] = svcKubeDNS
	return []object.Object{
		serviceAccount(appCoreDNS, appCoreDNS),
		clusterRole("system:coredns",
			rule(core, []string{"endpoints", "services", "pods", "namespaces"}, []string{"list", "watch"}),
			rule([]string{"discovery.k8s.io"}, []string{"endpointslices"}, []string{"list", "watch"}),
		),
		clusterRoleBinding("system:coredns", "system:coredns", saSubject(appCoreDNS)),
		&corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: meta(appCoreDNS, appCoreDNS), Data: map[string]string{"Corefile": corefile}},
		dep,
		&corev1.Service{
			TypeMeta:   typeMeta("v1", "Service"),
			ObjectMeta: svcMeta,
			Spec: corev1.ServiceSpec{
				ClusterIP: b.dnsIP,
				Selector:  labels,
				Ports: []corev1.ServicePort{
					{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
					{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)},
					{Name: "metrics", Port: 9153, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9153)},
				},
			},
		},
		&policyv1.PodDisruptionBudget{
			TypeMeta:   typeMeta("policy/v1", "PodDisruptionBudget"),
			ObjectMeta: meta(appCoreDNS, appCoreDNS),
			Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(intstr.FromInt32(1)), Selector: &metav1.LabelSelector{MatchLabels: labels}},
		},
	}
}

// --- kube-proxy ---

// ProxyMode is kube-proxy's mode as Kubermatic picks it: iptables on
// Hetzner, ipvs before Kubernetes 1.35, nftables from 1.35.
func ProxyMode(provider, minor string) string {
	if provider == "hetzner" {
		return "iptables"
	}
	var major, min int
	if _, err := fmt.Sscanf(minor, "%d.%d", &major, &min); err == nil && (major > 1 || min >= 35) {
		return "nftables"
	}
	return "ipvs"
}

// kubeProxyConfiguration is kubeproxy.config.k8s.io/v1alpha1
// KubeProxyConfiguration, reduced to the fields fleetc sets.
type kubeProxyConfiguration struct {
	APIVersion         string           `json:"apiVersion"`
	Kind               string           `json:"kind"`
	ClientConnection   clientConnection `json:"clientConnection"`
	ClusterCIDR        string           `json:"clusterCIDR"`
	Mode               string           `json:"mode"`
	IPVS               *ipvsConfig      `json:"ipvs,omitempty"`
	MetricsBindAddress string           `json:"metricsBindAddress"`
}

type clientConnection struct {
	Kubeconfig string `json:"kubeconfig"`
}

type ipvsConfig struct {
	StrictARP bool `json:"strictARP"`
}

// kubeconfig is a v1 Config for an in-cluster client that authenticates
// with its ServiceAccount token at the apiserver's external address.
type kubeconfig struct {
	APIVersion     string         `json:"apiVersion"`
	Kind           string         `json:"kind"`
	Clusters       []namedCluster `json:"clusters"`
	Users          []namedUser    `json:"users"`
	Contexts       []namedContext `json:"contexts"`
	CurrentContext string         `json:"current-context"`
}

type namedCluster struct {
	Name    string `json:"name"`
	Cluster struct {
		Server               string `json:"server"`
		CertificateAuthority string `json:"certificate-authority"`
	} `json:"cluster"`
}

type namedUser struct {
	Name string `json:"name"`
	User struct {
		TokenFile string `json:"tokenFile"`
	} `json:"user"`
}

type namedContext struct {
	Name    string `json:"name"`
	Context struct {
		Cluster string `json:"cluster"`
		User    string `json:"user"`
	} `json:"context"`
}

func (b *builder) serviceAccountKubeconfig() ([]byte, error) {
	kc := kubeconfig{APIVersion: "v1", Kind: "Config", CurrentContext: "default"}
	var c namedCluster
	c.Name = "default"
	c.Cluster.Server = b.apiURL()
	c.Cluster.CertificateAuthority = saTokenDir + "/ca.crt"
	var u namedUser
	u.Name = "default"
	u.User.TokenFile = saTokenDir + "/token"
	var x namedContext
	x.Name = "default"
	x.Context.Cluster, x.Context.User = "default", "default"
	kc.Clusters, kc.Users, kc.Contexts = []namedCluster{c}, []namedUser{u}, []namedContext{x}
	return encode.Marshal(kc)
}

func (b *builder) kubeProxy() ([]object.Object, error) {
	mode := ProxyMode(b.c.Resolved.Provider, b.c.Resolved.Minor)
	cfg := kubeProxyConfiguration{
		APIVersion:         "kubeproxy.config.k8s.io/v1alpha1",
		Kind:               "KubeProxyConfiguration",
		ClientConnection:   clientConnection{Kubeconfig: "/var/lib/kube-proxy/kubeconfig.conf"},
		ClusterCIDR:        b.c.Network.Pods,
		Mode:               mode,
		MetricsBindAddress: "0.0.0.0:10249",
	}
	if mode == "ipvs" {
		cfg.IPVS = &ipvsConfig{StrictARP: true}
	}
	conf, err := encode.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("usercluster: kube-proxy configuration: %w", err)
	}
	kc, err := b.serviceAccountKubeconfig()
	if err != nil {
		return nil, fmt.Errorf("usercluster: kube-proxy kubeconfig: %w", err)
	}
	hostPath := func(name, path string, t corev1.HostPathType) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path, Type: &t}}}
	}
	ds := &appsv1.DaemonSet{
		TypeMeta:   typeMeta("apps/v1", "DaemonSet"),
		ObjectMeta: meta(appKubeProxy, appKubeProxy),
		Spec: appsv1.DaemonSetSpec{
			Selector:       selector(appKubeProxy),
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta(appKubeProxy),
				Spec: corev1.PodSpec{
					ServiceAccountName: appKubeProxy,
					PriorityClassName:  "system-node-critical",
					HostNetwork:        true,
					Tolerations:        []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					NodeSelector:       map[string]string{"kubernetes.io/os": "linux"},
					Containers: []corev1.Container{{
						Name:    appKubeProxy,
						Image:   b.in.Images.KubeProxy,
						Command: []string{"/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"},
						Env: []corev1.EnvVar{{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{
							FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"},
						}}},
						Resources:       requests("75m", "50Mi"),
						SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "config", MountPath: "/var/lib/kube-proxy", ReadOnly: true},
							{Name: "xtables-lock", MountPath: "/run/xtables.lock"},
							{Name: "lib-modules", MountPath: "/lib/modules", ReadOnly: true},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: appKubeProxy},
						}}},
						hostPath("xtables-lock", "/run/xtables.lock", corev1.HostPathFileOrCreate),
						hostPath("lib-modules", "/lib/modules", corev1.HostPathDirectory),
					},
				},
			},
		},
	}
	return []object.Object{
		serviceAccount(appKubeProxy, appKubeProxy),
		clusterRoleBinding("fleetc:kube-proxy", "system:node-proxier", saSubject(appKubeProxy)),
		&corev1.ConfigMap{
			TypeMeta:   typeMeta("v1", "ConfigMap"),
			ObjectMeta: meta(appKubeProxy, appKubeProxy),
			Data:       map[string]string{"config.conf": string(conf), "kubeconfig.conf": string(kc)},
		},
		ds,
	}, nil
}

// --- Konnectivity agent ---

func (b *builder) konnectivity() []object.Object {
	const tokenDir = "/var/run/secrets/tokens"
	const tokenFile = "konnectivity-agent-token"
	dep := &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: meta(appKonnectivity, appKonnectivity),
		Spec: appsv1.DeploymentSpec{
			// One agent per apiserver replica at least, so that each
			// Konnectivity server has an agent.
			Replicas:             ptr(int32(max(2, b.c.APIServer.Replicas))),
			RevisionHistoryLimit: ptr(int32(2)),
			Selector:             selector(appKonnectivity),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta(appKonnectivity),
				Spec: corev1.PodSpec{
					ServiceAccountName: KonnectivityAgentSA,
					PriorityClassName:  "system-cluster-critical",
					Tolerations:        criticalTolerations,
					Containers: []corev1.Container{{
						Name:    appKonnectivity,
						Image:   b.in.Images.KonnectivityAgent,
						Command: []string{"/proxy-agent"},
						Args: []string{
							"--logtostderr=true",
							"--ca-cert=" + saTokenDir + "/ca.crt",
							"--proxy-server-host=" + b.konnHost,
							fmt.Sprintf("--proxy-server-port=%d", b.konnPort),
							"--admin-server-port=8133",
							"--health-server-port=8134",
							"--service-account-token-path=" + tokenDir + "/" + tokenFile,
							"--agent-identifiers=default-route=true",
							"--keepalive-time=1m",
							"--sync-forever=true",
						},
						Ports: []corev1.ContainerPort{
							{Name: "admin", ContainerPort: 8133, Protocol: corev1.ProtocolTCP},
							{Name: "health", ContainerPort: 8134, Protocol: corev1.ProtocolTCP},
						},
						LivenessProbe:   httpGet("/healthz", 8134, corev1.URISchemeHTTP),
						Resources:       limits(requests("10m", "16Mi"), "1", "256Mi"),
						SecurityContext: restricted(),
						VolumeMounts:    []corev1.VolumeMount{{Name: "konnectivity-agent-token", MountPath: tokenDir, ReadOnly: true}},
					}},
					Volumes: []corev1.Volume{{Name: "konnectivity-agent-token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
						Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
							Path: tokenFile, Audience: KonnectivityAudience, ExpirationSeconds: ptr(int64(3600)),
						}}},
					}}}},
				},
			},
		},
	}
	dep.Spec.Template.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: ptr(int64(65534)), RunAsGroup: ptr(int64(65534))}
	return []object.Object{
		serviceAccount(KonnectivityAgentSA, appKonnectivity),
		// The Konnectivity server checks each agent's token with a
		// TokenReview in the customer cluster.
		clusterRoleBinding("system:konnectivity-server", "system:auth-delegator",
			rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: konnectivityServerUser}),
		dep,
	}
}

// --- metrics-server ---

func (b *builder) metricsServer() []object.Object {
	dep := &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: meta(appMetricsServer, appMetricsServer),
		Spec: appsv1.DeploymentSpec{
			Replicas:             ptr(int32(1)),
			RevisionHistoryLimit: ptr(int32(2)),
			Selector:             selector(appMetricsServer),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta(appMetricsServer),
				Spec: corev1.PodSpec{
					ServiceAccountName: appMetricsServer,
					PriorityClassName:  "system-cluster-critical",
					Tolerations:        criticalTolerations,
					Containers: []corev1.Container{{
						Name:  appMetricsServer,
						Image: b.in.Images.MetricsServer,
						Args: []string{
							"--cert-dir=/tmp",
							"--secure-port=10250",
							"--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
							"--kubelet-use-node-status-port",
							"--metric-resolution=15s",
						},
						Env:             b.apiEnv(),
						Ports:           []corev1.ContainerPort{{Name: "https", ContainerPort: 10250, Protocol: corev1.ProtocolTCP}},
						LivenessProbe:   httpGet("/livez", 10250, corev1.URISchemeHTTPS),
						ReadinessProbe:  httpGet("/readyz", 10250, corev1.URISchemeHTTPS),
						Resources:       requests("100m", "200Mi"),
						SecurityContext: restricted(),
						VolumeMounts:    []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
					}},
					Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
	aggregated := clusterRole("system:aggregated-metrics-reader",
		rule([]string{"metrics.k8s.io"}, []string{"pods", "nodes"}, readVerbs))
	aggregated.Labels["rbac.authorization.k8s.io/aggregate-to-admin"] = "true"
	aggregated.Labels["rbac.authorization.k8s.io/aggregate-to-edit"] = "true"
	aggregated.Labels["rbac.authorization.k8s.io/aggregate-to-view"] = "true"
	return []object.Object{
		serviceAccount(appMetricsServer, appMetricsServer),
		aggregated,
		clusterRole("system:metrics-server",
			rule(core, []string{"nodes/metrics"}, []string{"get"}),
			rule(core, []string{"pods", "nodes"}, readVerbs)),
		clusterRoleBinding("system:metrics-server", "system:metrics-server", saSubject(appMetricsServer)),
		clusterRoleBinding("metrics-server:system:auth-delegator", "system:auth-delegator", saSubject(appMetricsServer)),
		&rbacv1.RoleBinding{
			TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "RoleBinding"),
			ObjectMeta: meta("metrics-server-auth-reader", appMetricsServer),
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "extension-apiserver-authentication-reader"},
			Subjects:   []rbacv1.Subject{saSubject(appMetricsServer)},
		},
		dep,
		&corev1.Service{
			TypeMeta:   typeMeta("v1", "Service"),
			ObjectMeta: meta(appMetricsServer, appMetricsServer),
			Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": appMetricsServer},
				Ports:    []corev1.ServicePort{{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("https")}},
			},
		},
		newAPIService(),
	}
}
