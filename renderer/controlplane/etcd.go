package controlplane

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/object"
)

const (
	svcEtcd = "etcd"

	etcdDataDir   = "/var/run/etcd"
	etcdTLSDir    = "/etc/etcd/pki/tls"
	etcdCADir     = "/etc/etcd/pki/ca"
	etcdCAFile    = etcdCADir + "/" + keyCA
	etcdCertFile  = etcdTLSDir + "/" + keyCert
	etcdKeyFile   = etcdTLSDir + "/" + keyKey
	etcdBinary    = "/usr/local/bin/etcd"
	etcdctlBinary = "/usr/local/bin/etcdctl"
)

// etcdMemberHost is the stable DNS name of member i through the headless
// Service.
func etcdMemberHost(i int, ns string) string {
	return fmt.Sprintf("etcd-%d.%s.%s.svc.cluster.local", i, svcEtcd, ns)
}

// etcdInitialCluster is the static member list etcd bootstraps from.
func (b *builder) etcdInitialCluster() string {
	ms := make([]string, b.c.Etcd.Replicas)
	for i := range ms {
		ms[i] = fmt.Sprintf("etcd-%d=https://%s:%d", i, etcdMemberHost(i, b.ns), etcdPeerPort)
	}
	return strings.Join(ms, ",")
}

// etcdArgs are Kubermatic's etcd flags without etcd-launcher. $(VAR) is
// expanded by the kubelet from the container's env, so no shell is needed.
func (b *builder) etcdArgs() []string {
	member := fmt.Sprintf("$(POD_NAME).%s.%s.svc.cluster.local", svcEtcd, b.ns)
	return []string{
		"--name=$(POD_NAME)",
		"--data-dir=" + etcdDataDir + "/pod_$(POD_NAME)/",
		"--initial-cluster=" + b.etcdInitialCluster(),
		"--initial-cluster-token=" + b.c.Name,
		"--initial-cluster-state=new",
		fmt.Sprintf("--advertise-client-urls=https://%s:%d,https://$(POD_IP):%d", member, etcdClientPort, etcdClientPort),
		fmt.Sprintf("--listen-client-urls=https://$(POD_IP):%d,https://127.0.0.1:%d", etcdClientPort, etcdClientPort),
		// Peers talk TLS too, with the member's own certificate (its SANs
		// hold every member's name) and client-certificate authentication.
		fmt.Sprintf("--listen-peer-urls=https://$(POD_IP):%d", etcdPeerPort),
		fmt.Sprintf("--initial-advertise-peer-urls=https://%s:%d", member, etcdPeerPort),
		fmt.Sprintf("--listen-metrics-urls=http://$(POD_IP):%d,http://127.0.0.1:%d", etcdMetricsPort, etcdMetricsPort),
		"--trusted-ca-file=" + etcdCAFile,
		"--client-cert-auth",
		"--cert-file=" + etcdCertFile,
		"--key-file=" + etcdKeyFile,
		"--peer-trusted-ca-file=" + etcdCAFile,
		"--peer-client-cert-auth",
		"--peer-cert-file=" + etcdCertFile,
		"--peer-key-file=" + etcdKeyFile,
		"--auto-compaction-retention=8",
		"--experimental-initial-corrupt-check=true",
		"--experimental-corrupt-check-time=240m",
	}
}

func (b *builder) etcd() []object.Object {
	fieldEnv := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path},
		}}
	}
	metricsProbe := func(path string) corev1.ProbeHandler {
		return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path:   path,
			Port:   intstr.FromInt32(etcdMetricsPort),
			Scheme: corev1.URISchemeHTTP,
		}}
	}
	container := corev1.Container{
		Name:    appEtcd,
		Image:   b.in.Images.Etcd,
		Command: []string{etcdBinary},
		Args:    b.etcdArgs(),
		Env: []corev1.EnvVar{
			fieldEnv("POD_NAME", "metadata.name"),
			fieldEnv("POD_IP", "status.podIP"),
			// etcdctl (readiness probe) talks to the local member with the
			// member's own certificate, which has the client auth usage.
			{Name: "ETCDCTL_API", Value: "3"},
			{Name: "ETCDCTL_ENDPOINTS", Value: fmt.Sprintf("https://127.0.0.1:%d", etcdClientPort)},
			{Name: "ETCDCTL_CACERT", Value: etcdCAFile},
			{Name: "ETCDCTL_CERT", Value: etcdCertFile},
			{Name: "ETCDCTL_KEY", Value: etcdKeyFile},
		},
		Ports: []corev1.ContainerPort{
			{Name: "client", ContainerPort: etcdClientPort, Protocol: corev1.ProtocolTCP},
			{Name: "peer", ContainerPort: etcdPeerPort, Protocol: corev1.ProtocolTCP},
			{Name: "metrics", ContainerPort: etcdMetricsPort, Protocol: corev1.ProtocolTCP},
		},
		StartupProbe: &corev1.Probe{
			ProbeHandler:     metricsProbe("/health?serializable=false"),
			TimeoutSeconds:   10,
			PeriodSeconds:    10,
			SuccessThreshold: 1,
			FailureThreshold: 16,
		},
		LivenessProbe: &corev1.Probe{
			ProbeHandler:     metricsProbe("/health?exclude=NOSPACE&serializable=true"),
			TimeoutSeconds:   10,
			PeriodSeconds:    30,
			SuccessThreshold: 1,
			FailureThreshold: 3,
		},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{
				Command: []string{etcdctlBinary, "--command-timeout=10s", "endpoint", "health"},
			}},
			TimeoutSeconds:   10,
			PeriodSeconds:    15,
			SuccessThreshold: 1,
			FailureThreshold: 3,
		},
		Resources: resources("50m", "256Mi", "2", "2Gi"),
		VolumeMounts: []corev1.VolumeMount{
			{Name: "data", MountPath: etcdDataDir},
			mount(certEtcdTLS, etcdTLSDir),
			mount(certCA, etcdCADir),
		},
	}
	volumes := []corev1.Volume{
		secretVolume(certEtcdTLS, certEtcdTLS, keyCert, keyCert, keyKey, keyKey),
		secretVolume(certCA, certCA, keyCert, keyCA),
	}

	pvc := corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: b.storage},
			},
		},
	}
	if sc := b.c.Etcd.StorageClass; sc != "" {
		pvc.Spec.StorageClassName = ptr(sc)
	}

	sts := &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: b.meta(appEtcd, appEtcd),
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr(int32(b.c.Etcd.Replicas)),
			Selector:            &metav1.LabelSelector{MatchLabels: b.selector(appEtcd)},
			ServiceName:         svcEtcd,
			PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy:      appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.podLabels(appEtcd, false)},
				Spec:       b.podSpec(appEtcd, []corev1.Container{container}, volumes),
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{pvc},
			RevisionHistoryLimit: ptr(int32(2)),
		},
	}

	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: b.meta(svcEtcd, appEtcd),
		Spec: corev1.ServiceSpec{
			Type:                     corev1.ServiceTypeClusterIP,
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 b.selector(appEtcd),
			Ports: []corev1.ServicePort{
				{Name: "client", Port: etcdClientPort, TargetPort: intstr.FromInt32(etcdClientPort), Protocol: corev1.ProtocolTCP},
				{Name: "peer", Port: etcdPeerPort, TargetPort: intstr.FromInt32(etcdPeerPort), Protocol: corev1.ProtocolTCP},
				{Name: "peer-tls", Port: etcdPeerTLSPort, TargetPort: intstr.FromInt32(etcdPeerTLSPort), Protocol: corev1.ProtocolTCP},
			},
		},
	}

	out := []object.Object{sts, svc}
	// A single member has no quorum to protect, and minAvailable 1 on one
	// replica would block every node drain; so no PDB then.
	if n := b.c.Etcd.Replicas; n > 1 {
		out = append(out, b.pdb(appEtcd, &policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr(intstr.FromInt32(int32(n/2 + 1))),
		}))
	}
	return out
}

func (b *builder) pdb(app string, spec *policyv1.PodDisruptionBudgetSpec) *policyv1.PodDisruptionBudget {
	spec.Selector = &metav1.LabelSelector{MatchLabels: b.selector(app)}
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: b.meta(app, app),
		Spec:       *spec,
	}
}
