// Package controlplane renders the seed-side control plane of one customer
// cluster: every object of namespace cluster-<name>, and nothing outside it.
//
// Objects is pure: the same Input gives the same objects, in object.Sort
// order, with no clock, environment, file system or randomness involved.
// Every object is a typed k8s.io/api or cert-manager struct with its
// TypeMeta set; the only text built here is file content held in
// ConfigMaps (kubeconfigs, the egress selector configuration), marshalled
// from small typed structs with sigs.k8s.io/yaml.
//
// # Namespace layout
//
// For a cluster "prod" on seed "europe" of master domain "kkp.example.com"
// the external name is prod.europe.kkp.example.com (a wildcard DNS record
// *.europe.kkp.example.com must point at the seed's nodeport-proxy), and
// namespace cluster-prod holds:
//
//	Namespace            cluster-prod (labels: managed-by, cluster, project-id, seed, datacenter, user labels)
//	ServiceAccount       apiserver, controller-manager, etcd, scheduler (no token automount)
//	Issuer               selfsigned, ca (Secret ca), front-proxy-ca (Secret front-proxy-ca)
//	Certificate          ca, front-proxy-ca                       CAs, self-signed, 10 years, key never rotated;
//	                                                              ca's CN is root-ca.<externalName>, or
//	                                                              root-ca.<cluster> beyond X.509's 64 characters
//	                     apiserver-tls                            serving, CN kube-apiserver
//	                     etcd-tls-certificate                     serving + client (etcd needs both), CN etcd
//	                     apiserver-etcd-client-certificate        CN apiserver
//	                     kubelet-client-certificate               CN kube-apiserver-kubelet-client, O system:masters
//	                     apiserver-proxy-client-certificate       CN apiserver-aggregator, from front-proxy-ca
//	                     service-account-key                      only its private key is used (token signing)
//	                     controllermanager-client-certificate     CN system:kube-controller-manager
//	                     scheduler-client-certificate             CN system:kube-scheduler
//	                     admin-client-certificate                 CN kubermatic:admin, O system:masters
//	                     konnectivity-client-certificate          CN system:konnectivity-server   (Konnectivity)
//	                     konnectivityproxy-tls                    serving, CN konnectivity-proxy  (Konnectivity)
//	ConfigMap            controllermanager-kubeconfig, scheduler-kubeconfig, admin-kubeconfig,
//	                     konnectivity-kubeconfig and kube-apiserver-egress (Konnectivity),
//	                     usersshkeys (only when the cluster has SSH keys)
//	StatefulSet          etcd (etcd.replicas members, PVC template "data")
//	Deployment           apiserver (+ konnectivity-server sidecar), controller-manager, scheduler
//	Service              etcd (headless), apiserver-external, konnectivity-server (Konnectivity)
//	PodDisruptionBudget  etcd (minAvailable ⌊n/2⌋+1, only n > 1), apiserver (maxUnavailable 1, only replicas > 1)
//
// Each Certificate writes a Secret of the same name (keys tls.crt, tls.key,
// ca.crt). Pods mount those Secrets with items where only some keys may be
// seen: the apiserver, etcd and scheduler get the CA certificate but never
// its key; the controller-manager alone gets the CA key (it signs kubelet
// certificates); the service-account key is mounted as sa.key only.
//
// Labels: every namespaced object carries cluster=<name> and
// app.kubernetes.io/managed-by=fleetc, component objects also app=<component>.
// Selectors are app + cluster only, so they never change; pod templates of
// the Kubernetes components add app.kubernetes.io/version. fleetc's
// Namespace labels win over user labels with the same key.
//
// # Addresses and ports
//
//   - In-seed URL (all component kubeconfigs):
//     https://apiserver-external.cluster-<name>.svc.cluster.local.:443, as
//     Kubermatic's internalURL (the Service port is always 443).
//   - External URL and service-account issuer: https://<externalName>:<port>,
//     port 6443 on Tunneling seeds, else the cluster's allocated NodePort.
//   - kube-apiserver listens on --secure-port: 6443 on Tunneling seeds; on
//     NodePort and LoadBalancer seeds the allocated NodePort
//     (Resolved.NodePort), which is also the Service's targetPort and
//     nodePort, as Kubermatic does.
//   - apiserver-external: Tunneling → ClusterIP 443→6443 with
//     nodeport-proxy.k8s.io/expose "SNI,Tunneling" and port-mapping
//     {"secure":"<externalName>"}; NodePort → type NodePort with expose
//     "NodePort"; LoadBalancer → type NodePort with expose-namespaced "true".
//   - konnectivity-server: 443→8132 with the same switch; the SNI host is
//     konnectivity-server.<externalName>, and on NodePort/LoadBalancer seeds
//     the nodePort is Resolved.TunnelNodePort while the targetPort stays the
//     agent port 8132 (only the apiserver needs port == nodePort).
//   - apiserver-tls also carries 100.64.30.10 on Tunneling seeds: the
//     envoy-agent address (Kubermatic's DefaultTunnelingAgentIP) through
//     which worker nodes reach the apiserver.
//
// # Decisions and deviations from Kubermatic
//
// No etcd-launcher. The launcher reads the Kubermatic Cluster object to
// manage membership, and fleetc renders no Cluster object. etcd is started
// directly with Kubermatic's non-launcher flags: a static --initial-cluster
// of etcd-0..etcd-(n-1), plain-http peers on 2380, client TLS on 2379 with
// the cluster CA, metrics and health on 2378, auto-compaction 8h and the
// corruption checks. $(POD_NAME)/$(POD_IP) are expanded by the kubelet, so
// the image needs no shell. Consequence: etcd.replicas is fixed at creation
// (a static member list cannot grow or shrink without runtime member
// add/remove); changing it needs a manual procedure. The etcd-defragger
// CronJob and EtcdBackupConfig (both launcher/Kubermatic based) are not
// rendered. The headless Service still lists 2381 (peer-tls) as Kubermatic
// does, though nothing listens there without the launcher.
//
// No PodDisruptionBudget for a single etcd member (or a single apiserver):
// minAvailable 1 on one replica would block every node drain while
// protecting nothing.
//
// No tokens. Kubermatic's tokens.csv (static admin/viewer tokens) would be
// secrets in Git; fleetc renders no --token-auth-file. Admin access is by
// client certificate: cert-manager issues Secret admin-client-certificate
// (O system:masters), and ConfigMap admin-kubeconfig points at the external
// URL with relative file names, resolved next to the kubeconfig file:
//
//	ns=cluster-prod d=$(mktemp -d)
//	kubectl -n $ns get configmap admin-kubeconfig -o jsonpath='{.data.kubeconfig}' >$d/kubeconfig
//	for k in ca.crt tls.crt tls.key; do
//	  kubectl -n $ns get secret admin-client-certificate -o jsonpath="{.data.${k//./\\.}}" | base64 -d >$d/$k
//	done
//	KUBECONFIG=$d/kubeconfig kubectl get nodes
//
// With master.oidc set, users log in by OIDC instead (--oidc-issuer-url,
// --oidc-client-id, --oidc-username-claim=email, --oidc-groups-claim=groups).
// Bootstrap-token authentication stays on: those tokens live in the
// customer cluster, not in Git.
//
// cert-manager PKI instead of reconciler-made Secrets. No private key is
// ever rendered: a selfSigned Issuer makes the CAs (Certificates ca and
// front-proxy-ca, isCA), CA Issuers sign the leaves. All keys are RSA 2048
// (PKCS#1), as Kubermatic's, for the widest compatibility (service-account
// tokens are RS256, which every OIDC/workload-identity consumer accepts).
// Leaves last 8760h and renew 720h before expiry with a new key. The CAs
// and the service-account key keep their key across renewals
// (rotationPolicy Never): a new CA key would break every issued
// certificate, a new signing key every issued token. The
// service-account-key Certificate lasts 10 years like the CAs; only its
// key is ever read. cert-manager's keys
// are tls.crt/tls.key/ca.crt, so flags point at those names (and items
// rename them where a file must be ca.crt, ca.key or sa.key). Known gap:
// renewal rewrites the Secrets in place; components that do not reload
// files need a restart within the 30-day window (no rollout trigger yet).
//
// Kubeconfigs are ConfigMaps. They hold only file paths
// (/etc/kubernetes/pki/kubeconfig-client/{ca.crt,tls.crt,tls.key}), built
// from a small typed kubeconfig struct (client-go is not a dependency); the
// client certificate Secret is mounted at that path next to the ConfigMap
// at /etc/kubernetes/kubeconfig.
//
// No http-prober. Kubermatic wraps the controller-manager and scheduler in
// http-prober, copied in by an init container, to hold them until the
// apiserver answers. fleetc runs the binaries directly: they retry the
// apiserver themselves and the kubelet restarts them with back-off, so the
// wrapper only saved restarts, at the cost of an extra image, a writable
// binary volume and a JSON-encoded command line.
//
// External cloud providers. The controller-manager runs with
// --cloud-provider=external and --configure-cloud-routes=false and gets no
// provider flags, cloud config or credentials; cloud controllers belong to
// an external CCM (not rendered yet). When one is added it must reference
// the Secret cloud-credentials by name (optional: true), never inline it.
// The apiserver gets no cloud flags either (in-tree providers are gone).
//
// SSH keys are a ConfigMap. Kubermatic's usersshkeys is a Secret, but it
// holds only public keys; a ConfigMap usersshkeys (key = SSH key name,
// value = authorized_keys line) keeps "kind: Secret" out of the rendered
// tree entirely. Rendered only when the cluster has keys.
//
// Security. Every pod runs with runAsNonRoot, uid/gid 65534, fsGroup 65534
// (so Secrets mounted 0440 and the etcd volume are readable), seccomp
// RuntimeDefault; every container with a read-only root file system, no
// privilege escalation and all capabilities dropped. No component talks to
// the seed's API, so ServiceAccounts exist only to give pods a dedicated
// identity: no token is mounted and no Role or RoleBinding is needed. No
// imagePullSecrets: images come from Input.Images (already rewritten to
// master.registry) and must be pullable by the seed's nodes. Resources
// are Kubermatic's defaults (requests → limits): apiserver 100m/256Mi →
// 2/4Gi, konnectivity-server 10m/10Mi → 2/200Mi, controller-manager
// 100m/100Mi → 2/2Gi, scheduler 20m/64Mi → 1/512Mi, etcd 50m/256Mi → 2/2Gi.
//
// Probes. apiserver: liveness /healthz, readiness /readyz, HTTPS on the
// secure port. konnectivity-server: liveness only (a readiness gate would
// hold the apiserver out of its Services until an agent connects, and no
// agent can connect before that). etcd: startup /health?serializable=false
// (quorum), liveness /health?exclude=NOSPACE&serializable=true on 2378,
// readiness "etcdctl endpoint health" against the local member, using the
// member's own certificate (it has the client auth usage).
//
// Other omissions, each a later task: the audit log and its fluent-bit
// sidecar, admission-control configuration, the ca-bundle ConfigMap,
// NetworkPolicies, VPAs, the apiserver's --advertise-address (it would
// need the seed's ingress IP at render time; with
// --endpoint-reconciler-type=none the apiserver does not publish it
// anyway), Prometheus, the usercluster-controller, machine-controller and
// OSM, and everything inside the customer cluster (konnectivity-agent,
// envoy-agent, RBAC for system:konnectivity-server's TokenReviews). The
// LoadBalancer strategy relies on Kubermatic's per-namespace
// nodeport-proxy (nodeport-proxy-envoy and the front-loadbalancer
// Service), which is not rendered yet; the external name stays
// <cluster>.<seed>.<domain>, whose DNS must then point at that load
// balancer.
//
// TODO(issue 5): the OpenVPN tunnel. With tunnel "openvpn" the Konnectivity
// sidecar, its Certificates, kubeconfig, egress configuration and Service
// are omitted, and nothing replaces them yet: the openvpn-server
// Deployment, its Service (on Resolved.TunnelNodePort), PKI and the
// apiserver's openvpn-client sidecar come with issue 5.
package controlplane
