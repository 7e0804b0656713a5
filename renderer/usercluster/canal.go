package usercluster

import (
	"encoding/json"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/third_party/calico"
)

const (
	appCanal = "canal"
	cmCanal  = "canal-config"
)

var calicoCRDs = sync.OnceValues(func() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	return parseCRDs("calico", calico.CRDs)
})

// canalCNIConfig is the CNI network list the install-cni init container
// writes on every node (Calico's plugin with host-local IPAM on the
// node's pod CIDR, then portmap); the __X__ values are filled in there.
const canalCNIConfig = `{
  "name": "k8s-pod-network",
  "cniVersion": "1.0.0",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "kubernetes",
      "nodename": "__KUBERNETES_NODE_NAME__",
      "mtu": __CNI_MTU__,
      "ipam": {"type": "host-local", "subnet": "usePodCidr"},
      "policy": {"type": "k8s"},
      "kubernetes": {"kubeconfig": "__KUBECONFIG_FILEPATH__"}
    },
    {"type": "portmap", "snat": true, "capabilities": {"portMappings": true}}
  ]
}`

// flannelNetConf is Flannel's net-conf.json.
type flannelNetConf struct {
	Network string `json:"Network"`
	Backend struct {
		Type string `json:"Type"`
	} `json:"Backend"`
}

// canal is Calico for network policy and Flannel for the VXLAN overlay
// in one DaemonSet, with Calico's CRDs (its Kubernetes datastore).
func (b *builder) canal() ([]object.Object, error) {
	defs, err := calicoCRDs()
	if err != nil {
		return nil, fmt.Errorf("usercluster: %w", err)
	}
	var out []object.Object
	for _, d := range defs {
		out = append(out, d.DeepCopyObject().(object.Object))
	}
	var nc flannelNetConf
	nc.Network = b.c.Network.Pods
	nc.Backend.Type = "vxlan"
	netConf, err := json.Marshal(nc)
	if err != nil {
		return nil, err
	}
	all := []string{"*"}
	role := clusterRole(appCanal,
		rule(core, []string{"pods", "nodes", "namespaces", "endpoints", "services", "configmaps"}, readVerbs),
		rule(core, []string{"nodes/status", "pods/status"}, []string{"patch", "update"}),
		rule(core, []string{"serviceaccounts/token"}, []string{"create"}),
		rule([]string{"discovery.k8s.io"}, []string{"endpointslices"}, readVerbs),
		rule([]string{"networking.k8s.io"}, []string{"networkpolicies"}, readVerbs),
		rule([]string{"policy.networking.k8s.io"}, all, readVerbs),
		rule([]string{"crd.projectcalico.org"}, all, all),
	)
	role.Rules[2].ResourceNames = []string{appCanal}
	cfg := func(key string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: cmCanal}, Key: key,
		}}
	}
	field := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
	}
	privileged := &corev1.SecurityContext{Privileged: ptr(true)}
	install := corev1.Container{
		Name:    "install-cni",
		Image:   b.in.Images.CalicoCNI,
		Command: []string{"/opt/cni/bin/install"},
		Env: append([]corev1.EnvVar{
			{Name: "CALICO_CNI_SERVICE_ACCOUNT", ValueFrom: field("spec.serviceAccountName")},
			{Name: "CNI_CONF_NAME", Value: "10-canal.conflist"},
			{Name: "CNI_NETWORK_CONFIG", ValueFrom: cfg("cni_network_config")},
			{Name: "KUBERNETES_NODE_NAME", ValueFrom: field("spec.nodeName")},
			{Name: "CNI_MTU", ValueFrom: cfg("veth_mtu")},
			{Name: "SLEEP", Value: "false"},
		}, b.apiEnv()...),
		SecurityContext: privileged,
		VolumeMounts: []corev1.VolumeMount{
			{Name: "cni-bin-dir", MountPath: "/host/opt/cni/bin"},
			{Name: "cni-net-dir", MountPath: "/host/etc/cni/net.d"},
		},
	}
	node := corev1.Container{
		Name:  "calico-node",
		Image: b.in.Images.CalicoNode,
		Env: append([]corev1.EnvVar{
			{Name: "DATASTORE_TYPE", Value: "kubernetes"},
			{Name: "USE_POD_CIDR", Value: "true"},
			{Name: "WAIT_FOR_DATASTORE", Value: "true"},
			{Name: "NODENAME", ValueFrom: field("spec.nodeName")},
			{Name: "CALICO_CNI_SERVICE_ACCOUNT", ValueFrom: field("spec.serviceAccountName")},
			// Flannel routes; Calico enforces policy only.
			{Name: "CALICO_NETWORKING_BACKEND", Value: "none"},
			{Name: "CLUSTER_TYPE", Value: "k8s,canal"},
			{Name: "IP", Value: ""},
			{Name: "CALICO_DISABLE_FILE_LOGGING", Value: "true"},
			{Name: "FELIX_DEFAULTENDPOINTTOHOSTACTION", Value: "ACCEPT"},
			{Name: "FELIX_IPV6SUPPORT", Value: "false"},
			{Name: "FELIX_HEALTHENABLED", Value: "true"},
		}, b.apiEnv()...),
		SecurityContext: privileged,
		Resources:       requests("250m", "64Mi"),
		LivenessProbe: &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/calico-node", "-felix-live"}}},
			InitialDelaySeconds: 10, PeriodSeconds: 10, TimeoutSeconds: 10, FailureThreshold: 6,
		},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "localhost", Path: "/readiness", Port: intstr.FromInt32(9099)}},
			PeriodSeconds: 10, TimeoutSeconds: 10,
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "cni-net-dir", MountPath: "/host/etc/cni/net.d"},
			{Name: "lib-modules", MountPath: "/lib/modules", ReadOnly: true},
			{Name: "xtables-lock", MountPath: "/run/xtables.lock"},
			{Name: "var-run-calico", MountPath: "/var/run/calico"},
			{Name: "var-lib-calico", MountPath: "/var/lib/calico"},
		},
	}
	flannel := corev1.Container{
		Name:    "kube-flannel",
		Image:   b.in.Images.Flannel,
		Command: []string{"/opt/bin/flanneld", "--ip-masq", "--kube-subnet-mgr"},
		Env: append([]corev1.EnvVar{
			{Name: "POD_NAME", ValueFrom: field("metadata.name")},
			{Name: "POD_NAMESPACE", ValueFrom: field("metadata.namespace")},
			{Name: "FLANNELD_IFACE", ValueFrom: cfg("canal_iface")},
			{Name: "FLANNELD_IP_MASQ", ValueFrom: cfg("masquerade")},
		}, b.apiEnv()...),
		SecurityContext: privileged,
		VolumeMounts: []corev1.VolumeMount{
			{Name: "xtables-lock", MountPath: "/run/xtables.lock"},
			{Name: "flannel-cfg", MountPath: "/etc/kube-flannel/"},
		},
	}
	ds := &appsv1.DaemonSet{
		TypeMeta:   typeMeta("apps/v1", "DaemonSet"),
		ObjectMeta: meta(appCanal, appCanal),
		Spec: appsv1.DaemonSetSpec{
			Selector: selector(appCanal),
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type:          appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr(intstr.FromInt32(1))},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta(appCanal),
				Spec: corev1.PodSpec{
					ServiceAccountName:            appCanal,
					PriorityClassName:             "system-node-critical",
					HostNetwork:                   true,
					NodeSelector:                  map[string]string{"kubernetes.io/os": "linux"},
					Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					TerminationGracePeriodSeconds: ptr(int64(0)),
					InitContainers:                []corev1.Container{install},
					Containers:                    []corev1.Container{node, flannel},
					Volumes: []corev1.Volume{
						hostPathVolume("lib-modules", "/lib/modules", corev1.HostPathDirectory),
						hostPathVolume("var-run-calico", "/var/run/calico", corev1.HostPathDirectoryOrCreate),
						hostPathVolume("var-lib-calico", "/var/lib/calico", corev1.HostPathDirectoryOrCreate),
						hostPathVolume("xtables-lock", "/run/xtables.lock", corev1.HostPathFileOrCreate),
						hostPathVolume("cni-bin-dir", "/opt/cni/bin", corev1.HostPathDirectoryOrCreate),
						hostPathVolume("cni-net-dir", "/etc/cni/net.d", corev1.HostPathDirectoryOrCreate),
						{Name: "flannel-cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: cmCanal},
							Items:                []corev1.KeyToPath{{Key: "net-conf.json", Path: "net-conf.json"}},
						}}},
					},
				},
			},
		},
	}
	return append(out,
		serviceAccount(appCanal, appCanal),
		role,
		clusterRoleBinding(appCanal, appCanal, saSubject(appCanal)),
		&corev1.ConfigMap{
			TypeMeta:   typeMeta("v1", "ConfigMap"),
			ObjectMeta: meta(cmCanal, appCanal),
			Data: map[string]string{
				"canal_iface":        "",
				"masquerade":         "true",
				"veth_mtu":           "0",
				"typha_service_name": "none",
				"cni_network_config": canalCNIConfig,
				"net-conf.json":      string(netConf),
			},
		},
		ds,
	), nil
}
