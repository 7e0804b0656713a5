package controlplane

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/renderer/object"
)

// issued is what cert-manager would write into a Certificate's Secret.
type issued struct {
	cert *x509.Certificate
	key  crypto.Signer
	data map[string][]byte
}

// issueAll emulates cert-manager for the rendered Issuers and Certificates
// (ECDSA keys instead of RSA, for speed; chains, usages and names are what
// matter here).
func issueAll(t *testing.T, objs []object.Object) map[string]*issued {
	t.Helper()
	issuers := map[string]*cmv1.Issuer{}
	var certs []*cmv1.Certificate
	for _, o := range objs {
		switch x := o.(type) {
		case *cmv1.Issuer:
			issuers[x.Name] = x
		case *cmv1.Certificate:
			certs = append(certs, x)
		}
	}
	usage := map[cmv1.KeyUsage]func(*x509.Certificate){
		cmv1.UsageDigitalSignature: func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageDigitalSignature },
		cmv1.UsageKeyEncipherment:  func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageKeyEncipherment },
		cmv1.UsageCertSign:         func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageCertSign },
		cmv1.UsageCRLSign:          func(c *x509.Certificate) { c.KeyUsage |= x509.KeyUsageCRLSign },
		cmv1.UsageServerAuth:       func(c *x509.Certificate) { c.ExtKeyUsage = append(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth) },
		cmv1.UsageClientAuth:       func(c *x509.Certificate) { c.ExtKeyUsage = append(c.ExtKeyUsage, x509.ExtKeyUsageClientAuth) },
	}
	out := map[string]*issued{}
	for serial := int64(1); len(out) < len(certs); serial++ {
		progress := false
		for _, c := range certs {
			if out[c.Spec.SecretName] != nil {
				continue
			}
			iss := issuers[c.Spec.IssuerRef.Name]
			if iss == nil {
				t.Fatalf("Certificate %s: no Issuer %s", c.Name, c.Spec.IssuerRef.Name)
			}
			var parent *issued
			if iss.Spec.CA != nil {
				if parent = out[iss.Spec.CA.SecretName]; parent == nil {
					continue // its CA is not issued yet
				}
			}
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			tmpl := &x509.Certificate{
				SerialNumber:          big.NewInt(serial),
				Subject:               pkix.Name{CommonName: c.Spec.CommonName},
				DNSNames:              c.Spec.DNSNames,
				NotBefore:             time.Now().Add(-time.Hour),
				NotAfter:              time.Now().Add(c.Spec.Duration.Duration),
				IsCA:                  c.Spec.IsCA,
				BasicConstraintsValid: true,
			}
			if c.Spec.Subject != nil {
				tmpl.Subject.Organization = c.Spec.Subject.Organizations
			}
			for _, ip := range c.Spec.IPAddresses {
				tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
			}
			for _, u := range c.Spec.Usages {
				f, ok := usage[u]
				if !ok {
					t.Fatalf("Certificate %s: unexpected usage %q", c.Name, u)
				}
				f(tmpl)
			}
			signer, signerKey := tmpl, crypto.Signer(key)
			if parent != nil {
				signer, signerKey = parent.cert, parent.key
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, key.Public(), signerKey)
			if err != nil {
				t.Fatalf("Certificate %s: %v", c.Name, err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			keyDER, err := x509.MarshalECPrivateKey(key)
			if err != nil {
				t.Fatal(err)
			}
			crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
			ca := crt
			if parent != nil {
				ca = parent.data[keyCert]
			}
			out[c.Spec.SecretName] = &issued{cert: cert, key: key, data: map[string][]byte{
				keyCert: crt,
				keyKey:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
				keyCA:   ca,
			}}
			progress = true
		}
		if !progress {
			t.Fatal("Certificates whose CA is never issued")
		}
	}
	return out
}

// containerFS is what a container sees under its mounts: path → content.
type containerFS map[string][]byte

func mountedFiles(t *testing.T, objs []object.Object, secrets map[string]*issued) map[string]containerFS {
	t.Helper()
	cms := map[string]*corev1.ConfigMap{}
	for _, o := range objs {
		if cm, ok := o.(*corev1.ConfigMap); ok {
			cms[cm.Name] = cm
		}
	}
	out := map[string]containerFS{}
	for wl, spec := range podSpecs(objs) {
		vols := map[string]corev1.Volume{}
		for _, v := range spec.Volumes {
			vols[v.Name] = v
		}
		for _, c := range spec.Containers {
			fs := containerFS{}
			for _, m := range c.VolumeMounts {
				v := vols[m.Name]
				switch {
				case v.Secret != nil:
					s := secrets[v.Secret.SecretName]
					if s == nil {
						t.Fatalf("%s: Secret %s is not written by any Certificate", wl, v.Secret.SecretName)
					}
					if len(v.Secret.Items) == 0 {
						for k, b := range s.data {
							fs[path.Join(m.MountPath, k)] = b
						}
					}
					for _, it := range v.Secret.Items {
						fs[path.Join(m.MountPath, it.Path)] = s.data[it.Key]
					}
				case v.ConfigMap != nil && len(v.ConfigMap.Items) > 0:
					for _, it := range v.ConfigMap.Items {
						fs[path.Join(m.MountPath, it.Path)] = []byte(cms[v.ConfigMap.Name].Data[it.Key])
					}
				case v.ConfigMap != nil:
					for k, d := range cms[v.ConfigMap.Name].Data {
						fs[path.Join(m.MountPath, k)] = []byte(d)
					}
				}
			}
			out[strings.TrimPrefix(wl, "Deployment/")+"/"+c.Name] = fs
		}
	}
	return out
}

func (fs containerFS) file(t *testing.T, p string) []byte {
	t.Helper()
	b, ok := fs[p]
	if !ok {
		t.Fatalf("file %s is not mounted", p)
	}
	return b
}

func (fs containerFS) cert(t *testing.T, p string) *x509.Certificate {
	t.Helper()
	blk, _ := pem.Decode(fs.file(t, p))
	if blk == nil || blk.Type != "CERTIFICATE" {
		t.Fatalf("%s is not a PEM certificate", p)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (fs containerFS) pool(t *testing.T, p string) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(fs.file(t, p)) {
		t.Fatalf("%s holds no certificate", p)
	}
	return pool
}

// isKeyOf reports whether the PEM key at p belongs to cert.
func (fs containerFS) isKeyOf(t *testing.T, p string, cert *x509.Certificate) bool {
	t.Helper()
	blk, _ := pem.Decode(fs.file(t, p))
	if blk == nil {
		t.Fatalf("%s is not PEM", p)
	}
	key, err := x509.ParseECPrivateKey(blk.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return key.PublicKey.Equal(cert.PublicKey)
}

func verify(t *testing.T, what string, c *x509.Certificate, roots *x509.CertPool, host string, usage x509.ExtKeyUsage) {
	t.Helper()
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, DNSName: host, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

func hostOf(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(u.Hostname(), ".")
}

// TestPKIWiring issues every Certificate as cert-manager would, lays the
// Secrets and ConfigMaps out as the kubelet would, and checks each TLS
// connection the control plane makes: the right chain, usage and name.
func TestPKIWiring(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			in := v.input()
			objs := render(t, in)
			secrets := issueAll(t, objs)
			fss := mountedFiles(t, objs, secrets)
			api, etcd := fss["apiserver/apiserver"], fss["StatefulSet/etcd/etcd"]
			apiArgs := container(find[*appsv1.Deployment](objs, "Deployment", "apiserver").Spec.Template.Spec, "apiserver").Args
			etcdArgs := container(find[*appsv1.StatefulSet](objs, "StatefulSet", "etcd").Spec.Template.Spec, "etcd").Args
			arg := func(args []string, name string) string {
				val, ok := flag(args, name)
				if !ok {
					t.Fatalf("no --%s", name)
				}
				return val
			}

			// apiserver → etcd, both ways.
			etcdServing := etcd.cert(t, arg(etcdArgs, "cert-file"))
			if !etcd.isKeyOf(t, arg(etcdArgs, "key-file"), etcdServing) {
				t.Errorf("etcd --key-file does not match --cert-file")
			}
			for _, s := range strings.Split(arg(apiArgs, "etcd-servers"), ",") {
				verify(t, "etcd serving for "+s, etcdServing, api.pool(t, arg(apiArgs, "etcd-cafile")), hostOf(t, s), x509.ExtKeyUsageServerAuth)
			}
			verify(t, "etcd as its own client (readiness probe)", etcdServing, etcd.pool(t, arg(etcdArgs, "trusted-ca-file")), "", x509.ExtKeyUsageClientAuth)
			etcdClient := api.cert(t, arg(apiArgs, "etcd-certfile"))
			verify(t, "apiserver's etcd client", etcdClient, etcd.pool(t, arg(etcdArgs, "trusted-ca-file")), "", x509.ExtKeyUsageClientAuth)
			if !api.isKeyOf(t, arg(apiArgs, "etcd-keyfile"), etcdClient) {
				t.Errorf("--etcd-keyfile does not match --etcd-certfile")
			}

			// The apiserver's own serving certificate and clients.
			serving := api.cert(t, arg(apiArgs, "tls-cert-file"))
			if !api.isKeyOf(t, arg(apiArgs, "tls-private-key-file"), serving) {
				t.Errorf("--tls-private-key-file does not match --tls-cert-file")
			}
			clientCA := api.pool(t, arg(apiArgs, "client-ca-file"))
			kubelet := api.cert(t, arg(apiArgs, "kubelet-client-certificate"))
			verify(t, "kubelet client", kubelet, clientCA, "", x509.ExtKeyUsageClientAuth)
			if !slices.Contains(kubelet.Subject.Organization, "system:masters") {
				t.Errorf("kubelet client is not in system:masters")
			}
			proxy := api.cert(t, arg(apiArgs, "proxy-client-cert-file"))
			verify(t, "front-proxy client", proxy, api.pool(t, arg(apiArgs, "requestheader-client-ca-file")), "", x509.ExtKeyUsageClientAuth)
			if proxy.Subject.CommonName != arg(apiArgs, "requestheader-allowed-names") {
				t.Errorf("front-proxy client CN %q is not the allowed name", proxy.Subject.CommonName)
			}
			if _, err := proxy.Verify(x509.VerifyOptions{Roots: clientCA, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
				t.Errorf("front-proxy client is trusted by --client-ca-file: the chains must be separate")
			}
			saKey := api.file(t, arg(apiArgs, "service-account-signing-key-file"))
			if !bytes.Equal(saKey, api.file(t, arg(apiArgs, "service-account-key-file"))) {
				t.Errorf("service-account key and signing key differ")
			}

			// The kubeconfig clients.
			ext := in.Cluster.Name + ".europe.kkp.example.com"
			checkKubeconfig := func(who string, fs containerFS, kcPath, dir, wantUser string) {
				var kc kubeconfig
				if err := yaml.UnmarshalStrict(fs.file(t, kcPath), &kc); err != nil {
					t.Fatal(err)
				}
				abs := func(p string) string {
					if path.IsAbs(p) {
						return p
					}
					return path.Join(dir, p)
				}
				cl, u := kc.Clusters[0].Cluster, kc.Users[0].User
				verify(t, who+" → apiserver", serving, fs.pool(t, abs(cl.CertificateAuthority)), hostOf(t, cl.Server), x509.ExtKeyUsageServerAuth)
				client := fs.cert(t, abs(u.ClientCertificate))
				verify(t, who+" client", client, clientCA, "", x509.ExtKeyUsageClientAuth)
				if !fs.isKeyOf(t, abs(u.ClientKey), client) {
					t.Errorf("%s: client key does not match its certificate", who)
				}
				if client.Subject.CommonName != wantUser {
					t.Errorf("%s authenticates as %q, want %q", who, client.Subject.CommonName, wantUser)
				}
			}
			kcm := fss["controller-manager/controller-manager"]
			kcmArgs := container(find[*appsv1.Deployment](objs, "Deployment", "controller-manager").Spec.Template.Spec, "controller-manager").Args
			checkKubeconfig("controller-manager", kcm, arg(kcmArgs, "kubeconfig"), "", "system:kube-controller-manager")
			sch := fss["scheduler/scheduler"]
			schArgs := container(find[*appsv1.Deployment](objs, "Deployment", "scheduler").Spec.Template.Spec, "scheduler").Args
			checkKubeconfig("scheduler", sch, arg(schArgs, "kubeconfig"), "", "system:kube-scheduler")

			// The controller-manager signs with the CA the apiserver trusts,
			// and signs tokens with the apiserver's key.
			signing := kcm.cert(t, arg(kcmArgs, "cluster-signing-cert-file"))
			if !signing.IsCA || !bytes.Equal(kcm.file(t, arg(kcmArgs, "cluster-signing-cert-file")), api.file(t, arg(apiArgs, "client-ca-file"))) {
				t.Errorf("--cluster-signing-cert-file is not the apiserver's client CA")
			}
			if !kcm.isKeyOf(t, arg(kcmArgs, "cluster-signing-key-file"), signing) {
				t.Errorf("--cluster-signing-key-file does not match the CA")
			}
			if !bytes.Equal(kcm.file(t, arg(kcmArgs, "service-account-private-key-file")), saKey) {
				t.Errorf("controller-manager and apiserver use different service-account keys")
			}
			for _, fs := range []containerFS{api, etcd, sch, fss["apiserver/konnectivity-server"]} {
				for p, b := range fs {
					if bytes.Equal(b, secrets[certCA].data[keyKey]) {
						t.Errorf("the CA key is mounted at %s outside the controller-manager", p)
					}
				}
			}

			// Admin, from files next to its kubeconfig.
			adminFS := containerFS{"/admin/kubeconfig": []byte(find[*corev1.ConfigMap](objs, "ConfigMap", cmAdminKubeconfig).Data[kubeconfigKey])}
			for k, b := range secrets[certAdmin].data {
				adminFS["/admin/"+k] = b
			}
			checkKubeconfig("admin", adminFS, "/admin/kubeconfig", "/admin", "kubermatic:admin")

			// Konnectivity: its kubeconfig, and agents reaching its serving cert.
			if konn := fss["apiserver/konnectivity-server"]; konn != nil {
				konnArgs := container(find[*appsv1.Deployment](objs, "Deployment", "apiserver").Spec.Template.Spec, containerKonnectivity).Args
				checkKubeconfig("konnectivity-server", konn, arg(konnArgs, "kubeconfig"), "", "system:konnectivity-server")
				kserving := konn.cert(t, arg(konnArgs, "cluster-cert"))
				if !konn.isKeyOf(t, arg(konnArgs, "cluster-key"), kserving) {
					t.Errorf("konnectivity --cluster-key does not match --cluster-cert")
				}
				for _, host := range []string{ext, "konnectivity-server." + ext} {
					verify(t, "konnectivity serving for "+host, kserving, api.pool(t, arg(apiArgs, "client-ca-file")), host, x509.ExtKeyUsageServerAuth)
				}
			}
		})
	}
}
