package harness

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestExpandVars(t *testing.T) {
	env := map[string]string{"POD_NAME": "etcd-0", "POD_IP": "198.18.0.2"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for in, want := range map[string]string{
		"--name=$(POD_NAME)":             "--name=etcd-0",
		"$(POD_NAME).$(POD_IP)":          "etcd-0.198.18.0.2",
		"$(UNKNOWN)":                     "$(UNKNOWN)",
		"$$(POD_NAME)":                   "$(POD_NAME)",
		"a$$b":                           "a$b",
		"$(POD_NAME":                     "$(POD_NAME",
		"price $5":                       "price $5",
		"trailing $":                     "trailing $",
		"--x=https://$(POD_IP):2379,127": "--x=https://198.18.0.2:2379,127",
	} {
		if got := ExpandVars(in, lookup); got != want {
			t.Errorf("ExpandVars(%q) = %q, want %q", in, got, want)
		}
	}
}

func obj(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	objs, err := DecodeYAML([]byte(y))
	if err != nil || len(objs) != 1 {
		t.Fatalf("decode: %v", err)
	}
	return objs[0]
}

const issuerYAML = `
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: selfsigned}
spec: {selfSigned: {}}
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: ca}
spec: {ca: {secretName: ca}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: ca}
spec:
  secretName: ca
  commonName: root
  isCA: true
  duration: 87600h
  issuerRef: {name: selfsigned, kind: Issuer, group: cert-manager.io}
  usages: [digital signature, cert sign, crl sign]
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: serving}
spec:
  secretName: serving
  commonName: kube-apiserver
  dnsNames: [apiserver.example]
  ipAddresses: [10.0.0.1]
  subject: {organizations: [system:masters]}
  duration: 8760h
  renewBefore: 720h
  privateKey: {algorithm: ECDSA, size: 384, encoding: PKCS8}
  issuerRef: {name: ca, kind: Issuer, group: cert-manager.io}
  usages: [digital signature, server auth, client auth]
`

func TestIssuerFollowsTheCertificate(t *testing.T) {
	objs, err := DecodeYAML([]byte(issuerYAML))
	if err != nil {
		t.Fatal(err)
	}
	issuers, certs, err := DecodeCertificates(objs)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	out, err := IssueAll(issuers, certs, now)
	if err != nil {
		t.Fatal(err)
	}
	ca, leaf := out["ca"], out["serving"]
	if !ca.Cert.IsCA || ca.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("ca: IsCA %v, usage %v", ca.Cert.IsCA, ca.Cert.KeyUsage)
	}
	c := leaf.Cert
	if c.Subject.CommonName != "kube-apiserver" || len(c.Subject.Organization) != 1 || c.Subject.Organization[0] != "system:masters" {
		t.Errorf("subject %v", c.Subject)
	}
	if len(c.DNSNames) != 1 || c.DNSNames[0] != "apiserver.example" || len(c.IPAddresses) != 1 || !c.IPAddresses[0].Equal([]byte{10, 0, 0, 1}) {
		t.Errorf("SANs %v %v", c.DNSNames, c.IPAddresses)
	}
	if c.IsCA || len(c.ExtKeyUsage) != 2 {
		t.Errorf("IsCA %v, ext usages %v", c.IsCA, c.ExtKeyUsage)
	}
	if got := c.NotAfter.Sub(now).Round(time.Hour); got != 8760*time.Hour {
		t.Errorf("duration %s", got)
	}
	if block, _ := pem.Decode(leaf.KeyPEM); block == nil || block.Type != "PRIVATE KEY" {
		t.Errorf("key PEM is not PKCS8")
	}
	if c.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("key algorithm %v", c.PublicKeyAlgorithm)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(leaf.CAPEM)
	if _, err := c.Verify(x509.VerifyOptions{Roots: pool, DNSName: "apiserver.example", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("the leaf does not verify against ca.crt: %v", err)
	}
	s := SecretFor("ns", certs[1], leaf)
	if s.Name != "serving" || len(s.Data["tls.crt"]) == 0 || len(s.Data["tls.key"]) == 0 || len(s.Data["ca.crt"]) == 0 {
		t.Errorf("secret %s keys %v", s.Name, s.Data)
	}
}

func TestIssuerRefusesWhatItDoesNotImplement(t *testing.T) {
	for name, y := range map[string]string{
		"unknown field": "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: x}\nspec: {secretName: x, issuerRef: {name: ca}, keystores: {}}\n",
		"acme issuer":   "apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata: {name: x}\nspec: {acme: {}}\n",
	} {
		if _, _, err := DecodeCertificates([]*unstructured.Unstructured{obj(t, y)}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	objs, _ := DecodeYAML([]byte(strings.Replace(issuerYAML, "usages: [digital signature, server auth, client auth]", "usages: [warp drive]", 1)))
	issuers, certs, err := DecodeCertificates(objs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := IssueAll(issuers, certs, time.Now()); err == nil || !strings.Contains(err.Error(), "warp drive") {
		t.Errorf("unknown usage: %v", err)
	}
	// A CA Issuer whose Secret no Certificate fills never issues.
	objs, _ = DecodeYAML([]byte(strings.Replace(issuerYAML, "spec: {ca: {secretName: ca}}", "spec: {ca: {secretName: nowhere}}", 1)))
	issuers, certs, _ = DecodeCertificates(objs)
	if _, err := IssueAll(issuers, certs, time.Now()); err == nil || !strings.Contains(err.Error(), "serving") {
		t.Errorf("unfilled CA: %v", err)
	}
}

func TestImageRepo(t *testing.T) {
	for in, want := range map[string]string{
		"registry.k8s.io/kube-apiserver:v1.37.2":  "kube-apiserver",
		"registry.k8s.io/etcd:3.6.16-0":           "etcd",
		"mirror.example.com:5000/etcd@sha256:abc": "etcd",
		"docker.io/alpine/k8s:1.37.2":             "k8s",
		"quay.io/kubermatic/kubermatic":           "kubermatic",
	} {
		if got := imageRepo(in); got != want {
			t.Errorf("imageRepo(%q) = %q, want %q", in, got, want)
		}
	}
}
