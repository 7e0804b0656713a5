package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Flux's API groups and the label kustomize-controller puts on what it
// applies.
var (
	GitRepositoryGVR = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "gitrepositories"}
	KustomizationGVR = schema.GroupVersionResource{Group: "kustomize.toolkit.fluxcd.io", Version: "v1", Resource: "kustomizations"}
)

const (
	FluxNameLabel      = "kustomize.toolkit.fluxcd.io/name"
	FluxNamespaceLabel = "kustomize.toolkit.fluxcd.io/namespace"
	// RequestedAtAnnotation asks a Flux controller to reconcile now.
	RequestedAtAnnotation = "reconcile.fluxcd.io/requestedAt"
	// FluxNamespace is where the controllers run and the fleetc objects live.
	FluxNamespace = "flux-system"
)

// RequeueDependency is how soon kustomize-controller looks again at a
// Kustomization whose dependsOn is not ready yet (its default is 30 s: a
// test waiting on a chain of dependencies would mostly sleep). Only how
// often it polls changes; the dependency order is enforced as before.
const RequeueDependency = 2 * time.Second

// Flux is a source-controller and a kustomize-controller running as host
// processes against a ControlPlane.
type Flux struct {
	cp                *ControlPlane
	Source, Kustomize *Process
	StorageURL        string
}

// StartFlux creates the flux-system namespace and starts source-controller
// and kustomize-controller from binDir, on random free ports of 127.0.0.1,
// watching all namespaces. t.Cleanup stops both.
func StartFlux(t testing.TB, cp *ControlPlane, binDir string) *Flux {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cp.EnsureNamespace(ctx, FluxNamespace); err != nil {
		t.Fatalf("namespace %s: %v", FluxNamespace, err)
	}
	dir := t.TempDir()
	storage := filepath.Join(dir, "storage")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		t.Fatal(err)
	}
	addrs := FreeAddrs(t, 5)
	env := []string{
		"KUBECONFIG=" + cp.Kubeconfig, // the controllers take no --kubeconfig flag
		"RUNTIME_NAMESPACE=" + FluxNamespace,
		"HOME=" + dir,
		"TMPDIR=" + dir,
	}
	f := &Flux{cp: cp, StorageURL: "http://" + addrs[0]}
	f.Source = StartProcess(t, "source-controller", filepath.Join(binDir, "source-controller"), []string{
		"--storage-path=" + storage,
		"--storage-addr=" + addrs[0],
		"--storage-adv-addr=" + addrs[0],
		"--metrics-addr=" + addrs[1],
		"--health-addr=" + addrs[2],
		"--watch-all-namespaces=true",
		"--log-encoding=console",
	}, env)
	f.Kustomize = StartProcess(t, "kustomize-controller", filepath.Join(binDir, "kustomize-controller"), []string{
		"--metrics-addr=" + addrs[3],
		"--health-addr=" + addrs[4],
		"--watch-all-namespaces=true",
		"--log-encoding=console",
		"--requeue-dependency=" + RequeueDependency.String(),
	}, env)
	return f
}

// RequestReconcile annotates a Flux object with reconcile.fluxcd.io/requestedAt,
// as `flux reconcile` does.
func (f *Flux) RequestReconcile(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string) error {
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, RequestedAtAnnotation, time.Now().Format(time.RFC3339Nano))
	_, err := f.cp.Dynamic.Resource(gvr).Namespace(namespace).Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	return err
}

// Alive fails with the controller's last lines when one has exited.
func (f *Flux) Alive() error {
	for _, p := range []*Process{f.Source, f.Kustomize} {
		if done, err := p.Exited(); done {
			return fmt.Errorf("%s exited (%v):\n%s", p.Name, err, p.Tail(40))
		}
	}
	return nil
}

// Report describes every GitRepository and Kustomization (revision and
// status conditions) and the controllers' last log lines: what a person
// needs when a wait times out.
func (f *Flux) Report(ctx context.Context) string {
	var b strings.Builder
	for _, gvr := range []schema.GroupVersionResource{GitRepositoryGVR, KustomizationGVR} {
		list, err := f.cp.Dynamic.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			fmt.Fprintf(&b, "list %s: %v\n", gvr.Resource, err)
			continue
		}
		for _, o := range list.Items {
			fmt.Fprintf(&b, "%s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName())
			if rev := nestedString(&o, "status", "artifact", "revision"); rev != "" {
				fmt.Fprintf(&b, " artifact=%s", rev)
			}
			if rev := nestedString(&o, "status", "lastAppliedRevision"); rev != "" {
				fmt.Fprintf(&b, " lastApplied=%s", rev)
			}
			b.WriteString("\n")
			for _, c := range Conditions(&o) {
				fmt.Fprintf(&b, "  %s=%s %s: %s\n", c.Type, c.Status, c.Reason, c.Message)
			}
		}
	}
	for _, p := range []*Process{f.Source, f.Kustomize} {
		fmt.Fprintf(&b, "--- last lines of %s:\n%s\n", p.Name, p.Tail(40))
	}
	return b.String()
}

func nestedString(o *unstructured.Unstructured, fields ...string) string {
	s, _, _ := unstructured.NestedString(o.Object, fields...)
	return s
}
