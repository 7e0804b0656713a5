package controlplane

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const volKubeconfig, volKubeconfigClient = "kubeconfig", "kubeconfig-client"

// kubeconfigVolumes mount a kubeconfig ConfigMap and its client certificate.
func kubeconfigVolumes(cm, secret string) ([]corev1.Volume, []corev1.VolumeMount) {
	return []corev1.Volume{
			configMapVolume(volKubeconfig, cm),
			secretVolume(volKubeconfigClient, secret),
		}, []corev1.VolumeMount{
			mount(volKubeconfig, kubeconfigDir),
			mount(volKubeconfigClient, kubeconfigClientDir),
		}
}

func (b *builder) controllerManager() *appsv1.Deployment {
	vols, mounts := kubeconfigVolumes(cmControllerManagerKubeconfig, certControllerManager)
	// The controller-manager signs kubelet certificates with the cluster
	// CA, so it (alone) mounts the CA key.
	vols = append(vols,
		secretVolume(certCA, certCA, keyCert, keyCA, keyKey, "ca.key"),
		secretVolume(certServiceAccountKey, certServiceAccountKey, keyKey, "sa.key"),
	)
	mounts = append(mounts, mount(certCA, caDir), mount(certServiceAccountKey, saKeyDir))
	c := corev1.Container{
		Name:    appControllerManager,
		Image:   b.in.Images.ControllerManager,
		Command: []string{"/usr/local/bin/kube-controller-manager"},
		Args: []string{
			"--kubeconfig=" + kubeconfigFile,
			"--authentication-kubeconfig=" + kubeconfigFile,
			"--authorization-kubeconfig=" + kubeconfigFile,
			"--client-ca-file=" + caCertFile,
			"--service-account-private-key-file=" + saKeyFile,
			"--root-ca-file=" + caCertFile,
			"--cluster-signing-cert-file=" + caCertFile,
			"--cluster-signing-key-file=" + caKeyFile,
			"--controllers=*,bootstrapsigner,tokencleaner",
			"--use-service-account-credentials",
			"--allocate-node-cidrs",
			"--cluster-cidr=" + b.c.Network.Pods,
			"--service-cluster-ip-range=" + b.c.Network.Services,
			"--configure-cloud-routes=false",
			// Cloud controllers run in an external CCM, never in here.
			"--cloud-provider=external",
			"--profiling=false",
			"--leader-elect=true",
		},
		Ports: []corev1.ContainerPort{
			{Name: "https", ContainerPort: controllerManagerPort, Protocol: corev1.ProtocolTCP},
		},
		LivenessProbe:  httpsProbe("/healthz", controllerManagerPort, 8),
		ReadinessProbe: httpsProbe("/healthz", controllerManagerPort, 3),
		Resources:      resources("100m", "100Mi", "2", "2Gi"),
		VolumeMounts:   mounts,
	}
	return b.singletonDeployment(appControllerManager, c, vols)
}

func (b *builder) scheduler() *appsv1.Deployment {
	vols, mounts := kubeconfigVolumes(cmSchedulerKubeconfig, certScheduler)
	vols = append(vols, secretVolume(certCA, certCA, keyCert, keyCA))
	mounts = append(mounts, mount(certCA, caDir))
	c := corev1.Container{
		Name:    appScheduler,
		Image:   b.in.Images.Scheduler,
		Command: []string{"/usr/local/bin/kube-scheduler"},
		Args: []string{
			"--kubeconfig=" + kubeconfigFile,
			"--authentication-kubeconfig=" + kubeconfigFile,
			"--authorization-kubeconfig=" + kubeconfigFile,
			"--client-ca-file=" + caCertFile,
			"--profiling=false",
			"--leader-elect=true",
		},
		Ports: []corev1.ContainerPort{
			{Name: "https", ContainerPort: schedulerPort, Protocol: corev1.ProtocolTCP},
		},
		LivenessProbe:  httpsProbe("/healthz", schedulerPort, 8),
		ReadinessProbe: httpsProbe("/healthz", schedulerPort, 3),
		Resources:      resources("20m", "64Mi", "1", "512Mi"),
		VolumeMounts:   mounts,
	}
	return b.singletonDeployment(appScheduler, c, vols)
}

// singletonDeployment is a one-replica Deployment of a leader-elected
// component.
func (b *builder) singletonDeployment(app string, c corev1.Container, vols []corev1.Volume) *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: b.meta(app, app),
		Spec: appsv1.DeploymentSpec{
			Replicas:             ptr(int32(1)),
			Selector:             &metav1.LabelSelector{MatchLabels: b.selector(app)},
			RevisionHistoryLimit: ptr(int32(2)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.podLabels(app, true)},
				Spec:       b.podSpec(app, []corev1.Container{c}, vols),
			},
		},
	}
}
