package harness

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// BootFlux is the seed's Flux in the boot tier: source-controller and
// kustomize-controller in a pod of their own on the boot network (so the
// customer apiservers' Service names resolve for them, as on a real seed),
// syncing from a git server that serves the rendered tree.
type BootFlux struct {
	Source, Kustomize *Process
	Pod               *PodNet
	Repo              *GitRepo
	// URL is the GitRepository's URL as Flux reaches it.
	URL string
	b   *Booted
}

// StartFlux serves tree (with extra files added, paths relative to the
// tree) from git at the path the rendered Kustomizations expect, starts the
// two controllers in a flux-system pod, and creates the seed's rendered
// GitRepository pointed at that server. It applies nothing else: the
// cluster folder applied by Boot holds the usercluster Kustomization.
func (b *Booted) StartFlux(t testing.TB, bin, tree, seed string, extra map[string][]byte) (*BootFlux, error) {
	t.Helper()
	s, err := LoadSeed(tree, seed)
	if err != nil {
		return nil, err
	}
	branch, _, _ := unstructured.NestedString(s.GitRepository.Object, "spec", "ref", "branch")
	if branch == "" {
		branch = "main"
	}
	repo := NewGitRepo(t, branch)
	root := filepath.Join(repo.Work, filepath.FromSlash(s.Prefix))
	if err := CopyTree(tree, root); err != nil {
		return nil, err
	}
	for name, data := range extra {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
	}
	repo.CommitAll(t, "render")
	local, err := url.Parse(repo.Serve(t))
	if err != nil {
		return nil, err
	}
	gitPort := FreePorts(t, 1)[0]
	if err := b.Net.Forward(net.JoinHostPort(b.Net.Gateway, strconv.Itoa(gitPort)), func() []string { return []string{local.Host} }); err != nil {
		return nil, err
	}
	f := &BootFlux{Repo: repo, b: b, URL: fmt.Sprintf("http://%s%s", net.JoinHostPort(b.Net.Gateway, strconv.Itoa(gitPort)), local.Path)}

	if f.Pod, err = b.Net.AddPod("flux-system"); err != nil {
		return nil, err
	}
	if err := b.Net.WriteHosts(); err != nil {
		return nil, err
	}
	dir := t.TempDir()
	storage := filepath.Join(dir, "storage")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		return nil, err
	}
	// The controllers' kubeconfig: the seed's API through the gateway.
	kc := clientcmdapi.NewConfig()
	kc.Clusters["seed"] = &clientcmdapi.Cluster{
		Server:                   fmt.Sprintf("https://%s", net.JoinHostPort(b.Net.Gateway, strconv.Itoa(b.SeedGatewayPort))),
		CertificateAuthorityData: b.Seed.CAPEM,
	}
	kc.AuthInfos["flux"] = &clientcmdapi.AuthInfo{ClientCertificateData: b.Seed.Config.TLSClientConfig.CertData, ClientKeyData: b.Seed.Config.TLSClientConfig.KeyData}
	kc.Contexts["seed"] = &clientcmdapi.Context{Cluster: "seed", AuthInfo: "flux"}
	kc.CurrentContext = "seed"
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, kubeconfig); err != nil {
		return nil, err
	}
	env := []string{"KUBECONFIG=" + kubeconfig, "RUNTIME_NAMESPACE=" + FluxNamespace, "HOME=" + dir, "TMPDIR=" + dir}
	inPod := func(name, binary string, args ...string) *Process {
		return StartProcess(t, name, "ip", append([]string{"netns", "exec", f.Pod.NS, filepath.Join(bin, binary)}, args...), env)
	}
	storageAddr := net.JoinHostPort(f.Pod.IP, "9090")
	f.Source = inPod("source-controller", "source-controller",
		"--storage-path="+storage, "--storage-addr="+storageAddr, "--storage-adv-addr="+storageAddr,
		"--metrics-addr=127.0.0.1:8080", "--health-addr=127.0.0.1:9440",
		"--watch-all-namespaces=true", "--log-encoding=console")
	f.Kustomize = inPod("kustomize-controller", "kustomize-controller",
		"--metrics-addr=127.0.0.1:8081", "--health-addr=127.0.0.1:9441",
		"--watch-all-namespaces=true", "--log-encoding=console",
		"--requeue-dependency="+RequeueDependency.String())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.Seed.EnsureNamespace(ctx, FluxNamespace); err != nil {
		return nil, err
	}
	gr := s.GitRepository.DeepCopy()
	if err := unstructured.SetNestedField(gr.Object, f.URL, "spec", "url"); err != nil {
		return nil, err
	}
	unstructured.RemoveNestedField(gr.Object, "spec", "secretRef")
	if _, err := b.Seed.Apply(ctx, gr, false); err != nil {
		return nil, fmt.Errorf("GitRepository: %w", err)
	}
	b.logf("boot: Flux runs in pod %s (%s), git served at %s", f.Pod.NS, f.Pod.IP, f.URL)
	return f, nil
}

// WaitReady waits until the Flux Kustomization namespace/name is Ready for
// the current revision, failing with Flux's report and the controllers'
// logs.
func (f *BootFlux) WaitReady(ctx context.Context, namespace, name string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		o, err := f.b.Seed.Dynamic.Resource(KustomizationGVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil && ConditionStatus(o, "Ready") == "True" {
			return nil
		}
		for _, p := range []*Process{f.Source, f.Kustomize} {
			if done, perr := p.Exited(); done {
				return fmt.Errorf("%s exited (%v):\n%s", p.Name, perr, p.Tail(40))
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("Kustomization %s/%s not Ready in %s:\n%s", namespace, name, timeout, f.Report(ctx))
		}
		time.Sleep(time.Second)
	}
}

// Report is what a person needs when a wait times out: every Flux object's
// conditions and the controllers' last lines.
func (f *BootFlux) Report(ctx context.Context) string {
	var b strings.Builder
	for _, gvr := range []struct{ name string }{{"gitrepositories"}, {"kustomizations"}} {
		res := GitRepositoryGVR
		if gvr.name == "kustomizations" {
			res = KustomizationGVR
		}
		list, err := f.b.Seed.Dynamic.Resource(res).List(ctx, metav1.ListOptions{})
		if err != nil {
			fmt.Fprintf(&b, "list %s: %v\n", gvr.name, err)
			continue
		}
		for _, o := range list.Items {
			fmt.Fprintf(&b, "%s %s/%s\n", o.GetKind(), o.GetNamespace(), o.GetName())
			for _, c := range Conditions(&o) {
				fmt.Fprintf(&b, "  %s=%s %s: %s\n", c.Type, c.Status, c.Reason, c.Message)
			}
		}
	}
	for _, p := range []*Process{f.Source, f.Kustomize} {
		fmt.Fprintf(&b, "--- last lines of %s:\n%s\n", p.Name, p.Tail(30))
	}
	return b.String()
}
