package harness

// The boot tier's pod network: what a CNI plugin, kube-proxy and cluster DNS
// give the pods of a seed, built from Linux network namespaces on this
// machine.
//
//   - Every pod gets its own network namespace (as a pod sandbox does) with
//     `lo` and an `eth0` veth whose other end sits on a bridge in the root
//     namespace. Pod addresses come from 198.18.0.0/16 (RFC 2544's
//     benchmarking range, never routed on the internet); the bridge is
//     198.18.0.1, the pods' default gateway.
//   - Every Service gets an address from 198.19.0.0/16, put on the bridge;
//     the test process listens there on each Service port and forwards each
//     connection to a pod behind the Service (kube-proxy's job).
//   - Names resolve through a hosts file per pod (`ip netns exec` mounts
//     /etc/netns/<ns>/hosts over /etc/hosts): <svc>.<ns>.svc.cluster.local,
//     <pod>.<svc>.<ns>.svc.cluster.local for a StatefulSet's pods behind a
//     headless Service, and extra names the test adds (the cluster's external
//     hostname, as the seed's nodeport-proxy or load balancer would serve it).
//
// Nothing here is reachable from outside this machine, and nothing in the
// namespaces reaches anything but the bridge.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Gateway is the bridge's address of network 0: the pods' default route,
// and where the test process serves what pods reach in the root namespace
// (the seed's API server, the git server). Network k (NewNetworkIndex) has
// GatewayOf(k).
const Gateway = "198.18.0.1"

// Networks is how many boot networks can exist side by side: network k has
// the pod addresses 198.18.64k.0/18 and the Service addresses
// 198.19.64k.0/18, so boots on different networks run concurrently.
const Networks = 4

// networkPool holds the indices of the boot networks no boot of this test
// process uses: tests that boot at the same time (t.Parallel) each take
// one with AcquireNetwork.
var networkPool = func() chan int {
	c := make(chan int, Networks)
	for k := range Networks {
		c <- k
	}
	return c
}()

// AcquireNetwork waits until one of the Networks boot networks is free in
// this process and returns its index, for BootOptions.Network. It is given
// back when t ends, after the cleanups registered later (the boot's, which
// remove the network) have run.
func AcquireNetwork(t testing.TB) int {
	t.Helper()
	k := <-networkPool
	t.Cleanup(func() { networkPool <- k })
	return k
}

// GatewayOf is network k's bridge address.
func GatewayOf(k int) string { return fmt.Sprintf("198.18.%d.1", 64*k) }

// Network is one test's pod network.
type Network struct {
	t      testing.TB
	id     string // short random id, prefix of every interface and namespace
	bridge string
	index  int // which of the Networks address ranges
	// Gateway is the bridge's address (GatewayOf(index)).
	Gateway string

	mu       sync.Mutex
	nextPod  int
	nextSvc  int
	hosts    map[string][]string // name (absolute, with trailing dot) -> addresses
	pods     []*PodNet
	closers  []func()
	svcAddrs []string
}

// PodNet is a pod's network namespace.
type PodNet struct {
	Name string // the pod name, for messages
	NS   string // the network namespace, for `ip netns exec`
	IP   string
	// Gateway is the network's bridge address: the pod's host, seen from it.
	Gateway string
}

// run runs a command and fails with its output.
func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// NewNetwork creates the bridge. It needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)
// and iproute2; t.Cleanup removes everything it made.
func NewNetwork(t testing.TB) *Network {
	t.Helper()
	return NewNetworkIndex(t, 0)
}

// NewNetworkIndex creates network k (0 <= k < Networks): networks with
// different k can exist at the same time.
func NewNetworkIndex(t testing.TB, k int) *Network {
	t.Helper()
	if k < 0 || k >= Networks {
		t.Fatalf("network %d: there are %d", k, Networks)
	}
	if os.Geteuid() != 0 {
		t.Fatal("the boot tier runs pods in network and mount namespaces and needs root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatal("the boot tier needs iproute2's `ip` (apt-get install iproute2)")
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	n := &Network{t: t, id: "fb" + hex.EncodeToString(b), hosts: map[string][]string{}, index: k, Gateway: GatewayOf(k)}
	n.bridge = n.id + "br"
	// Leftovers of an earlier run that was killed hold the same addresses.
	sweepStale(n.Gateway)
	for _, c := range [][]string{
		{"link", "add", n.bridge, "type", "bridge"},
		{"addr", "add", n.Gateway + "/18", "dev", n.bridge},
		{"link", "set", n.bridge, "up"},
	} {
		if err := run("ip", c...); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(n.close)
	return n
}

// sweepStale removes the bridge that holds gateway, left behind by a killed
// run (its name starts with "fb" and ends with "br"), and that bridge's
// namespaces. Networks of other ranges, maybe in use by this process, stay.
func sweepStale(gateway string) {
	out, _ := exec.Command("ip", "-o", "-4", "addr", "show").Output()
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[2] != "inet" || !strings.HasPrefix(f[3], gateway+"/") {
			continue
		}
		name := f[1]
		if !strings.HasPrefix(name, "fb") || !strings.HasSuffix(name, "br") || len(name) != 10 {
			continue
		}
		_ = run("ip", "link", "del", name)
		id := strings.TrimSuffix(name, "br")
		nss, _ := exec.Command("ip", "netns", "list").Output()
		for _, l := range strings.Split(string(nss), "\n") {
			g := strings.Fields(l)
			if len(g) > 0 && strings.HasPrefix(g[0], id+"-p") {
				_ = run("ip", "netns", "del", g[0])
				_ = os.RemoveAll(filepath.Join("/etc/netns", g[0]))
			}
		}
	}
}

func (n *Network) close() {
	n.mu.Lock()
	closers := n.closers
	n.closers = nil
	pods := n.pods
	n.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	for _, p := range pods {
		_ = run("ip", "netns", "del", p.NS)
		_ = os.RemoveAll(filepath.Join("/etc/netns", p.NS))
	}
	_ = run("ip", "link", "del", n.bridge)
}

// AddPod creates a network namespace with an address on the bridge.
func (n *Network) AddPod(name string) (*PodNet, error) {
	n.mu.Lock()
	n.nextPod++
	i := n.nextPod
	n.mu.Unlock()
	if i > 63*250 {
		return nil, fmt.Errorf("pod network full")
	}
	ip := fmt.Sprintf("198.18.%d.%d", 64*n.index+1+(i-1)/250, 2+(i-1)%250)
	p := &PodNet{Name: name, NS: fmt.Sprintf("%s-p%d", n.id, i), IP: ip, Gateway: n.Gateway}
	host := fmt.Sprintf("%sh%d", n.id, i)
	for _, c := range [][]string{
		{"netns", "add", p.NS},
		{"link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", p.NS},
		{"link", "set", host, "master", n.bridge},
		{"link", "set", host, "up"},
		{"-n", p.NS, "link", "set", "lo", "up"},
		{"-n", p.NS, "addr", "add", ip + "/18", "dev", "eth0"},
		{"-n", p.NS, "link", "set", "eth0", "up"},
		{"-n", p.NS, "route", "add", "default", "via", n.Gateway},
	} {
		if err := run("ip", c...); err != nil {
			_ = run("ip", "netns", "del", p.NS)
			return nil, fmt.Errorf("pod %s: %w", name, err)
		}
	}
	n.mu.Lock()
	n.pods = append(n.pods, p)
	n.mu.Unlock()
	return p, nil
}

// AddHost makes name resolve to addrs in every pod (and through Dial).
func (n *Network) AddHost(name string, addrs ...string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	key := absName(name)
	for _, a := range addrs {
		if !contains(n.hosts[key], a) {
			n.hosts[key] = append(n.hosts[key], a)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func absName(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// Lookup resolves a name as the pods do.
func (n *Network) Lookup(name string) []string {
	if ip := net.ParseIP(name); ip != nil {
		return []string{name}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.hosts[absName(name)]...)
}

// WriteHosts writes the hosts file of every pod from the names known now.
// Call it after the last AddHost and before starting processes.
func (n *Network) WriteHosts() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	var b strings.Builder
	b.WriteString("127.0.0.1 localhost\n::1 localhost\n")
	names := make([]string, 0, len(n.hosts))
	for name := range n.hosts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, a := range n.hosts[name] {
			// Both spellings: glibc and Go match the name as written.
			fmt.Fprintf(&b, "%s %s %s\n", a, strings.TrimSuffix(name, "."), name)
		}
	}
	for _, p := range n.pods {
		dir := filepath.Join("/etc/netns", p.NS)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte(b.String()), 0o644); err != nil {
			return err
		}
		// No DNS server is reachable: an empty resolv.conf makes misses fail fast.
		if err := os.WriteFile(filepath.Join(dir, "resolv.conf"), []byte("options timeout:1 attempts:1\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Dial connects from the root namespace, resolving names as the pods do.
func (n *Network) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs := n.Lookup(host)
	if len(addrs) == 0 {
		return nil, fmt.Errorf("boot network: no address for %q", host)
	}
	var d net.Dialer
	var last error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a, port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

// AddServiceIP puts a new Service address on the bridge.
func (n *Network) AddServiceIP() (string, error) {
	n.mu.Lock()
	n.nextSvc++
	i := n.nextSvc
	n.mu.Unlock()
	if i >= 64*250 {
		return "", fmt.Errorf("Service addresses full")
	}
	ip := fmt.Sprintf("198.19.%d.%d", 64*n.index+i/250, 1+i%250)
	if err := run("ip", "addr", "add", ip+"/32", "dev", n.bridge); err != nil {
		return "", err
	}
	return ip, nil
}

// Forward listens on listenAddr in the root namespace and copies every
// connection to the first of backends() that accepts it. It stops with the
// network.
func (n *Network) Forward(listenAddr string, backends func() []string) error {
	l, err := net.Listen("tcp", listenAddr)
	if err != nil {
		return fmt.Errorf("forward %s: %w", listenAddr, err)
	}
	n.mu.Lock()
	n.closers = append(n.closers, func() { l.Close() })
	n.mu.Unlock()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go forward(c, backends())
		}
	}()
	return nil
}

func forward(c net.Conn, backends []string) {
	defer c.Close()
	var up net.Conn
	for _, b := range backends {
		var err error
		if up, err = net.DialTimeout("tcp", b, 2*time.Second); err == nil {
			break
		}
	}
	if up == nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); closeWrite(up); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); closeWrite(c); done <- struct{}{} }()
	<-done
	<-done
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}
