// Package master renders the master cluster's part of the tree: the
// Kubermatic components and the inventory (users, projects, memberships,
// SSH keys, seeds) as kubermatic.k8c.io/v1 objects (package kkpv1).
//
// Every object is labelled app.kubernetes.io/managed-by: fleetc and named
// with a DNS-1123 subdomain (RBAC objects included, so no colons). Objects
// are returned sorted with object.Sort.
//
// # Inventory
//
//   - User per user, cluster-scoped, named UserName(email): the lower-case
//     hex SHA-256 of the e-mail as written (64 characters). This is the
//     scheme Kubermatic's API uses when a user first logs in
//     (kkp:pkg/provider/kubernetes/user.go, CreateUser), so fleetc adopts an
//     existing User instead of creating a second one with the same e-mail
//     (which Kubermatic rejects). It is not readable, but `kubectl get users`
//     shows the e-mail and name columns. spec: name, email, admin.
//   - Project per project, named by the project's name (its Kubermatic
//     project ID); spec.name is displayName, or the name when unset.
//   - UserProjectBinding per (project, role, member), named
//     "<project>-<role>-<UserName(email)>" (at most 136 characters, a
//     DNS-1123 subdomain), with spec.userEmail, spec.projectID and
//     spec.group "<role>-<project>", role in owners|editors|viewers.
//     A user listed in two roles gets two bindings; an e-mail listed twice
//     in one role gets one.
//   - UserSSHKey per key, named by the key's name, with spec.name,
//     spec.project, spec.publicKey, spec.fingerprint (the legacy MD5
//     fingerprint validation computed, as Kubermatic's webhook would) and
//     spec.clusters: the clusters listing the key, sorted, [] when none
//     (the CRD requires the field). The deprecated spec.owner is not set.
//   - Seed per seed, in namespace kubermatic, with spec.country,
//     spec.location, spec.exposeStrategy, spec.kubeconfig referencing the
//     Secret "kubeconfig-<seed>" in namespace kubermatic by name only, and
//     spec.datacenters with each datacenter's country, location and provider
//     block. Provider fields Kubermatic requires but fleetc's schema lacks
//     (gcp.zoneSuffixes, hetzner.network, openstack.images,
//     vsphere.datastore/templates) are rendered empty; see package kkpv1.
//     The seed's nodePortRange has no Seed field; it is used for NodePort
//     allocation only.
//
// # Components
//
// What Kubermatic's operator would run on the master (fleetc renders it
// instead, in namespace kubermatic), modelled on
// kkp:pkg/controller/operator/master/resources/kubermatic:
//
//   - Deployment kubermatic-api (2 replicas, image Images.KubermaticAPI,
//     command kubermatic-api): args -domain=<master.domain>, -oidc-url
//     (master.oidc.issuerURL, default https://<domain>/dex),
//     -oidc-authenticator-client-id (default kubermatic), -namespace,
//     -overwrite-registry when master.registry is set. The token signing
//     key is read from Secret kubermatic-api, key serviceAccountSigningKey,
//     through an env var expanded in the args: the value is never rendered,
//     and the Secret must exist (created out of band). ServiceAccount,
//     ClusterRole/ClusterRoleBinding kubermatic-api
//     (kubermatic.k8c.io resources, events, impersonation of users, groups
//     and service accounts) and Role/RoleBinding kubermatic-api (Secrets of
//     the namespace), as Kubermatic grants. Service kubermatic-api (ClusterIP,
//     http 80 and metrics 8085) and a PodDisruptionBudget (minAvailable 1).
//
//   - Deployment kubermatic-dashboard (2 replicas, Images.KubermaticDashboard,
//     command dashboard): its config.json comes from ConfigMap ui-config
//     mounted at /dist/config/; no API token is mounted.
//     Service kubermatic-dashboard (ClusterIP, http 80), PodDisruptionBudget.
//
//   - Deployment kubermatic-master-controller-manager (1 replica with leader
//     election, Images.KubermaticControllerManager): bound to cluster-admin
//     by ClusterRoleBinding kubermatic-master-controller-manager, because
//     it creates every project's RBAC on the master and the seeds and must
//     hold what it grants (Kubermatic's operator does the same).
//
//   - The API also gets -ca-bundle=/opt/ca-bundle/ca-bundle.pem from
//     ConfigMap ca-bundle (the Mozilla roots of
//     golang.org/x/crypto/x509roots/fallback) and -expose-strategy; without
//     -ca-bundle it exits at start.
//
//   - KubermaticConfiguration kubermatic (domain, ingress class and
//     issuer, OIDC issuer and client, caBundle, overwriteRegistry; no
//     secret), which the API and the master-controller-manager read.
//
//   - Ingress kubermatic for master.domain (/api to the API, / to the
//     dashboard) and Certificate kubermatic-tls from the ClusterIssuer
//     master.ingress.certificateIssuer.
//
//   - ValidatingAdmissionPolicy and binding fleetc-master-no-kubermatic-operator
//     (Guard), refusing Kubermatic's operator and seed-controller-manager.
//
// Images are the edition's (Images): Enterprise for a fleet of several
// seeds unless master.edition says otherwise. docs/master.md lists every
// flag and file with its source.
//
// # Seeds
//
// Clusters renders each customer cluster as a paused Kubermatic Cluster
// (label project-id, humanReadableName, version, cloud, clusterNetwork,
// exposeStrategy, componentsOverride) for seeds/<seed>/kubermatic.
//
// All pods: non-root (uid/gid 65534), seccomp RuntimeDefault, read-only root
// file system with an emptyDir on /tmp, no privilege escalation, all
// capabilities dropped, requests and limits, spread across nodes, rolling
// updates with maxUnavailable 0. Services are ClusterIP, behind the Ingress.
// Images come from the catalog with master.registry already applied by the
// caller. Not rendered: the seed-side Kubermatic components, and any Secret.
package master
