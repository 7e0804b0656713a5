package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/fleetc/fleetc/test/e2e/harness"
)

// annCertificates is the annotation the render's cert-roller keeps on the
// Deployments it rolls (fleetc.io/certificates).
const annCertificates = "fleetc.io/certificates"

// renewalWait bounds the wait for every component to take the renewed
// certificates: the kubeconfig-writer and the cert-roller look every 60 s,
// kube-apiserver's certificate files are checked every minute.
const renewalWait = 3 * time.Minute

// TestRenewal boots the Tunneling cluster (Konnectivity), re-issues every
// leaf certificate through the issuer stand-in as cert-manager does when
// they are due, refreshes the pods' volumes as the kubelet does, and
// checks that the booted components use the new certificates:
//   - kube-apiserver serves its new certificate (it reloads the files);
//   - every etcd member serves its new certificate (read per handshake);
//   - the kubeconfig-writer puts the new admin certificate into Flux's
//     kubeconfig Secret;
//   - the cert-roller, which had recorded the first certificates on the
//     apiserver Deployment without rolling it, now writes the new hash into
//     its pod template (what rolls the Konnectivity server, which reads its
//     certificate once), through its least-privilege Role on the seed.
func TestRenewal(t *testing.T) {
	t.Parallel()
	bin := harness.Binaries(t)
	tree := renderedTree(t)
	version := binaryVersion(t, bin)
	var c *bootCluster
	for _, bc := range pickBootClusters(t, tree, version) {
		if bc.Strategy == "Tunneling" {
			c = &bc
			break
		}
	}
	if c == nil {
		t.Fatal("no Tunneling cluster to boot")
	}
	b, err := harness.Boot(t, harness.BootOptions{Bin: bin, Dir: c.Dir, Timeout: parallelBootTimeout, Network: harness.AcquireNetwork(t)})
	if err != nil {
		t.Fatalf("boot %s: %v", c.Name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	seed := b.Seed.Clientset
	u, err := url.Parse(b.AdminServer)
	if err != nil {
		t.Fatal(err)
	}
	apiAddr, apiName := u.Host, u.Hostname()

	// Before: the roller has recorded the certificates the apiserver's pods
	// started with, without rolling them.
	rolled := []string{"konnectivity-client-certificate", "konnectivityproxy-tls"}
	first := rollHash(t, ctx, b, rolled)
	if err := poll(ctx, renewalWait, func() error {
		d, err := seed.AppsV1().Deployments(b.Namespace).Get(ctx, "apiserver", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got := d.Annotations[annCertificates]; got != first {
			return fmt.Errorf("Deployment apiserver: %s=%q, want %q (the roller records what the pods started with)", annCertificates, got, first)
		}
		if got, ok := d.Spec.Template.Annotations[annCertificates]; ok {
			return fmt.Errorf("pod template rolled before any renewal (%s=%q)", annCertificates, got)
		}
		return nil
	}); err != nil {
		logRoller(t, b)
		t.Fatal(err)
	}
	oldAPI, err := b.ServingCertificate(ctx, apiAddr, apiName, "")
	if err != nil {
		t.Fatal(err)
	}

	renewed, err := b.Renew(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"apiserver-tls", "etcd-tls-certificate", "admin-client-certificate", "konnectivityproxy-tls"} {
		if !slices.Contains(renewed, want) {
			t.Fatalf("renewed %v, want %s among them", renewed, want)
		}
	}
	newAPI := b.Issued["apiserver-tls"].Cert
	if newAPI.SerialNumber.Cmp(oldAPI.SerialNumber) == 0 {
		t.Fatal("the issuer re-issued apiserver-tls with the same serial")
	}

	// etcd reads its certificate at every handshake.
	newEtcd := b.Issued["etcd-tls-certificate"].Cert
	for _, addr := range b.EtcdAddresses() {
		if err := poll(ctx, renewalWait, func() error {
			return sameCert(b, ctx, addr, "", "apiserver-etcd-client-certificate", newEtcd)
		}); err != nil {
			t.Errorf("etcd at %s: %v", addr, err)
		}
	}
	// kube-apiserver reloads its serving certificate.
	if err := poll(ctx, renewalWait, func() error { return sameCert(b, ctx, apiAddr, apiName, "", newAPI) }); err != nil {
		t.Errorf("kube-apiserver: %v", err)
	}
	// The kubeconfig-writer gives Flux the new admin certificate.
	newAdmin := b.Issued["admin-client-certificate"].Cert
	if err := poll(ctx, renewalWait, func() error {
		s, err := seed.CoreV1().Secrets(b.Namespace).Get(ctx, "usercluster-kubeconfig", metav1.GetOptions{})
		if err != nil {
			return err
		}
		cfg, err := clientcmd.Load(s.Data["value"])
		if err != nil {
			return err
		}
		for _, ai := range cfg.AuthInfos {
			blk, _ := pem.Decode(ai.ClientCertificateData)
			if blk == nil {
				return fmt.Errorf("no client certificate in the kubeconfig")
			}
			if got, err := x509.ParseCertificate(blk.Bytes); err != nil || !got.Equal(newAdmin) {
				return fmt.Errorf("the kubeconfig still holds serial %v", got.SerialNumber)
			}
		}
		return nil
	}); err != nil {
		t.Errorf("kubeconfig-writer: %v", err)
	}
	// The roller rolls the apiserver: the new hash in its pod template.
	second := rollHash(t, ctx, b, rolled)
	if second == first {
		t.Fatal("the renewal left the rolled certificates unchanged")
	}
	if err := poll(ctx, renewalWait, func() error {
		d, err := seed.AppsV1().Deployments(b.Namespace).Get(ctx, "apiserver", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got := d.Spec.Template.Annotations[annCertificates]; got != second {
			return fmt.Errorf("pod template %s=%q, want %q", annCertificates, got, second)
		}
		return nil
	}); err != nil {
		logRoller(t, b)
		t.Errorf("cert-roller: %v", err)
	}
}

// rollHash is what the cert-roller computes for secrets: the sha256 of
// their certificates, concatenated in order.
func rollHash(t *testing.T, ctx context.Context, b *harness.Booted, secrets []string) string {
	t.Helper()
	h := sha256.New()
	for _, name := range secrets {
		s, err := b.Seed.Clientset.CoreV1().Secrets(b.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h.Write(s.Data["tls.crt"])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sameCert says whether the server at addr presents want.
func sameCert(b *harness.Booted, ctx context.Context, addr, name, client string, want *x509.Certificate) error {
	got, err := b.ServingCertificate(ctx, addr, name, client)
	if err != nil {
		return err
	}
	if !got.Equal(want) {
		return fmt.Errorf("serves serial %v, want the renewed %v", got.SerialNumber, want.SerialNumber)
	}
	return nil
}

// poll calls f every 2 s until it returns nil or timeout passes; it
// returns f's last error.
func poll(ctx context.Context, timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(2 * time.Second)
	}
}

func logRoller(t *testing.T, b *harness.Booted) {
	for _, c := range b.Containers("Deployment cert-roller", "cert-roller") {
		t.Logf("--- %s:\n%s", c.Component(), c.Tail(20))
	}
}
