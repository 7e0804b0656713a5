package controlplane

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// resources builds requests and limits from Kubermatic's defaults.
func resources(reqCPU, reqMem, limCPU, limMem string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(reqCPU),
			corev1.ResourceMemory: resource.MustParse(reqMem),
		},
		Limits: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(limCPU),
			corev1.ResourceMemory: resource.MustParse(limMem),
		},
	}
}

// podSecurityContext is the restricted pod-level context of every pod.
// fsGroup makes the Secret files (mode 0440) and the etcd volume readable
// by the unprivileged user.
func podSecurityContext() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:        ptr(true),
		RunAsUser:           ptr(int64(unprivilegedUID)),
		RunAsGroup:          ptr(int64(unprivilegedUID)),
		FSGroup:             ptr(int64(unprivilegedUID)),
		FSGroupChangePolicy: ptr(corev1.FSGroupChangeOnRootMismatch),
		SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// containerSecurityContext is the restricted context of every container.
func containerSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             ptr(true),
		RunAsUser:                ptr(int64(unprivilegedUID)),
		RunAsGroup:               ptr(int64(unprivilegedUID)),
		ReadOnlyRootFilesystem:   ptr(true),
		AllowPrivilegeEscalation: ptr(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

// secretVolume mounts a Secret; items, as key/path pairs, restrict and
// rename its keys (e.g. only the certificate of a CA, never its key).
func secretVolume(name, secret string, items ...string) corev1.Volume {
	v := corev1.Volume{
		Name: name,
		VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName:  secret,
			DefaultMode: ptr(int32(0o440)),
		}},
	}
	for i := 0; i+1 < len(items); i += 2 {
		v.Secret.Items = append(v.Secret.Items, corev1.KeyToPath{Key: items[i], Path: items[i+1]})
	}
	return v
}

func configMapVolume(name, cm string) corev1.Volume {
	return corev1.Volume{
		Name: name,
		VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: cm},
			DefaultMode:          ptr(int32(0o440)),
		}},
	}
}

func emptyDirVolume(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}

func mount(name, dir string) corev1.VolumeMount {
	return corev1.VolumeMount{Name: name, MountPath: dir, ReadOnly: true}
}

// antiAffinity spreads a component's pods over nodes and zones, preferred
// only, so a small seed still schedules them.
func (b *builder) antiAffinity(app string) *corev1.Affinity {
	term := func(key string) corev1.WeightedPodAffinityTerm {
		return corev1.WeightedPodAffinityTerm{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				LabelSelector: &metav1.LabelSelector{MatchLabels: b.selector(app)},
				TopologyKey:   key,
			},
		}
	}
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{
			term(corev1.LabelHostname),
			term(corev1.LabelTopologyZone),
		},
	}}
}

// timing is a probe's schedule, in seconds, and its failure threshold.
type timing struct{ delay, timeout, period, failures int32 }

// httpProbe probes path on port over scheme.
func httpProbe(scheme corev1.URIScheme, path string, port int32, t timing) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path:   path,
			Port:   intstr.FromInt32(port),
			Scheme: scheme,
		}},
		InitialDelaySeconds: t.delay,
		TimeoutSeconds:      t.timeout,
		PeriodSeconds:       t.period,
		SuccessThreshold:    1,
		FailureThreshold:    t.failures,
	}
}

func httpsProbe(path string, port int32, failures int32) *corev1.Probe {
	return httpProbe(corev1.URISchemeHTTPS, path, port, timing{15, 15, 10, failures})
}

// podSpec fills in what every control-plane pod shares.
// app is also the name of its ServiceAccount. A container that brings its
// own securityContext keeps it (only netAdminSecurityContext does).
func (b *builder) podSpec(app string, containers []corev1.Container, volumes []corev1.Volume) corev1.PodSpec {
	for i := range containers {
		containers[i].ImagePullPolicy = corev1.PullIfNotPresent
		if containers[i].SecurityContext == nil {
			containers[i].SecurityContext = containerSecurityContext()
		}
		containers[i].TerminationMessagePolicy = corev1.TerminationMessageFallbackToLogsOnError
	}
	return corev1.PodSpec{
		ServiceAccountName:           app,
		AutomountServiceAccountToken: ptr(false),
		EnableServiceLinks:           ptr(false),
		SecurityContext:              podSecurityContext(),
		Affinity:                     b.antiAffinity(app),
		Containers:                   containers,
		Volumes:                      volumes,
	}
}
