package controlplane

import (
	"os/exec"
	"reflect"
	"slices"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
)

// TestOpenVPNSecretWriter: on OpenVPN clusters the kubeconfig-writer pod
// copies the customer-side client certificate (CN user-cluster-client,
// issued by the VPN CA) into the customer cluster's kube-system, through
// the customer apiserver; Konnectivity clusters have no such container.
func TestOpenVPNSecretWriter(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := render(t, v.input())
			spec := find[*appsv1.Deployment](objs, "Deployment", appKubeconfigWriter).Spec.Template.Spec
			c := container(spec, containerOpenVPNSecretWriter)
			if konnectivity(v) {
				if c != nil || len(spec.Containers) != 1 {
					t.Fatalf("containers %d: a Konnectivity cluster has no VPN client Secret to write", len(spec.Containers))
				}
				return
			}
			if c == nil {
				t.Fatal("no openvpn-secret-writer container")
			}
			if !reflect.DeepEqual(c.SecurityContext, containerSecurityContext()) {
				t.Errorf("securityContext %+v: want the restricted default", c.SecurityContext)
			}
			env := map[string]string{}
			for _, e := range c.Env {
				env[e.Name] = e.Value
			}
			want := map[string]string{
				"SECRET":        "openvpn-client-certificates",
				"SERVER":        "https://apiserver-external." + v.input().Cluster.Namespace() + ".svc.cluster.local.:443",
				"VPN_CA_FILE":   openVPNSecretWriterDir + "/ca.crt",
				"VPN_CERT_FILE": openVPNSecretWriterDir + "/tls.crt",
				"VPN_KEY_FILE":  openVPNSecretWriterDir + "/tls.key",
				"CERT_FILE":     kubeconfigWriterCertDir + "/tls.crt",
			}
			for k, val := range want {
				if env[k] != val {
					t.Errorf("env %s = %q, want %q", k, env[k], val)
				}
			}
			mounted := false
			for _, m := range c.VolumeMounts {
				for _, vol := range spec.Volumes {
					if vol.Name == m.Name && vol.Secret != nil && vol.Secret.SecretName == certOpenVPNUserClient && m.MountPath == openVPNSecretWriterDir {
						mounted = true
					}
				}
			}
			if !mounted {
				t.Errorf("the client certificate Secret %s is not mounted at %s", certOpenVPNUserClient, openVPNSecretWriterDir)
			}
			crt := find[*cmv1.Certificate](objs, "Certificate", certOpenVPNUserClient)
			if crt.Spec.CommonName != cnOpenVPNUserClient || crt.Spec.IssuerRef.Name != issuerOpenVPNCA || !slices.Contains(crt.Spec.Usages, cmv1.UsageClientAuth) {
				t.Errorf("client certificate %+v", crt.Spec)
			}
			if out, err := exec.Command("sh", "-n", "-c", c.Command[2]).CombinedOutput(); err != nil {
				t.Errorf("script does not parse: %v\n%s", err, out)
			}
		})
	}
}
