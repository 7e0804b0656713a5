// Package typed knows the Go type of every kind fleetc renders, and decodes
// YAML or JSON strictly into it: an unknown or misplaced field is an error.
// The patch step (renderer/patch) decodes kustomize's patched output back
// into typed objects with it, so a patch that makes an object invalid for
// its API is an error; tests use it to prove the rendered output is valid.
// (diff compares the rendered files' fields, without it.)
package typed

import (
	"bytes"
	"encoding/json"
	"fmt"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/renderer/master/kkpv1"
	"github.com/fleetc/fleetc/renderer/usercluster"
)

// kinds maps "apiVersion/kind" to a constructor of its Go type.
var kinds = map[string]func() any{
	"v1/Namespace":      func() any { return new(corev1.Namespace) },
	"v1/Service":        func() any { return new(corev1.Service) },
	"v1/ServiceAccount": func() any { return new(corev1.ServiceAccount) },
	"v1/ConfigMap":      func() any { return new(corev1.ConfigMap) },
	"v1/Secret":         func() any { return new(corev1.Secret) },
	"v1/Endpoints":      func() any { return new(corev1.Endpoints) }, //nolint:staticcheck // the kubernetes Service's, as the apiserver writes them

	"discovery.k8s.io/v1/EndpointSlice": func() any { return new(discoveryv1.EndpointSlice) },

	"apps/v1/Deployment":                 func() any { return new(appsv1.Deployment) },
	"apps/v1/StatefulSet":                func() any { return new(appsv1.StatefulSet) },
	"apps/v1/DaemonSet":                  func() any { return new(appsv1.DaemonSet) },
	"batch/v1/CronJob":                   func() any { return new(batchv1.CronJob) },
	"policy/v1/PodDisruptionBudget":      func() any { return new(policyv1.PodDisruptionBudget) },
	"networking.k8s.io/v1/NetworkPolicy": func() any { return new(networkingv1.NetworkPolicy) },
	"networking.k8s.io/v1/Ingress":       func() any { return new(networkingv1.Ingress) },
	// Kubermatic's CRDs are vendored data (third_party/kubermatic-crds),
	// rendered as they are; no Go type of fleetc's dependencies holds them.
	"apiextensions.k8s.io/v1/CustomResourceDefinition": func() any { return new(map[string]any) },

	"rbac.authorization.k8s.io/v1/Role":               func() any { return new(rbacv1.Role) },
	"rbac.authorization.k8s.io/v1/RoleBinding":        func() any { return new(rbacv1.RoleBinding) },
	"rbac.authorization.k8s.io/v1/ClusterRole":        func() any { return new(rbacv1.ClusterRole) },
	"rbac.authorization.k8s.io/v1/ClusterRoleBinding": func() any { return new(rbacv1.ClusterRoleBinding) },

	"admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy":        func() any { return new(admissionv1.ValidatingAdmissionPolicy) },
	"admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": func() any { return new(admissionv1.ValidatingAdmissionPolicyBinding) },
	"admissionregistration.k8s.io/v1/MutatingWebhookConfiguration":     func() any { return new(admissionv1.MutatingWebhookConfiguration) },
	"admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration":   func() any { return new(admissionv1.ValidatingWebhookConfiguration) },

	"cert-manager.io/v1/Certificate":   func() any { return new(cmv1.Certificate) },
	"cert-manager.io/v1/Issuer":        func() any { return new(cmv1.Issuer) },
	"cert-manager.io/v1/ClusterIssuer": func() any { return new(cmv1.ClusterIssuer) },

	"kustomize.toolkit.fluxcd.io/v1/Kustomization": func() any { return new(kustomizev1.Kustomization) },
	"source.toolkit.fluxcd.io/v1/GitRepository":    func() any { return new(sourcev1.GitRepository) },

	"kubermatic.k8c.io/v1/User":               func() any { return new(kkpv1.User) },
	"kubermatic.k8c.io/v1/Project":            func() any { return new(kkpv1.Project) },
	"kubermatic.k8c.io/v1/UserProjectBinding": func() any { return new(kkpv1.UserProjectBinding) },
	"kubermatic.k8c.io/v1/UserSSHKey":         func() any { return new(kkpv1.UserSSHKey) },
	"kubermatic.k8c.io/v1/Seed":               func() any { return new(kkpv1.Seed) },
	"kubermatic.k8c.io/v1/Cluster":            func() any { return new(kkpv1.Cluster) },

	"apiregistration.k8s.io/v1/APIService":      func() any { return new(usercluster.APIService) },
	"cluster.k8s.io/v1alpha1/MachineDeployment": func() any { return new(usercluster.MachineDeployment) },

	"kubermatic.k8c.io/v1/KubermaticConfiguration": func() any { return new(kkpv1.KubermaticConfiguration) },
}

// DecodeStrict decodes one YAML document into the Go type of its kind with
// unknown fields disallowed, and returns "apiVersion/kind".
func DecodeStrict(doc []byte) (string, error) {
	_, gvk, err := Decode(doc)
	return gvk, err
}

// Decode is DecodeStrict that also returns the decoded object.
func Decode(doc []byte) (any, string, error) {
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, "", err
	}
	return DecodeJSON(j)
}

// DecodeJSON is Decode for a document that is already JSON (kustomize's
// output, say), without the round trip through YAML.
func DecodeJSON(j []byte) (any, string, error) {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(j, &meta); err != nil {
		return nil, "", err
	}
	gvk := meta.APIVersion + "/" + meta.Kind
	newObj, ok := kinds[gvk]
	if !ok {
		return nil, gvk, fmt.Errorf("unknown kind %s", gvk)
	}
	obj := newObj()
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return nil, gvk, fmt.Errorf("%s: %w", gvk, err)
	}
	return obj, gvk, nil
}
