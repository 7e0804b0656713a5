package harness

// The boot tier's kubelet: it runs the pods of a rendered control plane as
// processes on this machine, with no container runtime. For each pod of each
// Deployment and StatefulSet in a namespace of the seed:
//
//   - a network namespace on the boot network (podnet.go), so every pod has
//     its own IP and its own 127.0.0.1, and Service names resolve;
//   - per container, a mount namespace in which every volume is materialized
//     from the seed's API (Secret and ConfigMap items with their modes,
//     emptyDir, the StatefulSet's claim, projected service account tokens)
//     and bind-mounted at its mountPath, readOnly as rendered;
//   - the container's env (values, $(VAR) references, the downward API,
//     Secret and ConfigMap keys) and its command and args expanded the way a
//     kubelet expands them;
//   - the binary that the image would hold, bound at the command's path
//     (the image's filesystem is the host's, plus that binary);
//   - the securityContext's runAsUser, runAsGroup and the pod's fsGroup
//     (files of volumes are group-owned by fsGroup, as a kubelet does);
//   - restarts with back-off when a process exits (restartPolicy Always).
//
// A container whose image has no binary here is not run, and is listed.

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// workRoot holds the pods' volumes while a test runs.
const workRoot = "/var/lib/fleetc-boot"

// PodRuntime runs pods of one seed namespace.
type PodRuntime struct {
	t    testing.TB
	Net  *Network
	Seed kubernetes.Interface
	// Work is a scratch folder for volumes.
	Work string
	// Binaries maps an image's repository (its last path element, e.g.
	// "kube-apiserver") to an executable on this machine.
	Binaries map[string]string
	// ImageFiles describes an image by its files: image repository (last
	// path element) -> path in the image -> executable on this machine. A
	// container of such an image sees this machine's filesystem with those
	// files bound at their paths (each of their folders a fresh tmpfs), and
	// its command must be one of them or exist here as written. It takes
	// precedence over Binaries for that image (the etcd image's etcd,
	// etcdctl and etcdutl; the aws CLI stand-in).
	ImageFiles map[string]map[string]string
	// HostImages lists image repositories (last path element) whose
	// containers run with this machine's own tools (a shell, kubectl): the
	// command must exist here as written.
	HostImages map[string]bool
	// SeedHost and SeedPort are where pods reach the seed's API server
	// (KUBERNETES_SERVICE_HOST/PORT); SeedCA is its CA certificate.
	SeedHost string
	SeedPort int
	SeedCA   []byte
	// Logf reports what the runtime does differently from a kubelet.
	Logf func(format string, args ...any)

	mu   sync.Mutex
	pods []*Pod
}

// Pod is one pod the runtime made from a workload.
type Pod struct {
	Name, Namespace string
	Owner           string // e.g. "StatefulSet etcd"
	Hostname        string
	Subdomain       string
	Labels          map[string]string
	Spec            corev1.PodSpec
	Net             *PodNet
	Containers      []*Container
	// NotRun lists the containers that have no binary here, with why.
	NotRun []string
	dir    string
}

// Container is a running container of a Pod.
type Container struct {
	Pod  *Pod
	Name string
	Argv []string // after expansion; Argv[0] is the rendered command path
	Env  []string

	script string
	mu     sync.Mutex
	proc   *Process
	starts int
	logs   []string // last lines of every exited run
	stop   chan struct{}
}

// Component names the container for messages: "StatefulSet etcd, pod etcd-1, container etcd".
func (c *Container) Component() string {
	return fmt.Sprintf("%s, pod %s, container %s", c.Pod.Owner, c.Pod.Name, c.Name)
}

// Restarts is how often the container's process exited and was restarted.
func (c *Container) Restarts() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.starts - 1
}

// Alive reports whether the process runs now.
func (c *Container) Alive() bool {
	c.mu.Lock()
	p := c.proc
	c.mu.Unlock()
	if p == nil {
		return false
	}
	done, _ := p.Exited()
	return !done
}

// Tail is the container's last n log lines (of this run, after those of
// earlier runs).
func (c *Container) Tail(n int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	lines := append([]string(nil), c.logs...)
	if c.proc != nil {
		lines = append(lines, strings.Split(c.proc.Tail(n), "\n")...)
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// NewPodRuntime makes a runtime on net for the seed.
func NewPodRuntime(t testing.TB, net *Network, seed kubernetes.Interface) *PodRuntime {
	// Volumes live outside /tmp: a container that mounts an emptyDir at
	// /tmp must still see the sources of its other volumes.
	if err := os.MkdirAll(workRoot, 0o755); err != nil {
		t.Fatal(err)
	}
	work, err := os.MkdirTemp(workRoot, "pods-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(work) })
	return &PodRuntime{
		t: t, Net: net, Seed: seed, Work: work,
		Binaries:   map[string]string{},
		ImageFiles: map[string]map[string]string{},
		HostImages: map[string]bool{},
		Logf:       t.Logf,
	}
}

// Pods returns the pods made so far.
func (r *PodRuntime) Pods() []*Pod {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Pod(nil), r.pods...)
}

// Plan makes the pods of every Deployment and StatefulSet in namespace (as
// stored on the seed), gives each its network namespace, and registers the
// names of the namespace's Services. Run WriteHosts on the network and then
// Start.
func (r *PodRuntime) Plan(ctx context.Context, namespace string) error {
	deps, err := r.Seed.AppsV1().Deployments(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	stss, err := r.Seed.AppsV1().StatefulSets(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	var pods []*Pod
	for _, d := range deps.Items {
		n := int32(1)
		if d.Spec.Replicas != nil {
			n = *d.Spec.Replicas
		}
		for i := range int(n) {
			pods = append(pods, &Pod{
				Name: fmt.Sprintf("%s-%d", d.Name, i), Namespace: namespace,
				Owner: "Deployment " + d.Name, Labels: d.Spec.Template.Labels,
				Spec: *d.Spec.Template.Spec.DeepCopy(),
			})
		}
	}
	for _, s := range stss.Items {
		n := int32(1)
		if s.Spec.Replicas != nil {
			n = *s.Spec.Replicas
		}
		for i := range int(n) {
			name := fmt.Sprintf("%s-%d", s.Name, i)
			pods = append(pods, &Pod{
				Name: name, Namespace: namespace, Owner: "StatefulSet " + s.Name,
				Hostname: name, Subdomain: s.Spec.ServiceName,
				Labels: s.Spec.Template.Labels, Spec: *s.Spec.Template.Spec.DeepCopy(),
			})
		}
	}
	for _, p := range pods {
		pn, err := r.Net.AddPod(p.Name)
		if err != nil {
			return err
		}
		p.Net = pn
		p.dir = filepath.Join(r.Work, namespace, p.Name)
	}
	r.mu.Lock()
	r.pods = append(r.pods, pods...)
	r.mu.Unlock()
	return r.planServices(ctx, namespace, pods)
}

// planServices gives every Service of the namespace its name(s): a headless
// Service resolves to its pods (and <pod>.<svc> for a StatefulSet's pods),
// any other gets a Service address that forwards each port to its pods.
func (r *PodRuntime) planServices(ctx context.Context, namespace string, pods []*Pod) error {
	svcs, err := r.Seed.CoreV1().Services(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, svc := range svcs.Items {
		var backends []*Pod
		if len(svc.Spec.Selector) > 0 {
			sel := labels.SelectorFromSet(svc.Spec.Selector)
			for _, p := range pods {
				if sel.Matches(labels.Set(p.Labels)) {
					backends = append(backends, p)
				}
			}
		}
		names := ServiceNames(svc.Name, namespace)
		if svc.Spec.ClusterIP == corev1.ClusterIPNone {
			for _, p := range backends {
				for _, n := range names {
					r.Net.AddHost(n, p.Net.IP)
				}
				if p.Subdomain == svc.Name {
					r.Net.AddHost(fmt.Sprintf("%s.%s.%s.svc.cluster.local", p.Hostname, svc.Name, namespace), p.Net.IP)
				}
			}
			continue
		}
		ip, err := r.Net.AddServiceIP()
		if err != nil {
			return err
		}
		for _, n := range names {
			r.Net.AddHost(n, ip)
		}
		for _, port := range svc.Spec.Ports {
			if err := r.Net.Forward(net.JoinHostPort(ip, strconv.Itoa(int(port.Port))), backendsOf(backends, port.TargetPort, port.Port)); err != nil {
				return fmt.Errorf("Service %s: %w", svc.Name, err)
			}
		}
	}
	return nil
}

// ServiceNames are the names a Service has in cluster DNS.
func ServiceNames(svc, namespace string) []string {
	return []string{
		svc + "." + namespace,
		svc + "." + namespace + ".svc",
		svc + "." + namespace + ".svc.cluster.local",
	}
}

// backendsOf resolves a Service's targetPort on each pod (a number, or the
// name of a container port).
func backendsOf(pods []*Pod, target intstr.IntOrString, port int32) func() []string {
	return func() []string {
		var out []string
		for _, p := range pods {
			n := int(port)
			switch {
			case target.Type == intstr.Int && target.IntVal != 0:
				n = int(target.IntVal)
			case target.Type == intstr.String:
				n = 0
				for _, c := range p.Spec.Containers {
					for _, cp := range c.Ports {
						if cp.Name == target.StrVal {
							n = int(cp.ContainerPort)
						}
					}
				}
			}
			if n != 0 {
				out = append(out, net.JoinHostPort(p.Net.IP, strconv.Itoa(n)))
			}
		}
		return out
	}
}

// Backends returns the addresses (pod IP:targetPort) behind a Service port,
// for forwarding an external name to it.
func (r *PodRuntime) Backends(ctx context.Context, namespace, service string, port int32) (func() []string, error) {
	svc, err := r.Seed.CoreV1().Services(namespace).Get(ctx, service, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	var backends []*Pod
	for _, p := range r.Pods() {
		if p.Namespace == namespace && sel.Matches(labels.Set(p.Labels)) {
			backends = append(backends, p)
		}
	}
	for _, sp := range svc.Spec.Ports {
		if sp.Port == port {
			return backendsOf(backends, sp.TargetPort, sp.Port), nil
		}
	}
	return nil, fmt.Errorf("Service %s/%s has no port %d", namespace, service, port)
}

// Start materializes every planned pod's volumes and starts its containers
// (init containers first, each to completion).
func (r *PodRuntime) Start(ctx context.Context) error {
	for _, p := range r.Pods() {
		if p.Containers != nil || len(p.NotRun) > 0 {
			continue
		}
		if err := r.startPod(ctx, p); err != nil {
			return fmt.Errorf("%s, pod %s: %w", p.Owner, p.Name, err)
		}
	}
	return nil
}

func (r *PodRuntime) startPod(ctx context.Context, p *Pod) error {
	mounts, err := r.materialize(ctx, p)
	if err != nil {
		return err
	}
	for _, c := range p.Spec.InitContainers {
		ctr, why, err := r.container(ctx, p, c, mounts)
		if err != nil {
			return err
		}
		if ctr == nil {
			p.NotRun = append(p.NotRun, fmt.Sprintf("init container %s (%s)", c.Name, why))
			continue
		}
		if err := ctr.runOnce(r.t, 2*time.Minute); err != nil {
			return fmt.Errorf("init container %s: %w", c.Name, err)
		}
	}
	for _, c := range p.Spec.Containers {
		ctr, why, err := r.container(ctx, p, c, mounts)
		if err != nil {
			return err
		}
		if ctr == nil {
			p.NotRun = append(p.NotRun, fmt.Sprintf("container %s (%s)", c.Name, why))
			r.Logf("boot: %s, pod %s: container %s is not run: %s", p.Owner, p.Name, c.Name, why)
			continue
		}
		p.Containers = append(p.Containers, ctr)
		ctr.supervise(r.t)
	}
	return nil
}

// volumeMount is a materialized volume: a folder on this machine.
type volumeMount struct {
	dir string
}

// materialize writes every volume of the pod into its folder.
func (r *PodRuntime) materialize(ctx context.Context, p *Pod) (map[string]volumeMount, error) {
	fsGroup := -1
	if sc := p.Spec.SecurityContext; sc != nil && sc.FSGroup != nil {
		fsGroup = int(*sc.FSGroup)
	}
	out := map[string]volumeMount{}
	vols := append([]corev1.Volume(nil), p.Spec.Volumes...)
	if strings.HasPrefix(p.Owner, "StatefulSet ") {
		// volumeClaimTemplates: the pod's claim is a folder of its own.
		sts, err := r.Seed.AppsV1().StatefulSets(p.Namespace).Get(ctx, strings.TrimPrefix(p.Owner, "StatefulSet "), metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		for _, pvc := range sts.Spec.VolumeClaimTemplates {
			vols = append(vols, corev1.Volume{Name: pvc.Name, VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: pvc.Name + "-" + p.Name},
			}})
		}
	}
	if r.automount(ctx, p) {
		vols = append(vols, corev1.Volume{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
			},
		}}})
	}
	for _, v := range vols {
		dir := filepath.Join(p.dir, "volumes", v.Name)
		if v.PersistentVolumeClaim != nil {
			// A claim is the namespace's, by name: every pod that mounts
			// it sees the same folder (a restore pod, then the member).
			dir = filepath.Join(r.Work, p.Namespace, "claims", v.PersistentVolumeClaim.ClaimName)
		}
		files, mode, err := r.volumeFiles(ctx, p, v)
		if err != nil {
			return nil, fmt.Errorf("volume %s: %w", v.Name, err)
		}
		if err := writeVolume(dir, files, mode, fsGroup, v); err != nil {
			return nil, fmt.Errorf("volume %s: %w", v.Name, err)
		}
		if v.Name == "kube-api-access" {
			if err := os.WriteFile(filepath.Join(dir, "ca.crt"), r.SeedCA, 0o644); err != nil {
				return nil, err
			}
		}
		out[v.Name] = volumeMount{dir: dir}
	}
	return out, nil
}

// automount says whether the pod gets the service account token volume.
func (r *PodRuntime) automount(ctx context.Context, p *Pod) bool {
	if p.Spec.AutomountServiceAccountToken != nil {
		return *p.Spec.AutomountServiceAccountToken
	}
	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	got, err := r.Seed.CoreV1().ServiceAccounts(p.Namespace).Get(ctx, sa, metav1.GetOptions{})
	if err == nil && got.AutomountServiceAccountToken != nil {
		return *got.AutomountServiceAccountToken
	}
	return true
}

type volFile struct {
	data []byte
	mode *int32
}

// volumeFiles returns the files of a volume (nil for a plain folder) and
// its default mode.
func (r *PodRuntime) volumeFiles(ctx context.Context, p *Pod, v corev1.Volume) (map[string]volFile, int32, error) {
	switch {
	case v.Secret != nil:
		s, err := r.Seed.CoreV1().Secrets(p.Namespace).Get(ctx, v.Secret.SecretName, metav1.GetOptions{})
		if err != nil {
			return nil, 0, fmt.Errorf("Secret %s: %w", v.Secret.SecretName, err)
		}
		files, err := pickItems(s.Data, v.Secret.Items, "Secret "+s.Name)
		return files, modeOr(v.Secret.DefaultMode, 0o644), err
	case v.ConfigMap != nil:
		cm, err := r.Seed.CoreV1().ConfigMaps(p.Namespace).Get(ctx, v.ConfigMap.Name, metav1.GetOptions{})
		if err != nil {
			return nil, 0, fmt.Errorf("ConfigMap %s: %w", v.ConfigMap.Name, err)
		}
		data := map[string][]byte{}
		for k, s := range cm.Data {
			data[k] = []byte(s)
		}
		for k, b := range cm.BinaryData {
			data[k] = b
		}
		files, err := pickItems(data, v.ConfigMap.Items, "ConfigMap "+cm.Name)
		return files, modeOr(v.ConfigMap.DefaultMode, 0o644), err
	case v.EmptyDir != nil, v.PersistentVolumeClaim != nil:
		return nil, 0, nil
	case v.Projected != nil:
		files := map[string]volFile{}
		for _, src := range v.Projected.Sources {
			var part map[string]volFile
			var err error
			switch {
			case src.ServiceAccountToken != nil:
				var tok string
				tok, err = r.token(ctx, p, src.ServiceAccountToken)
				part = map[string]volFile{src.ServiceAccountToken.Path: {data: []byte(tok)}}
			case src.Secret != nil:
				part, _, err = r.volumeFiles(ctx, p, corev1.Volume{VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: src.Secret.Name, Items: src.Secret.Items}}})
			case src.ConfigMap != nil:
				part, _, err = r.volumeFiles(ctx, p, corev1.Volume{VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: src.ConfigMap.LocalObjectReference, Items: src.ConfigMap.Items}}})
			case src.DownwardAPI != nil:
				part = map[string]volFile{}
				for _, it := range src.DownwardAPI.Items {
					if it.FieldRef == nil {
						return nil, 0, fmt.Errorf("downwardAPI item %s: only fieldRef is implemented", it.Path)
					}
					val, err := p.field(it.FieldRef.FieldPath)
					if err != nil {
						return nil, 0, err
					}
					part[it.Path] = volFile{data: []byte(val), mode: it.Mode}
				}
			default:
				return nil, 0, fmt.Errorf("a projected source the boot tier does not implement")
			}
			if err != nil {
				return nil, 0, err
			}
			for k, f := range part {
				files[k] = f
			}
		}
		return files, modeOr(v.Projected.DefaultMode, 0o644), nil
	}
	return nil, 0, fmt.Errorf("a volume type the boot tier does not implement")
}

// token asks the seed for a service account token, as the kubelet does for
// a projected serviceAccountToken.
func (r *PodRuntime) token(ctx context.Context, p *Pod, src *corev1.ServiceAccountTokenProjection) (string, error) {
	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	req := &authenticationv1.TokenRequest{}
	if src.Audience != "" {
		req.Spec.Audiences = []string{src.Audience}
	}
	exp := int64(3600)
	if src.ExpirationSeconds != nil {
		exp = *src.ExpirationSeconds
	}
	req.Spec.ExpirationSeconds = &exp
	got, err := r.Seed.CoreV1().ServiceAccounts(p.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token for ServiceAccount %s: %w", sa, err)
	}
	return got.Status.Token, nil
}

func modeOr(m *int32, def int32) int32 {
	if m != nil {
		return *m
	}
	return def
}

// pickItems selects the keys a volume projects (all, or its items), failing
// on a missing key as a kubelet does for a non-optional volume.
func pickItems(data map[string][]byte, items []corev1.KeyToPath, what string) (map[string]volFile, error) {
	files := map[string]volFile{}
	if len(items) == 0 {
		for k, v := range data {
			files[k] = volFile{data: v}
		}
		return files, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			return nil, fmt.Errorf("%s has no key %q", what, it.Key)
		}
		files[it.Path] = volFile{data: v, mode: it.Mode}
	}
	return files, nil
}

// writeVolume writes a volume's folder: files with their modes, group-owned
// by fsGroup; a claim group-writable with the setgid bit (as a kubelet
// applies fsGroup); an emptyDir world-writable.
func writeVolume(dir string, files map[string]volFile, mode int32, fsGroup int, v corev1.Volume) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	gid := -1
	if fsGroup >= 0 {
		gid = fsGroup
	}
	switch {
	case v.EmptyDir != nil:
		return os.Chmod(dir, 0o777)
	case v.PersistentVolumeClaim != nil:
		if err := os.Chown(dir, 0, gid); err != nil {
			return err
		}
		return os.Chmod(dir, 0o2775|os.ModeSetgid)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := files[n]
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		m := mode
		if f.mode != nil {
			m = *f.mode
		}
		if err := os.WriteFile(p, f.data, 0o600); err != nil {
			return err
		}
		if err := os.Chown(p, 0, gid); err != nil {
			return err
		}
		if err := os.Chmod(p, os.FileMode(m)&0o777); err != nil {
			return err
		}
	}
	return nil
}

// field is the downward API: a pod field's value.
func (p *Pod) field(fieldPath string) (string, error) {
	switch fieldPath {
	case "metadata.name":
		return p.Name, nil
	case "metadata.namespace":
		return p.Namespace, nil
	case "status.podIP":
		return p.Net.IP, nil
	case "status.podIPs":
		return p.Net.IP, nil
	case "status.hostIP", "status.hostIPs":
		return p.Net.Gateway, nil
	case "spec.nodeName":
		return "boot-node", nil
	case "spec.serviceAccountName":
		return p.Spec.ServiceAccountName, nil
	}
	if strings.HasPrefix(fieldPath, "metadata.labels['") && strings.HasSuffix(fieldPath, "']") {
		return p.Labels[strings.TrimSuffix(strings.TrimPrefix(fieldPath, "metadata.labels['"), "']")], nil
	}
	return "", fmt.Errorf("downward API field %q is not implemented by the boot tier", fieldPath)
}

// resourceField is the downward API's resourceFieldRef.
func resourceField(c corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	var q resource.Quantity
	var ok bool
	switch {
	case strings.HasPrefix(ref.Resource, "limits."):
		q, ok = c.Resources.Limits[corev1.ResourceName(strings.TrimPrefix(ref.Resource, "limits."))]
	case strings.HasPrefix(ref.Resource, "requests."):
		q, ok = c.Resources.Requests[corev1.ResourceName(strings.TrimPrefix(ref.Resource, "requests."))]
	}
	if !ok {
		return "", fmt.Errorf("resourceFieldRef %s: not set on container %s", ref.Resource, c.Name)
	}
	div := resource.MustParse("1")
	if !ref.Divisor.IsZero() {
		div = ref.Divisor
	}
	v := (q.MilliValue() + div.MilliValue() - 1) / div.MilliValue()
	return strconv.FormatInt(v, 10), nil
}

// container prepares one container, or says why it cannot run here.
func (r *PodRuntime) container(ctx context.Context, p *Pod, c corev1.Container, mounts map[string]volumeMount) (*Container, string, error) {
	repo := imageRepo(c.Image)
	if len(c.Command) == 0 {
		return nil, "no command rendered: the image's entrypoint is not known here", nil
	}
	bin, known := r.Binaries[repo]
	host := r.HostImages[repo]
	files, described := r.ImageFiles[repo]
	if described {
		known, host = false, true
	}
	if !known && !host {
		return nil, "no binary for image " + c.Image + " on this machine", nil
	}
	env, err := r.env(ctx, p, c)
	if err != nil {
		return nil, "", fmt.Errorf("container %s: %w", c.Name, err)
	}
	lookup := func(name string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, _ := strings.Cut(env[i], "="); k == name {
				return v, true
			}
		}
		return "", false
	}
	var argv []string
	for _, s := range append(append([]string(nil), c.Command...), c.Args...) {
		argv = append(argv, ExpandVars(s, lookup))
	}

	var script strings.Builder
	q := shellQuote
	script.WriteString("set -e\nmount --make-rprivate /\n")
	hostname := p.Name
	if p.Hostname != "" {
		hostname = p.Hostname
	}
	fmt.Fprintf(&script, "hostname %s\n", q(hostname))
	for _, m := range c.VolumeMounts {
		v, ok := mounts[m.Name]
		if !ok {
			return nil, "", fmt.Errorf("container %s: volumeMount %s names no volume", c.Name, m.Name)
		}
		src := v.dir
		if m.SubPath != "" {
			src = filepath.Join(src, filepath.FromSlash(m.SubPath))
		}
		fmt.Fprintf(&script, "if [ -d %[1]s ] || [ ! -e %[2]s ]; then mkdir -p %[2]s; else touch %[2]s; fi\nmount --bind %[1]s %[2]s\n", q(src), q(m.MountPath))
		if m.ReadOnly {
			fmt.Fprintf(&script, "mount -o remount,bind,ro %s\n", q(m.MountPath))
		}
	}
	if mounts["kube-api-access"].dir != "" {
		fmt.Fprintf(&script, "mkdir -p /var/run/secrets/kubernetes.io/serviceaccount\nmount --bind %s /var/run/secrets/kubernetes.io/serviceaccount\n", q(mounts["kube-api-access"].dir))
	}
	bind := map[string]string{} // path in the container -> file here
	if known {
		// The image's binary at the command's path.
		bind[argv[0]] = bin
	}
	for p, f := range files {
		bind[p] = f
	}
	// Each folder of a bound file gets a fresh tmpfs holding just the
	// image's files.
	paths := make([]string, 0, len(bind))
	for p := range bind {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	dirs := map[string]bool{}
	for _, p := range paths {
		dir := path.Dir(p)
		switch dir {
		case "/", "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr", "/etc", "/lib":
			return nil, "", fmt.Errorf("container %s: %s: the boot tier cannot place a file in %s", c.Name, p, dir)
		}
		if !dirs[dir] {
			dirs[dir] = true
			fmt.Fprintf(&script, "mkdir -p %[1]s\nmount -t tmpfs -o mode=0755 tmpfs %[1]s\n", q(dir))
		}
		fmt.Fprintf(&script, "touch %[1]s\nmount --bind %[2]s %[1]s\n", q(p), q(bind[p]))
	}
	wd := c.WorkingDir
	if wd == "" {
		wd = "/"
	}
	fmt.Fprintf(&script, "cd %s\n", q(wd))
	uid, gid := -1, -1
	if sc := p.Spec.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = int(*sc.RunAsUser)
		}
		if sc.RunAsGroup != nil {
			gid = int(*sc.RunAsGroup)
		}
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = int(*sc.RunAsUser)
		}
		if sc.RunAsGroup != nil {
			gid = int(*sc.RunAsGroup)
		}
	}
	priv := []string{"setpriv", "--pdeathsig=KILL"}
	if uid >= 0 {
		if gid < 0 {
			gid = 0
		}
		groups := []string{strconv.Itoa(gid)}
		if sc := p.Spec.SecurityContext; sc != nil && sc.FSGroup != nil {
			groups = append(groups, strconv.FormatInt(*sc.FSGroup, 10))
		}
		priv = append(priv, "--reuid="+strconv.Itoa(uid), "--regid="+strconv.Itoa(gid), "--groups="+strings.Join(groups, ","))
	}
	fmt.Fprintf(&script, "exec %s -- \"$@\"\n", strings.Join(priv, " "))
	return &Container{Pod: p, Name: c.Name, Argv: argv, Env: env, script: script.String(), stop: make(chan struct{})}, "", nil
}

// imageRepo is an image reference's last path element, without tag or
// digest: "registry.k8s.io/kube-apiserver:v1.37.2" -> "kube-apiserver".
func imageRepo(image string) string {
	if i := strings.IndexByte(image, '@'); i >= 0 {
		image = image[:i]
	}
	last := image[strings.LastIndexByte(image, '/')+1:]
	if i := strings.IndexByte(last, ':'); i >= 0 {
		last = last[:i]
	}
	return last
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// env resolves a container's environment in order, as a kubelet does.
func (r *PodRuntime) env(ctx context.Context, p *Pod, c corev1.Container) ([]string, error) {
	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOSTNAME=" + p.Name,
	}
	if r.SeedHost != "" {
		env = append(env,
			"KUBERNETES_SERVICE_HOST="+r.SeedHost,
			"KUBERNETES_SERVICE_PORT="+strconv.Itoa(r.SeedPort))
	}
	lookup := func(name string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, _ := strings.Cut(env[i], "="); k == name {
				return v, true
			}
		}
		return "", false
	}
	for _, from := range c.EnvFrom {
		var data map[string]string
		switch {
		case from.ConfigMapRef != nil:
			cm, err := r.Seed.CoreV1().ConfigMaps(p.Namespace).Get(ctx, from.ConfigMapRef.Name, metav1.GetOptions{})
			if err != nil {
				return nil, fmt.Errorf("envFrom ConfigMap %s: %w", from.ConfigMapRef.Name, err)
			}
			data = cm.Data
		case from.SecretRef != nil:
			s, err := r.Seed.CoreV1().Secrets(p.Namespace).Get(ctx, from.SecretRef.Name, metav1.GetOptions{})
			if err != nil {
				return nil, fmt.Errorf("envFrom Secret %s: %w", from.SecretRef.Name, err)
			}
			data = map[string]string{}
			for k, v := range s.Data {
				data[k] = string(v)
			}
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			env = append(env, from.Prefix+k+"="+data[k])
		}
	}
	for _, e := range c.Env {
		var val string
		switch {
		case e.ValueFrom == nil:
			val = ExpandVars(e.Value, lookup)
		case e.ValueFrom.FieldRef != nil:
			v, err := p.field(e.ValueFrom.FieldRef.FieldPath)
			if err != nil {
				return nil, fmt.Errorf("env %s: %w", e.Name, err)
			}
			val = v
		case e.ValueFrom.ResourceFieldRef != nil:
			v, err := resourceField(c, e.ValueFrom.ResourceFieldRef)
			if err != nil {
				return nil, fmt.Errorf("env %s: %w", e.Name, err)
			}
			val = v
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			s, err := r.Seed.CoreV1().Secrets(p.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			if err != nil || s.Data[ref.Key] == nil {
				if ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, fmt.Errorf("env %s: Secret %s key %s: %v", e.Name, ref.Name, ref.Key, err)
			}
			val = string(s.Data[ref.Key])
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm, err := r.Seed.CoreV1().ConfigMaps(p.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			v, ok := "", false
			if err == nil {
				v, ok = cm.Data[ref.Key]
			}
			if !ok {
				if ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, fmt.Errorf("env %s: ConfigMap %s key %s: %v", e.Name, ref.Name, ref.Key, err)
			}
			val = v
		default:
			return nil, fmt.Errorf("env %s: a valueFrom the boot tier does not implement", e.Name)
		}
		env = append(env, e.Name+"="+val)
	}
	return env, nil
}

// supervise runs the container and restarts it with back-off when it exits,
// until the test ends.
func (c *Container) supervise(t testing.TB) {
	c.mu.Lock()
	c.proc = c.startProcessEnv(t)
	c.starts = 1
	c.mu.Unlock()
	stopped := make(chan struct{})
	t.Cleanup(func() { close(stopped) })
	go func() {
		backoff := time.Second
		for {
			c.mu.Lock()
			p := c.proc
			c.mu.Unlock()
			select {
			case <-stopped:
				return
			case <-c.stop:
				return
			case <-p.done:
			}
			c.mu.Lock()
			c.logs = append(c.logs, fmt.Sprintf("--- exited (%v), run %d ---", p.err, c.starts))
			c.logs = append(c.logs, strings.Split(p.Tail(40), "\n")...)
			if len(c.logs) > 200 {
				c.logs = c.logs[len(c.logs)-200:]
			}
			c.mu.Unlock()
			select {
			case <-stopped:
				return
			case <-c.stop:
				return
			case <-time.After(backoff):
			}
			if backoff < 8*time.Second {
				backoff *= 2
			}
			c.mu.Lock()
			select {
			case <-stopped:
				c.mu.Unlock()
				return
			case <-c.stop:
				c.mu.Unlock()
				return
			default:
			}
			np := c.startProcessEnv(t)
			c.proc = np
			c.starts++
			c.mu.Unlock()
		}
	}()
}

// startProcessEnv starts the process with exactly the container's env.
func (c *Container) startProcessEnv(t testing.TB) *Process {
	args := append([]string{"netns", "exec", c.Pod.Net.NS, "unshare", "--uts", "sh", "-c", c.script, "sh"}, c.Argv...)
	p := startProcessWithEnv(t, c.Component(), "ip", args, c.Env)
	// The test is over when it stops the pods: no need for a long grace.
	p.Grace = 2 * time.Second
	return p
}

// runOnce runs an init container to completion.
func (c *Container) runOnce(t testing.TB, timeout time.Duration) error {
	p := c.startProcessEnv(t)
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("%v: %s", p.err, p.Tail(20))
		}
		return nil
	case <-time.After(timeout):
		p.Stop()
		return fmt.Errorf("did not finish in %s: %s", timeout, p.Tail(20))
	}
}

// Probe runs a container's readiness probe once from the root namespace:
// httpGet and tcpSocket are checked; an exec probe counts as passed while
// the process runs (there is no container to exec into).
func (c *Container) Probe(spec corev1.Container) bool {
	if !c.Alive() {
		return false
	}
	pr := spec.ReadinessProbe
	if pr == nil || pr.Exec != nil {
		return true
	}
	port := func(p intstr.IntOrString) int {
		if p.Type == intstr.Int {
			return int(p.IntVal)
		}
		for _, cp := range spec.Ports {
			if cp.Name == p.StrVal {
				return int(cp.ContainerPort)
			}
		}
		return 0
	}
	switch {
	case pr.HTTPGet != nil:
		scheme := "http"
		if pr.HTTPGet.Scheme == corev1.URISchemeHTTPS {
			scheme = "https"
		}
		cl := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
			// A kubelet does not verify a probe's certificate either.
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec
		}}
		resp, err := cl.Get(fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(c.Pod.Net.IP, strconv.Itoa(port(pr.HTTPGet.Port))), pr.HTTPGet.Path))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode >= 200 && resp.StatusCode < 400
	case pr.TCPSocket != nil:
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(c.Pod.Net.IP, strconv.Itoa(port(pr.TCPSocket.Port))), 2*time.Second)
		if err != nil {
			return false
		}
		conn.Close()
		return true
	}
	return true
}

// Ready says whether every container of the pod that runs here passes its
// readiness probe.
func (p *Pod) Ready() bool {
	if len(p.Containers) == 0 {
		return false
	}
	for _, c := range p.Containers {
		var spec corev1.Container
		for _, s := range p.Spec.Containers {
			if s.Name == c.Name {
				spec = s
			}
		}
		if !c.Probe(spec) {
			return false
		}
	}
	return true
}

// WorkloadStatus writes the status a kube-controller-manager would give
// each Deployment and StatefulSet of namespace from its pods here, so Flux's
// health checks see what runs. A workload none of whose containers can run
// here (its image has no binary) is reported ready, and listed in notRun.
func (r *PodRuntime) WorkloadStatus(ctx context.Context, namespace string) (notRun []string, err error) {
	ready := map[string]int32{}
	runnable := map[string]bool{}
	for _, p := range r.Pods() {
		if p.Namespace != namespace {
			continue
		}
		if len(p.Containers) == 0 {
			ready[p.Owner]++ // nothing runs: see notRun
			continue
		}
		runnable[p.Owner] = true
		if p.Ready() {
			ready[p.Owner]++
		}
	}
	deps, err := r.Seed.AppsV1().Deployments(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for i := range deps.Items {
		d := &deps.Items[i]
		owner := "Deployment " + d.Name
		if !runnable[owner] {
			notRun = append(notRun, owner)
		}
		n := ready[owner]
		want := replicas(d.Spec.Replicas)
		d.Status = appsv1.DeploymentStatus{
			ObservedGeneration: d.Generation, Replicas: want, UpdatedReplicas: want,
			ReadyReplicas: n, AvailableReplicas: n, UnavailableReplicas: want - n,
		}
		cond := corev1.ConditionFalse
		if n >= want {
			cond = corev1.ConditionTrue
		}
		now := metav1.Now()
		d.Status.Conditions = []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentAvailable, Status: cond, LastUpdateTime: now, LastTransitionTime: now, Reason: "BootTier"},
			{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, LastUpdateTime: now, LastTransitionTime: now, Reason: "NewReplicaSetAvailable"},
		}
		if _, err := r.Seed.AppsV1().Deployments(namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
			return nil, err
		}
	}
	stss, err := r.Seed.AppsV1().StatefulSets(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for i := range stss.Items {
		s := &stss.Items[i]
		owner := "StatefulSet " + s.Name
		if !runnable[owner] {
			notRun = append(notRun, owner)
		}
		n := ready[owner]
		want := replicas(s.Spec.Replicas)
		rev := s.Name + "-boot"
		s.Status = appsv1.StatefulSetStatus{
			ObservedGeneration: s.Generation, Replicas: want, ReadyReplicas: n,
			CurrentReplicas: want, UpdatedReplicas: want, AvailableReplicas: n,
			CurrentRevision: rev, UpdateRevision: rev,
		}
		if _, err := r.Seed.AppsV1().StatefulSets(namespace).UpdateStatus(ctx, s, metav1.UpdateOptions{}); err != nil {
			return nil, err
		}
	}
	return notRun, nil
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}
