package controlplane

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/fleetc/fleetc/renderer/model"
)

func withBackups(in Input) Input {
	s := *in.Seed
	s.Backups = &model.Backups{Endpoint: "https://s3.example.com", Bucket: "etcd-backups", Credentials: "s3-credentials", Schedule: "*/20 * * * *", Keep: 7}
	in.Seed = &s
	in.Images.S3Client = "mirror.example.com/amazon/aws-cli:2.22.35"
	return in
}

func TestEtcdBackup(t *testing.T) {
	in := variants[0].input()
	if find[*batchv1.CronJob](render(t, in), "CronJob", appEtcdBackup) != nil {
		t.Fatal("a CronJob without backups")
	}
	in = withBackups(in)
	objs := render(t, in)
	cj := find[*batchv1.CronJob](objs, "CronJob", appEtcdBackup)
	if cj == nil {
		t.Fatal("no etcd-backup CronJob")
	}
	if cj.Namespace != in.Cluster.Namespace() || cj.Spec.Schedule != "*/20 * * * *" || cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("CronJob: namespace %q schedule %q concurrency %q", cj.Namespace, cj.Spec.Schedule, cj.Spec.ConcurrencyPolicy)
	}
	spec := cj.Spec.JobTemplate.Spec.Template.Spec
	if len(spec.InitContainers) != 1 || len(spec.Containers) != 1 {
		t.Fatalf("want one init container (snapshot) and one container (upload), got %d and %d", len(spec.InitContainers), len(spec.Containers))
	}
	snap, up := spec.InitContainers[0], spec.Containers[0]
	if snap.Image != testImages.Etcd || !slices.Equal(snap.Command, []string{etcdctlBinary, "--command-timeout=5m", "snapshot", "save", backupSnapshotFile}) {
		t.Errorf("snapshot: %s %q", snap.Image, snap.Command)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range append(snap.Env, up.Env...) {
		env[e.Name] = e
	}
	if got := env["ETCDCTL_ENDPOINTS"].Value; got != "https://etcd."+in.Cluster.Namespace()+".svc.cluster.local:2379" {
		t.Errorf("ETCDCTL_ENDPOINTS %q", got)
	}
	for _, k := range []string{"ETCDCTL_CACERT", "ETCDCTL_CERT", "ETCDCTL_KEY"} {
		if !strings.HasPrefix(env[k].Value, backupClientDir+"/") {
			t.Errorf("%s %q not in the client certificate's mount", k, env[k].Value)
		}
	}
	if !slices.ContainsFunc(snap.VolumeMounts, func(m corev1.VolumeMount) bool {
		return m.MountPath == backupClientDir && m.Name == certAPIServerEtcdClient
	}) {
		t.Errorf("snapshot does not mount the etcd client certificate: %+v", snap.VolumeMounts)
	}
	if up.Image != "mirror.example.com/amazon/aws-cli:2.22.35" || up.Command[2] != BackupUploadScript {
		t.Errorf("upload: %s %q", up.Image, up.Command)
	}
	for name, want := range map[string]string{"ENDPOINT": "https://s3.example.com", "BUCKET": "etcd-backups", "KEEP": "7", "PREFIX": "europe/" + in.Cluster.Name + "/"} {
		if env[name].Value != want {
			t.Errorf("%s = %q, want %q", name, env[name].Value, want)
		}
	}
	// Credentials by reference only.
	for name, key := range map[string]string{"AWS_ACCESS_KEY_ID": BackupAccessKeyID, "AWS_SECRET_ACCESS_KEY": BackupSecretAccessKey} {
		ref := env[name].ValueFrom
		if env[name].Value != "" || ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != "s3-credentials" || ref.SecretKeyRef.Key != key {
			t.Errorf("%s: %+v, want a reference to Secret s3-credentials key %s", name, env[name], key)
		}
	}
	for _, o := range objs {
		if _, ok := o.(*corev1.Secret); ok {
			t.Errorf("a Secret rendered: %s", o.GetName())
		}
	}
	// Restricted like every pod.
	if spec.SecurityContext == nil || spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot ||
		up.SecurityContext == nil || *up.SecurityContext.AllowPrivilegeEscalation || snap.SecurityContext == nil || !*snap.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("backup pod is not restricted")
	}
	if spec.RestartPolicy != corev1.RestartPolicyOnFailure || spec.ServiceAccountName != appEtcdBackup || find[*corev1.ServiceAccount](objs, "ServiceAccount", appEtcdBackup) == nil {
		t.Errorf("restartPolicy %q, serviceAccount %q", spec.RestartPolicy, spec.ServiceAccountName)
	}
}

// TestEtcdBackupNetwork: the backup pod reaches etcd's client port, and
// only with backups on.
func TestEtcdBackupNetwork(t *testing.T) {
	for _, on := range []bool{false, true} {
		in := variants[0].input()
		if on {
			in = withBackups(in)
		}
		objs := render(t, in)
		pods, nps := clusterPods(t, objs)
		backupPod := endpoint{namespace: in.Cluster.Namespace(), nsLabels: pods[appEtcd].nsLabels, labels: map[string]string{labelApp: appEtcdBackup, labelCluster: in.Cluster.Name}}
		if cj := find[*batchv1.CronJob](objs, "CronJob", appEtcdBackup); cj != nil {
			backupPod.labels = cj.Spec.JobTemplate.Spec.Template.Labels
		}
		got := netpolEvaluator{nps}.allowed(t, backupPod, pods[appEtcd], etcdClientPort, corev1.ProtocolTCP)
		if got != on {
			t.Errorf("backups %v: backup pod may reach etcd:2379 = %v", on, got)
		}
		// The rule opens the client port to the backup pod only.
		ev := netpolEvaluator{nps}
		if ev.allowed(t, backupPod, pods[appEtcd], etcdPeerPort, corev1.ProtocolTCP) {
			t.Errorf("backups %v: backup pod may reach etcd's peer port", on)
		}
		other := backupPod
		other.labels = map[string]string{labelApp: "other", labelCluster: in.Cluster.Name}
		if ev.allowed(t, other, pods[appEtcd], etcdClientPort, corev1.ProtocolTCP) {
			t.Errorf("backups %v: any pod may reach etcd:2379", on)
		}
	}
}

// TestBackupUploadScript runs the upload script as a plain process with a
// fake aws CLI that lists three snapshots (and files that are not
// snapshots): it uploads under the prefix and deletes the oldest beyond
// KEEP, nothing else.
func TestBackupUploadScript(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal("no sh")
	}
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	fake := `#!/bin/sh
echo "$*" >> "` + calls + `"
case "$*" in
*" s3 ls "*) printf '%s\n' \
  '2026-01-01 00:00:00 10 2026-01-01T00-00-00Z.db' \
  '2026-01-01 00:40:00 10 2026-01-01T00-40-00Z.db' \
  '2026-01-01 00:20:00 10 2026-01-01T00-20-00Z.db' \
  '2026-01-01 00:40:00 10 notes.txt' \
  '                           PRE sub/' ;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "aws"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sh, "-c", BackupUploadScript)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"ENDPOINT=http://s3.test", "BUCKET=b", "PREFIX=eu/shop/", "KEEP=1", "SNAPSHOT=/backup/snapshot.db")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
	data, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 4 || !regexp.MustCompile(`^--endpoint-url http://s3.test s3 cp /backup/snapshot.db s3://b/eu/shop/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.db$`).MatchString(lines[0]) ||
		lines[1] != "--endpoint-url http://s3.test s3 ls s3://b/eu/shop/" ||
		lines[2] != "--endpoint-url http://s3.test s3 rm s3://b/eu/shop/2026-01-01T00-20-00Z.db" ||
		lines[3] != "--endpoint-url http://s3.test s3 rm s3://b/eu/shop/2026-01-01T00-00-00Z.db" {
		t.Errorf("aws calls:\n%s", data)
	}
}
