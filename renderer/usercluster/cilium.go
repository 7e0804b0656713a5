package usercluster

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/object"
)

const (
	appCilium         = "cilium"
	appCiliumOperator = "cilium-operator"
	cmCilium          = "cilium-config"
	ciliumConfigDir   = "/tmp/cilium/config-map"
)

// ciliumConfig is the agent's and operator's configuration: VXLAN
// overlay, node pod CIDRs from the controller-manager (ipam kubernetes,
// which runs with --allocate-node-cidrs), kube-proxy kept (Kubermatic's
// default for Cilium with a kube-proxy mode other than ebpf).
func (b *builder) ciliumConfig() map[string]string {
	return map[string]string{
		"cluster-name":                "default", // only meaningful with cluster mesh; names are at most 32 characters there
		"identity-allocation-mode":    "crd",
		"ipam":                        "kubernetes",
		"k8s-require-ipv4-pod-cidr":   "true",
		"routing-mode":                "tunnel",
		"tunnel-protocol":             "vxlan",
		"kube-proxy-replacement":      "false",
		"enable-ipv4":                 "true",
		"enable-ipv6":                 "false",
		"enable-policy":               "default",
		"enable-health-checking":      "true",
		"cni-exclusive":               "true",
		"write-cni-conf-when-ready":   "/host/etc/cni/net.d/05-cilium.conflist",
		"bpf-map-dynamic-size-ratio":  "0.0025",
		"enable-ipv4-masquerade":      "true",
		"enable-bpf-masquerade":       "false",
		"operator-api-serve-addr":     "127.0.0.1:9234",
		"agent-health-port":           "9879",
		"cluster-pool-ipv4-mask-size": "24",
	}
}

func (b *builder) ciliumEnv() []corev1.EnvVar {
	return append([]corev1.EnvVar{
		{Name: "K8S_NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
		{Name: "CILIUM_K8S_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
	}, b.apiEnv()...)
}

func localProbe(path string, port int32) *corev1.Probe {
	p := httpGet(path, port, corev1.URISchemeHTTP)
	p.HTTPGet.Host = "127.0.0.1"
	p.HTTPGet.HTTPHeaders = []corev1.HTTPHeader{{Name: "brief", Value: "true"}}
	return p
}

func hostPathVolume(name, path string, t corev1.HostPathType) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path, Type: &t}}}
}

func (b *builder) cilium() []object.Object {
	all := []string{"*"}
	agentRole := clusterRole(appCilium,
		rule([]string{"networking.k8s.io"}, []string{"networkpolicies"}, readVerbs),
		rule([]string{"discovery.k8s.io"}, []string{"endpointslices"}, readVerbs),
		rule(core, []string{"namespaces", "services", "pods", "endpoints", "nodes"}, readVerbs),
		rule(core, []string{"nodes/status"}, []string{"patch"}),
		rule([]string{"apiextensions.k8s.io"}, []string{"customresourcedefinitions"}, readVerbs),
		rule([]string{"cilium.io"}, all, all),
	)
	operatorRole := clusterRole(appCiliumOperator,
		rule(core, []string{"pods"}, []string{"get", "list", "watch", "delete"}),
		rule(core, []string{"nodes", "namespaces", "services", "endpoints"}, readVerbs),
		rule(core, []string{"nodes/status"}, []string{"patch"}),
		rule(core, []string{"services/status"}, []string{"update", "patch"}),
		rule([]string{"discovery.k8s.io"}, []string{"endpointslices"}, readVerbs),
		rule([]string{"apiextensions.k8s.io"}, []string{"customresourcedefinitions"}, []string{"create", "get", "list", "watch", "update"}),
		rule([]string{"coordination.k8s.io"}, []string{"leases"}, []string{"create", "get", "update"}),
		rule([]string{"cilium.io"}, all, all),
	)
	configVolume := corev1.Volume{Name: "cilium-config-path", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: cmCilium},
	}}}
	configMount := corev1.VolumeMount{Name: "cilium-config-path", MountPath: ciliumConfigDir, ReadOnly: true}
	privileged := &corev1.SecurityContext{Privileged: ptr(true)}
	bidirectional := corev1.MountPropagationBidirectional
	hostToContainer := corev1.MountPropagationHostToContainer

	agent := &appsv1.DaemonSet{
		TypeMeta:   typeMeta("apps/v1", "DaemonSet"),
		ObjectMeta: meta(appCilium, appCilium),
		Spec: appsv1.DaemonSetSpec{
			Selector: selector(appCilium),
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type:          appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr(intstr.FromInt32(2))},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta(appCilium),
				Spec: corev1.PodSpec{
					ServiceAccountName: appCilium,
					PriorityClassName:  "system-node-critical",
					HostNetwork:        true,
					Tolerations:        []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					NodeSelector:       map[string]string{"kubernetes.io/os": "linux"},
					InitContainers: []corev1.Container{
						{
							Name:            "mount-bpf-fs",
							Image:           b.in.Images.Cilium,
							Command:         []string{"bash", "-c", `mount | grep "/sys/fs/bpf type bpf" || mount -t bpf bpf /sys/fs/bpf`},
							SecurityContext: privileged,
							VolumeMounts:    []corev1.VolumeMount{{Name: "bpf-maps", MountPath: "/sys/fs/bpf", MountPropagation: &bidirectional}},
						},
						{
							Name:            "install-cni-binaries",
							Image:           b.in.Images.Cilium,
							Command:         []string{"/install-plugin.sh"},
							SecurityContext: privileged,
							Resources:       requests("100m", "10Mi"),
							VolumeMounts:    []corev1.VolumeMount{{Name: "cni-path", MountPath: "/host/opt/cni/bin"}},
						},
					},
					Containers: []corev1.Container{{
						Name:            "cilium-agent",
						Image:           b.in.Images.Cilium,
						Command:         []string{"cilium-agent"},
						Args:            []string{"--config-dir=" + ciliumConfigDir},
						Env:             b.ciliumEnv(),
						LivenessProbe:   localProbe("/healthz", 9879),
						ReadinessProbe:  localProbe("/healthz", 9879),
						SecurityContext: privileged,
						VolumeMounts: []corev1.VolumeMount{
							{Name: "bpf-maps", MountPath: "/sys/fs/bpf", MountPropagation: &hostToContainer},
							{Name: "cilium-run", MountPath: "/var/run/cilium"},
							{Name: "etc-cni-netd", MountPath: "/host/etc/cni/net.d"},
							{Name: "lib-modules", MountPath: "/lib/modules", ReadOnly: true},
							{Name: "xtables-lock", MountPath: "/run/xtables.lock"},
							configMount,
						},
					}},
					Volumes: []corev1.Volume{
						hostPathVolume("bpf-maps", "/sys/fs/bpf", corev1.HostPathDirectoryOrCreate),
						hostPathVolume("cilium-run", "/var/run/cilium", corev1.HostPathDirectoryOrCreate),
						hostPathVolume("cni-path", "/opt/cni/bin", corev1.HostPathDirectoryOrCreate),
						hostPathVolume("etc-cni-netd", "/etc/cni/net.d", corev1.HostPathDirectoryOrCreate),
						hostPathVolume("lib-modules", "/lib/modules", corev1.HostPathDirectory),
						hostPathVolume("xtables-lock", "/run/xtables.lock", corev1.HostPathFileOrCreate),
						configVolume,
					},
				},
			},
		},
	}
	operator := &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: meta(appCiliumOperator, appCiliumOperator),
		Spec: appsv1.DeploymentSpec{
			Replicas:             ptr(int32(1)),
			RevisionHistoryLimit: ptr(int32(2)),
			Selector:             selector(appCiliumOperator),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta(appCiliumOperator),
				Spec: corev1.PodSpec{
					ServiceAccountName: appCiliumOperator,
					PriorityClassName:  "system-cluster-critical",
					// The operator runs before the CNI is up.
					HostNetwork: true,
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					Containers: []corev1.Container{{
						Name:            appCiliumOperator,
						Image:           b.in.Images.CiliumOperator,
						Command:         []string{"cilium-operator-generic"},
						Args:            []string{"--config-dir=" + ciliumConfigDir},
						Env:             b.ciliumEnv(),
						LivenessProbe:   localProbe("/healthz", 9234),
						SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false)},
						VolumeMounts:    []corev1.VolumeMount{configMount},
					}},
					Volumes: []corev1.Volume{configVolume},
				},
			},
		},
	}
	return []object.Object{
		serviceAccount(appCilium, appCilium),
		serviceAccount(appCiliumOperator, appCiliumOperator),
		agentRole, operatorRole,
		clusterRoleBinding(appCilium, appCilium, saSubject(appCilium)),
		clusterRoleBinding(appCiliumOperator, appCiliumOperator, saSubject(appCiliumOperator)),
		&corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: meta(cmCilium, appCilium), Data: b.ciliumConfig()},
		agent, operator,
	}
}
