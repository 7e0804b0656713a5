package controlplane

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
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
	// initEnv is the environment of the init container that writes the
	// credentials file (none without one), credsDir where the CCM reads
	// that file.
	initEnv  []string
	credsDir string
	probe    bool
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
	{
		provider: model.Provider{OpenStack: &model.OpenStack{AuthURL: "https://keystone.example.com:5000/v3", Region: "RegionOne"}},
		name:     "openstack-cloud-controller-manager",
		image:    "mirror.example.com/provider-os/openstack-cloud-controller-manager:v1.35.0",
		command:  []string{"/bin/openstack-cloud-controller-manager"},
		args: []string{"--kubeconfig=/etc/kubernetes/kubeconfig/kubeconfig", "--v=1", "--cloud-config=/etc/kubernetes/cloud/config",
			"--cloud-provider=openstack"},
		initEnv:  []string{"OS_USER_NAME<-creds/username", "OS_PASSWORD<-creds/password", "OS_DOMAIN_NAME<-creds/domain", "OS_PROJECT_NAME<-creds/project"},
		credsDir: "/etc/kubernetes/cloud",
	},
	{
		provider: model.Provider{VSphere: &model.VSphere{Endpoint: "https://vcenter.example.com", Datacenter: "dc-1", Cluster: "compute-1"}},
		name:     "vsphere-cloud-controller-manager",
		image:    "mirror.example.com/cloud-pv-vsphere/cloud-provider-vsphere:v1.35.1",
		command:  []string{"/bin/vsphere-cloud-controller-manager"},
		args: []string{"--v=2", "--cloud-provider=vsphere", "--cloud-config=/etc/kubernetes/cloud/config",
			"--kubeconfig=/etc/kubernetes/kubeconfig/kubeconfig"},
		initEnv:  []string{"VSPHERE_USERNAME<-creds/username", "VSPHERE_PASSWORD<-creds/password"},
		credsDir: "/etc/kubernetes/cloud",
	},
	{
		provider: model.Provider{Azure: &model.Azure{Location: "westeurope"}},
		name:     "azure-cloud-controller-manager",
		image:    "mirror.example.com/oss/v2/kubernetes/azure-cloud-controller-manager:v1.35.8",
		command:  []string{"cloud-controller-manager"},
		args: []string{"--allocate-node-cidrs=false", "--configure-cloud-routes=false", "--kubeconfig=/etc/kubernetes/kubeconfig/kubeconfig",
			"--v=4", "--cloud-config=/etc/kubernetes/cloud/config", "--cloud-provider=azure", "--leader-elect=true",
			"--route-reconciliation-period=10s", "--secure-port=10258", "--controllers=*,-cloud-node"},
		initEnv: []string{"AZURE_TENANT_ID<-creds/tenantID", "AZURE_SUBSCRIPTION_ID<-creds/subscriptionID",
			"AZURE_CLIENT_ID<-creds/clientID", "AZURE_CLIENT_SECRET<-creds/clientSecret"},
		credsDir: "/etc/kubernetes/cloud",
		probe:    true,
	},
	{
		provider: model.Provider{GCP: &model.GCP{Region: "europe-west3"}},
		name:     "gcp-cloud-controller-manager",
		image:    "mirror.example.com/cloud-provider-gcp/cloud-controller-manager:v35.0.8",
		args: []string{"/go-runner", "--redirect-stderr=true", "/cloud-controller-manager", "--v=2", "--cloud-config=/etc/kubernetes/cloud/config",
			"--secure-port=10258", "--use-service-account-credentials", "--cloud-provider=gce",
			"--kubeconfig=/etc/kubernetes/kubeconfig/kubeconfig", "--authorization-kubeconfig=/etc/kubernetes/kubeconfig/kubeconfig",
			"--authentication-kubeconfig=/etc/kubernetes/kubeconfig/kubeconfig", "--allocate-node-cidrs",
			"--cluster-name=payments-k-tunneling", "--cluster-cidr=172.25.0.0/16"},
		env:         []string{"GOOGLE_APPLICATION_CREDENTIALS=/etc/kubermatic/cloud-credentials/serviceAccount.json"},
		cloudConfig: true,
		initEnv:     []string{"GOOGLE_SERVICE_ACCOUNT<-creds/serviceAccount"},
		credsDir:    "/etc/kubermatic/cloud-credentials",
		probe:       true,
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
			checkCCMInit(t, tc, spec, c)
			if got := c.LivenessProbe != nil; got != tc.probe {
				t.Errorf("liveness probe %+v, want one: %v", c.LivenessProbe, tc.probe)
			} else if got && (c.LivenessProbe.HTTPGet.Port.IntVal != 10258 || c.LivenessProbe.HTTPGet.Scheme != corev1.URISchemeHTTPS) {
				t.Errorf("liveness probe %+v", c.LivenessProbe.HTTPGet)
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

// TestCloudControllerManagerOnlyWhereRun: no CCM for bringyourown, and for
// clusters that run no machine-controller.
func TestCloudControllerManagerOnlyWhereRun(t *testing.T) {
	isCCM := func(o object.Object) bool {
		return strings.HasSuffix(o.GetName(), "cloud-controller-manager") || o.GetName() == certCCM || o.GetName() == cmCCMKubeconfig
	}
	for _, p := range []model.Provider{
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
	for _, tc := range ccmCases {
		p := tc.provider
		objs := render(t, ccmInput(p))
		want := true
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

// checkCCMInit: the init container that writes the credentials file of the
// CCMs that read them from a file takes them from the credentials Secret
// by secretKeyRef only, runs restricted, and writes into an in-memory
// emptyDir that the CCM mounts read-only; the other CCMs have none.
func checkCCMInit(t *testing.T, tc ccmCase, spec corev1.PodSpec, c *corev1.Container) {
	t.Helper()
	var emptyDirs []corev1.Volume
	for _, v := range spec.Volumes {
		if v.EmptyDir != nil {
			emptyDirs = append(emptyDirs, v)
		}
	}
	if tc.initEnv == nil {
		if len(spec.InitContainers) != 0 || len(emptyDirs) != 0 {
			t.Errorf("init containers %+v, emptyDirs %+v: want none", spec.InitContainers, emptyDirs)
		}
		return
	}
	if len(spec.InitContainers) != 1 || len(emptyDirs) != 1 {
		t.Fatalf("init containers %+v, emptyDirs %+v: want one each", spec.InitContainers, emptyDirs)
	}
	ic, vol := spec.InitContainers[0], emptyDirs[0]
	if vol.EmptyDir.Medium != corev1.StorageMediumMemory {
		t.Errorf("credentials emptyDir %+v: want it in memory", vol)
	}
	if ic.Name != containerCCMCredentials || ic.Image != testImages.Kubectl || !slices.Equal(ic.Command[:2], []string{"/bin/sh", "-c"}) || len(ic.Command) != 3 {
		t.Errorf("init container %s image %s command %q", ic.Name, ic.Image, ic.Command)
	}
	if got := envStrings(ic.Env); !slices.Equal(got, tc.initEnv) || len(ic.EnvFrom) != 0 {
		t.Errorf("init env\n got %q\nwant %q", got, tc.initEnv)
	}
	if !reflect.DeepEqual(ic.SecurityContext, containerSecurityContext()) {
		t.Errorf("init securityContext %+v: want the restricted default", ic.SecurityContext)
	}
	if s := mountedSecrets(&spec, ic); len(s) != 0 {
		t.Errorf("init container mounts Secrets %v", s)
	}
	want := []corev1.VolumeMount{{Name: vol.Name, MountPath: tc.credsDir}}
	if tc.credsDir == ccmCloudDir {
		want = append(want, corev1.VolumeMount{Name: cmCloudConfig, MountPath: ccmTemplateDir, ReadOnly: true})
	}
	if !reflect.DeepEqual(ic.VolumeMounts, want) {
		t.Errorf("init mounts %+v, want %+v", ic.VolumeMounts, want)
	}
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
		return reflect.DeepEqual(m, corev1.VolumeMount{Name: vol.Name, MountPath: tc.credsDir, ReadOnly: true})
	}) {
		t.Errorf("CCM mounts %+v: want the credentials folder read-only at %s", c.VolumeMounts, tc.credsDir)
	}
}

// TestCCMCredentialsScript runs each init container's script (with the
// paths moved into a temporary folder) on the rendered cloud-config and
// hostile credential values: the written file carries every value exactly
// as the CCM parses it (gcfg and JSON strings unquote as Go's do for the
// escapes used), no value adds a line or a key, and the rest of the
// cloud-config is kept.
func TestCCMCredentialsScript(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Fatal("no sh: the test runs the rendered scripts (every CI machine has one)")
	}
	hostile := "p\"a\\ss\nword = \"evil\"\n[Global]"
	for _, tc := range ccmCases {
		if tc.initEnv == nil {
			continue
		}
		t.Run(tc.provider.Name(), func(t *testing.T) {
			objs := render(t, ccmInput(tc.provider))
			spec := find[*appsv1.Deployment](objs, "Deployment", tc.name).Spec.Template.Spec
			cm := find[*corev1.ConfigMap](objs, "ConfigMap", cmCloudConfig)
			if cm == nil {
				t.Fatal("no cloud-config")
			}
			for _, key := range []string{"password", "aadClientSecret", "username", "user ", "tenantId", "tenant-name", "domain-name"} {
				if strings.Contains(cm.Data[cloudConfigKey], key) {
					t.Errorf("the rendered cloud-config has %q:\n%s", key, cm.Data[cloudConfigKey])
				}
			}
			dir := t.TempDir()
			tmpl, out := filepath.Join(dir, "template"), filepath.Join(dir, "out")
			for _, d := range []string{tmpl, out} {
				if err := os.Mkdir(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(tmpl, cloudConfigKey), []byte(cm.Data[cloudConfigKey]), 0o600); err != nil {
				t.Fatal(err)
			}
			ic := spec.InitContainers[0]
			script := strings.NewReplacer(ccmTemplateDir, tmpl, tc.credsDir, out).Replace(ic.Command[2])
			cmd := exec.Command("sh", "-c", script)
			values := map[string]string{}
			for i, e := range ic.Env {
				v := fmt.Sprintf("%d%s", i, hostile)
				if tc.provider.GCP != nil {
					v = base64.StdEncoding.EncodeToString([]byte(`{"type": "service_account"}`))
				}
				values[e.ValueFrom.SecretKeyRef.Key] = v
				cmd.Env = append(cmd.Env, e.Name+"="+v)
			}
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("script: %v\n%s", err, msg)
			}
			files, _ := os.ReadDir(out)
			if len(files) != 1 {
				t.Fatalf("wrote %v", files)
			}
			data, err := os.ReadFile(filepath.Join(out, files[0].Name()))
			if err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(filepath.Join(out, files[0].Name())); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("file mode %v (%v): want 0600, readable by the CCM's user only", fi.Mode(), err)
			}
			got := string(data)
			switch {
			case tc.provider.GCP != nil:
				if files[0].Name() != gcpServiceAccountFile || got != `{"type": "service_account"}` {
					t.Errorf("%s: %q", files[0].Name(), got)
				}
			case tc.provider.Azure != nil:
				var m map[string]any
				if err := json.Unmarshal(data, &m); err != nil {
					t.Fatalf("%v:\n%s", err, got)
				}
				want := map[string]any{"cloud": "AZUREPUBLICCLOUD", "location": "westeurope", "useInstanceMetadata": false,
					"tenantId": values["tenantID"], "subscriptionId": values["subscriptionID"], "aadClientId": values["clientID"], "aadClientSecret": values["clientSecret"]}
				if !reflect.DeepEqual(m, want) {
					t.Errorf("azure.json\n got %v\nwant %v", m, want)
				}
			default:
				fileKey := map[string]string{"username": "username", "password": "password", "domain": "domain-name", "project": "tenant-name"}
				if tc.provider.VSphere != nil {
					fileKey["username"] = "user"
				}
				lines := strings.Split(got, "\n")
				tmplLines := strings.Split(cm.Data[cloudConfigKey], "\n")
				n := len(ic.Env)
				if lines[0] != "[Global]" || tmplLines[0] != "[Global]" || !slices.Equal(lines[1+n:], tmplLines[1:]) {
					t.Fatalf("cloud-config\n%s\nwant the template's lines around %d credentials", got, n)
				}
				for _, l := range lines[1 : 1+n] {
					k, v, _ := strings.Cut(l, " = ")
					uq, err := strconv.Unquote(v)
					if err != nil {
						t.Errorf("%s: %v", l, err)
					}
					found := false
					for sk, fk := range fileKey {
						if fk == k && values[sk] == uq {
							found = true
						}
					}
					if !found {
						t.Errorf("line %q: not a credential of %v", l, values)
					}
				}
			}
		})
	}
}

// TestNoCredentialRendered: with credentials for every provider, nothing
// rendered is a Secret and no rendered file has a credential's key in a
// form a program reads as a value (the credentials stay in the Secret).
func TestNoCredentialRendered(t *testing.T) {
	for _, tc := range ccmCases {
		for _, o := range render(t, ccmInput(tc.provider)) {
			if object.Kind(o) == "Secret" {
				t.Errorf("%s: Secret %s rendered", tc.provider.Name(), o.GetName())
			}
			cm, ok := o.(*corev1.ConfigMap)
			if !ok {
				continue
			}
			for k, v := range cm.Data {
				for _, bad := range []string{`password = "`, `"aadClientSecret": "`, `user = "`, `username = "`} {
					if strings.Contains(v, bad) {
						t.Errorf("%s: ConfigMap %s/%s has %q", tc.provider.Name(), cm.Name, k, bad)
					}
				}
			}
		}
	}
}
