package harness

// Certificate renewal in the boot tier: the issuer stand-in re-issues the
// leaf certificates as cert-manager does before they expire, and the pod
// runtime refreshes the Secret and ConfigMap volumes of the running pods
// as the kubelet does, so that a test can see which components use the
// new certificates.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Renew re-issues every leaf Certificate of the booted cluster from its CA
// Issuer, with a new key, into its Secret: what cert-manager does when a
// certificate is due. CAs, self-signed Certificates and those whose
// private key is kept (rotationPolicy Never) are left alone: cert-manager
// renews them too, but their key does not change, so nothing that trusts
// or verifies them changes. It then refreshes the pods' volumes
// (SyncVolumes) and returns the names of the Certificates it renewed.
func (b *Booted) Renew(ctx context.Context, now time.Time) ([]string, error) {
	issuers, certs, err := DecodeCertificates(b.Objects)
	if err != nil {
		return nil, err
	}
	bySecret := map[string]*Issued{}
	for _, c := range certs {
		if iss := b.Issued[c.Name]; iss != nil {
			bySecret[c.Spec.SecretName] = iss
		}
	}
	parents := map[string]*Issued{}
	for _, is := range issuers {
		if is.Spec.CA != nil {
			parents[is.Name] = bySecret[is.Spec.CA.SecretName]
		}
	}
	var renewed []string
	for _, c := range certs {
		parent := parents[c.Spec.IssuerRef.Name]
		if parent == nil || c.Spec.IsCA || c.Spec.PrivateKey != nil && c.Spec.PrivateKey.RotationPolicy == "Never" {
			continue
		}
		iss, err := Issue(c, parent, now)
		if err != nil {
			return nil, err
		}
		if err := PutSecret(ctx, b.Seed.Clientset, SecretFor(b.Namespace, c, iss)); err != nil {
			return nil, fmt.Errorf("Certificate %s: write Secret %s: %w", c.Name, c.Spec.SecretName, err)
		}
		b.Issued[c.Name] = iss
		renewed = append(renewed, c.Name)
	}
	sort.Strings(renewed)
	if err := b.Runtime.SyncVolumes(ctx); err != nil {
		return nil, err
	}
	b.logf("boot: renewed %d certificates of %s and refreshed the pods' volumes", len(renewed), b.Namespace)
	return renewed, nil
}

// SyncVolumes writes the Secret, ConfigMap and projected volumes of every
// pod again from the seed, as the kubelet keeps them current: each file is
// replaced by a rename, so a reader sees the old or the new file, never a
// part of one. (The kubelet swaps a whole folder at once; here the
// certificate and its key are two renames apart.)
func (r *PodRuntime) SyncVolumes(ctx context.Context) error {
	for _, p := range r.Pods() {
		fsGroup := -1
		if sc := p.Spec.SecurityContext; sc != nil && sc.FSGroup != nil {
			fsGroup = int(*sc.FSGroup)
		}
		for _, v := range p.Spec.Volumes {
			if v.Secret == nil && v.ConfigMap == nil && !filesOnly(v.Projected) {
				continue
			}
			files, mode, err := r.volumeFiles(ctx, p, v)
			if err != nil {
				return fmt.Errorf("pod %s, volume %s: %w", p.Name, v.Name, err)
			}
			if err := replaceFiles(filepath.Join(p.dir, "volumes", v.Name), files, mode, fsGroup); err != nil {
				return fmt.Errorf("pod %s, volume %s: %w", p.Name, v.Name, err)
			}
		}
	}
	return nil
}

// filesOnly says whether a projected volume holds Secrets and ConfigMaps
// only (a token would be requested again for nothing).
func filesOnly(p *corev1.ProjectedVolumeSource) bool {
	if p == nil {
		return false
	}
	for _, s := range p.Sources {
		if s.Secret == nil && s.ConfigMap == nil {
			return false
		}
	}
	return true
}

// replaceFiles writes each file next to its place and renames it there,
// with the owner and mode writeVolume gives it.
func replaceFiles(dir string, files map[string]volFile, mode int32, fsGroup int) error {
	for name, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		tmp := filepath.Join(filepath.Dir(p), ".renew-"+filepath.Base(p))
		if err := os.WriteFile(tmp, f.data, 0o600); err != nil {
			return err
		}
		if err := os.Chown(tmp, 0, fsGroup); err != nil {
			return err
		}
		m := mode
		if f.mode != nil {
			m = *f.mode
		}
		if err := os.Chmod(tmp, os.FileMode(m)&0o777); err != nil {
			return err
		}
		if err := os.Rename(tmp, p); err != nil {
			return err
		}
	}
	return nil
}

// ServingCertificate is the leaf certificate a TLS server at addr (host:port
// on the boot network) presents, dialed with server name serverName and,
// when client names one, that Certificate's key pair as client
// certificate (etcd requires one).
func (b *Booted) ServingCertificate(ctx context.Context, addr, serverName, client string) (*x509.Certificate, error) {
	cfg := &tls.Config{ServerName: serverName, InsecureSkipVerify: true} //nolint:gosec // only the certificate is looked at
	if client != "" {
		iss, ok := b.Issued[client]
		if !ok {
			return nil, fmt.Errorf("no Certificate %s issued", client)
		}
		pair, err := tls.X509KeyPair(iss.CertPEM, iss.KeyPEM)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := b.Net.Dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	chain := tc.ConnectionState().PeerCertificates
	if len(chain) == 0 {
		return nil, fmt.Errorf("%s presented no certificate", addr)
	}
	return chain[0], nil
}

// EtcdAddresses are the client addresses (IP:2379) of the etcd pods.
func (b *Booted) EtcdAddresses() []string {
	var out []string
	for _, p := range b.etcdPods() {
		out = append(out, net.JoinHostPort(p.Net.IP, strconv.Itoa(2379)))
	}
	return out
}
