package harness

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
)

// Node is a worker that joined the booted cluster the way a kubelet joins:
// with a bootstrap token, then with the client certificate the cluster
// signed for it. It registers its Node and keeps its Lease and its Ready
// condition current until the test ends. It runs no pods.
type Node struct {
	Name   string
	Client kubernetes.Interface
}

// BootstrapTokenGroup is the group machine-controller's bootstrap tokens
// carry (renderer/usercluster binds it).
const BootstrapTokenGroup = "system:bootstrappers:machine-controller:default-node-token"

// CreateBootstrapToken creates a bootstrap token Secret in kube-system, as
// machine-controller does for each machine it creates, and returns the
// token ("<id>.<secret>").
func (b *Booted) CreateBootstrapToken(ctx context.Context) (string, error) {
	cs, err := b.Customer()
	if err != nil {
		return "", err
	}
	rnd := func(n int) string {
		buf := make([]byte, n)
		_, _ = rand.Read(buf)
		return hex.EncodeToString(buf)[:n]
	}
	id, secret := rnd(6), rnd(16)
	_, err = cs.CoreV1().Secrets("kube-system").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "bootstrap-token-" + id, Namespace: "kube-system"},
		Type:       corev1.SecretTypeBootstrapToken,
		StringData: map[string]string{
			"token-id":                       id,
			"token-secret":                   secret,
			"usage-bootstrap-authentication": "true",
			"usage-bootstrap-signing":        "true",
			"auth-extra-groups":              BootstrapTokenGroup,
			"expiration":                     time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		},
	}, metav1.CreateOptions{})
	return id + "." + secret, err
}

// JoinNode joins a node with the bootstrap token: it asks for a node client
// certificate (a CertificateSigningRequest for signer
// kubernetes.io/kube-apiserver-client-kubelet), waits for the cluster to
// approve and sign it, and then, as system:node:<name>, registers the Node
// as Ready and keeps its Lease.
func (b *Booted) JoinNode(t testing.TB, ctx context.Context, name, token string, timeout time.Duration) (*Node, error) {
	t.Helper()
	boot := rest.CopyConfig(b.Admin)
	boot.TLSClientConfig.CertData, boot.TLSClientConfig.KeyData = nil, nil
	boot.TLSClientConfig.CertFile, boot.TLSClientConfig.KeyFile = "", ""
	boot.BearerToken = token
	bcs, err := kubernetes.NewForConfig(boot)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "system:node:" + name, Organization: []string{"system:nodes"}},
	}, key)
	if err != nil {
		return nil, err
	}
	csr, err := bcs.CertificatesV1().CertificateSigningRequests().Create(ctx, &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "node-csr-"},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER}),
			SignerName: certificatesv1.KubeAPIServerClientKubeletSignerName,
			Usages:     []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create CertificateSigningRequest with the bootstrap token: %w", err)
	}
	var certPEM []byte
	deadline := time.Now().Add(timeout)
	for {
		got, err := bcs.CertificatesV1().CertificateSigningRequests().Get(ctx, csr.Name, metav1.GetOptions{})
		if err == nil {
			for _, c := range got.Status.Conditions {
				if c.Type == certificatesv1.CertificateDenied || c.Type == certificatesv1.CertificateFailed {
					return nil, fmt.Errorf("CSR %s %s: %s", csr.Name, c.Type, c.Message)
				}
			}
			if len(got.Status.Certificate) > 0 {
				certPEM = got.Status.Certificate
				break
			}
		}
		if time.Now().After(deadline) {
			return nil, &BootError{Check: "node client certificate", Component: b.componentOf("Deployment controller-manager"),
				Reason: fmt.Sprintf("CSR %s not approved and signed in %s (last error %v)", csr.Name, timeout, err), Logs: b.tailOf("Deployment controller-manager")}
		}
		time.Sleep(500 * time.Millisecond)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	nodeCfg := rest.CopyConfig(boot)
	nodeCfg.BearerToken = ""
	nodeCfg.TLSClientConfig.CertData = certPEM
	nodeCfg.TLSClientConfig.KeyData = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	ncs, err := kubernetes.NewForConfig(nodeCfg)
	if err != nil {
		return nil, err
	}
	n := &Node{Name: name, Client: ncs}
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error { return n.register(ctx) }); err != nil {
		return nil, fmt.Errorf("register Node %s with its certificate: %w", name, err)
	}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Second):
			}
			hctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = retry.RetryOnConflict(retry.DefaultRetry, func() error { return n.heartbeat(hctx) })
			cancel()
		}
	}()
	return n, nil
}

func (b *Booted) componentOf(owner string) string {
	if cs := b.workloadContainers(owner); len(cs) > 0 {
		return cs[0].Component()
	}
	return owner
}

func (b *Booted) tailOf(owner string) string {
	if cs := b.workloadContainers(owner); len(cs) > 0 {
		return cs[0].Tail(30)
	}
	return ""
}

func (n *Node) register(ctx context.Context) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.Name, Labels: map[string]string{
		corev1.LabelHostname: n.Name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64",
	}}}
	if _, err := n.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: n.Name, Namespace: corev1.NamespaceNodeLease},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       &n.Name,
			LeaseDurationSeconds: ptrTo(int32(40)),
			RenewTime:            &metav1.MicroTime{Time: time.Now()},
		},
	}
	if _, err := n.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Create(ctx, lease, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("Lease: %w", err)
	}
	return n.heartbeat(ctx)
}

// heartbeat renews the Lease and reports the Node Ready, as a kubelet does.
func (n *Node) heartbeat(ctx context.Context) error {
	l, err := n.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, n.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	l.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
	if _, err := n.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Update(ctx, l, metav1.UpdateOptions{}); err != nil {
		return err
	}
	node, err := n.Client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	now := metav1.Now()
	res := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi"),
		corev1.ResourcePods: resource.MustParse("110"),
	}
	node.Status.Capacity, node.Status.Allocatable = res, res
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "198.18.255.1"}, {Type: corev1.NodeHostName, Address: n.Name}}
	node.Status.NodeInfo.KubeletVersion = "v1.37.2"
	node.Status.NodeInfo.OperatingSystem, node.Status.NodeInfo.Architecture = "linux", "amd64"
	node.Status.Conditions = []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "boot tier node", LastHeartbeatTime: now, LastTransitionTime: now},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", LastHeartbeatTime: now, LastTransitionTime: now},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", LastHeartbeatTime: now, LastTransitionTime: now},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", LastHeartbeatTime: now, LastTransitionTime: now},
	}
	// A patch of the status alone, as the kubelet sends: an update of the
	// whole object read before the node lifecycle controller added a
	// taint would look to NodeRestriction like the node changing its
	// taints, and be refused.
	patch, err := json.Marshal(map[string]any{"status": node.Status})
	if err != nil {
		return err
	}
	_, err = n.Client.CoreV1().Nodes().Patch(ctx, n.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status")
	return err
}

func ptrTo[T any](v T) *T { return &v }
