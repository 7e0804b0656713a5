package harness

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ControlPlane is a real etcd and kube-apiserver on 127.0.0.1, with an admin
// (system:masters) client.
type ControlPlane struct {
	// URL is the API server's address, https://127.0.0.1:<port>.
	URL string
	// Kubeconfig is a kubeconfig file for the admin user, for subprocesses.
	Kubeconfig string
	// Config is the admin client configuration.
	Config *rest.Config

	Dynamic   dynamic.Interface
	Clientset kubernetes.Interface
	// Mapper maps kinds to resources, from discovery; Reset it after
	// installing CRDs (InstallCRDs does).
	Mapper *restmapper.DeferredDiscoveryRESTMapper

	Etcd, APIServer *Process

	// CAPEM is the CA that signed the API server's serving certificate.
	CAPEM []byte
	// Port is the API server's port on 127.0.0.1.
	Port int
}

// readyTimeout bounds the wait for etcd and kube-apiserver to become ready.
const readyTimeout = 90 * time.Second

// StartControlPlane starts etcd and kube-apiserver from binDir with fresh
// temporary data, certificates and random free ports, and waits until the
// API server's /readyz passes. t.Cleanup stops both.
func StartControlPlane(t testing.TB, binDir string) *ControlPlane {
	t.Helper()
	dir := t.TempDir()
	pk, err := newPKI(filepath.Join(dir, "pki"))
	if err != nil {
		t.Fatalf("pki: %v", err)
	}
	ports := FreePorts(t, 3)
	etcdClient := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	etcdPeer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	kasPort := ports[2]

	cp := &ControlPlane{URL: fmt.Sprintf("https://127.0.0.1:%d", kasPort), CAPEM: pk.caPEM, Port: kasPort}
	cp.Etcd = StartProcess(t, "etcd", filepath.Join(binDir, "etcd"), []string{
		"--name=default",
		"--data-dir=" + filepath.Join(dir, "etcd"),
		"--listen-client-urls=" + etcdClient,
		"--advertise-client-urls=" + etcdClient,
		"--listen-peer-urls=" + etcdPeer,
		"--initial-advertise-peer-urls=" + etcdPeer,
		"--initial-cluster=default=" + etcdPeer,
		"--unsafe-no-fsync",
		"--log-level=warn",
	}, nil)

	cp.APIServer = StartProcess(t, "kube-apiserver", filepath.Join(binDir, "kube-apiserver"), []string{
		"--etcd-servers=" + etcdClient,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(kasPort),
		"--cert-dir=" + filepath.Join(dir, "kas-certs"),
		"--tls-cert-file=" + pk.servingCertFile,
		"--tls-private-key-file=" + pk.servingKey,
		"--client-ca-file=" + pk.caFile,
		"--service-account-key-file=" + pk.saPublicFile,
		"--service-account-signing-key-file=" + pk.saKeyFile,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		// Wide enough for the usercluster folders' fixed ClusterIPs (kube-dns
		// at the 10th address of 10.240.16.0/20 and of 10.241.0.0/20).
		"--service-cluster-ip-range=10.240.0.0/12",
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		// No controller-manager creates default ServiceAccounts.
		"--disable-admission-plugins=ServiceAccount",
		"--enable-priority-and-fairness=false",
		// 1.37 refuses a loopback advertise address with the endpoint reconciler.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		"--v=0",
	}, nil)

	cp.Config = &rest.Config{
		Host: cp.URL,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   pk.caPEM,
			CertData: pk.adminCertPEM,
			KeyData:  pk.adminKeyPEM,
		},
		QPS:     200,
		Burst:   400,
		Timeout: 30 * time.Second,
	}
	cp.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(cp.Kubeconfig, cp.URL, pk); err != nil {
		t.Fatalf("kubeconfig: %v", err)
	}
	if cp.Clientset, err = kubernetes.NewForConfig(cp.Config); err != nil {
		t.Fatal(err)
	}
	if cp.Dynamic, err = dynamic.NewForConfig(cp.Config); err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	cp.Mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))

	start := time.Now()
	if err := cp.waitReady(readyTimeout); err != nil {
		t.Fatalf("control plane not ready: %v\n--- etcd:\n%s\n--- kube-apiserver:\n%s",
			err, cp.Etcd.Tail(30), cp.APIServer.Tail(60))
	}
	t.Logf("control plane ready at %s in %s", cp.URL, time.Since(start).Round(time.Millisecond))
	return cp
}

// waitReady polls /readyz until it answers 200, a process exits, or the
// timeout passes.
func (cp *ControlPlane) waitReady(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	rc := cp.Clientset.Discovery().RESTClient()
	var last error
	for {
		for _, p := range []*Process{cp.Etcd, cp.APIServer} {
			if done, err := p.Exited(); done {
				return fmt.Errorf("%s exited: %v", p.Name, err)
			}
		}
		var code int
		res := rc.Get().AbsPath("/readyz").Do(ctx).StatusCode(&code)
		if res.Error() == nil && code == http.StatusOK {
			return nil
		}
		last = res.Error()
		select {
		case <-ctx.Done():
			return fmt.Errorf("/readyz after %s: %v", timeout, last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func writeKubeconfig(path, server string, pk *pki) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["e2e"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: pk.caPEM}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: pk.adminCertPEM, ClientKeyData: pk.adminKeyPEM}
	cfg.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "admin"}
	cfg.CurrentContext = "e2e"
	return clientcmd.WriteToFile(*cfg, path)
}
