package usercluster

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/object"
)

// NodeBootstrapGroup is the group of the bootstrap tokens machine-controller
// creates for new machines (auth-extra-groups of the token Secret in
// kube-system), as in Kubermatic.
const NodeBootstrapGroup = "system:bootstrappers:machine-controller:default-node-token"

// NodeBootstrap is the RBAC that lets a new node join with a bootstrap
// token, as Kubermatic's user-cluster controller grants it: the token may
// create a CertificateSigningRequest, kube-controller-manager approves a
// token's request for a node client certificate and a node's renewal of
// its own, and signs them with the cluster CA (its --cluster-signing-* flags).
func NodeBootstrap() []object.Object {
	crb := func(name, role string, subject rbacv1.Subject) object.Object {
		return &rbacv1.ClusterRoleBinding{
			TypeMeta: metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
			ObjectMeta: metav1.ObjectMeta{
				Name:   name,
				Labels: map[string]string{"app.kubernetes.io/managed-by": "fleetc"},
			},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects: []rbacv1.Subject{subject},
		}
	}
	bootstrappers := rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: NodeBootstrapGroup}
	nodes := rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:nodes"}
	return []object.Object{
		crb("kubermatic:kubelet-bootstrap", "system:node-bootstrapper", bootstrappers),
		crb("kubermatic:node-autoapprove-bootstrap", "system:certificates.k8s.io:certificatesigningrequests:nodeclient", bootstrappers),
		crb("kubermatic:node-autoapprove-certificate-rotation", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", nodes),
	}
}
