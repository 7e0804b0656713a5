package controlplane

import (
	"fmt"
	"path"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/encode"
	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

// machine-controller and operating-system-manager, as Kubermatic runs them
// in the cluster namespace: each with a webhook, each talking to the
// customer cluster through a kubeconfig with its own client certificate.
const (
	appMachineController        = "machine-controller"
	appMachineControllerWebhook = "machine-controller-webhook"
	appOSM                      = "operating-system-manager"
	appOSMWebhook               = "operating-system-manager-webhook"

	certMachineController         = "machinecontroller-client-certificate"
	certMachineControllerWebhook  = "machinecontroller-webhook-serving-cert"
	certOSM                       = "operatingsystemmanager-client-certificate"
	certOSMWebhook                = "operating-system-manager-webhook-serving-cert"
	cmMachineControllerKubeconfig = "machinecontroller-kubeconfig"
	cmOSMKubeconfig               = "operatingsystemmanager-kubeconfig"

	machineControllerWebhookPort = 9876
	osmWebhookPort               = 9443
	webhookCertDir               = "/etc/kubernetes/webhook-tls"
)

// MachineControllerUser and OSMUser are the identities (client
// certificate CNs) of machine-controller and operating-system-manager in
// the customer cluster, which package usercluster binds.
const (
	MachineControllerUser = usercluster.MachineControllerUser
	OSMUser               = usercluster.OSMUser
)

// machinesEnabled reports whether the cluster runs machine-controller:
// when it has node pools and cloud credentials, on every provider but
// bringyourown (package usercluster renders the CRDs and machines on the
// same condition; validation requires credentials for such pools).
func (b *builder) machinesEnabled() bool {
	return b.in.Datacenter.Provider.BringYourOwn == nil && b.c.Resolved.Credentials != "" && len(b.c.NodePools) > 0
}

// credentialEnv wires the credentials Secret into a container, key by key.
func (b *builder) credentialEnv() []corev1.EnvVar {
	var env []corev1.EnvVar
	for _, k := range CredentialKeys(b.in.Datacenter.Provider.Name()) {
		env = append(env, corev1.EnvVar{Name: k.Env, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: b.c.Resolved.Credentials},
			Key:                  k.Key,
		}}})
	}
	return env
}

func (b *builder) machineControllers() ([]object.Object, error) {
	if !b.machinesEnabled() {
		return nil, nil
	}
	var out []object.Object
	for _, kc := range []struct{ name, user string }{
		{cmMachineControllerKubeconfig, MachineControllerUser},
		{cmOSMKubeconfig, OSMUser},
	} {
		cm, err := b.clientKubeconfig(kc.name, kc.user)
		if err != nil {
			return nil, err
		}
		out = append(out, cm)
	}
	webhookDNS := func(svc string) []string {
		return []string{svc, svc + "." + b.ns, svc + "." + b.ns + ".svc", svc + "." + b.ns + ".svc.cluster.local"}
	}
	for _, c := range []cert{
		{name: certMachineController, issuer: issuerCA, cn: MachineControllerUser, usages: clientUsages, app: appMachineController},
		{name: certOSM, issuer: issuerCA, cn: OSMUser, usages: clientUsages, app: appOSM},
		{name: certMachineControllerWebhook, issuer: issuerCA, cn: appMachineControllerWebhook, dnsNames: webhookDNS(appMachineControllerWebhook), usages: serverUsages, app: appMachineControllerWebhook},
		{name: certOSMWebhook, issuer: issuerCA, cn: appOSMWebhook, dnsNames: webhookDNS(appOSMWebhook), usages: serverUsages, app: appOSMWebhook},
	} {
		out = append(out, b.certificate(c))
	}
	for _, app := range []string{appMachineController, appMachineControllerWebhook, appOSM, appOSMWebhook} {
		out = append(out, &corev1.ServiceAccount{
			TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta:                   b.meta(app, app),
			AutomountServiceAccountToken: ptr(false),
		})
	}
	dnsIP, err := usercluster.DNSServiceIP(b.c.Network.Services)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", b.c.Name, err)
	}

	mcVols, mcMounts := kubeconfigVolumes(cmMachineControllerKubeconfig, certMachineController)
	mc := corev1.Container{
		Name:    appMachineController,
		Image:   b.in.Images.MachineController,
		Command: []string{"/usr/local/bin/machine-controller"},
		Args: []string{
			"-kubeconfig=" + kubeconfigFile,
			"-log-format=json",
			"-worker-count=10",
			// The nodes' DNS is OSM's -cluster-dns (machine-controller's
			// flag of that name is a no-op since v1.58).
			"-metrics-address=0.0.0.0:8080",
			"-health-probe-address=0.0.0.0:8085",
			"-node-csr-approver",
			"-join-cluster-timeout=25m",
		},
		Env:            b.credentialEnv(),
		Ports:          []corev1.ContainerPort{{Name: "metrics", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
		LivenessProbe:  httpProbe(corev1.URISchemeHTTP, "/readyz", 8085, timing{15, 15, 10, 3}),
		ReadinessProbe: httpProbe(corev1.URISchemeHTTP, "/healthz", 8085, timing{0, 15, 5, 3}),
		Resources:      resources("25m", "32Mi", "2", "512Mi"),
		VolumeMounts:   mcMounts,
	}
	mcwVols, mcwMounts := kubeconfigVolumes(cmMachineControllerKubeconfig, certMachineController)
	mcwVols = append(mcwVols, secretVolume("webhook-tls", certMachineControllerWebhook, keyCert, keyCert, keyKey, keyKey))
	mcwMounts = append(mcwMounts, mount("webhook-tls", webhookCertDir))
	mcw := corev1.Container{
		Name:    appMachineControllerWebhook,
		Image:   b.in.Images.MachineController,
		Command: []string{"/usr/local/bin/webhook"},
		Args: []string{
			"-kubeconfig=" + kubeconfigFile,
			"-log-format=json",
			"-namespace=kube-system",
			fmt.Sprintf("-listen-address=0.0.0.0:%d", machineControllerWebhookPort),
			"-tls-cert-path=" + path.Join(webhookCertDir, keyCert),
			"-tls-key-path=" + path.Join(webhookCertDir, keyKey),
		},
		Env:            b.credentialEnv(),
		Ports:          []corev1.ContainerPort{{Name: "https", ContainerPort: machineControllerWebhookPort, Protocol: corev1.ProtocolTCP}},
		LivenessProbe:  httpProbe(corev1.URISchemeHTTPS, "/healthz", machineControllerWebhookPort, timing{15, 15, 10, 3}),
		ReadinessProbe: httpProbe(corev1.URISchemeHTTPS, "/healthz", machineControllerWebhookPort, timing{0, 15, 5, 3}),
		Resources:      resources("10m", "32Mi", "100m", "512Mi"),
		VolumeMounts:   mcwMounts,
	}
	osmVols, osmMounts := kubeconfigVolumes(cmOSMKubeconfig, certOSM)
	osmc := corev1.Container{
		Name:    appOSM,
		Image:   b.in.Images.OperatingSystemManager,
		Command: []string{"/usr/local/bin/osm-controller"},
		Args: []string{
			"-kubeconfig=" + kubeconfigFile,
			"-log-format=json",
			"-worker-count=10",
			"-namespace=kube-system",
			"-cluster-dns=" + dnsIP,
			"-container-runtime=containerd",
			"-health-probe-address=0.0.0.0:8085",
			"-metrics-address=0.0.0.0:8080",
			// Kubelets bootstrap against the apiserver's external address.
			"-override-bootstrap-kubelet-apiserver=" + b.externalURL(),
		},
		Ports:          []corev1.ContainerPort{{Name: "metrics", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
		LivenessProbe:  httpProbe(corev1.URISchemeHTTP, "/healthz", 8085, timing{15, 15, 10, 3}),
		ReadinessProbe: httpProbe(corev1.URISchemeHTTP, "/readyz", 8085, timing{0, 15, 5, 3}),
		Resources:      resources("50m", "128Mi", "1", "512Mi"),
		VolumeMounts:   osmMounts,
	}
	osmwVols, osmwMounts := kubeconfigVolumes(cmOSMKubeconfig, certOSM)
	osmwVols = append(osmwVols, secretVolume("webhook-tls", certOSMWebhook, keyCert, keyCert, keyKey, keyKey))
	osmwMounts = append(osmwMounts, mount("webhook-tls", webhookCertDir))
	osmw := corev1.Container{
		Name:    appOSMWebhook,
		Image:   b.in.Images.OperatingSystemManager,
		Command: []string{"/usr/local/bin/webhook"},
		Args: []string{
			"-kubeconfig=" + kubeconfigFile,
			"-log-format=json",
			"-namespace=kube-system",
			"-cert-dir=" + webhookCertDir,
			"-health-probe-bind-address=0.0.0.0:8081",
			"-metrics-bind-address=0.0.0.0:8080",
		},
		Ports:          []corev1.ContainerPort{{Name: "https", ContainerPort: osmWebhookPort, Protocol: corev1.ProtocolTCP}},
		LivenessProbe:  httpProbe(corev1.URISchemeHTTP, "/healthz", 8081, timing{15, 15, 10, 3}),
		ReadinessProbe: httpProbe(corev1.URISchemeHTTP, "/readyz", 8081, timing{0, 15, 5, 3}),
		Resources:      resources("10m", "32Mi", "100m", "512Mi"),
		VolumeMounts:   osmwMounts,
	}
	if b.ccmEnabled() {
		// The kubelets of new machines run with --cloud-provider=external
		// and wait for the cloud-controller-manager to initialise them.
		mc.Args = append(mc.Args, "-node-external-cloud-provider")
		mcw.Args = append(mcw.Args, "-node-external-cloud-provider")
		osmc.Args = append(osmc.Args, "-external-cloud-provider")
	}
	out = append(out,
		b.simpleDeployment(appMachineController, mc, mcVols),
		b.simpleDeployment(appMachineControllerWebhook, mcw, mcwVols),
		b.simpleDeployment(appOSM, osmc, osmVols),
		b.simpleDeployment(appOSMWebhook, osmw, osmwVols),
		b.webhookService(appMachineControllerWebhook, machineControllerWebhookPort),
		b.webhookService(appOSMWebhook, osmWebhookPort),
	)
	return out, nil
}

func (b *builder) simpleDeployment(app string, c corev1.Container, vols []corev1.Volume) *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: b.meta(app, app),
		Spec: appsv1.DeploymentSpec{
			Replicas:             ptr(int32(1)),
			RevisionHistoryLimit: ptr(int32(2)),
			Selector:             &metav1.LabelSelector{MatchLabels: b.selector(app)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.podLabels(app, false)},
				Spec:       b.podSpec(app, []corev1.Container{c}, vols),
			},
		},
	}
}

func (b *builder) webhookService(app string, port int32) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: b.meta(app, app),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: b.selector(app),
			Ports:    []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromInt32(port), Protocol: corev1.ProtocolTCP}},
		},
	}
}

// clientKubeconfig is a kubeconfig ConfigMap for user, at the in-seed
// apiserver address, with the client certificate mounted at
// kubeconfigClientDir (as the controller-manager's).
func (b *builder) clientKubeconfig(name, user string) (*corev1.ConfigMap, error) {
	file := func(n string) string { return path.Join(kubeconfigClientDir, n) }
	data, err := encode.Marshal(kubeconfig{
		APIVersion:     "v1",
		Kind:           "Config",
		Clusters:       []kubeconfigNamedCluster{{Name: b.c.Name, Cluster: kubeconfigCluster{Server: b.internalURL, CertificateAuthority: file(keyCA)}}},
		Users:          []kubeconfigNamedUser{{Name: user, User: kubeconfigUser{ClientCertificate: file(keyCert), ClientKey: file(keyKey)}}},
		Contexts:       []kubeconfigNamedContext{{Name: "default", Context: kubeconfigContext{Cluster: b.c.Name, User: user}}},
		CurrentContext: "default",
	})
	if err != nil {
		return nil, fmt.Errorf("cluster %s: kubeconfig %s: %w", b.c.Name, name, err)
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: b.meta(name, ""),
		Data:       map[string]string{kubeconfigKey: string(data)},
	}, nil
}
