package master

import (
	"fmt"
	"strings"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/object"
)

// ForbiddenDeployments are the Deployments of Kubermatic's operator and of
// what it installs on a seed that would take over from fleetc: the operator
// reads the rendered KubermaticConfiguration as its instruction to install
// Kubermatic a second time, and a seed-controller-manager reconciles
// customer clusters that fleetc renders itself.
var ForbiddenDeployments = []string{"kubermatic-operator", "kubermatic-seed-controller-manager"}

// GuardName is the name of the admission policy (and its binding) that
// refuses ForbiddenDeployments; where is "master" or "seed".
func GuardName(where string) string { return "fleetc-" + where + "-no-kubermatic-operator" }

// Guard returns a ValidatingAdmissionPolicy and its binding that make the
// API server refuse to create or update a Deployment named in
// ForbiddenDeployments, in any namespace. The master and the seeds each
// get their own (where: "master" or "seed"), so that a master that is also
// a seed holds two objects, one per Flux Kustomization.
func Guard(where string) []object.Object {
	name := GuardName(where)
	quoted := make([]string, len(ForbiddenDeployments))
	for i, d := range ForbiddenDeployments {
		quoted[i] = "'" + d + "'"
	}
	fail := admissionv1.Fail
	policy := &admissionv1.ValidatingAdmissionPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: meta(name, ""),
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionv1.MatchResources{
				ResourceRules: []admissionv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionv1.RuleWithOperations{
						Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
						Rule: admissionv1.Rule{
							APIGroups:   []string{"apps"},
							APIVersions: []string{"v1"},
							Resources:   []string{"deployments"},
						},
					},
				}},
			},
			Validations: []admissionv1.Validation{{
				Expression: fmt.Sprintf("!(object.metadata.name in [%s])", strings.Join(quoted, ", ")),
				Message: "this fleet is rendered by fleetc, which runs Kubermatic's components itself: " +
					"Kubermatic's operator and seed-controller-manager must not run here (see docs/master.md)",
			}},
		},
	}
	binding := &admissionv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicyBinding"},
		ObjectMeta: meta(name, ""),
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
		},
	}
	return []object.Object{policy, binding}
}
