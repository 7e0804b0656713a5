package master

import (
	"bytes"
	"encoding/pem"
	"sync"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	"golang.org/x/crypto/x509roots/fallback/bundle"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/master/kkpv1"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// Names of what the master's Kubermatic components read besides their
// flags.
const (
	// ConfigurationName is the KubermaticConfiguration (namespace
	// kubermatic) that the API and the master-controller-manager read:
	// they find the one object of the namespace.
	ConfigurationName = "kubermatic"
	// CABundleConfigMapName holds CABundleKey, the PEM bundle the API
	// trusts for the OIDC issuer (its -ca-bundle flag).
	CABundleConfigMapName = "ca-bundle"
	CABundleKey           = "ca-bundle.pem"
	// UIConfigMapName holds the dashboard's config.json, mounted at
	// /dist/config/.
	UIConfigMapName = "ui-config"
	// IngressName serves master.domain: /api to the API, / to the
	// dashboard. TLSSecretName is the Secret cert-manager writes for it.
	IngressName   = "kubermatic"
	TLSSecretName = "kubermatic-tls"

	// caBundleMount is where the API finds the bundle.
	caBundleMount = "/opt/ca-bundle/"
	// uiConfig is Kubermatic's default dashboard configuration
	// (kkp:pkg/defaulting/configuration.go, DefaultUIConfig).
	uiConfig = `{"share_kubeconfig":false}`
)

// DefaultExposeStrategy is the expose strategy the KubermaticConfiguration
// and the API default to; every rendered Seed sets its own.
const DefaultExposeStrategy = kkpv1.ExposeStrategyTunneling

// rootsPEM is the Mozilla (NSS) root store as shipped by
// golang.org/x/crypto/x509roots/fallback, PEM-encoded in the module's
// order. Roots that carry a constraint (a distrust-after date) cannot be
// expressed in PEM and are left out.
var rootsPEM = sync.OnceValue(func() string {
	var b bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})
	}
	return b.String()
})

// oidc returns the issuer URL and client ID the API verifies tokens with.
func oidc(m *model.Master) (issuer, clientID string) {
	issuer, clientID = "https://"+m.Domain+"/dex", "kubermatic"
	if m.OIDC != nil {
		if m.OIDC.IssuerURL != "" {
			issuer = m.OIDC.IssuerURL
		}
		if m.OIDC.ClientID != "" {
			clientID = m.OIDC.ClientID
		}
	}
	return issuer, clientID
}

// configuration is what Kubermatic's API and master-controller-manager read
// from the cluster; Kubermatic defaults every field left out when it reads
// the object. No Kubermatic operator may run next to it (it would take the
// object as its instruction to install Kubermatic a second time).
func configuration(m *model.Master) object.Object {
	issuer, clientID := oidc(m)
	spec := kkpv1.KubermaticConfigurationSpec{
		CABundle:       kkpv1.TypedLocalObjectReference{Kind: "ConfigMap", Name: CABundleConfigMapName},
		ExposeStrategy: DefaultExposeStrategy,
		Ingress: kkpv1.IngressConfiguration{
			Domain:    m.Domain,
			ClassName: m.Ingress.ClassName,
			CertificateIssuer: &kkpv1.TypedLocalObjectReference{
				APIGroup: ptr(cmv1.SchemeGroupVersion.Group),
				Kind:     cmv1.ClusterIssuerKind,
				Name:     m.Ingress.CertificateIssuer,
			},
		},
		Auth: kkpv1.AuthConfiguration{ClientID: clientID, TokenIssuer: issuer},
	}
	if m.Registry != "" {
		spec.UserCluster = &kkpv1.UserClusterConfiguration{OverwriteRegistry: m.Registry}
	}
	return kkpv1.NewKubermaticConfiguration(meta(ConfigurationName, Namespace), spec)
}

func configMap(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(name, Namespace),
		Data:       data,
	}
}

func caBundle() object.Object {
	return configMap(CABundleConfigMapName, map[string]string{CABundleKey: rootsPEM()})
}

// ingress serves master.domain as Kubermatic's operator does
// (kkp:pkg/controller/operator/master/resources/kubermatic/common.go,
// IngressReconciler), with the certificate from an explicit Certificate.
func ingress(m *model.Master) []object.Object {
	prefix := networkingv1.PathTypePrefix
	path := func(p, svc string) networkingv1.HTTPIngressPath {
		return networkingv1.HTTPIngressPath{
			Path:     p,
			PathType: &prefix,
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: svc,
				Port: networkingv1.ServiceBackendPort{Name: "http"},
			}},
		}
	}
	ing := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: meta(IngressName, Namespace),
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr(m.Ingress.ClassName),
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{m.Domain}, SecretName: TLSSecretName}},
			Rules: []networkingv1.IngressRule{{
				Host: m.Domain,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{path("/api", APIName), path("/", DashboardName)},
				}},
			}},
		},
	}
	// Long-lived websocket connections (web terminal), as Kubermatic sets.
	ing.Annotations = map[string]string{
		"nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
		"nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
	}
	cert := &cmv1.Certificate{
		TypeMeta:   metav1.TypeMeta{APIVersion: cmv1.SchemeGroupVersion.String(), Kind: cmv1.CertificateKind},
		ObjectMeta: meta(TLSSecretName, Namespace),
		Spec: cmv1.CertificateSpec{
			SecretName: TLSSecretName,
			DNSNames:   []string{m.Domain},
			IssuerRef: cmmeta.IssuerReference{
				Group: cmv1.SchemeGroupVersion.Group,
				Kind:  cmv1.ClusterIssuerKind,
				Name:  m.Ingress.CertificateIssuer,
			},
			PrivateKey: &cmv1.CertificatePrivateKey{
				Algorithm:      cmv1.ECDSAKeyAlgorithm,
				Size:           256,
				RotationPolicy: cmv1.RotationPolicyAlways,
			},
		},
	}
	return []object.Object{ing, cert}
}
