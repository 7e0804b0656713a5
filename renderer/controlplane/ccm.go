package controlplane

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

// The external cloud-controller-manager, as Kubermatic runs it in the
// cluster namespace (kkp:pkg/resources/cloudcontroller): one replica,
// talking to the customer cluster through a kubeconfig with its own client
// certificate (CN system:cloud-controller-manager, which package
// usercluster binds), the cloud credentials by reference from the
// credentials Secret, and, where the provider has one, the cloud-config
// ConfigMap. Rendered for every provider Kubermatic runs an external CCM
// for (AWS, Hetzner, DigitalOcean, OpenStack, vSphere, Azure, GCP), on the
// clusters that run machine-controller: their kubelets then run with
// --cloud-provider=external (machine-controller's and OSM's external
// cloud provider flags), and the CCM initialises the nodes.
//
// The CCMs of OpenStack, vSphere and Azure read their credentials only from
// the cloud-config file, GCP's from a service-account file: an init
// container (the catalog's kubectl image, for its shell) takes them from
// the credentials Secret through the environment and writes the file into
// an in-memory emptyDir, which the CCM reads. The rendered ConfigMap stays
// credential-free, and nothing secret is in git.
const (
	appCCM          = "cloud-controller-manager"
	certCCM         = "cloud-controller-manager-client-certificate"
	cmCCMKubeconfig = "cloud-controller-manager-kubeconfig"
	ccmCloudDir     = "/etc/kubernetes/cloud"
	// The init container that writes a CCM's credentials file.
	containerCCMCredentials = "cloud-credentials"
	// ccmTemplateDir is where the init container reads the credential-free
	// cloud-config ConfigMap.
	ccmTemplateDir = "/etc/kubernetes/cloud-template"
	// volCCMCredentials is the in-memory emptyDir the init container
	// writes into.
	volCCMCredentials = "cloud-credentials"
	// gcpCredentialsDir and gcpServiceAccountFile: where GCP's CCM reads
	// its service account (Kubermatic's path).
	gcpCredentialsDir     = "/etc/kubermatic/cloud-credentials"
	gcpServiceAccountFile = "serviceAccount.json"
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
	// creds, when set, runs an init container that writes the
	// credentials file into an emptyDir the CCM mounts at creds.dir.
	creds *ccmCreds
	probe *corev1.Probe
}

// ccmCreds is the init container that writes a CCM's credentials file.
type ccmCreds struct {
	script string
	env    []corev1.EnvVar
	// template mounts the cloud-config ConfigMap at ccmTemplateDir.
	template bool
	dir      string // where the CCM mounts the written files
}

// credField is a key of the credentials Secret and the key it becomes in
// the provider's configuration file.
type credField struct{ secretKey, fileKey string }

// ccmQuote is a shell function that escapes its argument for a
// double-quoted value of both gcfg and JSON: backslash and double quote
// are escaped, and a newline becomes \n, so that no value can add a line
// or a key of its own.
const ccmQuote = `q() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }'; }`

// mergeCredentials returns the init container that writes the cloud-config
// with the credentials of fields (each from the environment variable
// machine-controller reads it from) added after the template's first line
// (gcfg's [Global], or JSON's opening brace), in format (a printf format
// of the key and the quoted value).
func (b *builder) mergeCredentials(provider, format string, fields []credField) *ccmCreds {
	env := map[string]string{}
	for _, k := range credentialKeys[provider] {
		env[k.Key] = k.Env
	}
	tmpl := path.Join(ccmTemplateDir, cloudConfigKey)
	lines := []string{"set -eu", "umask 077", ccmQuote, "{", fmt.Sprintf("  head -n 1 %s", tmpl)}
	var vars []corev1.EnvVar
	for _, f := range fields {
		lines = append(lines, fmt.Sprintf(`  printf '%s' '%s' "$(q "$%s")"`, format, f.fileKey, env[f.secretKey]))
		vars = append(vars, b.secretEnv(env[f.secretKey], f.secretKey))
	}
	lines = append(lines, fmt.Sprintf("  tail -n +2 %s", tmpl), "} > "+path.Join(ccmCloudDir, cloudConfigKey), "")
	return &ccmCreds{script: strings.Join(lines, "\n"), env: vars, template: true, dir: ccmCloudDir}
}

const (
	gcfgLine = `%s = "%s"\n`
	jsonLine = `  "%s": "%s",\n`
)

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
	case p.OpenStack != nil:
		return ccmSpec{
			name:    "openstack-cloud-controller-manager",
			image:   img.CCMOpenStack,
			command: []string{"/bin/openstack-cloud-controller-manager"},
			args: []string{
				"--kubeconfig=" + kubeconfigFile,
				"--v=1",
				"--cloud-config=" + path.Join(ccmCloudDir, cloudConfigKey),
				"--cloud-provider=openstack",
			},
			res: resources("100m", "100Mi", "500m", "512Mi"),
			creds: b.mergeCredentials("openstack", gcfgLine, []credField{
				{"username", "username"}, {"password", "password"}, {"domain", "domain-name"}, {"project", "tenant-name"},
			}),
		}, nil
	case p.VSphere != nil:
		return ccmSpec{
			name:    "vsphere-cloud-controller-manager",
			image:   img.CCMVSphere,
			command: []string{"/bin/vsphere-cloud-controller-manager"},
			args: []string{
				"--v=2",
				"--cloud-provider=vsphere",
				"--cloud-config=" + path.Join(ccmCloudDir, cloudConfigKey),
				"--kubeconfig=" + kubeconfigFile,
			},
			res:   resources("200m", "100Mi", "500m", "512Mi"),
			creds: b.mergeCredentials("vsphere", gcfgLine, []credField{{"username", "user"}, {"password", "password"}}),
		}, nil
	case p.Azure != nil:
		return ccmSpec{
			name:    "azure-cloud-controller-manager",
			image:   img.CCMAzure,
			command: []string{"cloud-controller-manager"},
			args: []string{
				// kube-controller-manager allocates the node CIDRs.
				"--allocate-node-cidrs=false",
				// The pod network is an overlay.
				"--configure-cloud-routes=false",
				"--kubeconfig=" + kubeconfigFile,
				"--v=4",
				"--cloud-config=" + path.Join(ccmCloudDir, cloudConfigKey),
				"--cloud-provider=azure",
				"--leader-elect=true",
				"--route-reconciliation-period=10s",
				"--secure-port=10258",
				"--controllers=*,-cloud-node",
			},
			res:   resources("100m", "128Mi", "4", "2Gi"),
			probe: healthzProbe(20, 5),
			creds: b.mergeCredentials("azure", jsonLine, []credField{
				{"tenantID", "tenantId"}, {"subscriptionID", "subscriptionId"}, {"clientID", "aadClientId"}, {"clientSecret", "aadClientSecret"},
			}),
		}, nil
	case p.GCP != nil:
		env := credentialKeys["gcp"][0].Env
		return ccmSpec{
			name:  "gcp-cloud-controller-manager",
			image: img.CCMGCP,
			args: []string{
				"/go-runner",
				"--redirect-stderr=true",
				"/cloud-controller-manager",
				"--v=2",
				"--cloud-config=" + path.Join(ccmCloudDir, cloudConfigKey),
				"--secure-port=10258",
				"--use-service-account-credentials",
				"--cloud-provider=gce",
				"--kubeconfig=" + kubeconfigFile,
				"--authorization-kubeconfig=" + kubeconfigFile,
				"--authentication-kubeconfig=" + kubeconfigFile,
				"--allocate-node-cidrs",
				"--cluster-name=" + b.c.Name,
				"--cluster-cidr=" + b.c.Network.Pods,
			},
			env:         []corev1.EnvVar{{Name: "GOOGLE_APPLICATION_CREDENTIALS", Value: path.Join(gcpCredentialsDir, gcpServiceAccountFile)}},
			res:         resources("50m", "256Mi", "1", "512Mi"),
			probe:       healthzProbe(15, 15),
			cloudConfig: true,
			// The Secret holds the service account's JSON base64-encoded
			// (Kubermatic's and machine-controller's form); the CCM reads
			// plain JSON.
			creds: &ccmCreds{
				script: fmt.Sprintf("set -eu\numask 077\nprintf '%%s' \"$%s\" | base64 -d > %s\n", env, path.Join(gcpCredentialsDir, gcpServiceAccountFile)),
				env:    []corev1.EnvVar{b.secretEnv(env, credentialKeys["gcp"][0].Key)},
				dir:    gcpCredentialsDir,
			},
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
	var init []corev1.Container
	if cr := spec.creds; cr != nil {
		vols = append(vols, corev1.Volume{Name: volCCMCredentials, VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory},
		}})
		mounts = append(mounts, mount(volCCMCredentials, cr.dir))
		initMounts := []corev1.VolumeMount{{Name: volCCMCredentials, MountPath: cr.dir}}
		if cr.template {
			vols = append(vols, configMapVolume(cmCloudConfig, cmCloudConfig))
			initMounts = append(initMounts, mount(cmCloudConfig, ccmTemplateDir))
		}
		init = b.podSpec(spec.name, []corev1.Container{{
			Name:         containerCCMCredentials,
			Image:        b.in.Images.Kubectl,
			Command:      []string{"/bin/sh", "-c", cr.script},
			Env:          cr.env,
			Resources:    resources("10m", "16Mi", "100m", "64Mi"),
			VolumeMounts: initMounts,
		}}, nil).Containers
	}
	c := corev1.Container{
		Name:          appCCM,
		Image:         spec.image,
		Command:       spec.command,
		Args:          spec.args,
		Env:           spec.env,
		Resources:     spec.res,
		VolumeMounts:  mounts,
		LivenessProbe: spec.probe,
	}
	dep := b.simpleDeployment(spec.name, c, vols)
	dep.Spec.Template.Spec.InitContainers = init
	return []object.Object{
		b.certificate(cert{name: certCCM, issuer: issuerCA, cn: CCMUser, usages: clientUsages, app: spec.name}),
		kc,
		b.serviceAccount(spec.name, false),
		dep,
	}, nil
}

// healthzProbe is the liveness probe of a CCM serving on port 10258 (the
// cloud-provider framework's secure port, /healthz without
// authentication).
func healthzProbe(delay, timeout int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: "/healthz", Port: intstr.FromInt32(10258), Scheme: corev1.URISchemeHTTPS,
		}},
		InitialDelaySeconds: delay,
		TimeoutSeconds:      timeout,
		PeriodSeconds:       10,
		SuccessThreshold:    1,
		FailureThreshold:    3,
	}
}
