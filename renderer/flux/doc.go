// Package flux renders the Flux objects that make the master and each seed
// apply their part of the rendered tree.
//
// Master (MasterObjects, master/flux/): the GitRepository "fleetc",
// Kustomization kubermatic-crds (master/crds, prune: false: deleting a CRD
// deletes its objects) and kubermatic-master (master/, dependsOn the CRDs).
// Seed root (SeedKubermaticObjects, next to seeds/<seed>/flux/):
// kubermatic-crds and kubermatic-clusters (seeds/<seed>/kubermatic, the
// Cluster objects, dependsOn the CRDs). BootstrapMaster and BootstrapSeed
// return what a team applies once per cluster: the GitRepository and
// Kustomization fleetc-master (applying master/flux) or fleetc-seed
// (seeds/<seed>); no wait: the objects they apply report their own health.
//
// For every seed it renders, in namespace flux-system:
//
//   - a source.toolkit.fluxcd.io/v1 GitRepository named "fleetc" from
//     master.gitops: url, ref.branch, interval, and secretRef when
//     gitops.secretRef is set (the Secret itself is created out of band; no
//     credential is ever rendered);
//   - one kustomize.toolkit.fluxcd.io/v1 Kustomization per customer cluster,
//     named "cluster-<name>", so that one broken cluster never blocks another.
//
// Each Kustomization:
//
//   - syncs ClusterPath: "./" + path.Join(gitops.path, "seeds", seed,
//     "clusters", name), relative to the root of the GitRepository;
//   - prune: true, so objects removed from the render are deleted;
//   - wait: true rather than healthChecks. kustomize-controller then checks
//     every object it applied with kstatus (Deployments rolled out,
//     StatefulSets ready, cert-manager Certificates Ready, PVCs bound,
//     Services of type LoadBalancer with an address) and the Kustomization
//     becomes Ready only when the whole control plane is. Naming only the
//     etcd StatefulSet and the apiserver Deployment in healthChecks would
//     report a cluster Ready whose certificates, tunnel or controller
//     manager are broken, and would have to follow every renamed object.
//     The price: a slow optional component (Prometheus waiting for a
//     volume) holds the cluster's Kustomization not-Ready until the timeout;
//     that is visible per cluster and blocks no other one;
//   - timeout: 10m for one apply plus that wait; retryInterval: 1m after a
//     failure; interval: gitops.interval (drift correction, also used for
//     the GitRepository);
//   - suspend: true when the cluster is paused (its objects stay rendered,
//     Flux stops applying them);
//   - no targetNamespace: every rendered object carries its own namespace
//     (cluster-<name>), and the Namespace object itself is part of the folder;
//   - no serviceAccountName: kustomize-controller's own account applies, as
//     Flux installs it (cluster-admin).
//
// Decisions on input: the renderer rejects a gitops.url that Flux's CRD would
// reject (only http://, https:// and ssh:// URLs; scp-like git@host:path is
// refused with a hint), an interval that is not a Go duration of at least 1s,
// a gitops.path that climbs out of the repository, and a cluster that is not
// placed on the seed being rendered (Resolved.Seed).
package flux
