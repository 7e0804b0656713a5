package usercluster

import (
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// CloudControllerManagerUser is the identity (client certificate CN) of the
// external cloud-controller-manager, which runs on the seed, in the
// customer cluster (Kubermatic's CloudControllerManagerCertUsername).
const CloudControllerManagerUser = "system:cloud-controller-manager"

// HasCloudControllerManager reports whether fleetc runs an external
// cloud-controller-manager for a datacenter of provider p: where Kubermatic
// runs one (every provider but bringyourown). The CCMs of OpenStack,
// vSphere, Azure and GCP read their credentials from a file, which an init
// container writes from the credentials Secret (package controlplane).
func HasCloudControllerManager(p model.Provider) bool {
	return p.AWS != nil || p.Hetzner != nil || p.DigitalOcean != nil || p.OpenStack != nil || p.VSphere != nil || p.Azure != nil || p.GCP != nil
}

// cloudControllerManagerRBAC binds the CCM to cluster-admin, as Kubermatic
// does (following the Kubernetes documentation on running a CCM), on the
// clusters that run one (those with machines, on such a provider).
func (b *builder) cloudControllerManagerRBAC() []object.Object {
	if !HasCloudControllerManager(b.in.Datacenter.Provider) {
		return nil
	}
	return []object.Object{clusterRoleBinding("cloud-controller-manager", "cluster-admin",
		rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: CloudControllerManagerUser})}
}
