package usercluster

import (
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/object"
)

// Webhook registrations of machine-controller and operating-system-manager,
// whose webhooks run on the seed (Services machine-controller-webhook and
// operating-system-manager-webhook in the cluster's namespace), as
// Kubermatic's user-cluster controller registers them: by URL, which the
// apiserver dials directly on the seed (the egress selector sends only
// Service references through the Konnectivity tunnel).
//
// No caBundle: the webhooks' serving certificates are issued by the
// cluster CA, which cert-manager makes on the seed, so its certificate is
// unknown at render time. The apiserver trusts it as a system root instead
// (package controlplane adds the CA's folder to the apiserver's
// SSL_CERT_DIR; an empty caBundle means "the apiserver's system roots").
const (
	// MachineControllerWebhookService and OSMWebhookService are the
	// seed-side Services (package controlplane renders them).
	MachineControllerWebhookService = "machine-controller-webhook"
	OSMWebhookService               = "operating-system-manager-webhook"

	webhookMachineController = "machine-controller.kubermatic.io"
	webhookOSM               = "operating-system-manager.kubermatic.io"
	clusterAPIGroup          = "cluster.k8s.io"
	osmAPIGroup              = "operatingsystemmanager.k8c.io"
)

// WebhookURL is the URL under which the customer cluster's apiserver calls
// a webhook Service of the cluster's namespace on the seed (absolute name:
// no search-path lookups).
func WebhookURL(service, namespace, path string) string {
	return fmt.Sprintf("https://%s.%s.svc.cluster.local.%s", service, namespace, path)
}

// webhooks returns the Mutating and ValidatingWebhookConfigurations of
// machine-controller and operating-system-manager.
func (b *builder) webhooks() []object.Object {
	ns := b.c.Namespace()
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	exact := admissionregistrationv1.Exact
	all := admissionregistrationv1.AllScopes
	createUpdate := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	mutating := func(name, service, path, group, resource string) admissionregistrationv1.MutatingWebhook {
		return admissionregistrationv1.MutatingWebhook{
			Name:                    name,
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: ptr(WebhookURL(service, ns, path))},
			Rules:                   []admissionregistrationv1.RuleWithOperations{{Operations: createUpdate, Rule: admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{"v1alpha1"}, Resources: []string{resource}, Scope: &all}}},
			FailurePolicy:           &fail,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1", "v1beta1"},
			NamespaceSelector:       &metav1.LabelSelector{},
		}
	}
	validating := func(name, path, resource string) admissionregistrationv1.ValidatingWebhook {
		return admissionregistrationv1.ValidatingWebhook{
			Name:                    name,
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: ptr(WebhookURL(OSMWebhookService, ns, path))},
			Rules:                   []admissionregistrationv1.RuleWithOperations{{Operations: createUpdate, Rule: admissionregistrationv1.Rule{APIGroups: []string{osmAPIGroup}, APIVersions: []string{"*"}, Resources: []string{resource}, Scope: &all}}},
			FailurePolicy:           &fail,
			MatchPolicy:             &exact,
			SideEffects:             &none,
			TimeoutSeconds:          ptr(int32(30)),
			AdmissionReviewVersions: []string{"v1", "v1beta1"},
			NamespaceSelector:       &metav1.LabelSelector{},
			ObjectSelector:          &metav1.LabelSelector{},
		}
	}
	return []object.Object{
		&admissionregistrationv1.MutatingWebhookConfiguration{
			TypeMeta:   typeMeta("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
			ObjectMeta: clusterMeta(webhookMachineController),
			Webhooks: []admissionregistrationv1.MutatingWebhook{
				mutating(webhookMachineController+"-machinedeployments", MachineControllerWebhookService, "/machinedeployments", clusterAPIGroup, "machinedeployments"),
				mutating(webhookMachineController+"-machines", MachineControllerWebhookService, "/machines", clusterAPIGroup, "machines"),
			},
		},
		&admissionregistrationv1.MutatingWebhookConfiguration{
			TypeMeta:   typeMeta("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
			ObjectMeta: clusterMeta(webhookOSM),
			Webhooks: []admissionregistrationv1.MutatingWebhook{
				mutating(webhookOSM+"-machinedeployments", OSMWebhookService, "/mutate-v1alpha1-machinedeployment", clusterAPIGroup, "machinedeployments"),
			},
		},
		&admissionregistrationv1.ValidatingWebhookConfiguration{
			TypeMeta:   typeMeta("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
			ObjectMeta: clusterMeta(webhookOSM),
			Webhooks: []admissionregistrationv1.ValidatingWebhook{
				validating("operatingsystemprofiles."+osmAPIGroup, "/operatingsystemprofile", "operatingsystemprofiles"),
				validating("operatingsystemconfigs."+osmAPIGroup, "/operatingsystemconfig", "operatingsystemconfigs"),
			},
		},
	}
}
