package master

import (
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/fleetc/fleetc/renderer/master/kkpv1"
	"github.com/fleetc/fleetc/renderer/model"
)

// TestEdition: more than one seed runs Enterprise images unless the edition
// is set; one seed runs Community images unless "ee" is set.
func TestEdition(t *testing.T) {
	tests := []struct {
		name    string
		seeds   int
		edition string
		want    string
	}{
		{"two seeds", 2, "", testImages.KubermaticAPIEE},
		{"one seed", 1, "", testImages.KubermaticAPI},
		{"one seed, ee", 1, model.EditionEE, testImages.KubermaticAPIEE},
		{"two seeds, ce (validation refuses it)", 2, model.EditionCE, testImages.KubermaticAPI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Seeds = cfg.Seeds[:tt.seeds]
			cfg.Clusters = slices.DeleteFunc(cfg.Clusters, func(c model.Cluster) bool { return c.Resolved.Seed != cfg.Seeds[0].Name && tt.seeds == 1 })
			cfg.Master.Edition = tt.edition
			objs := render(t, cfg)
			api := find[*appsv1.Deployment](t, objs, APIName).Spec.Template.Spec.Containers[0].Image
			if api != tt.want {
				t.Errorf("API image %q, want %q", api, tt.want)
			}
			cm := find[*appsv1.Deployment](t, objs, MasterControllerManagerName).Spec.Template.Spec.Containers[0].Image
			dash := find[*appsv1.Deployment](t, objs, DashboardName).Spec.Template.Spec.Containers[0].Image
			ee := strings.Contains(tt.want, "-ee:")
			if strings.Contains(cm, "-ee:") != ee || strings.Contains(dash, "-ee:") != ee {
				t.Errorf("images of mixed editions: %s %s %s", api, cm, dash)
			}
		})
	}
}

// TestAPIMountsWhatItReads: the API's -ca-bundle file is mounted from the
// rendered ca-bundle ConfigMap, which holds parseable root certificates.
func TestAPIMountsWhatItReads(t *testing.T) {
	objs := render(t, testConfig())
	ps := find[*appsv1.Deployment](t, objs, APIName).Spec.Template.Spec
	c := ps.Containers[0]
	var file string
	for _, a := range c.Args {
		if f, ok := strings.CutPrefix(a, "-ca-bundle="); ok {
			file = f
		}
	}
	if file == "" {
		t.Fatalf("no -ca-bundle in %q (the API exits without it)", c.Args)
	}
	var mount *corev1.VolumeMount
	for i, m := range c.VolumeMounts {
		if strings.HasPrefix(file, m.MountPath) {
			mount = &c.VolumeMounts[i]
		}
	}
	if mount == nil {
		t.Fatalf("%s is on no volume mount: %+v", file, c.VolumeMounts)
	}
	var vol *corev1.Volume
	for i, v := range ps.Volumes {
		if v.Name == mount.Name {
			vol = &ps.Volumes[i]
		}
	}
	if vol == nil || vol.ConfigMap == nil || vol.ConfigMap.Name != CABundleConfigMapName {
		t.Fatalf("volume %s = %+v, want ConfigMap %s", mount.Name, vol, CABundleConfigMapName)
	}
	key := strings.TrimPrefix(file, mount.MountPath)
	cm := find[*corev1.ConfigMap](t, objs, CABundleConfigMapName)
	data := []byte(cm.Data[key])
	n := 0
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			t.Fatalf("certificate %d: %v", n, err)
		}
		n++
	}
	if n < 50 {
		t.Errorf("ca-bundle key %s holds %d certificates", key, n)
	}
	// The dashboard's config.json comes from the rendered ConfigMap.
	dps := find[*appsv1.Deployment](t, objs, DashboardName).Spec.Template.Spec
	if dps.Volumes[len(dps.Volumes)-1].ConfigMap == nil || dps.Volumes[len(dps.Volumes)-1].ConfigMap.Name != UIConfigMapName {
		t.Errorf("dashboard volumes %+v", dps.Volumes)
	}
	if find[*corev1.ConfigMap](t, objs, UIConfigMapName).Data["config.json"] == "" {
		t.Error("no config.json")
	}
}

// TestKubermaticConfiguration: the one configuration the API and the
// master-controller-manager read, in their namespace, consistent with the
// API's flags and holding no secret.
func TestKubermaticConfiguration(t *testing.T) {
	cfg := testConfig()
	cfg.Master.Registry = "mirror.example.com"
	objs := render(t, cfg)
	kc := byKind[*kkpv1.KubermaticConfiguration](objs)
	if len(kc) != 1 {
		t.Fatalf("%d KubermaticConfigurations", len(kc))
	}
	c := kc[0]
	if c.Namespace != Namespace {
		t.Errorf("namespace %q", c.Namespace)
	}
	if c.Spec.Ingress.Domain != "kkp.example.com" || c.Spec.Ingress.ClassName != "nginx" ||
		c.Spec.Ingress.CertificateIssuer == nil || c.Spec.Ingress.CertificateIssuer.Name != "letsencrypt-prod" ||
		c.Spec.Ingress.CertificateIssuer.Kind != "ClusterIssuer" {
		t.Errorf("ingress %+v", c.Spec.Ingress)
	}
	if c.Spec.CABundle.Kind != "ConfigMap" || c.Spec.CABundle.Name != CABundleConfigMapName {
		t.Errorf("caBundle %+v", c.Spec.CABundle)
	}
	if c.Spec.Auth.TokenIssuer != "https://kkp.example.com/dex" || c.Spec.Auth.ClientID != "kubermatic" || c.Spec.Auth.SkipTokenIssuerTLSVerify {
		t.Errorf("auth %+v", c.Spec.Auth)
	}
	if c.Spec.UserCluster == nil || c.Spec.UserCluster.OverwriteRegistry != "mirror.example.com" {
		t.Errorf("userCluster %+v", c.Spec.UserCluster)
	}
}

// TestIngress: master.domain is served over TLS, /api by the API and / by
// the dashboard, with the certificate from the configured ClusterIssuer.
func TestIngress(t *testing.T) {
	cfg := testConfig()
	cfg.Master.Ingress = model.Ingress{ClassName: "traefik", CertificateIssuer: "acme"}
	objs := render(t, cfg)
	ing := find[*networkingv1.Ingress](t, objs, IngressName)
	if *ing.Spec.IngressClassName != "traefik" {
		t.Errorf("class %q", *ing.Spec.IngressClassName)
	}
	if len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != TLSSecretName || !slices.Equal(ing.Spec.TLS[0].Hosts, []string{"kkp.example.com"}) {
		t.Errorf("tls %+v", ing.Spec.TLS)
	}
	if len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != "kkp.example.com" {
		t.Fatalf("rules %+v", ing.Spec.Rules)
	}
	backends := map[string]string{}
	for _, p := range ing.Spec.Rules[0].HTTP.Paths {
		backends[p.Path] = p.Backend.Service.Name
		if p.Backend.Service.Port.Name != "http" {
			t.Errorf("%s: port %+v", p.Path, p.Backend.Service.Port)
		}
		find[*corev1.Service](t, objs, p.Backend.Service.Name)
	}
	if backends["/api"] != APIName || backends["/"] != DashboardName {
		t.Errorf("backends %v", backends)
	}
	cert := find[*cmv1.Certificate](t, objs, TLSSecretName)
	if cert.Spec.SecretName != TLSSecretName || !slices.Equal(cert.Spec.DNSNames, []string{"kkp.example.com"}) ||
		cert.Spec.IssuerRef.Kind != "ClusterIssuer" || cert.Spec.IssuerRef.Name != "acme" {
		t.Errorf("certificate %+v", cert.Spec)
	}
}

// TestGuard: the policy refuses Kubermatic's operator and seed controller
// manager, never fleetc's own Deployments, and its binding denies.
func TestGuard(t *testing.T) {
	objs := render(t, testConfig())
	p := find[*admissionregistrationv1.ValidatingAdmissionPolicy](t, objs, GuardName("master"))
	b := find[*admissionregistrationv1.ValidatingAdmissionPolicyBinding](t, objs, GuardName("master"))
	if b.Spec.PolicyName != p.Name || !slices.Equal(b.Spec.ValidationActions, []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}) {
		t.Errorf("binding %+v", b.Spec)
	}
	if len(p.Spec.Validations) != 1 {
		t.Fatalf("validations %+v", p.Spec.Validations)
	}
	expr := p.Spec.Validations[0].Expression
	for _, d := range []string{"kubermatic-operator", "kubermatic-seed-controller-manager"} {
		if !strings.Contains(expr, "'"+d+"'") {
			t.Errorf("expression %q does not refuse %s", expr, d)
		}
	}
	if !strings.HasPrefix(expr, "!(") {
		t.Errorf("expression %q must be a negation (true means allowed)", expr)
	}
	for _, d := range byKind[*appsv1.Deployment](objs) {
		if strings.Contains(expr, "'"+d.Name+"'") {
			t.Errorf("the policy refuses fleetc's own %s", d.Name)
		}
	}
	r := p.Spec.MatchConstraints.ResourceRules[0]
	if !slices.Equal(r.Resources, []string{"deployments"}) || !slices.Equal(r.APIGroups, []string{"apps"}) ||
		!slices.Contains(r.Operations, admissionregistrationv1.Create) {
		t.Errorf("rules %+v", r)
	}
	if GuardName("seed") == GuardName("master") {
		t.Error("master and seed policies share a name")
	}
}
