package usercluster_test

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/fleetc/fleetc/renderer/controlplane"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// TestOpenVPNClient: a cluster with tunnel "openvpn" runs the OpenVPN
// client in kube-system, dialling the server where nodes reach it (the
// server's NodePort at the external name, or the envoy-agent on Tunneling
// seeds), with the certificate Secret the seed writes, and without
// privilege; a Konnectivity cluster runs none.
func TestOpenVPNClient(t *testing.T) {
	for _, expose := range []string{model.ExposeNodePort, model.ExposeLoadBalancer, model.ExposeTunneling} {
		t.Run(expose, func(t *testing.T) {
			in := input(expose, aws)
			in.Cluster.Tunnel = model.TunnelOpenVPN
			objs := render(t, in)
			if has(objs, "Deployment", "konnectivity-agent") {
				t.Error("konnectivity-agent in an OpenVPN cluster")
			}
			cm := find[*corev1.ConfigMap](t, objs, "ConfigMap", "openvpn-client-config")
			remote := "remote shop.europe.kkp.example.com 30444"
			if expose == model.ExposeTunneling {
				remote = "remote 100.64.30.10 1194"
			}
			cfg := cm.Data["config"]
			for _, l := range []string{remote, "client", "verify-x509-name openvpn-server name", "remote-cert-tls server", "route-nopull",
				"ca /etc/openvpn/certs/ca.crt", "cert /etc/openvpn/certs/tls.crt", "key /etc/openvpn/certs/tls.key",
				`up '/bin/sh -c "/sbin/iptables -t nat -I POSTROUTING -s 10.20.0.0/24 -j MASQUERADE"'`} {
				if !slices.Contains(strings.Split(cfg, "\n"), l) {
					t.Errorf("config lacks %q:\n%s", l, cfg)
				}
			}
			if expose != model.ExposeTunneling {
				// The port is the openvpn-server Service's NodePort on the seed.
				seed, err := controlplane.Objects(controlplaneInput(in))
				if err != nil {
					t.Fatal(err)
				}
				svc := find[*corev1.Service](t, seed, "Service", "openvpn-server")
				if want := fmt.Sprintf("remote %s %d", "shop.europe.kkp.example.com", svc.Spec.Ports[0].NodePort); want != remote {
					t.Errorf("client dials %q, the server's NodePort is %q", remote, want)
				}
			}
			d := find[*appsv1.Deployment](t, objs, "Deployment", "openvpn-client")
			spec := d.Spec.Template.Spec
			if *d.Spec.Replicas != 1 || spec.ServiceAccountName != "vpn-client" || spec.HostNetwork {
				t.Errorf("replicas %d, serviceAccount %q, hostNetwork %v", *d.Spec.Replicas, spec.ServiceAccountName, spec.HostNetwork)
			}
			caps := map[string][]corev1.Capability{
				"openvpn-client":  {"NET_ADMIN", "NET_RAW", "MKNOD"},
				"dnat-controller": {"NET_ADMIN", "NET_RAW"},
			}
			if len(spec.Containers) != len(caps) {
				t.Fatalf("containers %d, want %d", len(spec.Containers), len(caps))
			}
			for _, c := range spec.Containers {
				s := c.SecurityContext
				if s == nil || s.Privileged == nil || *s.Privileged || s.AllowPrivilegeEscalation == nil || *s.AllowPrivilegeEscalation ||
					s.ReadOnlyRootFilesystem == nil || !*s.ReadOnlyRootFilesystem || s.Capabilities == nil ||
					!slices.Equal(s.Capabilities.Drop, []corev1.Capability{"ALL"}) || !slices.Equal(s.Capabilities.Add, caps[c.Name]) ||
					s.RunAsUser == nil || *s.RunAsUser != 0 || s.RunAsNonRoot == nil || *s.RunAsNonRoot ||
					s.SeccompProfile == nil || s.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
					t.Errorf("%s: securityContext %+v, want root with exactly %v, not privileged", c.Name, s, caps[c.Name])
				}
				if c.Image != in.Images.OpenVPN {
					t.Errorf("%s: image %s", c.Name, c.Image)
				}
			}
			var secret *corev1.SecretVolumeSource
			for _, v := range spec.Volumes {
				if v.Secret != nil {
					secret = v.Secret
				}
			}
			if secret == nil || secret.SecretName != "openvpn-client-certificates" || *secret.DefaultMode != 0o400 {
				t.Errorf("certificate volume %+v", secret)
			}
			// The DNAT controller lists nodes, and nothing else.
			cr := find[*rbacv1.ClusterRole](t, objs, "ClusterRole", "vpn-client")
			if len(cr.Rules) != 1 || !slices.Equal(cr.Rules[0].Resources, []string{"nodes"}) || !slices.Equal(cr.Rules[0].Verbs, []string{"list", "watch"}) {
				t.Errorf("vpn-client rules %+v", cr.Rules)
			}
			for _, c := range spec.Containers {
				script := c.Command[2]
				if out, err := exec.Command("bash", "-n", "-c", script).CombinedOutput(); err != nil {
					t.Errorf("%s: script does not parse: %v\n%s", c.Name, err, out)
				}
			}
		})
	}
	for _, o := range render(t, input(model.ExposeNodePort, aws)) {
		if strings.Contains(o.GetName(), "openvpn") || o.GetName() == "vpn-client" {
			t.Errorf("konnectivity cluster: %s %s", object.Kind(o), o.GetName())
		}
	}
}
