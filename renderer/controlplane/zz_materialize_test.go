package controlplane

// Throwaway: emulate cert-manager and the kubelet's volume setup on disk so
// that the real etcd and kube-apiserver binaries can run the rendered args.

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/fleetc/fleetc/renderer/model"
)

type kp struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	data map[string][]byte
}

func TestZZMaterialize(t *testing.T) {
	root := os.Getenv("CP_ROOT")
	if root == "" {
		t.Skip()
	}
	v := variant{name: "local", expose: model.ExposeNodePort, tunnel: model.TunnelKonnectivity, etcd: 1, apiserver: 1, keys: true}
	objs := render(t, v.input())
	issuers := map[string]*cmv1.Issuer{}
	var certs []*cmv1.Certificate
	cms := map[string]*corev1.ConfigMap{}
	for _, o := range objs {
		switch x := o.(type) {
		case *cmv1.Issuer:
			issuers[x.Name] = x
		case *cmv1.Certificate:
			certs = append(certs, x)
		case *corev1.ConfigMap:
			cms[x.Name] = x
		}
	}
	secrets := map[string]*kp{}
	// issue until all done (CAs first by dependency)
	for len(secrets) < len(certs) {
		progress := false
		for _, c := range certs {
			if secrets[c.Spec.SecretName] != nil {
				continue
			}
			iss := issuers[c.Spec.IssuerRef.Name]
			var parent *kp
			if iss.Spec.CA != nil {
				parent = secrets[iss.Spec.CA.SecretName]
				if parent == nil {
					continue
				}
			}
			key, _ := rsa.GenerateKey(rand.Reader, c.Spec.PrivateKey.Size)
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(time.Now().UnixNano()),
				Subject:      pkix.Name{CommonName: c.Spec.CommonName},
				DNSNames:     c.Spec.DNSNames,
				NotBefore:    time.Now().Add(-time.Hour),
				NotAfter:     time.Now().Add(c.Spec.Duration.Duration),
				IsCA:         c.Spec.IsCA,
				BasicConstraintsValid: true,
			}
			if c.Spec.Subject != nil {
				tmpl.Subject.Organization = c.Spec.Subject.Organizations
			}
			for _, ip := range c.Spec.IPAddresses {
				tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
			}
			for _, u := range c.Spec.Usages {
				switch u {
				case cmv1.UsageDigitalSignature:
					tmpl.KeyUsage |= x509.KeyUsageDigitalSignature
				case cmv1.UsageKeyEncipherment:
					tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
				case cmv1.UsageCertSign:
					tmpl.KeyUsage |= x509.KeyUsageCertSign
				case cmv1.UsageCRLSign:
					tmpl.KeyUsage |= x509.KeyUsageCRLSign
				case cmv1.UsageServerAuth:
					tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
				case cmv1.UsageClientAuth:
					tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
				default:
					t.Fatalf("usage %s", u)
				}
			}
			signer, signerKey := tmpl, key
			if parent != nil {
				signer, signerKey = parent.cert, parent.key
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
			if err != nil {
				t.Fatal(err)
			}
			cert, _ := x509.ParseCertificate(der)
			crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
			ca := crt
			if parent != nil {
				ca = parent.data["tls.crt"]
			}
			secrets[c.Spec.SecretName] = &kp{cert: cert, key: key, data: map[string][]byte{
				"tls.crt": crt,
				"tls.key": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
				"ca.crt":  ca,
			}}
			progress = true
		}
		if !progress {
			t.Fatal("no progress")
		}
	}
	// secrets for manual use
	for name, s := range secrets {
		for k, b := range s.data {
			write(t, filepath.Join(root, "secrets", name, k), b)
		}
	}
	for name, cm := range cms {
		for k, d := range cm.Data {
			write(t, filepath.Join(root, "configmaps", name, k), []byte(d))
		}
	}
	args := map[string][]string{}
	for _, o := range objs {
		var spec corev1.PodSpec
		switch w := o.(type) {
		case *appsv1.Deployment:
			spec = w.Spec.Template.Spec
		case *appsv1.StatefulSet:
			spec = w.Spec.Template.Spec
		default:
			continue
		}
		vols := map[string]corev1.Volume{}
		for _, vol := range spec.Volumes {
			vols[vol.Name] = vol
		}
		for _, c := range spec.Containers {
			croot := filepath.Join(root, "containers", o.GetName()+"-"+c.Name)
			for _, m := range c.VolumeMounts {
				dir := filepath.Join(croot, m.MountPath)
				vol, ok := vols[m.Name]
				switch {
				case !ok || vol.EmptyDir != nil:
					os.MkdirAll(dir, 0o755)
				case vol.Secret != nil:
					s := secrets[vol.Secret.SecretName].data
					if len(vol.Secret.Items) == 0 {
						for k, b := range s {
							write(t, filepath.Join(dir, k), b)
						}
					}
					for _, it := range vol.Secret.Items {
						write(t, filepath.Join(dir, it.Path), s[it.Key])
					}
				case vol.ConfigMap != nil:
					for k, d := range cms[vol.ConfigMap.Name].Data {
						// kubeconfigs reference absolute paths: rewrite to croot.
						d = strings.ReplaceAll(d, " /etc/", " "+croot+"/etc/")
						write(t, filepath.Join(dir, k), []byte(d))
					}
				}
			}
			var a []string
			for _, arg := range c.Args {
				arg = strings.ReplaceAll(arg, "=/etc/", "="+croot+"/etc/")
				arg = strings.ReplaceAll(arg, "=/var/run/etcd", "="+croot+"/var/run/etcd")
				arg = strings.ReplaceAll(arg, "$(POD_NAME)", "etcd-0")
				arg = strings.ReplaceAll(arg, "$(POD_IP)", "127.0.0.2")
				a = append(a, arg)
			}
			args[o.GetName()+"-"+c.Name] = a
		}
	}
	b, _ := json.MarshalIndent(args, "", " ")
	write(t, filepath.Join(root, "args.json"), b)
}

func write(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
