package controlplane

import (
	"fmt"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/object"
)

// appEtcdBackup is the etcd backup CronJob's app label, ServiceAccount and
// name.
const appEtcdBackup = "etcd-backup"

// Keys of the backup credentials Secret (Kubermatic's convention for its
// backup destinations).
const (
	BackupAccessKeyID     = "ACCESS_KEY_ID"
	BackupSecretAccessKey = "SECRET_ACCESS_KEY"
)

const (
	backupDir          = "/backup"
	backupSnapshotFile = backupDir + "/snapshot.db"
	backupClientDir    = "/etc/etcd/pki/client"
)

// BackupUploadScript uploads the snapshot in $SNAPSHOT to
// s3://$BUCKET/$PREFIX<UTC time>.db on $ENDPOINT and then deletes all but
// the newest $KEEP snapshots under $PREFIX (their names sort by time). It
// needs only sh, date, awk, sort, tail and the aws CLI, with the
// credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, so that it
// runs as a plain process as well as in the CronJob.
const BackupUploadScript = `set -eu
name="$(date -u +%Y-%m-%dT%H-%M-%SZ).db"
aws --endpoint-url "$ENDPOINT" s3 cp "$SNAPSHOT" "s3://$BUCKET/$PREFIX$name"
echo "uploaded s3://$BUCKET/$PREFIX$name"
aws --endpoint-url "$ENDPOINT" s3 ls "s3://$BUCKET/$PREFIX" |
  awk '$4 ~ /^[0-9T:-]+Z\.db$/ {print $4}' | sort -r | tail -n +"$((KEEP + 1))" |
  while read -r old; do
    aws --endpoint-url "$ENDPOINT" s3 rm "s3://$BUCKET/$PREFIX$old"
  done
`

// BackupPrefix is where a cluster's snapshots go in the bucket.
func BackupPrefix(seed, cluster string) string { return seed + "/" + cluster + "/" }

// etcdBackup renders the seed's backups for this cluster: a CronJob whose
// pod snapshots etcd with etcdctl (an init container, over the client TLS
// of the apiserver's etcd client certificate) and uploads the snapshot
// with the S3 client (BackupUploadScript), keeping the newest Keep. The
// credentials Secret is referenced, never rendered: it must exist in the
// cluster namespace. nil when the seed has no backups.
func (b *builder) etcdBackup() []object.Object {
	bk := b.in.Seed.Backups
	if bk == nil {
		return nil
	}
	secretEnv := func(name, key string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: bk.Credentials},
			Key:                  key,
		}}}
	}
	backupVol := corev1.VolumeMount{Name: "backup", MountPath: backupDir}
	snapshot := corev1.Container{
		Name:    "snapshot",
		Image:   b.in.Images.Etcd,
		Command: []string{etcdctlBinary, "--command-timeout=5m", "snapshot", "save", backupSnapshotFile},
		Env: []corev1.EnvVar{
			{Name: "ETCDCTL_API", Value: "3"},
			// One endpoint (snapshot save takes one): the Service's name,
			// which the members' certificate holds.
			{Name: "ETCDCTL_ENDPOINTS", Value: fmt.Sprintf("https://%s.%s.svc.cluster.local:%d", svcEtcd, b.ns, etcdClientPort)},
			{Name: "ETCDCTL_CACERT", Value: backupClientDir + "/" + keyCA},
			{Name: "ETCDCTL_CERT", Value: backupClientDir + "/" + keyCert},
			{Name: "ETCDCTL_KEY", Value: backupClientDir + "/" + keyKey},
		},
		Resources:    resources("50m", "64Mi", "1", "512Mi"),
		VolumeMounts: []corev1.VolumeMount{backupVol, mount(certAPIServerEtcdClient, backupClientDir)},
	}
	upload := corev1.Container{
		Name:    "upload",
		Image:   b.in.Images.S3Client,
		Command: []string{"/bin/sh", "-c", BackupUploadScript},
		Env: []corev1.EnvVar{
			{Name: "ENDPOINT", Value: bk.Endpoint},
			{Name: "BUCKET", Value: bk.Bucket},
			{Name: "PREFIX", Value: BackupPrefix(b.in.Seed.Name, b.c.Name)},
			{Name: "KEEP", Value: strconv.Itoa(bk.Keep)},
			{Name: "SNAPSHOT", Value: backupSnapshotFile},
			// The aws CLI wants a region and a writable home; S3-compatible
			// stores ignore the region.
			{Name: "AWS_DEFAULT_REGION", Value: "us-east-1"},
			{Name: "HOME", Value: backupDir},
			secretEnv("AWS_ACCESS_KEY_ID", BackupAccessKeyID),
			secretEnv("AWS_SECRET_ACCESS_KEY", BackupSecretAccessKey),
		},
		Resources:    resources("10m", "64Mi", "1", "256Mi"),
		VolumeMounts: []corev1.VolumeMount{backupVol},
	}
	volumes := []corev1.Volume{
		{Name: "backup", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		secretVolume(certAPIServerEtcdClient, certAPIServerEtcdClient),
	}
	inits := []corev1.Container{snapshot}
	spec := b.podSpec(appEtcdBackup, inits, volumes) // the security defaults, for the init container
	spec.InitContainers, spec.Containers = spec.Containers, b.podSpec(appEtcdBackup, []corev1.Container{upload}, nil).Containers
	spec.RestartPolicy = corev1.RestartPolicyOnFailure
	spec.Affinity = nil

	job := &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: b.meta(appEtcdBackup, appEtcdBackup),
		Spec: batchv1.CronJobSpec{
			Schedule:                   bk.Schedule,
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			StartingDeadlineSeconds:    ptr(int64(600)),
			SuccessfulJobsHistoryLimit: ptr(int32(1)),
			FailedJobsHistoryLimit:     ptr(int32(3)),
			JobTemplate: batchv1.JobTemplateSpec{
				Spec: batchv1.JobSpec{
					BackoffLimit:          ptr(int32(3)),
					ActiveDeadlineSeconds: ptr(int64(3600)),
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: b.podLabels(appEtcdBackup, false)},
						Spec:       spec,
					},
				},
			},
		},
	}
	sa := &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   b.meta(appEtcdBackup, appEtcdBackup),
		AutomountServiceAccountToken: ptr(false),
	}
	return []object.Object{job, sa}
}
