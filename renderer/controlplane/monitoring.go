package controlplane

import (
	"fmt"
	"path"

	"github.com/fleetc/fleetc/renderer/encode"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/object"
)

// Monitoring: Kubermatic's per-cluster Prometheus
// (kkp:pkg/resources/prometheus), scraping the control plane only.
const (
	appPrometheus        = "prometheus"
	cmPrometheus         = "prometheus"
	svcPrometheus        = "prometheus"
	certPrometheusClient = "prometheus-client-certificate"
	prometheusPort       = 9090
	prometheusConfigKey  = "prometheus.yaml"
	prometheusConfigDir  = "/etc/prometheus/config"
	prometheusClientDir  = "/etc/prometheus/pki/client"
	prometheusCADir      = "/etc/prometheus/pki/ca"
	prometheusDataDir    = "/var/prometheus/data"
	prometheusRetention  = "1h"
	// The data volume is an emptyDir: with one hour of retention a
	// rescheduled pod loses at most that hour, and no PVC per cluster is
	// needed. retention.size keeps the TSDB well under the sizeLimit.
	prometheusDataLimit     = "2Gi"
	prometheusRetentionSize = "1GB"
)

// prometheusConfig is the subset of Prometheus' configuration file that
// fleetc writes.
type prometheusConfig struct {
	Global        promGlobal     `json:"global"`
	ScrapeConfigs []scrapeConfig `json:"scrape_configs"`
}

type promGlobal struct {
	ScrapeInterval     string            `json:"scrape_interval"`
	EvaluationInterval string            `json:"evaluation_interval"`
	ExternalLabels     map[string]string `json:"external_labels,omitempty"`
}

type scrapeConfig struct {
	JobName             string             `json:"job_name"`
	Scheme              string             `json:"scheme,omitempty"`
	TLSConfig           *promTLSConfig     `json:"tls_config,omitempty"`
	StaticConfigs       []promStatic       `json:"static_configs,omitempty"`
	KubernetesSDConfigs []promKubernetesSD `json:"kubernetes_sd_configs,omitempty"`
	RelabelConfigs      []promRelabel      `json:"relabel_configs,omitempty"`
}

type promTLSConfig struct {
	CAFile             string `json:"ca_file,omitempty"`
	CertFile           string `json:"cert_file,omitempty"`
	KeyFile            string `json:"key_file,omitempty"`
	ServerName         string `json:"server_name,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
}

type promStatic struct {
	Targets []string `json:"targets"`
}

type promKubernetesSD struct {
	Role       string         `json:"role"`
	Namespaces promNamespaces `json:"namespaces"`
}

type promNamespaces struct {
	Names []string `json:"names"`
}

type promRelabel struct {
	SourceLabels []string `json:"source_labels,omitempty"`
	Regex        string   `json:"regex,omitempty"`
	Action       string   `json:"action,omitempty"`
	TargetLabel  string   `json:"target_label,omitempty"`
	Replacement  string   `json:"replacement,omitempty"`
}

// scrapeTarget is one control-plane component Prometheus scrapes: the
// container port named port of the pods labelled app=app.
type scrapeTarget struct {
	app, container, port string
	portNumber           int32
	tls                  *promTLSConfig
}

// scrapeTargets are the components scraped, with the port (number) their
// NetworkPolicy must open to Prometheus.
func (b *builder) scrapeTargets() []scrapeTarget {
	client := func(serverName string, skipVerify bool) *promTLSConfig {
		t := &promTLSConfig{
			CertFile: path.Join(prometheusClientDir, keyCert),
			KeyFile:  path.Join(prometheusClientDir, keyKey),
		}
		if skipVerify {
			t.InsecureSkipVerify = true
		} else {
			t.CAFile = path.Join(prometheusCADir, keyCA)
			t.ServerName = serverName
		}
		return t
	}
	return []scrapeTarget{
		{app: appEtcd, container: appEtcd, port: "metrics", portNumber: etcdMetricsPort},
		{app: appAPIServer, container: appAPIServer, port: "https", portNumber: b.securePort, tls: client("kubernetes", false)},
		// controller-manager and scheduler serve self-signed certificates
		// (no --tls-cert-file yet): the connection is verified by the
		// client certificate only.
		{app: appControllerManager, container: appControllerManager, port: "https", portNumber: controllerManagerPort, tls: client("", true)},
		{app: appScheduler, container: appScheduler, port: "https", portNumber: schedulerPort, tls: client("", true)},
	}
}

func (b *builder) prometheusConfig() prometheusConfig {
	cfg := prometheusConfig{
		Global: promGlobal{
			ScrapeInterval:     "30s",
			EvaluationInterval: "30s",
			ExternalLabels:     map[string]string{"cluster": b.c.Name, "seed": b.in.Seed.Name},
		},
	}
	for _, t := range b.scrapeTargets() {
		sc := scrapeConfig{
			JobName:             t.app,
			Scheme:              "http",
			KubernetesSDConfigs: []promKubernetesSD{{Role: "pod", Namespaces: promNamespaces{Names: []string{b.ns}}}},
			RelabelConfigs: []promRelabel{
				{
					SourceLabels: []string{"__meta_kubernetes_pod_label_app", "__meta_kubernetes_pod_container_name", "__meta_kubernetes_pod_container_port_name"},
					Regex:        fmt.Sprintf("%s;%s;%s", t.app, t.container, t.port),
					Action:       "keep",
				},
				{SourceLabels: []string{"__meta_kubernetes_pod_name"}, TargetLabel: "pod"},
			},
		}
		if t.tls != nil {
			sc.Scheme = "https"
			sc.TLSConfig = t.tls
		}
		cfg.ScrapeConfigs = append(cfg.ScrapeConfigs, sc)
	}
	cfg.ScrapeConfigs = append(cfg.ScrapeConfigs, scrapeConfig{
		JobName:       "prometheus",
		StaticConfigs: []promStatic{{Targets: []string{fmt.Sprintf("localhost:%d", prometheusPort)}}},
	})
	return cfg
}

func (b *builder) monitoring() ([]object.Object, error) {
	data, err := encode.Marshal(b.prometheusConfig())
	if err != nil {
		return nil, fmt.Errorf("cluster %s: prometheus configuration: %w", b.c.Name, err)
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: b.meta(cmPrometheus, appPrometheus),
		Data:       map[string]string{prometheusConfigKey: string(data)},
	}
	httpProbe := func(p string, failures int32) *corev1.Probe {
		return httpProbe(corev1.URISchemeHTTP, p, prometheusPort, timing{10, 10, 10, failures})
	}
	c := corev1.Container{
		Name:  appPrometheus,
		Image: b.in.Images.Prometheus,
		Args: []string{
			"--config.file=" + path.Join(prometheusConfigDir, prometheusConfigKey),
			"--storage.tsdb.path=" + prometheusDataDir,
			"--storage.tsdb.retention.time=" + prometheusRetention,
			"--storage.tsdb.retention.size=" + prometheusRetentionSize,
			"--web.listen-address=:" + fmt.Sprint(prometheusPort),
		},
		Ports:          []corev1.ContainerPort{{Name: "web", ContainerPort: prometheusPort, Protocol: corev1.ProtocolTCP}},
		LivenessProbe:  httpProbe("/-/healthy", 6),
		ReadinessProbe: httpProbe("/-/ready", 3),
		Resources:      resources("100m", "256Mi", "500m", "1Gi"),
		VolumeMounts: []corev1.VolumeMount{
			mount(cmPrometheus, prometheusConfigDir),
			mount(certPrometheusClient, prometheusClientDir),
			mount(certCA, prometheusCADir),
			{Name: "data", MountPath: prometheusDataDir},
		},
	}
	limit := resource.MustParse(prometheusDataLimit)
	vols := []corev1.Volume{
		configMapVolume(cmPrometheus, cmPrometheus),
		secretVolume(certPrometheusClient, certPrometheusClient, keyCert, keyCert, keyKey, keyKey),
		secretVolume(certCA, certCA, keyCert, keyCA),
		{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &limit}}},
	}
	spec := b.podSpec(appPrometheus, []corev1.Container{c}, vols)
	// Prometheus discovers its targets through the seed's API (pods of
	// this namespace only, see the Role), so it is the one pod with a
	// service-account token.
	spec.AutomountServiceAccountToken = ptr(true)

	sts := &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: b.meta(appPrometheus, appPrometheus),
		Spec: appsv1.StatefulSetSpec{
			Replicas:             ptr(int32(1)),
			Selector:             &metav1.LabelSelector{MatchLabels: b.selector(appPrometheus)},
			ServiceName:          svcPrometheus,
			PodManagementPolicy:  appsv1.OrderedReadyPodManagement,
			UpdateStrategy:       appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
			RevisionHistoryLimit: ptr(int32(2)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.podLabels(appPrometheus, false)},
				Spec:       spec,
			},
		},
	}
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: b.meta(svcPrometheus, appPrometheus),
		Spec: corev1.ServiceSpec{
			Type:      corev1.ServiceTypeClusterIP,
			ClusterIP: corev1.ClusterIPNone,
			Selector:  b.selector(appPrometheus),
			Ports: []corev1.ServicePort{
				{Name: "web", Port: prometheusPort, TargetPort: intstr.FromInt32(prometheusPort), Protocol: corev1.ProtocolTCP},
			},
		},
	}
	role := &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: b.meta(appPrometheus, appPrometheus),
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""},
			Resources: []string{"endpoints", "pods", "services"},
			Verbs:     []string{"get", "list", "watch"},
		}},
	}
	binding := &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: b.meta(appPrometheus, appPrometheus),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: appPrometheus, Namespace: b.ns}},
	}
	return []object.Object{b.serviceAccount(appPrometheus, true), cm, sts, svc, role, binding}, nil
}
