package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/test/e2e/harness"
)

// pickBackupCluster is a cluster of the tree at the binaries' version whose
// seed has backups (its folder holds the CronJob etcd-backup), the one with
// the most etcd members.
func pickBackupCluster(t *testing.T, tree, version string) bootCluster {
	t.Helper()
	var best *bootCluster
	for _, c := range bootClusters(t, tree) {
		if c.Version != version {
			continue
		}
		objs, err := harness.Build(c.Dir)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, o := range objs {
			found = found || (o.GetKind() == "CronJob" && o.GetName() == "etcd-backup")
		}
		if !found {
			continue
		}
		if best == nil || c.EtcdReplicas > best.EtcdReplicas {
			c := c
			best = &c
		}
	}
	if best == nil {
		t.Fatalf("no cluster of %s at %s is on a seed with backups", tree, version)
	}
	return *best
}

// envOf is a container's plain env value.
func envOf(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom == nil {
			return e.Value
		}
	}
	return ""
}

// TestBackupRestore boots a cluster of a seed with backups, writes a
// ConfigMap, runs the rendered etcd-backup CronJob's job once (etcdctl
// snapshot over the rendered client TLS, then the upload script) against a
// real S3-compatible server (versitygw, posix backend, TLS), checks that
// retention keeps the newest KEEP snapshots, then follows docs/day2.md's
// restore procedure (fetch the newest snapshot, etcdutl snapshot restore
// into every member's volume, start etcd on it) and reads the ConfigMap back
// through the rendered admin kubeconfig; a ConfigMap written after the
// snapshot is gone.
func TestBackupRestore(t *testing.T) {
	t.Parallel()
	bin := harness.Binaries(t)
	for _, b := range []string{"etcdctl", "etcdutl", "versitygw"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			t.Fatalf("%s=%s has no %s (run `bash hack/e2e-tools.sh`)", harness.BinEnv, bin, b)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tree := renderedTree(t)
	c := pickBackupCluster(t, tree, binaryVersion(t, bin))
	t.Logf("cluster %s (seed %s, %d etcd members)", c.Name, c.Seed, c.EtcdReplicas)

	b, err := harness.Boot(t, harness.BootOptions{Bin: bin, Dir: c.Dir, Timeout: parallelBootTimeout, Network: harness.AcquireNetwork(t)})
	if err != nil {
		t.Fatalf("boot %s: %v", c.Name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	seed := b.Seed.Clientset
	ns := b.Namespace

	cj, err := seed.BatchV1().CronJobs(ns).Get(ctx, "etcd-backup", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod := cj.Spec.JobTemplate.Spec.Template
	if len(pod.Spec.InitContainers) != 1 || len(pod.Spec.Containers) != 1 {
		t.Fatalf("the CronJob's pod has %d init containers and %d containers, want 1 and 1", len(pod.Spec.InitContainers), len(pod.Spec.Containers))
	}
	upload := pod.Spec.Containers[0]
	endpoint, bucket, prefix, keep := envOf(upload, "ENDPOINT"), envOf(upload, "BUCKET"), envOf(upload, "PREFIX"), envOf(upload, "KEEP")
	var credentials string
	for _, e := range upload.Env {
		if e.Name == "AWS_ACCESS_KEY_ID" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			credentials = e.ValueFrom.SecretKeyRef.Name
		}
	}
	var nKeep int
	if _, err := fmt.Sscan(keep, &nKeep); err != nil || nKeep < 1 || endpoint == "" || bucket == "" || prefix == "" || credentials == "" {
		t.Fatalf("the upload container's env: ENDPOINT=%q BUCKET=%q PREFIX=%q KEEP=%q credentials Secret %q", endpoint, bucket, prefix, keep, credentials)
	}
	host, port, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(endpoint, "https://"), "http://"))
	if err != nil {
		host, port = strings.TrimPrefix(endpoint, "https://"), "443"
	}
	if !strings.HasPrefix(endpoint, "https://") {
		t.Fatalf("the example's endpoint %s is not https: the test proves the TLS path", endpoint)
	}

	// The S3 server, reached at the endpoint's name as its DNS would
	// resolve it; its CA stands in for the public CAs in the image's trust
	// store.
	s3, err := harness.StartS3(t, bin, host)
	if err != nil {
		t.Fatal(err)
	}
	ip, err := b.Net.AddServiceIP()
	if err != nil {
		t.Fatal(err)
	}
	b.Net.AddHost(host, ip)
	if err := b.Net.Forward(net.JoinHostPort(ip, port), func() []string { return []string{s3.Addr} }); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca-certificates.crt")
	if err := os.WriteFile(caFile, s3.CAPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	rt := b.Runtime
	rt.ImageFiles["aws-cli"] = map[string]string{
		harness.AWSCLIStandIn:                self, // TestMain runs the stand-in as "aws"
		"/etc/ssl/certs/ca-certificates.crt": caFile,
	}
	rt.ImageFiles["etcd"] = map[string]string{
		"/usr/local/bin/etcd":    filepath.Join(bin, "etcd"),
		"/usr/local/bin/etcdctl": filepath.Join(bin, "etcdctl"),
		"/usr/local/bin/etcdutl": filepath.Join(bin, "etcdutl"),
	}
	rt.HostImages["busybox"] = true
	t.Logf("boot: %s resolves to %s, forwarded to versitygw %s on %s (posix backend, TLS); the aws-cli image runs the aws stand-in (harness/awscli.go)", host, ip, harness.VersitygwVersion, s3.Addr)

	// As docs/day2.md says: the bucket, and the credentials Secret in the
	// cluster namespace.
	if err := s3.CreateBucket(ctx, bucket); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	if _, err := seed.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: credentials, Namespace: ns},
		Data:       map[string][]byte{"ACCESS_KEY_ID": []byte(s3.AccessKey), "SECRET_ACCESS_KEY": []byte(s3.SecretKey)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Older snapshots than retention keeps (KEEP+1 of them), and a file that
	// is not a snapshot, which retention must leave alone.
	var older []string
	for i := range nKeep + 1 {
		older = append(older, fmt.Sprintf("2020-01-01T00-%02d-%02dZ.db", i/60, i%60))
	}
	for _, name := range append(older, "notes.txt") {
		if err := s3.Put(ctx, bucket, prefix+name, []byte("old "+name)); err != nil {
			t.Fatal(err)
		}
	}

	// An object written before the snapshot.
	cs, err := b.Customer()
	if err != nil {
		t.Fatal(err)
	}
	want := "written before the snapshot " + time.Now().UTC().Format(time.RFC3339Nano)
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "before-backup"},
		Data:       map[string]string{"key": want},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The rendered job, once.
	res, err := rt.RunPod(ctx, ns, "Job etcd-backup", "etcd-backup-manual", pod.Labels, pod.Spec, 3*time.Minute)
	if res != nil {
		t.Logf("the backup job:\n%s", res)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Output("upload"), "uploaded s3://"+bucket+"/"+prefix) {
		t.Fatalf("the upload container did not say it uploaded to s3://%s/%s", bucket, prefix)
	}

	// Retention: the newest KEEP snapshots stay (the job's and the newest
	// KEEP-1 older ones), the rest are deleted, notes.txt stays.
	keys, err := s3.List(ctx, bucket, prefix)
	if err != nil {
		t.Fatal(err)
	}
	var snaps []string
	notes := false
	for _, k := range keys {
		name := strings.TrimPrefix(k, prefix)
		if name == "notes.txt" {
			notes = true
			continue
		}
		snaps = append(snaps, name)
	}
	sort.Strings(snaps)
	wantSnaps := append(append([]string(nil), older[len(older)-(nKeep-1):]...), "")
	if len(snaps) != nKeep || !notes {
		t.Fatalf("after the job, %s holds %d snapshots (want KEEP=%d) and notes.txt %v: %v", prefix, len(snaps), nKeep, notes, keys)
	}
	newest := snaps[len(snaps)-1]
	wantSnaps[len(wantSnaps)-1] = newest
	for i := range snaps {
		if snaps[i] != wantSnaps[i] {
			t.Fatalf("retention kept %v, want %v", snaps, wantSnaps)
		}
	}
	if strings.HasPrefix(newest, "2020-") {
		t.Fatalf("the newest snapshot %s is not the job's", newest)
	}
	t.Logf("uploaded %s%s; retention deleted %v and kept %d snapshots and notes.txt", prefix, newest, older[:2], nKeep)

	// An object written after the snapshot: the restore must lose it.
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "after-backup"},
		Data:       map[string]string{"key": "written after the snapshot"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	restoreEtcd(ctx, t, b, c, cj.Spec.JobTemplate.Spec.Template.Spec, endpoint, bucket, prefix, credentials)

	got, err := cs.CoreV1().ConfigMaps("default").Get(ctx, "before-backup", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("after the restore: %v", err)
	}
	if got.Data["key"] != want {
		t.Fatalf("after the restore, ConfigMap before-backup has key %q, want %q", got.Data["key"], want)
	}
	if _, err := cs.CoreV1().ConfigMaps("default").Get(ctx, "after-backup", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after the restore, ConfigMap after-backup (written after the snapshot) is still there or unreadable: %v", err)
	}
	t.Logf("restored %s from %s%s: ConfigMap before-backup reads %q, after-backup is gone", c.Name, prefix, newest, got.Data["key"])
}

// restoreEtcd follows docs/day2.md "Restoring etcd from a backup", step by
// step, with the boot tier's kubelet in the role of kubectl: scale the
// apiserver and etcd to 0, fetch the newest snapshot with the aws CLI,
// restore it into every member's volume with a pod of the etcd image, scale
// etcd and the apiserver back up.
func restoreEtcd(ctx context.Context, t *testing.T, b *harness.Booted, c bootCluster, job corev1.PodSpec, endpoint, bucket, prefix, credentials string) {
	t.Helper()
	rt, ns := b.Runtime, b.Namespace
	sts, err := b.Seed.Clientset.AppsV1().StatefulSets(ns).Get(ctx, "etcd", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	etcdImage := sts.Spec.Template.Spec.Containers[0].Image
	var initialCluster, token string
	for _, a := range sts.Spec.Template.Spec.Containers[0].Args {
		if v, ok := strings.CutPrefix(a, "--initial-cluster="); ok {
			initialCluster = v
		}
		if v, ok := strings.CutPrefix(a, "--initial-cluster-token="); ok {
			token = v
		}
	}
	if initialCluster == "" || token == "" {
		t.Fatalf("the etcd StatefulSet has no --initial-cluster or --initial-cluster-token")
	}
	secret := func(name, key string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: credentials}, Key: key}}}
	}
	scratch := corev1.Volume{Name: "restore", VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "etcd-restore"}}}

	// 1. Stop the writers.
	if err := rt.StopWorkload("Deployment apiserver"); err != nil {
		t.Fatal(err)
	}
	// 2. Fetch the newest snapshot (the documented aws CLI commands).
	noToken := false
	fetch := corev1.PodSpec{
		AutomountServiceAccountToken: &noToken,
		SecurityContext:              job.SecurityContext,
		Volumes:                      []corev1.Volume{scratch},
		Containers: []corev1.Container{{
			Name: "fetch", Image: job.Containers[0].Image,
			Command: []string{"/bin/sh", "-c", restoreFetchScript},
			Env: []corev1.EnvVar{
				{Name: "ENDPOINT", Value: endpoint}, {Name: "BUCKET", Value: bucket}, {Name: "PREFIX", Value: prefix},
				{Name: "AWS_DEFAULT_REGION", Value: "us-east-1"}, {Name: "HOME", Value: "/restore"},
				secret("AWS_ACCESS_KEY_ID", "ACCESS_KEY_ID"), secret("AWS_SECRET_ACCESS_KEY", "SECRET_ACCESS_KEY"),
			},
			VolumeMounts: []corev1.VolumeMount{{Name: "restore", MountPath: "/restore"}},
		}},
	}
	res, err := rt.RunPod(ctx, ns, "Pod etcd-restore-fetch", "etcd-restore-fetch", nil, fetch, time.Minute)
	if res != nil {
		t.Logf("step 2:\n%s", res)
	}
	if err != nil {
		t.Fatal(err)
	}
	// 3. Stop etcd.
	if err := rt.StopWorkload("StatefulSet etcd"); err != nil {
		t.Fatal(err)
	}
	// 4. Restore into every member's volume.
	for i := range int(c.EtcdReplicas) {
		member := fmt.Sprintf("etcd-%d", i)
		peer := ""
		for _, m := range strings.Split(initialCluster, ",") {
			if name, u, _ := strings.Cut(m, "="); name == member {
				peer = u
			}
		}
		if peer == "" {
			t.Fatalf("--initial-cluster=%s has no member %s", initialCluster, member)
		}
		dataDir := "/var/run/etcd/pod_" + member
		restore := corev1.PodSpec{
			AutomountServiceAccountToken: &noToken,
			SecurityContext:              sts.Spec.Template.Spec.SecurityContext,
			Volumes: []corev1.Volume{scratch, {Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-" + member}}}},
			InitContainers: []corev1.Container{{
				Name: "wipe", Image: "busybox:1.37", Command: []string{"rm", "-rf", dataDir},
				VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/var/run/etcd"}},
			}},
			Containers: []corev1.Container{{
				Name: "restore", Image: etcdImage,
				Command: []string{"/usr/local/bin/etcdutl", "snapshot", "restore", "/restore/snapshot.db",
					"--name", member, "--initial-cluster", initialCluster, "--initial-cluster-token", token,
					"--initial-advertise-peer-urls", peer, "--data-dir", dataDir},
				VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/var/run/etcd"}, {Name: "restore", MountPath: "/restore"}},
			}},
		}
		res, err := rt.RunPod(ctx, ns, "Pod etcd-restore-"+member, "etcd-restore-"+member, nil, restore, time.Minute)
		if err != nil {
			if res != nil {
				t.Logf("step 4:\n%s", res)
			}
			t.Fatal(err)
		}
	}
	// 5. Start etcd on the restored data, then the apiserver.
	if err := rt.StartWorkload(ctx, "StatefulSet etcd"); err != nil {
		t.Fatal(err)
	}
	if err := pollUntil(ctx, 2*time.Minute, b.CheckEtcd); err != nil {
		for _, ctr := range b.Containers("StatefulSet etcd", "etcd") {
			t.Logf("--- %s:\n%s", ctr.Component(), ctr.Tail(20))
		}
		t.Fatalf("etcd after the restore: %v", err)
	}
	if err := rt.StartWorkload(ctx, "Deployment apiserver"); err != nil {
		t.Fatal(err)
	}
	if err := pollUntil(ctx, 2*time.Minute, b.CheckReadyz); err != nil {
		for _, ctr := range b.Containers("Deployment apiserver", "apiserver") {
			t.Logf("--- %s:\n%s", ctr.Component(), ctr.Tail(20))
		}
		t.Fatalf("the apiserver after the restore: %v", err)
	}
}

// restoreFetchScript is docs/day2.md's step 2: the newest snapshot of the
// cluster into /restore/snapshot.db.
const restoreFetchScript = `set -eu
latest="$(aws --endpoint-url "$ENDPOINT" s3 ls "s3://$BUCKET/$PREFIX" |
  awk '$4 ~ /^[0-9T:-]+Z\.db$/ {print $4}' | sort | tail -n 1)"
aws --endpoint-url "$ENDPOINT" s3 cp "s3://$BUCKET/$PREFIX$latest" /restore/snapshot.db
`

// pollUntil polls check every half second until it passes or timeout ends.
func pollUntil(ctx context.Context, timeout time.Duration, check func(context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}
