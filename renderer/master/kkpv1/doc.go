// Package kkpv1 holds minimal typed Go structs for the Kubermatic
// (kubermatic.k8c.io/v1) objects that fleetc renders: on the master User,
// Project, UserProjectBinding, UserSSHKey, Seed (with the Datacenter value
// type of Seed.spec.datacenters) and KubermaticConfiguration; on the seeds
// Cluster.
//
// Why our own types: the Kubermatic module (k8c.io/kubermatic/v2 and its sdk)
// is not served by the Go module proxy fleetc builds from, and it would pull
// in a large dependency tree for five small objects. These structs are a
// subset of Kubermatic's, written against its CRDs (kept in
// third_party/kubermatic-crds, from kubermatic/kubermatic at commit 2974df5).
//
// Rules the types follow:
//
//   - JSON field names are exactly the CRD schema's property names
//     (e.g. User.spec.admin, UserProjectBinding.spec.projectID,
//     Datacenter.spec.openstack.authURL, vsphere.endpoint/datacenter/cluster,
//     hetzner.datacenter, azure.location, gcp.region). A test in
//     renderer/master walks every rendered object against the CRD's
//     openAPIV3Schema and fails on an unknown field or a missing required one.
//   - Only fields fleetc sets are present. There are no status fields: status
//     belongs to Kubermatic's controllers and is never rendered.
//   - Fields the CRD marks required carry no omitempty, so they are always
//     written, even when empty. Some of them have no counterpart in fleetc's
//     CUE schema yet (gcp.zoneSuffixes, hetzner.network, openstack.images,
//     vsphere.datastore and vsphere.templates); they are rendered empty
//     ("", [] or {}), which satisfies the schema; Kubermatic then treats the
//     datacenter as having no zones/network/images/templates configured.
//     Slices and maps that are required must be non-nil when rendered (a JSON
//     null is pruned by the API server and then fails "required");
//     the constructors in package master take care of that.
//   - Every type implements runtime.Object with a hand-written DeepCopy
//     (deepcopy.go), so it satisfies renderer/object.Object. TypeMeta is not
//     filled in by the types themselves: use the New* helpers, which set it.
package kkpv1
