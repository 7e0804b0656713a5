package controlplane

import (
	"fmt"
	"slices"
	"time"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/object"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

// Issuers.
const (
	issuerSelfSigned   = "selfsigned"
	issuerCA           = "ca"
	issuerFrontProxyCA = "front-proxy-ca"
)

// Certificates; each one's Secret has the same name.
const (
	certCA                   = "ca"
	certFrontProxyCA         = "front-proxy-ca"
	certAPIServerTLS         = "apiserver-tls"
	certEtcdTLS              = "etcd-tls-certificate"
	certAPIServerEtcdClient  = "apiserver-etcd-client-certificate"
	certKubeletClient        = "kubelet-client-certificate"
	certAPIServerProxyClient = "apiserver-proxy-client-certificate"
	certServiceAccountKey    = "service-account-key"
	certControllerManager    = "controllermanager-client-certificate"
	certScheduler            = "scheduler-client-certificate"
	certKonnectivityClient   = "konnectivity-client-certificate"
	certKonnectivityServer   = "konnectivityproxy-tls"
	certAdmin                = "admin-client-certificate"
)

// Keys cert-manager writes into every certificate Secret.
const (
	keyCert = "tls.crt"
	keyKey  = "tls.key"
	keyCA   = "ca.crt"
)

// Lifetimes, as Kubermatic: CAs 10 years, leaves 1 year renewed 30 days
// before they expire.
var (
	caDuration       = 10 * 365 * 24 * time.Hour
	leafDuration     = 365 * 24 * time.Hour
	renewBefore      = 30 * 24 * time.Hour
	rsaKeySize       = 2048
	serverUsages     = []cmv1.KeyUsage{cmv1.UsageDigitalSignature, cmv1.UsageKeyEncipherment, cmv1.UsageServerAuth}
	clientUsages     = []cmv1.KeyUsage{cmv1.UsageDigitalSignature, cmv1.UsageKeyEncipherment, cmv1.UsageClientAuth}
	peerUsages       = []cmv1.KeyUsage{cmv1.UsageDigitalSignature, cmv1.UsageKeyEncipherment, cmv1.UsageServerAuth, cmv1.UsageClientAuth}
	caUsages         = []cmv1.KeyUsage{cmv1.UsageDigitalSignature, cmv1.UsageCertSign, cmv1.UsageCRLSign}
	signingKeyUsages = []cmv1.KeyUsage{cmv1.UsageDigitalSignature}
)

// cert describes one cert-manager Certificate.
type cert struct {
	name     string
	issuer   string
	cn       string
	orgs     []string
	dnsNames []string
	ips      []string
	usages   []cmv1.KeyUsage
	isCA     bool
	// keepKey keeps the private key across renewals (CAs, whose key all
	// trust hangs on, and the service-account signing key, whose rotation
	// would invalidate every issued token).
	keepKey bool
	// app labels the Certificate with the component that uses it.
	app string
}

func (b *builder) pki() []object.Object {
	out := []object.Object{
		b.issuer(issuerSelfSigned, cmv1.IssuerConfig{SelfSigned: &cmv1.SelfSignedIssuer{}}),
		b.issuer(issuerCA, cmv1.IssuerConfig{CA: &cmv1.CAIssuer{SecretName: certCA}}),
		b.issuer(issuerFrontProxyCA, cmv1.IssuerConfig{CA: &cmv1.CAIssuer{SecretName: certFrontProxyCA}}),
	}
	if !b.konnectivity {
		out = append(out, b.issuer(issuerOpenVPNCA, cmv1.IssuerConfig{CA: &cmv1.CAIssuer{SecretName: certOpenVPNCA}}))
	}
	for _, c := range b.certs() {
		out = append(out, b.certificate(c))
	}
	return out
}

func (b *builder) certs() []cert {
	svc := func(name string) []string {
		return []string{
			name,
			name + "." + b.ns,
			name + "." + b.ns + ".svc",
			name + "." + b.ns + ".svc.cluster.local",
		}
	}
	apiserverDNS := append([]string{
		b.externalName,
		"kubernetes",
		"kubernetes.default",
		"kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local",
	}, svc(svcAPIServerExternal)...)
	// Pods reach the apiserver at the kubernetes Service's address, whose
	// endpoint is the envoy-agent's address on every node, on every expose
	// strategy (package usercluster); a client on a node may dial it
	// directly.
	apiserverIPs := []string{b.serviceIP, "127.0.0.1", usercluster.AgentIP}

	etcdDNS := []string{"localhost"}
	for i := 0; i < b.c.Etcd.Replicas; i++ {
		etcdDNS = append(etcdDNS, fmt.Sprintf("etcd-%d", i), etcdMemberHost(i, b.ns))
	}
	etcdDNS = append(etcdDNS, svcEtcd+"."+b.ns+".svc.cluster.local")

	cs := []cert{
		{name: certCA, issuer: issuerSelfSigned, cn: b.rootCACommonName(), usages: caUsages, isCA: true, keepKey: true},
		{name: certFrontProxyCA, issuer: issuerSelfSigned, cn: "front-proxy-ca", usages: caUsages, isCA: true, keepKey: true},
		{name: certAPIServerTLS, issuer: issuerCA, cn: "kube-apiserver", dnsNames: apiserverDNS, ips: apiserverIPs, usages: serverUsages, app: appAPIServer},
		{name: certEtcdTLS, issuer: issuerCA, cn: "etcd", dnsNames: etcdDNS, ips: []string{"127.0.0.1"}, usages: peerUsages, app: appEtcd},
		{name: certAPIServerEtcdClient, issuer: issuerCA, cn: "apiserver", usages: clientUsages, app: appAPIServer},
		{name: certKubeletClient, issuer: issuerCA, cn: "kube-apiserver-kubelet-client", orgs: []string{"system:masters"}, usages: clientUsages, app: appAPIServer},
		{name: certAPIServerProxyClient, issuer: issuerFrontProxyCA, cn: "apiserver-aggregator", usages: clientUsages, app: appAPIServer},
		{name: certServiceAccountKey, issuer: issuerSelfSigned, cn: "service-account-signer", usages: signingKeyUsages, keepKey: true, app: appAPIServer},
		{name: certControllerManager, issuer: issuerCA, cn: "system:kube-controller-manager", usages: clientUsages, app: appControllerManager},
		{name: certScheduler, issuer: issuerCA, cn: "system:kube-scheduler", usages: clientUsages, app: appScheduler},
		{name: certAdmin, issuer: issuerCA, cn: "kubermatic:admin", orgs: []string{"system:masters"}, usages: clientUsages},
	}
	if b.konnectivity {
		konnDNS := append([]string{b.externalName, svcKonnectivity + "." + b.externalName}, svc(svcKonnectivity)...)
		cs = append(cs,
			cert{name: certKonnectivityClient, issuer: issuerCA, cn: "system:konnectivity-server", usages: clientUsages, app: appAPIServer},
			cert{name: certKonnectivityServer, issuer: issuerCA, cn: "konnectivity-proxy", dnsNames: konnDNS, ips: []string{b.serviceIP, "127.0.0.1"}, usages: serverUsages, app: appAPIServer},
		)
	} else {
		cs = append(cs, b.openVPNCerts()...)
	}
	if b.c.Monitoring {
		cs = append(cs, cert{name: certPrometheusClient, issuer: issuerCA, cn: "prometheus", orgs: []string{"system:monitoring"}, usages: clientUsages, app: appPrometheus})
	}
	return cs
}

// maxCommonName is the longest CN X.509 (and cert-manager) allows.
const maxCommonName = 64

// rootCACommonName is Kubermatic's root-ca.<externalName>, or
// root-ca.<cluster> when that would exceed 64 characters (cluster names
// have at most 36).
func (b *builder) rootCACommonName() string {
	if cn := "root-ca." + b.externalName; len(cn) <= maxCommonName {
		return cn
	}
	return "root-ca." + b.c.Name
}

func (b *builder) issuer(name string, cfg cmv1.IssuerConfig) *cmv1.Issuer {
	return &cmv1.Issuer{
		TypeMeta:   metav1.TypeMeta{APIVersion: cmv1.SchemeGroupVersion.String(), Kind: cmv1.IssuerKind},
		ObjectMeta: b.meta(name, ""),
		Spec:       cmv1.IssuerSpec{IssuerConfig: cfg},
	}
}

func (b *builder) certificate(c cert) *cmv1.Certificate {
	duration, rotation := leafDuration, cmv1.RotationPolicyAlways
	if c.isCA || c.keepKey {
		duration = caDuration
	}
	if c.keepKey {
		rotation = cmv1.RotationPolicyNever
	}
	spec := cmv1.CertificateSpec{
		CommonName:  c.cn,
		DNSNames:    c.dnsNames,
		IPAddresses: c.ips,
		Duration:    &metav1.Duration{Duration: duration},
		RenewBefore: &metav1.Duration{Duration: renewBefore},
		SecretName:  c.name,
		IssuerRef:   cmmeta.IssuerReference{Name: c.issuer, Kind: cmv1.IssuerKind, Group: "cert-manager.io"},
		IsCA:        c.isCA,
		Usages:      slices.Clone(c.usages), // never share the package-level lists
		PrivateKey: &cmv1.CertificatePrivateKey{
			Algorithm:      cmv1.RSAKeyAlgorithm,
			Size:           rsaKeySize,
			Encoding:       cmv1.PKCS1,
			RotationPolicy: rotation,
		},
	}
	if len(c.orgs) > 0 {
		spec.Subject = &cmv1.X509Subject{Organizations: c.orgs}
	}
	return &cmv1.Certificate{
		TypeMeta:   metav1.TypeMeta{APIVersion: cmv1.SchemeGroupVersion.String(), Kind: cmv1.CertificateKind},
		ObjectMeta: b.meta(c.name, c.app),
		Spec:       spec,
	}
}
