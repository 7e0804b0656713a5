package harness

// Boot: a rendered customer cluster's control plane, started from its own
// manifests. See test/e2e/README.md ("The boot tier") for what is proven and
// what the runtime does differently from a kubelet.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// BootOptions says what to boot.
type BootOptions struct {
	// Bin is the folder with the binaries (FLEETC_E2E_BIN).
	Bin string
	// Dir is the cluster's rendered folder (seeds/<seed>/clusters/<cluster>).
	Dir string
	// Mutate, when set, changes the built objects before they are applied
	// (the tests that show a broken render fails).
	Mutate func([]*unstructured.Unstructured) error
	// Timeout bounds the wait for the control plane (default 90 s).
	Timeout time.Duration
	// CrashLoop is how many restarts of a container make the boot fail
	// (default crashLoop); a test that expects a crash may ask for fewer.
	CrashLoop int
	// Logf reports progress and the runtime's substitutions.
	Logf func(format string, args ...any)
	// Network is the boot network's index (0 <= Network < Networks):
	// boots on different networks can run at the same time.
	Network int
}

// Booted is a running control plane.
type Booted struct {
	Seed      *ControlPlane
	Net       *Network
	Runtime   *PodRuntime
	Namespace string
	Objects   []*unstructured.Unstructured
	// Admin is the client configuration of the rendered admin kubeconfig,
	// dialing through the boot network.
	Admin *rest.Config
	// AdminKubeconfig is the rendered admin kubeconfig's server URL.
	AdminServer string
	// SeedGatewayPort is where pods reach the seed's API server on Gateway.
	SeedGatewayPort int
	// Issued is what the issuer produced, by Certificate name.
	Issued map[string]*Issued

	logf      func(string, ...any)
	crashLoop int
}

// BootError says which component did not come up, with its last log lines.
type BootError struct {
	Check     string // what did not pass, e.g. "etcd cluster"
	Component string // e.g. "StatefulSet etcd, pod etcd-1, container etcd"
	Reason    string
	Logs      string
}

func (e *BootError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %s", e.Check, e.Component, e.Reason)
	if e.Logs != "" {
		fmt.Fprintf(&b, "\n--- last lines of %s:\n%s", e.Component, e.Logs)
	}
	return b.String()
}

// Boot starts a test seed (etcd + kube-apiserver with Flux's and
// cert-manager's CRDs, FluxCertManagerCRDFiles), applies the
// cluster's folder to it, issues its Certificates, starts every Deployment
// and StatefulSet of the folder as processes, and waits until every etcd
// member is healthy in one cluster over the rendered TLS, /readyz passes
// through the rendered admin kubeconfig, and kube-controller-manager and
// kube-scheduler each hold their leader Lease. A failure is a *BootError.
func Boot(t testing.TB, opts BootOptions) (*Booted, error) {
	t.Helper()
	logf := opts.Logf
	if logf == nil {
		logf = t.Logf
	}
	if opts.Timeout == 0 {
		opts.Timeout = 90 * time.Second
	}
	start := time.Now()
	seed := StartControlPlane(t, opts.Bin)
	seed.InstallCRDs(t, FluxCertManagerCRDFiles(t)...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	objs, err := Build(opts.Dir)
	if err != nil {
		return nil, err
	}
	if opts.Mutate != nil {
		if err := opts.Mutate(objs); err != nil {
			return nil, err
		}
	}
	ns := ""
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			ns = o.GetName()
		}
	}
	if ns == "" {
		return nil, fmt.Errorf("%s: no Namespace object", opts.Dir)
	}
	b := &Booted{Seed: seed, Namespace: ns, Objects: objs, logf: logf, crashLoop: opts.CrashLoop}
	if b.crashLoop == 0 {
		b.crashLoop = crashLoop
	}

	// As Flux applies the folder: the Namespace first, then the rest.
	if err := seed.EnsureNamespace(ctx, ns); err != nil {
		return nil, err
	}
	for _, o := range objs {
		if _, err := seed.Apply(ctx, o, false); err != nil {
			return nil, fmt.Errorf("apply %s to the seed: %w", ObjectRef(o), err)
		}
	}
	// cert-manager's part.
	b.Issued, _, err = IssueNamespace(ctx, seed.Clientset, ns, objs, time.Now())
	if err != nil {
		return nil, err
	}
	if err := markCertificatesReady(ctx, seed, objs); err != nil {
		return nil, err
	}

	b.Net = NewNetworkIndex(t, opts.Network)
	gw := FreePorts(t, 1)[0]
	b.SeedGatewayPort = gw
	if err := b.Net.Forward(net.JoinHostPort(b.Net.Gateway, strconv.Itoa(gw)), func() []string {
		return []string{fmt.Sprintf("127.0.0.1:%d", seed.Port)}
	}); err != nil {
		return nil, err
	}
	rt := NewPodRuntime(t, b.Net, seed.Clientset)
	rt.Logf = logf
	rt.SeedHost, rt.SeedPort, rt.SeedCA = b.Net.Gateway, gw, seed.CAPEM
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
		rt.Binaries[name] = filepath.Join(opts.Bin, name)
	}
	// The kubeconfig-writer's image is a shell and kubectl: this machine's.
	rt.HostImages["k8s"] = true
	b.Runtime = rt
	if err := rt.Plan(ctx, ns); err != nil {
		return nil, err
	}
	// The external name of the apiserver, as the seed's edge (nodeport-proxy
	// or load balancer) serves it: the admin kubeconfig's server.
	adminDir := filepath.Join(rt.Work, "admin-kubeconfig")
	server, err := writeKubeconfigDir(ctx, seed.Clientset, ns, "admin-kubeconfig", "admin-client-certificate", adminDir)
	if err != nil {
		return nil, err
	}
	b.AdminServer = server
	if err := b.exposeExternal(ctx, server); err != nil {
		return nil, err
	}
	if err := b.Net.WriteHosts(); err != nil {
		return nil, err
	}
	if err := rt.Start(ctx); err != nil {
		return nil, err
	}
	for _, p := range rt.Pods() {
		for _, nr := range p.NotRun {
			logf("boot: NOT RUN %s, pod %s: %s", p.Owner, p.Name, nr)
		}
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(adminDir, "kubeconfig"))
	if err != nil {
		return nil, fmt.Errorf("rendered admin kubeconfig: %w", err)
	}
	cfg.Dial = b.Net.Dial
	cfg.Timeout = 10 * time.Second
	b.Admin = cfg

	if err := b.waitUp(ctx, opts.Timeout); err != nil {
		return b, err
	}
	logf("boot: %s is up in %s (etcd cluster healthy, /readyz through the rendered admin kubeconfig, controller-manager and scheduler leading)",
		ns, time.Since(start).Round(100*time.Millisecond))
	return b, nil
}

// markCertificatesReady sets Ready on every Issuer and Certificate, as
// cert-manager does once it has issued them.
func markCertificatesReady(ctx context.Context, cp *ControlPlane, objs []*unstructured.Unstructured) error {
	now := time.Now().UTC().Format(time.RFC3339)
	for _, o := range objs {
		if !strings.HasPrefix(o.GetAPIVersion(), "cert-manager.io/") {
			continue
		}
		cur, err := cp.Get(ctx, o)
		if err != nil {
			return err
		}
		cond := map[string]any{"type": "Ready", "status": "True", "reason": "BootTier", "message": "issued by the boot tier", "lastTransitionTime": now}
		if gen := cur.GetGeneration(); gen != 0 {
			cond["observedGeneration"] = gen
		}
		status := map[string]any{"conditions": []any{cond}}
		if o.GetKind() == "Certificate" {
			status["notAfter"] = time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
		}
		cur.Object["status"] = status
		res, _, err := cp.Resource(cur)
		if err != nil {
			return err
		}
		if _, err := res.UpdateStatus(ctx, cur, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("status of %s: %w", ObjectRef(o), err)
		}
	}
	return nil
}

// writeKubeconfigDir writes a rendered kubeconfig ConfigMap and the
// certificate Secret it points at (relative file names) into dir, and
// returns the kubeconfig's server.
func writeKubeconfigDir(ctx context.Context, cs kubernetes.Interface, ns, configMap, secret, dir string) (string, error) {
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, configMap, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("ConfigMap %s: %w", configMap, err)
	}
	s, err := cs.CoreV1().Secrets(ns).Get(ctx, secret, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("Secret %s: %w", secret, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	for k, v := range s.Data {
		if err := os.WriteFile(filepath.Join(dir, k), v, 0o600); err != nil {
			return "", err
		}
	}
	kc, ok := cm.Data["kubeconfig"]
	if !ok {
		return "", fmt.Errorf("ConfigMap %s has no key kubeconfig", configMap)
	}
	if err := os.WriteFile(filepath.Join(dir, "kubeconfig"), []byte(kc), 0o600); err != nil {
		return "", err
	}
	cfg, err := clientcmd.Load([]byte(kc))
	if err != nil {
		return "", fmt.Errorf("ConfigMap %s: %w", configMap, err)
	}
	ctxName := cfg.CurrentContext
	c, ok := cfg.Contexts[ctxName]
	if !ok || cfg.Clusters[c.Cluster] == nil {
		return "", fmt.Errorf("ConfigMap %s: no current context with a cluster", configMap)
	}
	return cfg.Clusters[c.Cluster].Server, nil
}

// exposeExternal makes the apiserver's external URL reach the apiserver
// pods, as the seed's nodeport-proxy or load balancer does: the host gets an
// address, and its port forwards to the apiserver-external Service's pods.
func (b *Booted) exposeExternal(ctx context.Context, server string) error {
	u, err := url.Parse(server)
	if err != nil {
		return err
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "443"
	}
	if net.ParseIP(host) != nil {
		return nil
	}
	svc, err := b.Seed.Clientset.CoreV1().Services(b.Namespace).Get(ctx, "apiserver-external", metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("the external URL %s needs Service apiserver-external: %w", server, err)
	}
	if len(svc.Spec.Ports) == 0 {
		return fmt.Errorf("Service apiserver-external has no ports")
	}
	backends, err := b.Runtime.Backends(ctx, b.Namespace, "apiserver-external", svc.Spec.Ports[0].Port)
	if err != nil {
		return err
	}
	ip, err := b.Net.AddServiceIP()
	if err != nil {
		return err
	}
	b.Net.AddHost(host, ip)
	b.logf("boot: %s resolves to %s; port %s forwards to Service apiserver-external's pods (the seed's edge)", host, ip, port)
	// A cloud's load balancer controller would publish the address of every
	// LoadBalancer Service.
	all, err := b.Seed.Clientset.CoreV1().Services(b.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range all.Items {
		lb := &all.Items[i]
		if lb.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		lb.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip}}
		if _, err := b.Seed.Clientset.CoreV1().Services(b.Namespace).UpdateStatus(ctx, lb, metav1.UpdateOptions{}); err != nil {
			return err
		}
		b.logf("boot: Service %s (LoadBalancer) gets ingress %s, as a cloud would give it", lb.Name, ip)
	}
	return b.Net.Forward(net.JoinHostPort(ip, port), backends)
}

// Containers finds the running containers of a workload by name.
func (b *Booted) Containers(owner, container string) []*Container {
	var out []*Container
	for _, p := range b.Runtime.Pods() {
		if p.Owner != owner {
			continue
		}
		for _, c := range p.Containers {
			if c.Name == container {
				out = append(out, c)
			}
		}
	}
	return out
}

// crashLoop is how many restarts make a container's failure final. A
// component may exit a few times while the control plane comes up (the
// controller-manager exits when the apiserver has not yet made its
// bootstrap RBAC), as it would in CrashLoopBackOff before it runs.
const crashLoop = 5

// crashed returns the first container that has exited b.crashLoop times.
func (b *Booted) crashed() *Container {
	for _, p := range b.Runtime.Pods() {
		for _, c := range p.Containers {
			if c.Restarts() >= b.crashLoop {
				return c
			}
		}
	}
	return nil
}

// waitUp waits for the three checks, failing early on a crash loop.
func (b *Booted) waitUp(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	checks := []struct {
		name      string
		component func() []*Container
		check     func(context.Context) error
	}{
		{"etcd cluster", func() []*Container { return b.workloadContainers("StatefulSet etcd") }, b.CheckEtcd},
		{"/readyz through the rendered admin kubeconfig", func() []*Container { return b.workloadContainers("Deployment apiserver") }, b.CheckReadyz},
		{"leader Lease kube-controller-manager", func() []*Container { return b.workloadContainers("Deployment controller-manager") }, b.leaseCheck("kube-controller-manager")},
		{"leader Lease kube-scheduler", func() []*Container { return b.workloadContainers("Deployment scheduler") }, b.leaseCheck("kube-scheduler")},
	}
	for _, c := range checks {
		var last error
		for {
			if crashed := b.crashed(); crashed != nil {
				return &BootError{Check: c.name, Component: crashed.Component(),
					Reason: fmt.Sprintf("exited %d times", crashed.Restarts()), Logs: crashed.Tail(30)}
			}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			last = c.check(cctx)
			cancel()
			if last == nil {
				break
			}
			// A certificate that does not fit never heals: fail at once.
			if strings.Contains(last.Error(), "x509:") || strings.Contains(last.Error(), "tls:") {
				e := &BootError{Check: c.name, Component: "(none rendered)", Reason: last.Error()}
				if cs := c.component(); len(cs) > 0 {
					e.Component = cs[0].Component()
					e.Logs = cs[0].Tail(30)
				}
				return e
			}
			if time.Now().After(deadline) {
				e := &BootError{Check: c.name, Component: "(none rendered)", Reason: fmt.Sprintf("not passed in %s: %v", timeout, last)}
				if cs := c.component(); len(cs) > 0 {
					e.Component = cs[0].Component()
					e.Logs = cs[0].Tail(30)
				}
				return e
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	return nil
}

func (b *Booted) workloadContainers(owner string) []*Container {
	var out []*Container
	for _, p := range b.Runtime.Pods() {
		if p.Owner == owner {
			out = append(out, p.Containers...)
		}
	}
	return out
}

// etcdClient is an HTTPS client with the apiserver's rendered etcd client
// certificate, dialing through the boot network.
func (b *Booted) etcdClient() (*http.Client, error) {
	iss, ok := b.Issued["apiserver-etcd-client-certificate"]
	if !ok {
		return nil, fmt.Errorf("no Certificate apiserver-etcd-client-certificate rendered")
	}
	pair, err := tls.X509KeyPair(iss.CertPEM, iss.KeyPEM)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(iss.CAPEM)
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext:     b.Net.Dial,
		TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool},
	}}, nil
}

// EtcdMember is a member as etcd's member list reports it.
type EtcdMember struct {
	Name       string   `json:"name"`
	PeerURLs   []string `json:"peerURLs"`
	ClientURLs []string `json:"clientURLs"`
}

// etcdMembers are the etcd StatefulSet's pods, by their DNS names.
func (b *Booted) etcdPods() []*Pod {
	var out []*Pod
	for _, p := range b.Runtime.Pods() {
		if p.Owner == "StatefulSet etcd" {
			out = append(out, p)
		}
	}
	return out
}

// CheckEtcd passes when every etcd pod answers /health over the rendered
// client TLS and reports the same members: one per pod, all started, with
// https peer URLs.
func (b *Booted) CheckEtcd(ctx context.Context) error {
	cl, err := b.etcdClient()
	if err != nil {
		return err
	}
	pods := b.etcdPods()
	if len(pods) == 0 {
		return fmt.Errorf("no etcd pods")
	}
	for _, p := range pods {
		base := fmt.Sprintf("https://%s.%s.%s.svc.cluster.local:2379", p.Hostname, p.Subdomain, p.Namespace)
		var health struct {
			Health string `json:"health"`
		}
		if err := getJSON(ctx, cl, http.MethodGet, base+"/health", &health); err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		if health.Health != "true" {
			return fmt.Errorf("%s: health %q", p.Name, health.Health)
		}
		var list struct {
			Members []EtcdMember `json:"members"`
		}
		if err := getJSON(ctx, cl, http.MethodPost, base+"/v3/cluster/member/list", &list); err != nil {
			return fmt.Errorf("%s: member list: %w", p.Name, err)
		}
		if len(list.Members) != len(pods) {
			return fmt.Errorf("%s: %d members, want %d", p.Name, len(list.Members), len(pods))
		}
		for _, m := range list.Members {
			if m.Name == "" {
				return fmt.Errorf("%s: a member has not started", p.Name)
			}
			for _, u := range m.PeerURLs {
				if !strings.HasPrefix(u, "https://") {
					return fmt.Errorf("member %s: peer URL %s is not TLS", m.Name, u)
				}
			}
		}
	}
	return nil
}

// EtcdMembers lists the members as the first etcd pod reports them.
func (b *Booted) EtcdMembers(ctx context.Context) ([]EtcdMember, error) {
	cl, err := b.etcdClient()
	if err != nil {
		return nil, err
	}
	p := b.etcdPods()[0]
	var list struct {
		Members []EtcdMember `json:"members"`
	}
	err = getJSON(ctx, cl, http.MethodPost, fmt.Sprintf("https://%s.%s.%s.svc.cluster.local:2379/v3/cluster/member/list", p.Hostname, p.Subdomain, p.Namespace), &list)
	sort.Slice(list.Members, func(i, j int) bool { return list.Members[i].Name < list.Members[j].Name })
	return list.Members, err
}

func getJSON(ctx context.Context, cl *http.Client, method, u string, out any) error {
	var body io.Reader
	if method == http.MethodPost {
		body = bytes.NewReader([]byte("{}"))
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(data)))
	}
	return json.Unmarshal(data, out)
}

// CheckReadyz passes when /readyz answers ok through the rendered admin
// kubeconfig.
func (b *Booted) CheckReadyz(ctx context.Context) error {
	cs, err := kubernetes.NewForConfig(b.Admin)
	if err != nil {
		return err
	}
	var code int
	res := cs.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).StatusCode(&code)
	if err := res.Error(); err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("/readyz: %d", code)
	}
	return nil
}

// leaseCheck passes when the Lease kube-system/name has a holder.
func (b *Booted) leaseCheck(name string) func(context.Context) error {
	return func(ctx context.Context) error {
		cs, err := kubernetes.NewForConfig(b.Admin)
		if err != nil {
			return err
		}
		l, err := cs.CoordinationV1().Leases("kube-system").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) {
				return fmt.Errorf("no Lease kube-system/%s yet", name)
			}
			return err
		}
		if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" {
			return fmt.Errorf("Lease kube-system/%s has no holder", name)
		}
		return nil
	}
}

// Customer is a clientset for the booted cluster, through the rendered admin
// kubeconfig.
func (b *Booted) Customer() (kubernetes.Interface, error) {
	return kubernetes.NewForConfig(b.Admin)
}
