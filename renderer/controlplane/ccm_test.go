package controlplane

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// ccmCase is the exact CCM Deployment expected for a provider.
type ccmCase struct {
	provider    model.Provider
	name, image string
	command     []string
	args        []string
	env         []string // NAME=value or NAME<-secret/key
	cloudConfig bool
}

var ccmCases = []ccmCase{
	{
		provider: model.Provider{AWS: &model.AWS{Region: "eu-central-1"}},
		name:     "aws-cloud-controller-manager",
		image:    "mirror.example.com/provider-aws/cloud-controller-manager:v1.35.2",
		command:  []string{"/bin/aws-cloud-controller-manager"},
		args: []string{"--v=2", "--cloud-provider=aws", "--use-service-account-credentials=false", "--configure-cloud-routes=false",
			"--kubeconfig=/etc/kubernetes/kubeconfig/kubeconfig", "--cloud-config=/etc/kubernetes/cloud/config",
			"--cluster-cidr=172.25.0.0/16", "--leader-elect=true"},
		env:         []string{"AWS_ACCESS_KEY_ID<-creds/accessKeyId", "AWS_SECRET_ACCESS_KEY<-creds/secretAccessKey"},
		cloudConfig: true,
	},
	{
		provider: model.Provider{Hetzner: &model.Hetzner{Datacenter: "fsn1-dc14", Network: "kkp"}},
		name:     "hcloud-cloud-controller-manager",
		image:    "mirror.example.com/hetznercloud/hcloud-cloud-controller-manager:v1.34.0",
		command:  []string{"/bin/hcloud-cloud-controller-manager"},
		args: []string{"--kubeconfig=/etc/kubernetes/kubeconfig/kubeconfig", "--cloud-provider=hcloud", "--allow-untagged-cloud",
			"--allocate-node-cidrs=false", "--configure-cloud-routes=false"},
		env: []string{"HCLOUD_TOKEN<-creds/token", "HCLOUD_NETWORK=kkp", "HCLOUD_NETWORK_DISABLE_ATTACHED_CHECK=true"},
	},
	{
		provider: model.Provider{DigitalOcean: &model.DigitalOcean{Region: "fra1"}},
		name:     "digitalocean-cloud-controller-manager",
		image:    "mirror.example.com/digitalocean/digitalocean-cloud-controller-manager:v0.1.67",
		command:  []string{"/bin/digitalocean-cloud-controller-manager"},
		args:     []string{"--kubeconfig=/etc/kubernetes/kubeconfig/kubeconfig", "--leader-elect=false"},
		env:      []string{"DO_ACCESS_TOKEN<-creds/token", "REGION=fra1"},
	},
}

func envStrings(env []corev1.EnvVar) []string {
	var out []string
	for _, e := range env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			r := e.ValueFrom.SecretKeyRef
			out = append(out, fmt.Sprintf("%s<-%s/%s", e.Name, r.Name, r.Key))
		default:
			out = append(out, e.Name+"="+e.Value)
		}
	}
	return out
}

// ccmInput is a cluster with node pools and credentials "creds" on a
// datacenter of provider p.
func ccmInput(p model.Provider) Input {
	in := machineInput(variants[0], "creds")
	in.Datacenter.Provider = p
	in.Datacenter.Name = p.Name() + "-dc"
	in.Cluster.Datacenter = in.Datacenter.Name
	in.Cluster.Resolved.Provider = p.Name()
	return in
}

// TestCloudControllerManager: the exact command line, credentials (by
// reference only), identity and mounts of each provider's CCM.
func TestCloudControllerManager(t *testing.T) {
	for _, tc := range ccmCases {
		t.Run(tc.provider.Name(), func(t *testing.T) {
			in := ccmInput(tc.provider)
			objs := render(t, in)
			d := find[*appsv1.Deployment](objs, "Deployment", tc.name)
			if d == nil {
				t.Fatalf("no Deployment %s", tc.name)
			}
			spec := d.Spec.Template.Spec
			c := container(spec, appCCM)
			if c == nil || len(spec.Containers) != 1 {
				t.Fatalf("containers %+v", spec.Containers)
			}
			if c.Image != tc.image || !slices.Equal(c.Command, tc.command) {
				t.Errorf("image %q command %v", c.Image, c.Command)
			}
			if !slices.Equal(c.Args, tc.args) {
				t.Errorf("args\n got %q\nwant %q", c.Args, tc.args)
			}
			if got := envStrings(c.Env); !slices.Equal(got, tc.env) {
				t.Errorf("env\n got %q\nwant %q", got, tc.env)
			}
			if !reflect.DeepEqual(c.SecurityContext, containerSecurityContext()) || !reflect.DeepEqual(spec.SecurityContext, podSecurityContext()) {
				t.Errorf("securityContext %+v, pod %+v: want the restricted defaults", c.SecurityContext, spec.SecurityContext)
			}
			if *d.Spec.Replicas != 1 || spec.ServiceAccountName != tc.name || *spec.AutomountServiceAccountToken {
				t.Errorf("replicas %d, serviceAccount %q, automount %v", *d.Spec.Replicas, spec.ServiceAccountName, *spec.AutomountServiceAccountToken)
			}
			mounts := map[string]string{}
			for _, m := range c.VolumeMounts {
				mounts[m.MountPath] = m.Name
			}
			if mounts[kubeconfigDir] == "" || mounts[kubeconfigClientDir] == "" {
				t.Errorf("mounts %v: want the kubeconfig and its client certificate", mounts)
			}
			if got := mounts[ccmCloudDir] == cmCloudConfig; got != tc.cloudConfig {
				t.Errorf("cloud-config mounted = %v, want %v", got, tc.cloudConfig)
			}
			for _, v := range spec.Volumes {
				if v.Secret != nil && v.Secret.SecretName != certCCM {
					t.Errorf("volume %s mounts Secret %s", v.Name, v.Secret.SecretName)
				}
			}
			crt := find[*cmv1.Certificate](objs, "Certificate", certCCM)
			if crt == nil || crt.Spec.CommonName != "system:cloud-controller-manager" || crt.Spec.IssuerRef.Name != issuerCA ||
				!slices.Equal(crt.Spec.Usages, clientUsages) {
				t.Fatalf("certificate %+v", crt)
			}
			cm := find[*corev1.ConfigMap](objs, "ConfigMap", cmCCMKubeconfig)
			if cm == nil || !strings.Contains(cm.Data[kubeconfigKey], "user: system:cloud-controller-manager") ||
				!strings.Contains(cm.Data[kubeconfigKey], "server: "+fmt.Sprintf("https://apiserver-external.%s.svc.cluster.local.:443", in.Cluster.Namespace())) {
				t.Errorf("kubeconfig %+v", cm)
			}
		})
	}
}

// TestCloudControllerManagerOnlyWhereRun: no CCM for providers whose CCM
// reads its credentials from its file, for bringyourown, and for clusters
// that run no machine-controller.
func TestCloudControllerManagerOnlyWhereRun(t *testing.T) {
	isCCM := func(o object.Object) bool {
		return strings.HasSuffix(o.GetName(), "cloud-controller-manager") || o.GetName() == certCCM || o.GetName() == cmCCMKubeconfig
	}
	for _, p := range []model.Provider{
		{OpenStack: &model.OpenStack{AuthURL: "https://keystone.example.com", Region: "r"}},
		{VSphere: &model.VSphere{Endpoint: "https://vc.example.com", Datacenter: "dc", Cluster: "c"}},
		{Azure: &model.Azure{Location: "westeurope"}},
		{GCP: &model.GCP{Region: "europe-west3"}},
		{BringYourOwn: &model.BringYourOwn{}},
	} {
		if slices.ContainsFunc(render(t, ccmInput(p)), isCCM) {
			t.Errorf("%s: a cloud-controller-manager is rendered", p.Name())
		}
	}
	for _, tc := range ccmCases {
		for name, in := range map[string]Input{"no pools": ccmInput(tc.provider), "no credentials": ccmInput(tc.provider)} {
			if name == "no pools" {
				in.Cluster.NodePools = nil
			} else {
				in.Cluster.Resolved.Credentials = ""
			}
			if slices.ContainsFunc(render(t, in), isCCM) {
				t.Errorf("%s, %s: a cloud-controller-manager is rendered", tc.provider.Name(), name)
			}
		}
	}
}

// TestExternalCloudProviderFlags: new machines' kubelets run with an
// external cloud provider exactly when the CCM runs.
func TestExternalCloudProviderFlags(t *testing.T) {
	for _, p := range []model.Provider{ccmCases[0].provider, ccmCases[1].provider, ccmCases[2].provider,
		{OpenStack: &model.OpenStack{AuthURL: "https://keystone.example.com", Region: "r"}}, {GCP: &model.GCP{Region: "r"}}} {
		objs := render(t, ccmInput(p))
		want := p.OpenStack == nil && p.GCP == nil
		for app, f := range map[string]string{
			appMachineController:        "-node-external-cloud-provider",
			appMachineControllerWebhook: "-node-external-cloud-provider",
			appOSM:                      "-external-cloud-provider",
		} {
			d := find[*appsv1.Deployment](objs, "Deployment", app)
			if got := slices.Contains(d.Spec.Template.Spec.Containers[0].Args, f); got != want {
				t.Errorf("%s: %s has %s = %v, want %v", p.Name(), app, f, got, want)
			}
		}
	}
}

// TestWebhookTrust: with machine-controller, the apiserver trusts the
// cluster CA (the webhooks' issuer) besides the system roots, from the CA
// volume that holds the CA's certificate only; without it, it trusts the
// system roots alone.
func TestWebhookTrust(t *testing.T) {
	for _, machines := range []bool{true, false} {
		in := ccmInput(ccmCases[0].provider)
		if !machines {
			in.Cluster.NodePools = nil
		}
		objs := render(t, in)
		spec := find[*appsv1.Deployment](objs, "Deployment", appAPIServer).Spec.Template.Spec
		c := container(spec, appAPIServer)
		var got []string
		for _, e := range c.Env {
			if e.Name == "SSL_CERT_DIR" {
				got = append(got, e.Value)
			}
		}
		var want []string
		if machines {
			want = []string{"/etc/ssl/certs:/etc/pki/tls/certs:/etc/kubernetes/pki/ca"}
		}
		if !slices.Equal(got, want) {
			t.Errorf("machines %v: SSL_CERT_DIR %q, want %q", machines, got, want)
		}
		for _, m := range c.VolumeMounts {
			if m.MountPath != caDir {
				continue
			}
			for _, v := range spec.Volumes {
				if v.Name == m.Name && (v.Secret == nil || v.Secret.SecretName != certCA ||
					!slices.Equal(v.Secret.Items, []corev1.KeyToPath{{Key: keyCert, Path: keyCA}})) {
					t.Errorf("CA folder volume %+v: want the CA certificate only", v)
				}
			}
		}
	}
}

// TestWebhookNetworkPolicies: only the apiserver reaches the webhooks.
func TestWebhookNetworkPolicies(t *testing.T) {
	in := ccmInput(ccmCases[0].provider)
	objs := render(t, in)
	for app, port := range map[string]int32{appMachineControllerWebhook: machineControllerWebhookPort, appOSMWebhook: osmWebhookPort} {
		np := find[*networkingv1.NetworkPolicy](objs, "NetworkPolicy", app+"-ingress")
		if np == nil {
			t.Fatalf("no NetworkPolicy for %s", app)
		}
		if np.Spec.PodSelector.MatchLabels[labelApp] != app || len(np.Spec.Ingress) != 1 {
			t.Fatalf("%s: %+v", np.Name, np.Spec)
		}
		r := np.Spec.Ingress[0]
		if len(r.From) != 1 || r.From[0].PodSelector == nil || r.From[0].PodSelector.MatchLabels[labelApp] != appAPIServer ||
			len(r.Ports) != 1 || r.Ports[0].Port.IntVal != port || *r.Ports[0].Protocol != corev1.ProtocolTCP {
			t.Errorf("%s: rule %+v", np.Name, r)
		}
	}
}
