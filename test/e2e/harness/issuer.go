package harness

// The boot tier's stand-in for cert-manager: it issues every rendered
// cert-manager Certificate of a namespace into its Secret, following the
// Certificate field by field, the way cert-manager's SelfSigned and CA
// issuers do (https://cert-manager.io/docs/configuration/selfsigned,
// https://cert-manager.io/docs/configuration/ca). Written from cert-manager's
// documented API (cert-manager.io/v1), not from its code.
//
// Why not the real controllers: the cert-manager module at the pinned version
// (v1.21.2) is served by the Go module proxy, but its controller binary lives
// in a separate module (cmd/controller) that the proxy does not serve, and
// wiring the controller packages into a binary of our own would mean porting
// that binary's main. The issuer below refuses any Certificate field it does
// not implement, so a render that relies on one fails loudly instead of being
// issued wrongly.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
)

// certificateSpec is the part of cert-manager.io/v1 CertificateSpec the
// issuer implements. Decoding is strict: any other field is an error.
type certificateSpec struct {
	SecretName     string              `json:"secretName"`
	CommonName     string              `json:"commonName,omitempty"`
	DNSNames       []string            `json:"dnsNames,omitempty"`
	IPAddresses    []string            `json:"ipAddresses,omitempty"`
	URIs           []string            `json:"uris,omitempty"`
	EmailAddresses []string            `json:"emailAddresses,omitempty"`
	Subject        *certificateSubject `json:"subject,omitempty"`
	Duration       string              `json:"duration,omitempty"`
	RenewBefore    string              `json:"renewBefore,omitempty"`
	IsCA           bool                `json:"isCA,omitempty"`
	Usages         []string            `json:"usages,omitempty"`
	PrivateKey     *struct {
		Algorithm      string `json:"algorithm,omitempty"`
		Encoding       string `json:"encoding,omitempty"`
		Size           int    `json:"size,omitempty"`
		RotationPolicy string `json:"rotationPolicy,omitempty"`
	} `json:"privateKey,omitempty"`
	IssuerRef struct {
		Name  string `json:"name"`
		Kind  string `json:"kind,omitempty"`
		Group string `json:"group,omitempty"`
	} `json:"issuerRef"`
	SecretTemplate *struct {
		Labels      map[string]string `json:"labels,omitempty"`
		Annotations map[string]string `json:"annotations,omitempty"`
	} `json:"secretTemplate,omitempty"`
}

type certificateSubject struct {
	Organizations       []string `json:"organizations,omitempty"`
	OrganizationalUnits []string `json:"organizationalUnits,omitempty"`
	Countries           []string `json:"countries,omitempty"`
	Provinces           []string `json:"provinces,omitempty"`
	Localities          []string `json:"localities,omitempty"`
	StreetAddresses     []string `json:"streetAddresses,omitempty"`
	PostalCodes         []string `json:"postalCodes,omitempty"`
	SerialNumber        string   `json:"serialNumber,omitempty"`
}

type issuerSpec struct {
	SelfSigned *struct{} `json:"selfSigned,omitempty"`
	CA         *struct {
		SecretName string `json:"secretName"`
	} `json:"ca,omitempty"`
}

// Certificate is one rendered Certificate, decoded.
type Certificate struct {
	Name string
	Spec certificateSpec
}

// Issuer is one rendered Issuer, decoded.
type Issuer struct {
	Name string
	Spec issuerSpec
}

// strictDecode decodes the "spec" of obj into out, refusing unknown fields.
func strictDecode(obj *unstructured.Unstructured, out any) error {
	spec, ok := obj.Object["spec"]
	if !ok {
		return fmt.Errorf("%s %s has no spec", obj.GetKind(), obj.GetName())
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%s %s: the boot tier's issuer does not implement this: %v", obj.GetKind(), obj.GetName(), err)
	}
	return nil
}

// DecodeCertificates picks the cert-manager Issuers and Certificates out of
// objs.
func DecodeCertificates(objs []*unstructured.Unstructured) ([]Issuer, []Certificate, error) {
	var issuers []Issuer
	var certs []Certificate
	for _, o := range objs {
		if !strings.HasPrefix(o.GetAPIVersion(), "cert-manager.io/") {
			continue
		}
		switch o.GetKind() {
		case "Issuer":
			var s issuerSpec
			if err := strictDecode(o, &s); err != nil {
				return nil, nil, err
			}
			if (s.SelfSigned == nil) == (s.CA == nil) {
				return nil, nil, fmt.Errorf("Issuer %s: the boot tier's issuer supports selfSigned or ca issuers only", o.GetName())
			}
			issuers = append(issuers, Issuer{Name: o.GetName(), Spec: s})
		case "Certificate":
			var s certificateSpec
			if err := strictDecode(o, &s); err != nil {
				return nil, nil, err
			}
			certs = append(certs, Certificate{Name: o.GetName(), Spec: s})
		default:
			return nil, nil, fmt.Errorf("%s %s: the boot tier's issuer supports Issuer and Certificate only", o.GetKind(), o.GetName())
		}
	}
	return issuers, certs, nil
}

// Issued is what issuing a Certificate produced: the data of its Secret.
type Issued struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
	KeyPEM  []byte
	CAPEM   []byte
}

// IssueAll issues every Certificate with the Issuers given, in dependency
// order (a CA issuer is ready once the Certificate that fills its Secret is
// issued). It returns the Secret data per Certificate name, and fails on a
// Certificate whose issuer never becomes ready.
func IssueAll(issuers []Issuer, certs []Certificate, now time.Time) (map[string]*Issued, error) {
	byIssuer := map[string]Issuer{}
	for _, is := range issuers {
		byIssuer[is.Name] = is
	}
	bySecret := map[string]*Issued{} // secretName -> issued
	out := map[string]*Issued{}
	pending := append([]Certificate(nil), certs...)
	sort.Slice(pending, func(i, j int) bool { return pending[i].Name < pending[j].Name })
	for len(pending) > 0 {
		var next []Certificate
		progress := false
		for _, c := range pending {
			ref := c.Spec.IssuerRef
			if ref.Kind != "" && ref.Kind != "Issuer" || ref.Group != "" && ref.Group != "cert-manager.io" {
				return nil, fmt.Errorf("Certificate %s: issuerRef %s/%s %s: the boot tier issues from namespaced cert-manager Issuers only", c.Name, ref.Group, ref.Kind, ref.Name)
			}
			is, ok := byIssuer[ref.Name]
			if !ok {
				return nil, fmt.Errorf("Certificate %s: Issuer %q is not rendered in this namespace", c.Name, ref.Name)
			}
			var parent *Issued
			if is.Spec.CA != nil {
				parent = bySecret[is.Spec.CA.SecretName]
				if parent == nil {
					next = append(next, c)
					continue
				}
				if !parent.Cert.IsCA {
					return nil, fmt.Errorf("Certificate %s: Issuer %s uses Secret %s, which does not hold a CA", c.Name, is.Name, is.Spec.CA.SecretName)
				}
			}
			iss, err := Issue(c, parent, now)
			if err != nil {
				return nil, err
			}
			bySecret[c.Spec.SecretName] = iss
			out[c.Name] = iss
			progress = true
		}
		if !progress {
			var names []string
			for _, c := range next {
				names = append(names, fmt.Sprintf("%s (Issuer %s)", c.Name, c.Spec.IssuerRef.Name))
			}
			return nil, fmt.Errorf("Certificates never issued, their CA Issuer's Secret is never filled: %s", strings.Join(names, ", "))
		}
		pending = next
	}
	return out, nil
}

// Issue issues one Certificate: self-signed when parent is nil, else signed
// by parent (the CA Issuer's key pair).
func Issue(c Certificate, parent *Issued, now time.Time) (*Issued, error) {
	s := c.Spec
	fail := func(format string, args ...any) (*Issued, error) {
		return nil, fmt.Errorf("Certificate %s: "+format, append([]any{c.Name}, args...)...)
	}
	if s.SecretName == "" {
		return fail("no secretName")
	}
	key, keyPEM, err := newPrivateKey(s)
	if err != nil {
		return fail("%v", err)
	}
	duration := 90 * 24 * time.Hour // cert-manager's default
	if s.Duration != "" {
		if duration, err = time.ParseDuration(s.Duration); err != nil {
			return fail("duration: %v", err)
		}
	}
	if s.RenewBefore != "" {
		rb, err := time.ParseDuration(s.RenewBefore)
		if err != nil {
			return fail("renewBefore: %v", err)
		}
		if rb >= duration {
			return fail("renewBefore %s is not shorter than duration %s", rb, duration)
		}
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject(s),
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(duration),
		DNSNames:              s.DNSNames,
		EmailAddresses:        s.EmailAddresses,
		BasicConstraintsValid: true,
		IsCA:                  s.IsCA,
	}
	for _, ip := range s.IPAddresses {
		parsed := net.ParseIP(ip)
		if parsed == nil {
			return fail("ipAddresses: %q is not an IP", ip)
		}
		tmpl.IPAddresses = append(tmpl.IPAddresses, parsed)
	}
	for _, u := range s.URIs {
		parsed, err := url.Parse(u)
		if err != nil {
			return fail("uris: %v", err)
		}
		tmpl.URIs = append(tmpl.URIs, parsed)
	}
	usages := s.Usages
	if len(usages) == 0 {
		usages = []string{"digital signature", "key encipherment"} // cert-manager's default
	}
	for _, u := range usages {
		if ku, ok := keyUsages[u]; ok {
			tmpl.KeyUsage |= ku
		} else if eku, ok := extKeyUsages[u]; ok {
			tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, eku)
		} else {
			return fail("usage %q is not implemented by the boot tier's issuer", u)
		}
	}
	if s.IsCA {
		// cert-manager always adds cert sign to a CA.
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	tmpl.SubjectKeyId = keyID(key.Public())
	signerCert, signerKey := tmpl, key
	if parent != nil {
		signerCert, signerKey = parent.Cert, parent.Key
		if tmpl.NotAfter.After(parent.Cert.NotAfter) {
			// cert-manager's CA issuer caps a leaf at its CA's expiry.
			tmpl.NotAfter = parent.Cert.NotAfter
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signerKey)
	if err != nil {
		return fail("sign: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	caPEM := certPEM // self-signed: ca.crt is the certificate itself
	if parent != nil {
		caPEM = parent.CAPEM
		if !parent.Cert.Equal(rootOf(parent)) {
			certPEM = append(certPEM, parent.CertPEM...)
		}
	}
	return &Issued{Cert: cert, Key: key, CertPEM: certPEM, KeyPEM: keyPEM, CAPEM: caPEM}, nil
}

// rootOf is the certificate at the top of an issued chain: the issuer's CA
// certificate (ca.crt).
func rootOf(i *Issued) *x509.Certificate {
	block, _ := pem.Decode(i.CAPEM)
	if block == nil {
		return nil
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil
	}
	return c
}

func subject(s certificateSpec) pkix.Name {
	n := pkix.Name{CommonName: s.CommonName}
	if sub := s.Subject; sub != nil {
		n.Organization = sub.Organizations
		n.OrganizationalUnit = sub.OrganizationalUnits
		n.Country = sub.Countries
		n.Province = sub.Provinces
		n.Locality = sub.Localities
		n.StreetAddress = sub.StreetAddresses
		n.PostalCode = sub.PostalCodes
		n.SerialNumber = sub.SerialNumber
	}
	return n
}

// keyUsages and extKeyUsages map cert-manager's usage names to x509.
var keyUsages = map[string]x509.KeyUsage{
	"digital signature":  x509.KeyUsageDigitalSignature,
	"content commitment": x509.KeyUsageContentCommitment,
	"key encipherment":   x509.KeyUsageKeyEncipherment,
	"data encipherment":  x509.KeyUsageDataEncipherment,
	"key agreement":      x509.KeyUsageKeyAgreement,
	"cert sign":          x509.KeyUsageCertSign,
	"crl sign":           x509.KeyUsageCRLSign,
	"encipher only":      x509.KeyUsageEncipherOnly,
	"decipher only":      x509.KeyUsageDecipherOnly,
}

var extKeyUsages = map[string]x509.ExtKeyUsage{
	"any":              x509.ExtKeyUsageAny,
	"server auth":      x509.ExtKeyUsageServerAuth,
	"client auth":      x509.ExtKeyUsageClientAuth,
	"code signing":     x509.ExtKeyUsageCodeSigning,
	"email protection": x509.ExtKeyUsageEmailProtection,
	"timestamping":     x509.ExtKeyUsageTimeStamping,
	"ocsp signing":     x509.ExtKeyUsageOCSPSigning,
}

func keyID(pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	sum := sha1.Sum(der)
	return sum[:]
}

// newPrivateKey makes the key the Certificate asks for, PEM-encoded the way
// it asks (cert-manager's defaults: RSA 2048, PKCS1).
func newPrivateKey(s certificateSpec) (crypto.Signer, []byte, error) {
	alg, enc, size := "RSA", "PKCS1", 0
	if pk := s.PrivateKey; pk != nil {
		if pk.Algorithm != "" {
			alg = pk.Algorithm
		}
		if pk.Encoding != "" {
			enc = pk.Encoding
		}
		size = pk.Size
	}
	var key crypto.Signer
	var err error
	switch alg {
	case "RSA":
		if size == 0 {
			size = 2048
		}
		if size < 2048 || size > 8192 {
			return nil, nil, fmt.Errorf("RSA key size %d is outside 2048..8192", size)
		}
		key, err = rsa.GenerateKey(rand.Reader, size)
	case "ECDSA":
		var curve elliptic.Curve
		switch size {
		case 0, 256:
			curve = elliptic.P256()
		case 384:
			curve = elliptic.P384()
		case 521:
			curve = elliptic.P521()
		default:
			return nil, nil, fmt.Errorf("ECDSA key size %d is not 256, 384 or 521", size)
		}
		key, err = ecdsa.GenerateKey(curve, rand.Reader)
	case "Ed25519":
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, nil, fmt.Errorf("private key algorithm %q is not RSA, ECDSA or Ed25519", alg)
	}
	if err != nil {
		return nil, nil, err
	}
	var block *pem.Block
	switch {
	case enc == "PKCS8":
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	case enc != "PKCS1":
		return nil, nil, fmt.Errorf("private key encoding %q is not PKCS1 or PKCS8", enc)
	case alg == "RSA":
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key.(*rsa.PrivateKey))}
	case alg == "ECDSA":
		der, err := x509.MarshalECPrivateKey(key.(*ecdsa.PrivateKey))
		if err != nil {
			return nil, nil, err
		}
		block = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	default: // Ed25519 has no PKCS1 form; cert-manager writes PKCS8
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	return key, pem.EncodeToMemory(block), nil
}

// SecretFor is the Secret cert-manager writes for an issued Certificate:
// type kubernetes.io/tls with tls.crt, tls.key and ca.crt, the
// secretTemplate's labels and annotations, and cert-manager's annotations.
func SecretFor(namespace string, c Certificate, iss *Issued) *corev1.Secret {
	labels := map[string]string{"controller.cert-manager.io/fao": "true"}
	annotations := map[string]string{
		"cert-manager.io/certificate-name": c.Name,
		"cert-manager.io/issuer-name":      c.Spec.IssuerRef.Name,
		"cert-manager.io/issuer-kind":      "Issuer",
		"cert-manager.io/issuer-group":     "cert-manager.io",
		"cert-manager.io/common-name":      c.Spec.CommonName,
	}
	if t := c.Spec.SecretTemplate; t != nil {
		for k, v := range t.Labels {
			labels[k] = v
		}
		for k, v := range t.Annotations {
			annotations[k] = v
		}
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name: c.Spec.SecretName, Namespace: namespace,
			Labels: labels, Annotations: annotations,
		},
		Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{
			corev1.TLSCertKey:       iss.CertPEM,
			corev1.TLSPrivateKeyKey: iss.KeyPEM,
			"ca.crt":                iss.CAPEM,
		},
	}
}

// IssueNamespace issues the Certificates of objs (one cluster's rendered
// objects) into their Secrets in namespace on the seed, creating or
// replacing each Secret. It returns what it issued, by Certificate name.
func IssueNamespace(ctx context.Context, cs kubernetes.Interface, namespace string, objs []*unstructured.Unstructured, now time.Time) (map[string]*Issued, []Certificate, error) {
	issuers, certs, err := DecodeCertificates(objs)
	if err != nil {
		return nil, nil, err
	}
	issued, err := IssueAll(issuers, certs, now)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range certs {
		if err := PutSecret(ctx, cs, SecretFor(namespace, c, issued[c.Name])); err != nil {
			return nil, nil, fmt.Errorf("Certificate %s: write Secret %s: %w", c.Name, c.Spec.SecretName, err)
		}
	}
	return issued, certs, nil
}

// PutSecret creates s, or replaces the Secret of that name.
func PutSecret(ctx context.Context, cs kubernetes.Interface, s *corev1.Secret) error {
	_, err := cs.CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		_, err = cs.CoreV1().Secrets(s.Namespace).Update(ctx, s, metav1.UpdateOptions{})
	}
	return err
}
