package controlplane

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/fleetc/fleetc/renderer/usercluster"
)

// The OpenVPN client inside the customer cluster (package usercluster)
// needs its certificate, which cert-manager issues on the seed (Secret
// openvpn-user-cluster-client-certificate, CN user-cluster-client). A
// second container of the kubeconfig-writer pod, which already holds the
// cluster's admin client certificate, copies it into the customer cluster
// as Secret openvpn-client-certificates in kube-system, and again every
// period, so a renewed certificate reaches the client: what Kubermatic's
// usercluster-controller-manager does for its openvpn add-on. The Secret
// is not part of the usercluster folder (no key material in git); Flux
// neither applies nor prunes it.
const (
	containerOpenVPNSecretWriter = "openvpn-secret-writer"
	openVPNSecretWriterDir       = "/etc/openvpn/pki/user-cluster-client"
)

// openVPNSecretWriterScript builds a kubeconfig of the customer cluster
// from the admin client certificate and applies the client's Secret with
// it, every $PERIOD seconds; an apiserver that is not up yet is retried.
const openVPNSecretWriterScript = `set -eu
while true; do
  d="$(mktemp -d)"
  kc="$d/kubeconfig"
  kubectl config --kubeconfig "$kc" set-cluster customer --server "$SERVER" --certificate-authority "$CA_FILE" --embed-certs
  kubectl config --kubeconfig "$kc" set-credentials admin --client-certificate "$CERT_FILE" --client-key "$KEY_FILE" --embed-certs
  kubectl config --kubeconfig "$kc" set-context customer --cluster customer --user admin
  kubectl config --kubeconfig "$kc" use-context customer
  if ! kubectl create secret generic "$SECRET" --namespace kube-system \
      --from-file=ca.crt="$VPN_CA_FILE" --from-file=tls.crt="$VPN_CERT_FILE" --from-file=tls.key="$VPN_KEY_FILE" \
      --dry-run=client -o yaml |
    kubectl --kubeconfig "$kc" apply --server-side --field-manager=fleetc-openvpn-secret-writer --force-conflicts -f -; then
    echo "the customer cluster's apiserver did not take Secret $SECRET; retrying" >&2
  fi
  rm -rf "$d"
  sleep "$PERIOD"
done
`

// addOpenVPNSecretWriter adds the container and its certificate volume to
// the kubeconfig-writer's pod.
func (b *builder) addOpenVPNSecretWriter(spec *corev1.PodSpec) {
	c := corev1.Container{
		Name:    containerOpenVPNSecretWriter,
		Image:   b.in.Images.Kubectl,
		Command: []string{"/bin/sh", "-c", openVPNSecretWriterScript},
		Env: []corev1.EnvVar{
			{Name: "SERVER", Value: b.internalURL},
			{Name: "CA_FILE", Value: kubeconfigWriterCertDir + "/" + keyCA},
			{Name: "CERT_FILE", Value: kubeconfigWriterCertDir + "/" + keyCert},
			{Name: "KEY_FILE", Value: kubeconfigWriterCertDir + "/" + keyKey},
			{Name: "VPN_CA_FILE", Value: openVPNSecretWriterDir + "/" + keyCA},
			{Name: "VPN_CERT_FILE", Value: openVPNSecretWriterDir + "/" + keyCert},
			{Name: "VPN_KEY_FILE", Value: openVPNSecretWriterDir + "/" + keyKey},
			{Name: "SECRET", Value: usercluster.OpenVPNClientSecret},
			{Name: "PERIOD", Value: strconv.Itoa(kubeconfigWriterPeriod)},
			{Name: "HOME", Value: "/tmp"},
		},
		Resources: resources("5m", "16Mi", "100m", "64Mi"),
		VolumeMounts: []corev1.VolumeMount{
			mount(certAdmin, kubeconfigWriterCertDir),
			mount(certOpenVPNUserClient, openVPNSecretWriterDir),
			{Name: "tmp", MountPath: "/tmp"},
		},
	}
	// The defaults every control-plane container gets (restricted
	// securityContext, pull policy).
	c = b.podSpec(containerOpenVPNSecretWriter, []corev1.Container{c}, nil).Containers[0]
	spec.Containers = append(spec.Containers, c)
	spec.Volumes = append(spec.Volumes, secretVolume(certOpenVPNUserClient, certOpenVPNUserClient))
}
