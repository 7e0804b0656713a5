package controlplane

import (
	"slices"
	"strings"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

func machineInput(v variant, credentials string) Input {
	in := v.input()
	in.Images.MachineController = "mirror.example.com/kubermatic/machine-controller:v1.66.2"
	in.Images.OperatingSystemManager = "mirror.example.com/kubermatic/operating-system-manager:v1.11.3"
	in.Images.CCMAWS = "mirror.example.com/provider-aws/cloud-controller-manager:v1.35.2"
	in.Images.CCMHetzner = "mirror.example.com/hetznercloud/hcloud-cloud-controller-manager:v1.34.0"
	in.Images.CCMDigitalOcean = "mirror.example.com/digitalocean/digitalocean-cloud-controller-manager:v0.1.67"
	in.Images.CCMOpenStack = "mirror.example.com/provider-os/openstack-cloud-controller-manager:v1.35.0"
	in.Images.CCMVSphere = "mirror.example.com/cloud-pv-vsphere/cloud-provider-vsphere:v1.35.1"
	in.Images.CCMAzure = "mirror.example.com/oss/v2/kubernetes/azure-cloud-controller-manager:v1.35.8"
	in.Images.CCMGCP = "mirror.example.com/cloud-provider-gcp/cloud-controller-manager:v35.0.8"
	in.Cluster.Resolved.Credentials = credentials
	in.Cluster.NodePools = map[string]model.NodePool{"workers": {Replicas: 1, Size: "m", OS: model.OSUbuntu, DiskSize: 25}}
	return in
}

func TestMachineControllerOnlyWithCredentials(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			for _, creds := range []string{"", "cloud-creds"} {
				objs := render(t, machineInput(v, creds))
				want := creds != "" && v.provider.BringYourOwn == nil
				in := machineInput(v, creds)
				if creds != "" {
					// Without pools there is nothing to run.
					in.Cluster.NodePools = nil
					for _, o := range render(t, in) {
						if object.Kind(o) == "Deployment" && o.GetName() == appMachineController {
							t.Errorf("machine-controller without node pools")
						}
					}
				}
				for _, app := range []string{appMachineController, appMachineControllerWebhook, appOSM, appOSMWebhook} {
					got := slices.ContainsFunc(objs, func(o object.Object) bool { return object.Kind(o) == "Deployment" && o.GetName() == app })
					if got != want {
						t.Errorf("credentials %q: Deployment %s rendered = %v, want %v", creds, app, got, want)
					}
				}
			}
		})
	}
}

// TestMachineControllerCredentials: the credentials reach machine-
// controller by reference, key by key, never as a value.
func TestMachineControllerCredentials(t *testing.T) {
	in := machineInput(variants[0], "aws-prod")
	objs := render(t, in)
	for _, app := range []string{appMachineController, appMachineControllerWebhook} {
		d := find[*appsv1.Deployment](objs, "Deployment", app)
		env := d.Spec.Template.Spec.Containers[0].Env
		want := CredentialKeys("aws")
		if len(env) != len(want) || len(want) == 0 {
			t.Fatalf("%s: env %v, want %v", app, env, want)
		}
		for i, k := range want {
			e := env[i]
			if e.Name != k.Env || e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
				e.ValueFrom.SecretKeyRef.Name != "aws-prod" || e.ValueFrom.SecretKeyRef.Key != k.Key ||
				(e.ValueFrom.SecretKeyRef.Optional != nil && *e.ValueFrom.SecretKeyRef.Optional) {
				t.Errorf("%s: env %+v, want %s from Secret aws-prod key %s", app, e, k.Env, k.Key)
			}
		}
	}
	mc := find[*appsv1.Deployment](objs, "Deployment", appMachineController)
	args := mc.Spec.Template.Spec.Containers[0].Args
	if !slices.Contains(args, "-node-csr-approver") || !slices.Contains(args, "-kubeconfig="+kubeconfigFile) {
		t.Errorf("machine-controller args %v", args)
	}
	osm := find[*appsv1.Deployment](objs, "Deployment", appOSM)
	if args := osm.Spec.Template.Spec.Containers[0].Args; !slices.Contains(args, "-cluster-dns=10.240.16.10") {
		t.Errorf("operating-system-manager args %v: the nodes' DNS is the kube-dns Service", args)
	}
	for _, c := range []struct{ name, cn string }{{certMachineController, MachineControllerUser}, {certOSM, OSMUser}} {
		crt := find[*cmv1.Certificate](objs, "Certificate", c.name)
		if crt.Spec.CommonName != c.cn || crt.Spec.IssuerRef.Name != issuerCA || !slices.Contains(crt.Spec.Usages, cmv1.UsageClientAuth) {
			t.Errorf("%s: %+v", c.name, crt.Spec)
		}
	}
	wh := find[*cmv1.Certificate](objs, "Certificate", certMachineControllerWebhook)
	if !slices.Contains(wh.Spec.DNSNames, appMachineControllerWebhook+"."+in.Cluster.Namespace()+".svc") {
		t.Errorf("webhook cert DNS names %v", wh.Spec.DNSNames)
	}
	svc := find[*corev1.Service](objs, "Service", appMachineControllerWebhook)
	if svc.Spec.Ports[0].Port != 443 || svc.Spec.Ports[0].TargetPort.IntVal != machineControllerWebhookPort {
		t.Errorf("webhook service %+v", svc.Spec.Ports)
	}
	cm := find[*corev1.ConfigMap](objs, "ConfigMap", cmOSMKubeconfig)
	if !strings.Contains(cm.Data[kubeconfigKey], "name: "+OSMUser) {
		t.Errorf("OSM kubeconfig:\n%s", cm.Data[kubeconfigKey])
	}
}

func TestCredentialKeysPerProvider(t *testing.T) {
	for _, p := range []string{"aws", "azure", "digitalocean", "gcp", "hetzner", "openstack", "vsphere"} {
		if len(CredentialKeys(p)) == 0 {
			t.Errorf("no credential keys for %s", p)
		}
	}
	if CredentialKeys(model.Provider{BringYourOwn: &model.BringYourOwn{}}.Name()) != nil {
		t.Error("bringyourown has credential keys")
	}
}

// TestEveryVolumeMounted: every volume of every rendered pod is mounted by
// one of its containers (the OpenVPN server's iptables-run was not).
func TestEveryVolumeMounted(t *testing.T) {
	for _, v := range variants {
		for _, o := range render(t, machineInput(v, "creds")) {
			var spec *corev1.PodSpec
			switch w := o.(type) {
			case *appsv1.Deployment:
				spec = &w.Spec.Template.Spec
			case *appsv1.StatefulSet:
				spec = &w.Spec.Template.Spec
			default:
				continue
			}
			mounted := map[string]bool{}
			for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
				for _, m := range c.VolumeMounts {
					mounted[m.Name] = true
				}
			}
			for _, vol := range spec.Volumes {
				if !mounted[vol.Name] {
					t.Errorf("%s: %s %s: volume %s is not mounted", v.name, object.Kind(o), o.GetName(), vol.Name)
				}
			}
		}
	}
}
