package controlplane

import (
	"fmt"
	"path"

	"github.com/fleetc/fleetc/renderer/encode"
	"github.com/fleetc/fleetc/renderer/envoy"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// The LoadBalancer expose strategy: Kubermatic's per-namespace
// nodeport-proxy (kkp:pkg/resources/nodeportproxy) is an Envoy behind the
// front-loadbalancer Service, configured at run time by envoy-manager
// (watching Services annotated expose-namespaced) and lb-updater (copying
// their NodePorts onto the load balancer). fleetc knows those ports at
// render time, so it renders the same Envoy with a static configuration
// and the load balancer with fixed ports, and needs neither controller.
const (
	appEnvoy         = "nodeport-proxy-envoy"
	cmEnvoy          = "nodeport-proxy-envoy"
	svcFrontLB       = "front-loadbalancer"
	envoyConfigKey   = "envoy.yaml"
	envoyConfigDir   = "/etc/envoy"
	envoyReplicas    = 2
	envoyIdleTimeout = "3600s"
	envoyConnTimeout = "5s"
)

func (b *builder) loadBalancer() bool { return b.in.Seed.Expose == model.ExposeLoadBalancer }

// envoyListener forwards one load-balancer port to one Service.
type envoyListener struct {
	name    string // the exposed Service
	port    int32  // load balancer port = Envoy port = the Service's nodePort
	svcPort int32  // the Service's port
}

// envoyListeners are the Services annotated expose-namespaced: the
// apiserver and the tunnel. The external port of each is its NodePort, as
// with Kubermatic's lb-updater, so the apiserver's URL is the same on
// NodePort and LoadBalancer seeds.
func (b *builder) envoyListeners() []envoyListener {
	ls := []envoyListener{{name: svcAPIServerExternal, port: int32(b.c.Resolved.NodePort), svcPort: 443}}
	if b.konnectivity {
		ls = append(ls, envoyListener{name: svcKonnectivity, port: int32(b.c.Resolved.TunnelNodePort), svcPort: 443})
	} else {
		ls = append(ls, envoyListener{name: svcOpenVPN, port: int32(b.c.Resolved.TunnelNodePort), svcPort: openVPNPort})
	}
	return ls
}

func (b *builder) envoyConfig() envoy.Bootstrap {
	var cfg envoy.Bootstrap
	for _, l := range b.envoyListeners() {
		host := fmt.Sprintf("%s.%s.svc.cluster.local.", l.name, b.ns)
		cfg.StaticResources.Listeners = append(cfg.StaticResources.Listeners, envoy.Listener{
			Name:         l.name,
			Address:      envoy.At("0.0.0.0", l.port),
			FilterChains: []envoy.FilterChain{{Filters: []envoy.Filter{envoy.TCPProxy(l.name, envoyIdleTimeout)}}},
		})
		cfg.StaticResources.Clusters = append(cfg.StaticResources.Clusters, envoy.DNSCluster(l.name, "STRICT_DNS", envoyConnTimeout, host, l.svcPort))
	}
	return cfg
}

// nodePortProxy returns the namespaced Envoy, its configuration, PDB and
// the front-loadbalancer Service.
func (b *builder) nodePortProxy() ([]object.Object, error) {
	data, err := encode.Marshal(b.envoyConfig())
	if err != nil {
		return nil, fmt.Errorf("cluster %s: envoy configuration: %w", b.c.Name, err)
	}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: b.meta(cmEnvoy, appEnvoy),
		Data:       map[string]string{envoyConfigKey: string(data)},
	}
	ls := b.envoyListeners()
	var ports []corev1.ContainerPort
	var svcPorts []corev1.ServicePort
	for _, l := range ls {
		ports = append(ports, corev1.ContainerPort{Name: portName(l.name), ContainerPort: l.port, Protocol: corev1.ProtocolTCP})
		svcPorts = append(svcPorts, corev1.ServicePort{
			Name: portName(l.name), Port: l.port, TargetPort: intstr.FromInt32(l.port), Protocol: corev1.ProtocolTCP,
		})
	}
	tcpProbe := func(delay, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(ls[0].port)}},
			InitialDelaySeconds: delay,
			TimeoutSeconds:      5,
			PeriodSeconds:       10,
			SuccessThreshold:    1,
			FailureThreshold:    failures,
		}
	}
	c := corev1.Container{
		Name:    appEnvoy,
		Image:   b.in.Images.Envoy,
		Command: []string{"/usr/local/bin/envoy"},
		Args: []string{
			"--config-path", path.Join(envoyConfigDir, envoyConfigKey),
			"--disable-hot-restart",
			"--log-level", "info",
		},
		Ports:          ports,
		ReadinessProbe: tcpProbe(2, 3),
		LivenessProbe:  tcpProbe(15, 5),
		Resources:      resources("50m", "32Mi", "100m", "64Mi"),
		VolumeMounts:   []corev1.VolumeMount{mount(cmEnvoy, envoyConfigDir)},
	}
	dep := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: b.meta(appEnvoy, appEnvoy),
		Spec: appsv1.DeploymentSpec{
			Replicas:             ptr(int32(envoyReplicas)),
			Selector:             &metav1.LabelSelector{MatchLabels: b.selector(appEnvoy)},
			RevisionHistoryLimit: ptr(int32(2)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.podLabels(appEnvoy, false)},
				Spec:       b.podSpec(appEnvoy, []corev1.Container{c}, []corev1.Volume{configMapVolume(cmEnvoy, cmEnvoy)}),
			},
		},
	}
	lb := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: b.meta(svcFrontLB, appEnvoy),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeLoadBalancer,
			Selector: b.selector(appEnvoy),
			Ports:    svcPorts,
		},
	}
	return []object.Object{
		b.serviceAccount(appEnvoy, false),
		cm, dep, lb,
		b.pdb(appEnvoy, &policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr(intstr.FromInt32(1))}),
	}, nil
}

// portName is a Service's port name for the listener of Service svc
// (at most 15 characters).
func portName(svc string) string {
	switch svc {
	case svcAPIServerExternal:
		return "apiserver"
	default:
		return "tunnel"
	}
}
