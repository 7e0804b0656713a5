// Package usercluster renders what fleetc applies inside a customer
// cluster, as opposed to its control plane on the seed: for now, the RBAC
// that gives the cluster's project members their rights when they log in
// through the master's OIDC issuer.
//
// The objects go to seeds/<seed>/usercluster/<cluster>/. The seed's flux/
// folder holds a Flux Kustomization `usercluster-<cluster>` per cluster
// that applies that folder to the customer cluster through
// spec.kubeConfig.secretRef, Secret `usercluster-<cluster>-kubeconfig`
// (key `value`) in flux-system, and depends on the control plane's own
// Kustomization. fleetc never renders credentials, so that Secret is made
// on the seed from the cluster's admin client certificate (cert-manager
// Secret `admin-client-certificate` in cluster-<cluster>) and ConfigMap
// `admin-kubeconfig`; README.md shows the commands. Until it exists only
// that Kustomization waits; the control plane is not affected.
//
// Members are bound by e-mail: the apiserver runs with
// --oidc-username-claim=email, for which Kubernetes adds no prefix. Owners
// get cluster-admin, editors edit, viewers view (Kubermatic's mapping of
// project groups to user-cluster roles).
package usercluster

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// roles maps a project role to the user-cluster ClusterRole it grants.
var roles = []struct {
	role        model.Role
	clusterRole string
}{
	{model.RoleOwners, "cluster-admin"},
	{model.RoleEditors, "edit"},
	{model.RoleViewers, "view"},
}

// Objects returns the RBAC of a cluster's project members, or nothing when
// the master has no OIDC issuer (then nobody logs in by e-mail).
func Objects(m *model.Master, p *model.Project) []object.Object {
	if m.OIDC == nil || p == nil {
		return nil
	}
	byRole := map[model.Role][]rbacv1.Subject{}
	for _, mem := range p.Members() {
		byRole[mem.Role] = append(byRole[mem.Role], rbacv1.Subject{
			Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: mem.Email,
		})
	}
	var objs []object.Object
	for _, r := range roles {
		if len(byRole[r.role]) == 0 {
			continue
		}
		objs = append(objs, &rbacv1.ClusterRoleBinding{
			TypeMeta: metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
			ObjectMeta: metav1.ObjectMeta{
				Name: "fleetc-project-" + string(r.role),
				Labels: map[string]string{
					"app.kubernetes.io/managed-by": "fleetc",
					"project":                      p.Name,
				},
			},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: r.clusterRole},
			Subjects: byRole[r.role],
		})
	}
	object.Sort(objs)
	return objs
}
