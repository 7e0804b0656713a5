package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/test/e2e/harness"
)

// ClusterEnv names one cluster of the tree for the boot tier to boot
// (default: one 1.37 cluster with etcd of 3 or more members per expose
// strategy).
const ClusterEnv = "FLEETC_E2E_CLUSTER"

// parallelBootTimeout bounds the wait for one control plane when it boots
// at the same time as others on two cores: every boot of the package does,
// up to harness.Networks at once (the tests run in parallel).
const parallelBootTimeout = 3 * time.Minute

// bootCluster is a cluster folder of the tree the boot tier can boot.
type bootCluster struct {
	Seed, Name, Dir string
	Strategy        string // Tunneling, NodePort or LoadBalancer
	Version         string // kube-apiserver image tag, e.g. v1.37.2
	EtcdReplicas    int64
}

// bootClusters lists the tree's clusters with what the boot tier needs to
// pick them.
func bootClusters(t *testing.T, tree string) []bootCluster {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(tree, "seeds", "*", "clusters", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []bootCluster
	for _, dir := range dirs {
		objs, err := harness.Build(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		c := bootCluster{Seed: filepath.Base(filepath.Dir(filepath.Dir(dir))), Name: filepath.Base(dir), Dir: dir, Strategy: "NodePort"}
		for _, o := range objs {
			switch {
			case o.GetKind() == "Service" && o.GetName() == "apiserver-external" &&
				strings.Contains(o.GetAnnotations()["nodeport-proxy.k8s.io/expose"], "Tunneling"):
				c.Strategy = "Tunneling"
			case o.GetKind() == "Service":
				if typ, _, _ := unstructured.NestedString(o.Object, "spec", "type"); typ == "LoadBalancer" && c.Strategy != "Tunneling" {
					c.Strategy = "LoadBalancer"
				}
			case o.GetKind() == "StatefulSet" && o.GetName() == "etcd":
				r, _, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "replicas")
				switch n := r.(type) {
				case int:
					c.EtcdReplicas = int64(n)
				case int64:
					c.EtcdReplicas = n
				case float64:
					c.EtcdReplicas = int64(n)
				}
			case o.GetKind() == "Deployment" && o.GetName() == "apiserver":
				x, _, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "template", "spec", "containers")
				cs, _ := x.([]any)
				for _, x := range cs {
					m, _ := x.(map[string]any)
					if m["name"] == "apiserver" {
						img, _ := m["image"].(string)
						c.Version = img[strings.LastIndexByte(img, ':')+1:]
					}
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// binaryVersion is what kube-apiserver --version says, e.g. v1.37.2.
func binaryVersion(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(bin, "kube-apiserver"), "--version").Output()
	if err != nil {
		t.Fatalf("kube-apiserver --version: %v", err)
	}
	f := strings.Fields(string(out))
	return f[len(f)-1]
}

// pickBootClusters chooses what TestBoot boots: FLEETC_E2E_CLUSTER, or one
// cluster per expose strategy at the binaries' version with 3+ etcd members.
// Without FLEETC_E2E_TREE, all three strategies must be found (the example
// fleet has them), so a change to the fixture cannot shrink the proof.
func pickBootClusters(t *testing.T, tree, version string) []bootCluster {
	t.Helper()
	all := bootClusters(t, tree)
	if name := os.Getenv(ClusterEnv); name != "" {
		for _, c := range all {
			if c.Name == name {
				if c.Version != version {
					t.Fatalf("%s=%s: the cluster runs Kubernetes %s; the boot tier has binaries for %s", ClusterEnv, name, c.Version, version)
				}
				return []bootCluster{c}
			}
		}
		t.Fatalf("%s=%s: no such cluster in %s", ClusterEnv, name, tree)
	}
	picked := map[string]bootCluster{}
	for _, c := range all {
		if c.Version != version || c.EtcdReplicas < 3 {
			continue
		}
		if _, ok := picked[c.Strategy]; !ok {
			picked[c.Strategy] = c
		}
	}
	var out []bootCluster
	for _, s := range []string{"Tunneling", "NodePort", "LoadBalancer"} {
		c, ok := picked[s]
		if !ok {
			if os.Getenv(TreeEnv) == "" {
				t.Fatalf("the example fleet has no %s cluster at %s with 3+ etcd members for the boot tier", s, version)
			}
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatalf("no cluster of %s runs Kubernetes %s with 3+ etcd members; set %s", tree, version, ClusterEnv)
	}
	return out
}

// TestBoot boots each picked cluster's control plane from its render and
// checks that etcd forms one cluster over TLS, the apiserver serves /readyz
// through the rendered admin kubeconfig, and the controller-manager and
// scheduler hold their leader Leases.
func TestBoot(t *testing.T) {
	t.Parallel()
	bin := harness.Binaries(t)
	tree := renderedTree(t)
	version := binaryVersion(t, bin)
	clusters := pickBootClusters(t, tree, version)
	for _, c := range clusters {
		t.Run(c.Strategy+"/"+c.Name, func(t *testing.T) {
			// The clusters boot at the same time, each with its seed on a
			// network of its own.
			t.Parallel()
			network := harness.AcquireNetwork(t)
			start := time.Now()
			b, err := harness.Boot(t, harness.BootOptions{Bin: bin, Dir: c.Dir, Timeout: parallelBootTimeout, Network: network})
			if err != nil {
				t.Fatalf("boot %s: %v", c.Name, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
			defer cancel()
			members, err := b.EtcdMembers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(members)) != c.EtcdReplicas {
				t.Fatalf("etcd has %d members, want %d", len(members), c.EtcdReplicas)
			}
			for _, m := range members {
				t.Logf("etcd member %s peer %v", m.Name, m.PeerURLs)
			}
			t.Logf("%s (%s) booted in %s", c.Name, c.Strategy, time.Since(start).Round(100*time.Millisecond))

			// 4. Flux applies the usercluster folder into the booted
			// cluster through the Secret the render's kubeconfig-writer
			// made: nothing is created by hand. A probe Deployment rides
			// along in the folder.
			extra, err := probeWorkload(c)
			if err != nil {
				t.Fatal(err)
			}
			flux, err := b.StartFlux(t, bin, tree, c.Seed, extra)
			if err != nil {
				t.Fatal(err)
			}
			ks := "usercluster-" + c.Name
			if err := flux.WaitReady(ctx, b.Namespace, ks, 3*time.Minute); err != nil {
				for _, w := range b.Containers("Deployment kubeconfig-writer", "kubeconfig-writer") {
					t.Logf("--- %s:\n%s", w.Component(), w.Tail(20))
				}
				t.Fatal(err)
			}
			t.Logf("Flux applied %s into the booted cluster (%s)", ks, time.Since(start).Round(100*time.Millisecond))

			// 5. A node joins with a bootstrap token and gets the probe pod.
			token, err := b.CreateBootstrapToken(ctx)
			if err != nil {
				t.Fatal(err)
			}
			node, err := b.JoinNode(t, ctx, "worker-0", token, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := waitPodOnNode(ctx, b, node.Name, time.Minute); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: node %s joined, its certificate signed by the cluster CA, and the probe pod is scheduled on it (%s)",
				c.Name, node.Name, time.Since(start).Round(100*time.Millisecond))
		})
	}
}

// probeName is the Deployment the boot tier adds to the usercluster folder
// in git, to see a pod of the customer cluster scheduled onto the joined node.
const probeName = "boot-probe"

// probeWorkload returns the files that add the probe Deployment to the
// cluster's usercluster folder (paths relative to the tree).
func probeWorkload(c bootCluster) (map[string][]byte, error) {
	dir := filepath.Join(filepath.Dir(filepath.Dir(c.Dir)), "usercluster", c.Name)
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	var k map[string]any
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil, err
	}
	res, _ := k["resources"].([]any)
	k["resources"] = append(res, "deployment-"+probeName+".yaml")
	kdata, err := yaml.Marshal(k)
	if err != nil {
		return nil, err
	}
	probe := fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
      - name: pause
        image: registry.k8s.io/pause:3.10
`, probeName)
	rel := filepath.ToSlash(filepath.Join("seeds", c.Seed, "usercluster", c.Name))
	return map[string][]byte{
		rel + "/kustomization.yaml":                kdata,
		rel + "/deployment-" + probeName + ".yaml": []byte(probe),
	}, nil
}

// waitPodOnNode waits until the probe Deployment's pod is bound to node:
// the controller-manager made it, the scheduler placed it.
func waitPodOnNode(ctx context.Context, b *harness.Booted, node string, timeout time.Duration) error {
	cs, err := b.Customer()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	var last string
	for {
		pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=" + probeName})
		if err == nil {
			for _, p := range pods.Items {
				if p.Spec.NodeName == node {
					return nil
				}
				last = fmt.Sprintf("pod %s on node %q", p.Name, p.Spec.NodeName)
			}
			if len(pods.Items) == 0 {
				last = "no pod of Deployment " + probeName + " yet"
			}
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			var logs strings.Builder
			for _, owner := range []string{"Deployment scheduler", "Deployment controller-manager"} {
				for _, c := range b.Containers(owner, strings.TrimPrefix(owner, "Deployment ")) {
					fmt.Fprintf(&logs, "--- %s:\n%s\n", c.Component(), c.Tail(15))
				}
			}
			return fmt.Errorf("the probe pod was not scheduled onto %s in %s: %s\n%s", node, timeout, last, logs.String())
		}
		time.Sleep(time.Second)
	}
}

// TestBootFails shows the boot tier fails, naming the object and the
// component, for a render with a wrong SAN, a missing volume mount, or a bad
// flag.
func TestBootFails(t *testing.T) {
	t.Parallel()
	bin := harness.Binaries(t)
	tree := renderedTree(t)
	version := binaryVersion(t, bin)
	c := pickBootClusters(t, tree, version)[0]
	cases := []struct {
		name      string
		mutate    func([]*unstructured.Unstructured) error
		want      []string // substrings of the error
		crashLoop int      // restarts that end the boot (0: the default)
	}{
		{
			name: "wrong SAN on the apiserver's serving certificate",
			mutate: editObject("Certificate", "apiserver-tls", func(o *unstructured.Unstructured) error {
				names, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "dnsNames")
				for i := range names {
					names[i] = "wrong-" + names[i]
				}
				return unstructured.SetNestedStringSlice(o.Object, names, "spec", "dnsNames")
			}),
			want: []string{"x509", "Deployment apiserver"},
		},
		{
			name: "missing volume mount of the scheduler's kubeconfig",
			mutate: editContainer("Deployment", "scheduler", "scheduler", func(c map[string]any) error {
				mounts, _ := c["volumeMounts"].([]any)
				var keep []any
				for _, m := range mounts {
					if mm, _ := m.(map[string]any); mm["name"] != "kubeconfig" {
						keep = append(keep, m)
					}
				}
				if len(keep) == len(mounts) {
					return fmt.Errorf("the scheduler mounts no volume named kubeconfig")
				}
				c["volumeMounts"] = keep
				return nil
			}),
			want:      []string{"Deployment scheduler", "container scheduler", "exited"},
			crashLoop: 2,
		},
		{
			name: "bad flag on the controller-manager",
			mutate: editContainer("Deployment", "controller-manager", "controller-manager", func(c map[string]any) error {
				args, _ := c["args"].([]any)
				c["args"] = append(args, "--no-such-flag=1")
				return nil
			}),
			want:      []string{"Deployment controller-manager", "container controller-manager", "unknown flag: --no-such-flag"},
			crashLoop: 2,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The broken renders boot at the same time, each on a network
			// of its own.
			t.Parallel()
			network := harness.AcquireNetwork(t)
			_, err := harness.Boot(t, harness.BootOptions{Bin: bin, Dir: c.Dir, Mutate: tc.mutate, Timeout: parallelBootTimeout, CrashLoop: tc.crashLoop, Logf: func(string, ...any) {}, Network: network})
			if err == nil {
				t.Fatalf("a render with %s booted", tc.name)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
			t.Logf("failed as it should: %s", firstLines(err.Error(), 3))
		})
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}

// editObject changes the object of that kind and name.
func editObject(kind, name string, edit func(*unstructured.Unstructured) error) func([]*unstructured.Unstructured) error {
	return func(objs []*unstructured.Unstructured) error {
		for _, o := range objs {
			if o.GetKind() == kind && o.GetName() == name {
				return edit(o)
			}
		}
		return fmt.Errorf("no %s %s in the render", kind, name)
	}
}

// editContainer changes one container of a workload's pod template.
func editContainer(kind, name, container string, edit func(map[string]any) error) func([]*unstructured.Unstructured) error {
	return editObject(kind, name, func(o *unstructured.Unstructured) error {
		x, _, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "template", "spec", "containers")
		cs, _ := x.([]any)
		for i, x := range cs {
			c, _ := x.(map[string]any)
			if c["name"] == container {
				if err := edit(c); err != nil {
					return err
				}
				cs[i] = c // the slice is the object's own (NoCopy)
				return nil
			}
		}
		return fmt.Errorf("%s %s has no container %s", kind, name, container)
	})
}
