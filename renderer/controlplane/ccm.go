package controlplane

import (
	"fmt"
	"path"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

// The external cloud-controller-manager, as Kubermatic runs it in the
// cluster namespace (kkp:pkg/resources/cloudcontroller): one replica,
// talking to the customer cluster through a kubeconfig with its own client
// certificate (CN system:cloud-controller-manager, which package
// usercluster binds), the cloud credentials by reference from the
// credentials Secret, and, where the provider has one, the cloud-config
// ConfigMap. Rendered for the providers whose CCM takes its credentials
// from the environment (AWS, Hetzner, DigitalOcean), on the clusters that
// run machine-controller: their kubelets then run with
// --cloud-provider=external (machine-controller's and OSM's external
// cloud provider flags), and the CCM initialises the nodes.
const (
	appCCM          = "cloud-controller-manager"
	certCCM         = "cloud-controller-manager-client-certificate"
	cmCCMKubeconfig = "cloud-controller-manager-kubeconfig"
	ccmCloudDir     = "/etc/kubernetes/cloud"
)

// CCMUser is the identity of the cloud-controller-manager in the customer
// cluster.
const CCMUser = usercluster.CloudControllerManagerUser

// ccmEnabled reports whether the cluster runs an external
// cloud-controller-manager.
func (b *builder) ccmEnabled() bool {
	return b.machinesEnabled() && usercluster.HasCloudControllerManager(b.in.Datacenter.Provider)
}

// ccmSpec is the provider-specific part of a CCM Deployment.
type ccmSpec struct {
	name    string // the Deployment's name (Kubermatic's)
	image   string
	command []string
	args    []string
	env     []corev1.EnvVar
	res     corev1.ResourceRequirements
	// cloudConfig mounts the cloud-config ConfigMap at ccmCloudDir.
	cloudConfig bool
}

// secretEnv is env var name from key of the credentials Secret.
func (b *builder) secretEnv(name, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: b.c.Resolved.Credentials},
		Key:                  key,
	}}}
}

func (b *builder) ccmSpec() (ccmSpec, error) {
	p := b.in.Datacenter.Provider
	img := b.in.Images
	switch {
	case p.AWS != nil:
		return ccmSpec{
			name:    "aws-cloud-controller-manager",
			image:   img.CCMAWS,
			command: []string{"/bin/aws-cloud-controller-manager"},
			args: []string{
				"--v=2",
				"--cloud-provider=aws",
				"--use-service-account-credentials=false",
				"--configure-cloud-routes=false",
				"--kubeconfig=" + kubeconfigFile,
				"--cloud-config=" + path.Join(ccmCloudDir, cloudConfigKey),
				"--cluster-cidr=" + b.c.Network.Pods,
				"--leader-elect=true",
			},
			env: []corev1.EnvVar{
				b.secretEnv("AWS_ACCESS_KEY_ID", "accessKeyId"),
				b.secretEnv("AWS_SECRET_ACCESS_KEY", "secretAccessKey"),
			},
			res:         resources("200m", "300Mi", "1", "512Mi"),
			cloudConfig: true,
		}, nil
	case p.Hetzner != nil:
		return ccmSpec{
			name:    "hcloud-cloud-controller-manager",
			image:   img.CCMHetzner,
			command: []string{"/bin/hcloud-cloud-controller-manager"},
			args: []string{
				"--kubeconfig=" + kubeconfigFile,
				"--cloud-provider=hcloud",
				"--allow-untagged-cloud",
				// kube-controller-manager allocates the node CIDRs.
				"--allocate-node-cidrs=false",
				"--configure-cloud-routes=false",
			},
			env: []corev1.EnvVar{
				b.secretEnv("HCLOUD_TOKEN", "token"),
				{Name: "HCLOUD_NETWORK", Value: p.Hetzner.Network},
				// The control plane runs on the seed, not on a server
				// attached to the network.
				{Name: "HCLOUD_NETWORK_DISABLE_ATTACHED_CHECK", Value: "true"},
			},
			res: resources("100m", "50Mi", "1", "512Mi"),
		}, nil
	case p.DigitalOcean != nil:
		return ccmSpec{
			name:    "digitalocean-cloud-controller-manager",
			image:   img.CCMDigitalOcean,
			command: []string{"/bin/digitalocean-cloud-controller-manager"},
			args: []string{
				"--kubeconfig=" + kubeconfigFile,
				"--leader-elect=false",
			},
			env: []corev1.EnvVar{
				b.secretEnv("DO_ACCESS_TOKEN", "token"),
				{Name: "REGION", Value: p.DigitalOcean.Region},
			},
			res: resources("100m", "50Mi", "1", "512Mi"),
		}, nil
	}
	return ccmSpec{}, fmt.Errorf("cluster %s: provider %q has no cloud-controller-manager", b.c.Name, p.Name())
}

// cloudControllerManager returns the CCM's client certificate, kubeconfig,
// ServiceAccount and Deployment, or nothing when the cluster runs none.
func (b *builder) cloudControllerManager() ([]object.Object, error) {
	if !b.ccmEnabled() {
		return nil, nil
	}
	spec, err := b.ccmSpec()
	if err != nil {
		return nil, err
	}
	if spec.image == "" {
		return nil, fmt.Errorf("cluster %s: no image for %s", b.c.Name, spec.name)
	}
	kc, err := b.clientKubeconfig(cmCCMKubeconfig, CCMUser)
	if err != nil {
		return nil, err
	}
	vols, mounts := kubeconfigVolumes(cmCCMKubeconfig, certCCM)
	if spec.cloudConfig {
		vols = append(vols, configMapVolume(cmCloudConfig, cmCloudConfig))
		mounts = append(mounts, mount(cmCloudConfig, ccmCloudDir))
	}
	c := corev1.Container{
		Name:         appCCM,
		Image:        spec.image,
		Command:      spec.command,
		Args:         spec.args,
		Env:          spec.env,
		Resources:    spec.res,
		VolumeMounts: mounts,
	}
	dep := b.simpleDeployment(spec.name, c, vols)
	return []object.Object{
		b.certificate(cert{name: certCCM, issuer: issuerCA, cn: CCMUser, usages: clientUsages, app: spec.name}),
		kc,
		b.serviceAccount(spec.name, false),
		dep,
	}, nil
}
