package master

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// Names of the Kubermatic components and of what they reference.
const (
	APIName                     = "kubermatic-api"
	DashboardName               = "kubermatic-dashboard"
	MasterControllerManagerName = "kubermatic-master-controller-manager"

	// APISecretName is the Secret (namespace kubermatic, created out of
	// band) with the API's service-account token signing key under
	// APISigningKeyKey. Required: the API does not start without it.
	APISecretName    = "kubermatic-api"
	APISigningKeyKey = "serviceAccountSigningKey"

	// APIClusterRoleName names the API's ClusterRole and ClusterRoleBinding.
	// Kubermatic's operator names them "kubermatic:kubermatic-api"; fleetc
	// keeps every name a DNS-1123 subdomain (no colon), which is also safe
	// as a file name in the rendered tree.
	APIClusterRoleName = APIName
	// MasterControllerManagerBindingName binds the master controller manager
	// to cluster-admin.
	MasterControllerManagerBindingName = MasterControllerManagerName

	labelName   = "app.kubernetes.io/name"
	labelPartOf = "app.kubernetes.io/part-of"
	partOf      = "kubermatic"
)

// Images returns the three Kubermatic images of the fleet's edition
// (model.Config.Edition): API, master-controller-manager, dashboard.
func Images(cfg *model.Config, img catalog.Images) (apiImage, controllerManager, dashboardImage string) {
	if cfg.Edition() == model.EditionEE {
		return img.KubermaticAPIEE, img.KubermaticControllerManagerEE, img.KubermaticDashboardEE
	}
	return img.KubermaticAPI, img.KubermaticControllerManager, img.KubermaticDashboard
}

func components(cfg *model.Config, img catalog.Images) ([]object.Object, error) {
	m := &cfg.Master
	if m.Domain == "" {
		return nil, fmt.Errorf("master.domain is empty")
	}
	if m.Ingress.ClassName == "" || m.Ingress.CertificateIssuer == "" {
		return nil, fmt.Errorf("master.ingress: className and certificateIssuer must be set")
	}
	apiImage, cmImage, dashImage := Images(cfg, img)
	for _, i := range []struct{ field, ref string }{
		{"KubermaticAPI", apiImage},
		{"KubermaticControllerManager", cmImage},
		{"KubermaticDashboard", dashImage},
	} {
		if i.ref == "" {
			return nil, fmt.Errorf("catalog image %s (edition %s) is empty", i.field, cfg.Edition())
		}
	}

	ns := &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: meta(Namespace, ""),
	}
	objs := []object.Object{ns, configuration(m), caBundle()}
	objs = append(objs, api(m, apiImage)...)
	objs = append(objs, dashboard(dashImage)...)
	objs = append(objs, masterControllerManager(cmImage)...)
	objs = append(objs, ingress(m)...)
	objs = append(objs, Guard("master")...)
	return objs, nil
}

func api(m *model.Master, image string) []object.Object {
	issuer, clientID := oidc(m)
	args := []string{
		"-logtostderr",
		"-address=0.0.0.0:8080",
		"-internal-address=0.0.0.0:8085",
		"-swagger=/opt/swagger.json",
		// Required: the API exits at start without it.
		"-ca-bundle=" + caBundleMount + CABundleKey,
		"-namespace=" + Namespace,
		"-expose-strategy=" + DefaultExposeStrategy,
		"-domain=" + m.Domain,
		"-oidc-url=" + issuer,
		"-oidc-authenticator-client-id=" + clientID,
		"-oidc-skip-tls-verify=false",
		// Expanded by the kubelet from the env var below: the key itself
		// never appears in the rendered tree.
		"-service-account-signing-key=$(SERVICE_ACCOUNT_SIGNING_KEY)",
	}
	if m.Registry != "" {
		args = append(args, "-overwrite-registry="+m.Registry)
	}
	args = append(args, "-v=2")

	c := container("api", image, []string{"kubermatic-api"}, args,
		resources("100m", "256Mi", "500m", "1Gi"),
		port("http", 8080), port("metrics", 8085))
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "ca-bundle", MountPath: caBundleMount, ReadOnly: true})
	c.Env = []corev1.EnvVar{{
		Name: "SERVICE_ACCOUNT_SIGNING_KEY",
		ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: APISecretName},
			Key:                  APISigningKeyKey,
		}},
	}}
	c.ReadinessProbe = &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: "/api/v1/healthz", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP,
		}},
		InitialDelaySeconds: 3, TimeoutSeconds: 2, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
	}

	cr := &rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
		ObjectMeta: componentMeta(APIClusterRoleName, "", APIName),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"kubermatic.k8c.io", "apps.kubermatic.k8c.io"}, Resources: []string{"*"}, Verbs: []string{"*"}},
			{APIGroups: []string{"operatingsystemmanager.k8c.io"}, Resources: []string{"operatingsystemprofiles"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"get", "list", "watch", "create", "patch"}},
			// The API acts on behalf of the logged-in user.
			{APIGroups: []string{""}, Resources: []string{"users", "groups", "serviceaccounts"}, Verbs: []string{"impersonate"}},
		},
	}
	role := &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: componentMeta(APIName, Namespace, APIName),
		Rules: []rbacv1.PolicyRule{
			// Token blacklists, cloud credentials and kubeconfigs live in
			// Secrets of the kubermatic namespace.
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"*"}},
		},
	}

	objs := []object.Object{
		serviceAccount(APIName, APIName, true),
		cr,
		clusterRoleBinding(APIClusterRoleName, APIClusterRoleName, APIName),
		role,
		&rbacv1.RoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
			ObjectMeta: componentMeta(APIName, Namespace, APIName),
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: APIName},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: APIName, Namespace: Namespace}},
		},
		deployment(APIName, 2, APIName, true, c, tmpVolume(), corev1.Volume{
			Name: "ca-bundle",
			VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: CABundleConfigMapName},
			}},
		}),
		service(APIName, servicePort("http", 80, "http"), servicePort("metrics", 8085, "metrics")),
		pdb(APIName),
	}
	return objs
}

func dashboard(image string) []object.Object {
	c := container("webserver", image, []string{"dashboard"}, nil,
		resources("50m", "64Mi", "250m", "128Mi"),
		port("http", 8080))
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "config", MountPath: "/dist/config/", ReadOnly: true})
	c.ReadinessProbe = &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: "/", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP,
		}},
		InitialDelaySeconds: 3, TimeoutSeconds: 2, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
	}
	config := corev1.Volume{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: UIConfigMapName},
	}}}
	return []object.Object{
		configMap(UIConfigMapName, map[string]string{"config.json": uiConfig}),
		// The dashboard only serves the UI: it needs no Kubernetes API access.
		serviceAccount(DashboardName, DashboardName, false),
		deployment(DashboardName, 2, DashboardName, false, c, tmpVolume(), config),
		service(DashboardName, servicePort("http", 80, "http")),
		pdb(DashboardName),
	}
}

func masterControllerManager(image string) []object.Object {
	args := []string{
		"-logtostderr",
		"-internal-address=0.0.0.0:8085",
		"-worker-count=20",
		"-namespace=" + Namespace,
		"-v=2",
	}
	c := container("controller-manager", image, []string{"master-controller-manager"}, args,
		resources("50m", "128Mi", "500m", "512Mi"),
		port("metrics", 8085))
	return []object.Object{
		serviceAccount(MasterControllerManagerName, MasterControllerManagerName, true),
		// It creates ClusterRoles and bindings for every project's groups on
		// the master and every seed, so it needs to hold (escalate to) every
		// permission it grants: cluster-admin, as in Kubermatic's operator.
		clusterRoleBinding(MasterControllerManagerBindingName, "cluster-admin", MasterControllerManagerName),
		// One replica with leader election, as Kubermatic runs it.
		deployment(MasterControllerManagerName, 1, MasterControllerManagerName, true, c, tmpVolume()),
	}
}

func componentMeta(name, namespace, component string) metav1.ObjectMeta {
	m := meta(name, namespace)
	m.Labels[labelName] = component
	m.Labels[labelPartOf] = partOf
	return m
}

func selectorLabels(component string) map[string]string {
	return map[string]string{labelName: component}
}

func serviceAccount(name, component string, automount bool) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   componentMeta(name, Namespace, component),
		AutomountServiceAccountToken: ptr(automount),
	}
}

func clusterRoleBinding(name, clusterRole, sa string) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
		ObjectMeta: componentMeta(name, "", sa),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: clusterRole},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: Namespace}},
	}
}

func container(name, image string, command, args []string, res corev1.ResourceRequirements, ports ...corev1.ContainerPort) corev1.Container {
	return corev1.Container{
		Name:            name,
		Image:           image,
		ImagePullPolicy: pullPolicy(image),
		Command:         command,
		Args:            args,
		Ports:           ports,
		Resources:       res,
		VolumeMounts:    []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
			RunAsNonRoot:             ptr(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
}

// pullPolicy is IfNotPresent for pinned tags and digests, Always for
// :latest or an untagged reference.
func pullPolicy(image string) corev1.PullPolicy {
	if strings.Contains(image, "@") {
		return corev1.PullIfNotPresent
	}
	last := image[strings.LastIndex(image, "/")+1:]
	if i := strings.LastIndex(last, ":"); i < 0 || last[i+1:] == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

func resources(cpuReq, memReq, cpuLim, memLim string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(cpuReq),
			corev1.ResourceMemory: resource.MustParse(memReq),
		},
		Limits: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(cpuLim),
			corev1.ResourceMemory: resource.MustParse(memLim),
		},
	}
}

func port(name string, p int32) corev1.ContainerPort {
	return corev1.ContainerPort{Name: name, ContainerPort: p, Protocol: corev1.ProtocolTCP}
}

func tmpVolume() corev1.Volume {
	return corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}

func deployment(name string, replicas int32, sa string, automount bool, c corev1.Container, volumes ...corev1.Volume) *appsv1.Deployment {
	podLabels := selectorLabels(name)
	podLabels[labelPartOf] = partOf
	podLabels[LabelManagedBy] = ManagedBy
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: componentMeta(name, Namespace, name),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: selectorLabels(name)},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: ptr(intstr.FromInt32(0)),
					MaxSurge:       ptr(intstr.FromInt32(1)),
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      podLabels,
					Annotations: scrapeAnnotations(c),
				},
				Spec: corev1.PodSpec{
					ServiceAccountName:           sa,
					AutomountServiceAccountToken: ptr(automount),
					Containers:                   []corev1.Container{c},
					Volumes:                      volumes,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptr(true),
						RunAsUser:      ptr(int64(65534)),
						RunAsGroup:     ptr(int64(65534)),
						FSGroup:        ptr(int64(65534)),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
						MaxSkew:           1,
						TopologyKey:       "kubernetes.io/hostname",
						WhenUnsatisfiable: corev1.ScheduleAnyway,
						LabelSelector:     &metav1.LabelSelector{MatchLabels: selectorLabels(name)},
					}},
				},
			},
		},
	}
}

// scrapeAnnotations announces the container's "metrics" port to Prometheus,
// if it has one.
func scrapeAnnotations(c corev1.Container) map[string]string {
	for _, p := range c.Ports {
		if p.Name == "metrics" {
			return map[string]string{
				"prometheus.io/scrape": "true",
				"prometheus.io/port":   fmt.Sprint(p.ContainerPort),
			}
		}
	}
	return nil
}

func service(name string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: componentMeta(name, Namespace, name),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: selectorLabels(name),
			Ports:    ports,
		},
	}
}

func servicePort(name string, p int32, target string) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: p, TargetPort: intstr.FromString(target), Protocol: corev1.ProtocolTCP}
}

func pdb(name string) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: componentMeta(name, Namespace, name),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr(intstr.FromInt32(1)),
			Selector:     &metav1.LabelSelector{MatchLabels: selectorLabels(name)},
		},
	}
}

func ptr[T any](v T) *T { return &v }
