package controlplane

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/flux"
	"github.com/fleetc/fleetc/renderer/object"
)

const (
	appKubeconfigWriter = "kubeconfig-writer"
	// kubeconfigWriterCertDir is where the writer sees the cluster's admin
	// client certificate (cert-manager's Secret, kept current by the
	// kubelet when cert-manager renews it).
	kubeconfigWriterCertDir = "/etc/kubernetes/pki/admin"
	// kubeconfigWriterPeriod is how often, in seconds, the writer renders
	// the kubeconfig again: a renewed certificate reaches Flux within it.
	kubeconfigWriterPeriod = 60
)

// kubeconfigWriterScript builds a kubeconfig that embeds the admin client
// certificate and the cluster CA (Flux cannot read files) and applies it as
// Secret $SECRET (key value) in $NAMESPACE, then again every $PERIOD
// seconds. Server-side apply with its own field manager: an unchanged
// kubeconfig is a no-op on the server.
const kubeconfigWriterScript = `set -eu
while true; do
  kc="$(mktemp -d)/kubeconfig"
  kubectl config --kubeconfig "$kc" set-cluster customer --server "$SERVER" --certificate-authority "$CA_FILE" --embed-certs
  kubectl config --kubeconfig "$kc" set-credentials admin --client-certificate "$CERT_FILE" --client-key "$KEY_FILE" --embed-certs
  kubectl config --kubeconfig "$kc" set-context customer --cluster customer --user admin
  kubectl config --kubeconfig "$kc" use-context customer
  kubectl create secret generic "$SECRET" --namespace "$NAMESPACE" --from-file=value="$kc" --dry-run=client -o yaml |
    kubectl apply --server-side --field-manager=fleetc-kubeconfig-writer --force-conflicts -f -
  rm -rf "$(dirname "$kc")"
  sleep "$PERIOD"
done
`

// kubeconfigWriter renders what lets the seed's Flux reach the customer
// cluster with no hand step: a Deployment that writes the admin kubeconfig
// Secret from cert-manager's certificate, its ServiceAccount and a Role
// limited to Secrets of its own namespace, and the Flux Kustomization that
// uses the Secret to apply the usercluster folder.
func (b *builder) kubeconfigWriter() ([]object.Object, error) {
	ks, err := flux.UserCluster(b.in.Master, b.in.Seed.Name, b.c)
	if err != nil {
		return nil, err
	}
	sa := &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: b.meta(appKubeconfigWriter, appKubeconfigWriter),
	}
	role := &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "Role"},
		ObjectMeta: b.meta(appKubeconfigWriter, appKubeconfigWriter),
		Rules: []rbacv1.PolicyRule{
			// create cannot be limited to a name; the namespace is the
			// cluster's own.
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"create"}},
			{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{flux.UserClusterKubeconfig}, Verbs: []string{"get", "patch", "update"}},
		},
	}
	binding := &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
		ObjectMeta: b.meta(appKubeconfigWriter, appKubeconfigWriter),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: appKubeconfigWriter},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: appKubeconfigWriter, Namespace: b.ns}},
	}
	c := corev1.Container{
		Name:    appKubeconfigWriter,
		Image:   b.in.Images.Kubectl,
		Command: []string{"/bin/sh", "-c", kubeconfigWriterScript},
		Env: []corev1.EnvVar{
			{Name: "SERVER", Value: b.internalURL},
			{Name: "CA_FILE", Value: kubeconfigWriterCertDir + "/" + keyCA},
			{Name: "CERT_FILE", Value: kubeconfigWriterCertDir + "/" + keyCert},
			{Name: "KEY_FILE", Value: kubeconfigWriterCertDir + "/" + keyKey},
			{Name: "SECRET", Value: flux.UserClusterKubeconfig},
			{Name: "NAMESPACE", Value: b.ns},
			{Name: "PERIOD", Value: strconv.Itoa(kubeconfigWriterPeriod)},
			// kubectl writes its cache under $HOME; /tmp is the pod's own.
			{Name: "HOME", Value: "/tmp"},
		},
		Resources: resources("5m", "16Mi", "100m", "64Mi"),
		VolumeMounts: []corev1.VolumeMount{
			mount(certAdmin, kubeconfigWriterCertDir),
			{Name: "tmp", MountPath: "/tmp"},
		},
	}
	dep := b.singletonDeployment(appKubeconfigWriter, c, []corev1.Volume{
		secretVolume(certAdmin, certAdmin),
		emptyDirVolume("tmp"),
	})
	// The one pod of a control plane that talks to the seed's API; one
	// replica, nothing to spread.
	dep.Spec.Template.Spec.AutomountServiceAccountToken = ptr(true)
	dep.Spec.Template.Spec.Affinity = nil
	if !b.konnectivity {
		b.addOpenVPNSecretWriter(&dep.Spec.Template.Spec)
	}
	// It does not depend on the Kubernetes version: an upgrade does not
	// roll it.
	dep.Spec.Template.Labels = b.podLabels(appKubeconfigWriter, false)
	return []object.Object{sa, role, binding, dep, ks}, nil
}
