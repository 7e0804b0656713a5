package controlplane

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/object"
)

// Certificate renewal: cert-manager renews every leaf certificate 30 days
// before it expires and rewrites its Secret; the kubelet then updates the
// files of every pod that mounts the Secret (not through subPath, which
// fleetc never uses). Whether a component uses the new files depends on
// the component. renewal says, for every container of a control plane that
// mounts a Secret, how a renewal reaches it, from the component's source:
//
//   - reloadFiles: the program reads the files again by itself;
//   - reloadRoll: it reads them once, at start; the cert-roller rolls its
//     Deployment when one of the Secrets it mounts changes;
//   - reloadRun: a new pod per run (a CronJob).
//
// A container that mounts a Secret and is not listed here is a render
// error: a new component must say how it gets renewed certificates.
type reloadKind string

const (
	reloadFiles reloadKind = "reloads"
	reloadRoll  reloadKind = "rolled"
	reloadRun   reloadKind = "per run"
)

type reload struct {
	kind reloadKind
	// why names the source that says so (module@version: file).
	why string
}

// renewal is keyed by "<workload>/<container>".
var renewal = map[string]reload{
	appAPIServer + "/" + appAPIServer: {reloadFiles, "kube-apiserver v1.37: serving certificate and client CAs are dynamiccertificates file controllers " +
		"(k8s.io/apiserver pkg/server/options/serving.go, authentication.go), the front-proxy client certificate too " +
		"(k8s.io/kube-aggregator pkg/apiserver/apiserver.go), the etcd client certificate is read at every TLS handshake " +
		"(go.etcd.io/etcd/client/pkg/v3 transport/listener.go GetClientCertificate), the kubelet client certificate by client-go's " +
		"ReloadTLSFiles (k8s.io/client-go transport/cache.go, every 5 minutes); the service-account key is kept across renewals"},
	appAPIServer + "/" + containerKonnectivity: {reloadRoll, "proxy-server v0.34/v0.35: --cluster-cert is loaded once by tls.LoadX509KeyPair " +
		"(sigs.k8s.io/apiserver-network-proxy cmd/server/app/server.go getTLSConfig)"},
	appAPIServer + "/" + containerOpenVPNClient:   {reloadRoll, "OpenVPN reads its certificate and key at start only"},
	appDNSResolver + "/" + containerOpenVPNClient: {reloadRoll, "OpenVPN reads its certificate and key at start only"},
	appOpenVPN + "/" + appOpenVPN:                 {reloadRoll, "OpenVPN reads its certificate and key at start only"},
	appEtcd + "/" + appEtcd: {reloadFiles, "etcd v3.6: serving, peer and client certificates are read at every TLS handshake " +
		"(go.etcd.io/etcd/client/pkg/v3 transport/listener.go GetCertificate, GetClientCertificate)"},
	appControllerManager + "/" + appControllerManager: {reloadFiles, "kube-controller-manager v1.37: kubeconfig client certificate by client-go's ReloadTLSFiles " +
		"(k8s.io/client-go transport/cache.go), client CA by dynamiccertificates; the signing CA and service-account key are kept across renewals"},
	appScheduler + "/" + appScheduler:                 {reloadFiles, "kube-scheduler v1.37: kubeconfig client certificate by client-go's ReloadTLSFiles, client CA by dynamiccertificates"},
	appMachineController + "/" + appMachineController: {reloadFiles, "machine-controller v1.66: kubeconfig client certificate by client-go's ReloadTLSFiles"},
	appMachineControllerWebhook + "/" + appMachineControllerWebhook: {reloadFiles, "machine-controller v1.66: the webhook serves through controller-runtime v0.24 " +
		"webhook.Server, whose certwatcher re-reads -tls-cert-path (pkg/admission/admission.go, controller-runtime pkg/certwatcher)"},
	appOSM + "/" + appOSM: {reloadFiles, "operating-system-manager v1.11: kubeconfig client certificate by client-go's ReloadTLSFiles"},
	appOSMWebhook + "/" + appOSMWebhook: {reloadFiles, "operating-system-manager v1.11: controller-runtime v0.24 webhook.Server with -cert-dir, whose certwatcher re-reads it " +
		"(cmd/webhook/main.go)"},
	appPrometheus + "/" + appPrometheus: {reloadFiles, "Prometheus: scrape TLS client certificates are read at every handshake and the CA file checked per request " +
		"(github.com/prometheus/common config/http_config.go GetClientCertificate, NewTLSRoundTripper)"},
	appKubeconfigWriter + "/" + appKubeconfigWriter:          {reloadFiles, "fleetc: reads the admin certificate every kubeconfigWriterPeriod"},
	appCertRoller + "/" + appCertRoller:                      {reloadFiles, "fleetc: hashes the certificates every certRollerPeriod"},
	appKubeconfigWriter + "/" + containerOpenVPNSecretWriter: {reloadFiles, "fleetc: reads the admin and OpenVPN client certificates every kubeconfigWriterPeriod"},
	"aws-" + appCCM + "/" + appCCM:                           {reloadFiles, "cloud-provider-aws (k8s.io/cloud-provider framework): kubeconfig client certificate by client-go's ReloadTLSFiles, as kube-controller-manager"},
	"hcloud-" + appCCM + "/" + appCCM:                        {reloadFiles, "hcloud-cloud-controller-manager (k8s.io/cloud-provider framework): kubeconfig client certificate by client-go's ReloadTLSFiles"},
	"digitalocean-" + appCCM + "/" + appCCM:                  {reloadFiles, "digitalocean-cloud-controller-manager (k8s.io/cloud-provider framework): kubeconfig client certificate by client-go's ReloadTLSFiles"},
	"openstack-" + appCCM + "/" + appCCM:                     {reloadFiles, "openstack-cloud-controller-manager (k8s.io/cloud-provider framework): kubeconfig client certificate by client-go's ReloadTLSFiles"},
	"vsphere-" + appCCM + "/" + appCCM:                       {reloadFiles, "vsphere-cloud-controller-manager (k8s.io/cloud-provider framework): kubeconfig client certificate by client-go's ReloadTLSFiles"},
	"azure-" + appCCM + "/" + appCCM:                         {reloadFiles, "azure-cloud-controller-manager (k8s.io/cloud-provider framework): kubeconfig client certificate by client-go's ReloadTLSFiles"},
	"gcp-" + appCCM + "/" + appCCM:                           {reloadFiles, "gcp cloud-controller-manager (k8s.io/cloud-provider framework): kubeconfig client certificate by client-go's ReloadTLSFiles"},
	appEtcdBackup + "/snapshot":                              {reloadRun, "a new pod per backup"},
}

const (
	appCertRoller = "cert-roller"
	// certRollerDir is where the roller sees the certificates (tls.crt
	// only, never a key) of the Secrets it watches, one folder each.
	certRollerDir = "/etc/kubernetes/pki/roll"
	// certRollerPeriod is how often, in seconds, the roller looks.
	certRollerPeriod = 60
	// AnnotationCertificates holds the hash of the certificates a
	// Deployment's pods were started with: on the Deployment, what the
	// roller saw last; on its pod template, what rolled it last.
	AnnotationCertificates = "fleetc.io/certificates"
)

// certRollerScript hashes, for each "deployment=secret,secret" of $ROLL,
// the certificates of those Secrets. The first hash it sees for a
// Deployment is recorded on the Deployment (the pods started with it);
// a different hash later is a renewal: it is written into the pod
// template too, which rolls the pods. Flux leaves both annotations alone
// (its server-side apply owns neither).
const certRollerScript = `set -u
while true; do
  for entry in $ROLL; do
    deployment="${entry%%=*}"
    sum="$(for s in $(echo "${entry#*=}" | tr , ' '); do cat "$CERT_DIR/$s/tls.crt"; done | sha256sum | cut -d' ' -f1)"
    seen="$(kubectl get deployment "$deployment" --namespace "$NAMESPACE" -o "jsonpath={.metadata.annotations.fleetc\.io/certificates}")" || continue
    [ "$seen" = "$sum" ] && continue
    patch="{\"metadata\":{\"annotations\":{\"$ANNOTATION\":\"$sum\"}}}"
    if [ -n "$seen" ]; then
      echo "certificates of $deployment renewed: rolling it"
      patch="{\"metadata\":{\"annotations\":{\"$ANNOTATION\":\"$sum\"}},\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"$ANNOTATION\":\"$sum\"}}}}}"
    fi
    kubectl patch deployment "$deployment" --namespace "$NAMESPACE" --type merge --field-manager fleetc-cert-roller -p "$patch" || true
  done
  sleep "$PERIOD"
done
`

// rollTargets returns, by Deployment, the Secrets mounted by its
// containers that renewal (the table above, or a test's) marks
// reloadRoll, and fails on a container that mounts a Secret and is not in
// renewal.
func rollTargets(objs []object.Object, renewal map[string]reload) (map[string][]string, error) {
	out := map[string][]string{}
	for _, o := range objs {
		var name string
		var spec *corev1.PodSpec
		switch w := o.(type) {
		case *appsv1.Deployment:
			name, spec = w.Name, &w.Spec.Template.Spec
		case *appsv1.StatefulSet:
			name, spec = w.Name, &w.Spec.Template.Spec
		case *appsv1.DaemonSet:
			name, spec = w.Name, &w.Spec.Template.Spec
		case *batchv1.CronJob:
			name, spec = w.Name, &w.Spec.JobTemplate.Spec.Template.Spec
		default:
			continue
		}
		for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
			secrets := mountedSecrets(spec, c)
			if len(secrets) == 0 {
				continue
			}
			r, ok := renewal[name+"/"+c.Name]
			if !ok {
				return nil, fmt.Errorf("%s %s, container %s mounts Secrets %v: no way for a renewed certificate to reach it (add it to renewal)",
					object.Kind(o), name, c.Name, secrets)
			}
			if r.kind != reloadRoll {
				continue
			}
			if _, ok := o.(*appsv1.Deployment); !ok {
				return nil, fmt.Errorf("%s %s, container %s: only Deployments are rolled", object.Kind(o), name, c.Name)
			}
			for _, s := range secrets {
				if !slices.Contains(out[name], s) {
					out[name] = append(out[name], s)
				}
			}
		}
	}
	for _, s := range out {
		sort.Strings(s)
	}
	return out, nil
}

// mountedSecrets lists the Secrets of the volumes c mounts.
func mountedSecrets(spec *corev1.PodSpec, c corev1.Container) []string {
	var out []string
	for _, m := range c.VolumeMounts {
		for _, v := range spec.Volumes {
			if v.Name != m.Name {
				continue
			}
			if v.Secret != nil {
				out = append(out, v.Secret.SecretName)
			}
			if v.Projected != nil {
				for _, src := range v.Projected.Sources {
					if src.Secret != nil {
						out = append(out, src.Secret.Name)
					}
				}
			}
		}
	}
	return out
}

// certRoller renders the Deployment that rolls the Deployments in targets
// when a certificate they mount is renewed, with a ServiceAccount whose
// Role can read and patch those Deployments and nothing else.
func (b *builder) certRoller(targets map[string][]string) []object.Object {
	if len(targets) == 0 {
		return nil
	}
	names := make([]string, 0, len(targets))
	for d := range targets {
		names = append(names, d)
	}
	sort.Strings(names)
	var roll []string
	var secrets []string
	for _, d := range names {
		roll = append(roll, d+"="+strings.Join(targets[d], ","))
		for _, s := range targets[d] {
			if !slices.Contains(secrets, s) {
				secrets = append(secrets, s)
			}
		}
	}
	sort.Strings(secrets)
	sa := &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: b.meta(appCertRoller, appCertRoller),
	}
	role := &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "Role"},
		ObjectMeta: b.meta(appCertRoller, appCertRoller),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{appsv1.GroupName}, Resources: []string{"deployments"}, ResourceNames: names, Verbs: []string{"get", "patch"}},
		},
	}
	binding := &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
		ObjectMeta: b.meta(appCertRoller, appCertRoller),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: appCertRoller},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: appCertRoller, Namespace: b.ns}},
	}
	// One folder per Secret, holding its certificate only: the roller
	// never sees a private key.
	certs := corev1.Volume{Name: "certificates", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		DefaultMode: ptr(int32(0o440)),
	}}}
	for _, s := range secrets {
		certs.Projected.Sources = append(certs.Projected.Sources, corev1.VolumeProjection{Secret: &corev1.SecretProjection{
			LocalObjectReference: corev1.LocalObjectReference{Name: s},
			Items:                []corev1.KeyToPath{{Key: keyCert, Path: path.Join(s, keyCert)}},
		}})
	}
	c := corev1.Container{
		Name:    appCertRoller,
		Image:   b.in.Images.Kubectl,
		Command: []string{"/bin/sh", "-c", certRollerScript},
		Env: []corev1.EnvVar{
			{Name: "ROLL", Value: strings.Join(roll, " ")},
			{Name: "CERT_DIR", Value: certRollerDir},
			{Name: "NAMESPACE", Value: b.ns},
			{Name: "ANNOTATION", Value: AnnotationCertificates},
			{Name: "PERIOD", Value: strconv.Itoa(certRollerPeriod)},
			// kubectl writes its cache under $HOME; /tmp is the pod's own.
			{Name: "HOME", Value: "/tmp"},
		},
		Resources:    resources("5m", "16Mi", "100m", "64Mi"),
		VolumeMounts: []corev1.VolumeMount{mount("certificates", certRollerDir), {Name: "tmp", MountPath: "/tmp"}},
	}
	dep := b.singletonDeployment(appCertRoller, c, []corev1.Volume{certs, emptyDirVolume("tmp")})
	// It talks to the seed's API (its Role above); one replica.
	dep.Spec.Template.Spec.AutomountServiceAccountToken = ptr(true)
	dep.Spec.Template.Spec.Affinity = nil
	dep.Spec.Template.Labels = b.podLabels(appCertRoller, false)
	return []object.Object{sa, role, binding, dep}
}
