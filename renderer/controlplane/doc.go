// Package controlplane renders the seed-side control plane of one customer
// cluster: every object of namespace cluster-<name>, and nothing outside it.
//
// Objects is pure: the same Input gives the same objects, in object.Sort
// order, with no clock, environment, file system or randomness involved.
// Every object is a typed k8s.io/api or cert-manager struct with its
// TypeMeta set; the only text built here is file content held in
// ConfigMaps: kubeconfigs, the egress selector configuration, the
// Prometheus and Envoy configurations (marshalled from small typed structs
// by the encoder that writes the rendered files, encode.Marshal), Azure's
// cloud-config (JSON, encoding/json), and the OpenVPN server
// configuration, the Corefile and the other cloud-config files (formats
// without a Go type here, written line by line from typed inputs).
//
// # Namespace layout
//
// For a cluster "prod" on seed "europe" of master domain "kkp.example.com"
// the external name is prod.europe.kkp.example.com (a wildcard DNS record
// *.europe.kkp.example.com must point at the seed's nodeport-proxy), and
// namespace cluster-prod holds:
//
//	Namespace            cluster-prod (labels: managed-by, cluster, project-id, seed, datacenter, user labels)
//	ServiceAccount       one per workload, named after it; no token automount except prometheus
//	Issuer               selfsigned, ca (Secret ca), front-proxy-ca (Secret front-proxy-ca),
//	                     openvpn-ca (Secret openvpn-ca)                                  (OpenVPN)
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
//	                     openvpn-ca                               the VPN's own CA                (OpenVPN)
//	                     openvpn-server-certificates              serving, CN openvpn-server      (OpenVPN)
//	                     openvpn-client-certificates              CN internal-client: the seed-side
//	                                                              clients (apiserver, dns-resolver) (OpenVPN)
//	                     openvpn-user-cluster-client-certificate  CN user-cluster-client: the client in the
//	                                                              customer cluster (shipped there later) (OpenVPN)
//	                     prometheus-client-certificate            CN prometheus, O system:monitoring (monitoring)
//	ConfigMap            controllermanager-kubeconfig, scheduler-kubeconfig, admin-kubeconfig,
//	                     konnectivity-kubeconfig and kube-apiserver-egress (Konnectivity),
//	                     openvpn-server-configs and dns-resolver (OpenVPN), prometheus (monitoring),
//	                     nodeport-proxy-envoy (LoadBalancer), cloud-config (aws, gcp, openstack,
//	                     vsphere, azure), usersshkeys (only when the cluster has SSH keys)
//	StatefulSet          etcd (etcd.replicas members, PVC template "data"), prometheus (monitoring, 1 replica)
//	Deployment           apiserver (+ konnectivity-server or openvpn-client sidecar), controller-manager,
//	                     scheduler, openvpn-server (1) and dns-resolver (2) (OpenVPN),
//	                     nodeport-proxy-envoy (2, LoadBalancer)
//	Service              etcd (headless), apiserver-external, konnectivity-server (Konnectivity),
//	                     openvpn-server and dns-resolver (OpenVPN), prometheus (headless, monitoring),
//	                     front-loadbalancer (type LoadBalancer, LoadBalancer seeds)
//	Role, RoleBinding    prometheus (get/list/watch pods, services, endpoints in the namespace)
//	NetworkPolicy        default-deny-ingress, <component>-ingress per component that accepts anything
//	PodDisruptionBudget  etcd (minAvailable ⌊n/2⌋+1, only n > 1), apiserver (maxUnavailable 1, only replicas > 1),
//	                     dns-resolver (minAvailable 1 of 2), nodeport-proxy-envoy (maxUnavailable 1)
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
//   - openvpn-server: 1194→1194 with the same switch, except that on
//     Tunneling seeds it carries expose "Tunneling" only, without SNI or a
//     port-mapping (as Kubermatic's): OpenVPN's TLS runs inside its own
//     framing, so no proxy can read a server name from it; nodes reach it
//     through the envoy-agent's HTTP/2 CONNECT tunnel, authority
//     openvpn-server.<ns>.svc.cluster.local:1194 (as Kubermatic's), which
//     the seed proxy routes to this Service. NodePort and
//     LoadBalancer seeds use Resolved.TunnelNodePort, like Konnectivity.
//   - LoadBalancer seeds: Kubermatic's namespaced nodeport-proxy, rendered
//     statically (see below): the front-loadbalancer Service listens on
//     the apiserver's and the tunnel's NodePorts, so the external URL is
//     https://<externalName>:<NodePort> on NodePort and LoadBalancer seeds
//     alike; the external name's DNS must point at that load balancer.
//   - apiserver-tls also carries 100.64.30.10 on Tunneling seeds: the
//     envoy-agent address (Kubermatic's DefaultTunnelingAgentIP) through
//     which worker nodes reach the apiserver.
//
// # Decisions and deviations from Kubermatic
//
// No etcd-launcher. The launcher reads the Kubermatic Cluster object to
// manage membership, and fleetc renders no Cluster object. etcd is started
// directly with Kubermatic's non-launcher flags: a static --initial-cluster
// of etcd-0..etcd-(n-1), peers on 2380 and clients on 2379, both TLS with
// client-certificate authentication against the cluster CA (the boot tier
// forms the cluster over it), metrics and health on 2378, auto-compaction 8h and the
// corruption checks. $(POD_NAME)/$(POD_IP) are expanded by the kubelet, so
// the image needs no shell. Consequence: etcd.replicas is fixed at creation
// (a static member list cannot grow or shrink without runtime member
// add/remove); changing it needs a manual procedure. The etcd-defragger
// CronJob and EtcdBackupConfig (both launcher/Kubermatic based) are not
// rendered. The headless Service still lists 2381 (peer-tls) as Kubermatic
// does, though nothing listens there (peers use TLS on 2380).
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
// an external CCM. The apiserver gets no cloud flags either (in-tree
// providers are gone). The CCM Deployment (ccm.go) is rendered for AWS,
// Hetzner and DigitalOcean, the providers whose CCM takes its credentials
// from the environment, on clusters that run machine-controller; their
// machines' kubelets then run with an external cloud provider. Rendered
// for every provider with a file is ConfigMap cloud-config (key
// "config", Kubermatic's CloudConfigKey), built from the datacenter's
// provider fields only, in the format each CCM reads:
//
//	aws        [global] Zone = <region>x (Kubermatic's dummy zone, the region
//	           is derived from it), KubernetesClusterID = <cluster>
//	gcp        [global] network-name default, multizone, node-tags
//	           kubernetes-cluster-<cluster>, token-url nil
//	openstack  [Global] auth-url, region; [LoadBalancer] manage-security-groups,
//	           lb-method ROUND_ROBIN; [BlockStorage] bs-version auto
//	vsphere    [Global] server/port (from the endpoint URL, port 443 by
//	           default), datacenter, cluster-id = the datacenter's cluster,
//	           working-dir = <cluster>; [Disk] pvscsi; [Workspace];
//	           [VirtualCenter "<host>"]
//	azure      azure.json: cloud AZUREPUBLICCLOUD, location
//
// Hetzner and DigitalOcean CCMs read environment variables only (their
// token from cloud-credentials, the location/region as plain env), so
// they get no cloud-config; bringyourown has no cloud. Unlike Kubermatic,
// whose cloud-config is a Secret with the credentials merged in, the file
// holds no credential: they stay in the credentials Secret and the CCM
// Deployment takes them by reference (env valueFrom secretKeyRef), never
// inline; the CCMs of OpenStack, vSphere and Azure read them from the file
// only: an init container of the CCM pod writes the file with the
// credentials (taken by reference) into an in-memory emptyDir (ccm.go).
// Fields Kubermatic fills from the Cluster object (AWS VPC/route table,
// GCP project and local zone, Azure resource group) are not in fleetc's
// schema and are left out.
//
// SSH keys are a ConfigMap. Kubermatic's usersshkeys is a Secret, but it
// holds only public keys; a ConfigMap usersshkeys (key = SSH key name,
// value = authorized_keys line) keeps "kind: Secret" out of the rendered
// tree entirely. Rendered only when the cluster has keys.
//
// Security. Every pod runs with runAsNonRoot, uid/gid 65534, fsGroup 65534
// (so Secrets mounted 0440 and the etcd volume are readable), seccomp
// RuntimeDefault; every container with a read-only root file system, no
// privilege escalation and all capabilities dropped. The one exception
// (netAdminSecurityContext) is OpenVPN, which cannot work without root
// and network capabilities: iptables-init (NET_ADMIN, NET_RAW: its packet
// filter), openvpn-server and the openvpn-client sidecars (NET_ADMIN to
// create the tun device and its routes, MKNOD to create /dev/net/tun,
// which a non-privileged container is allowed to use but not given).
// They run as uid 0 with exactly those capabilities added, never
// privileged, still with a read-only root file system, no privilege
// escalation and RuntimeDefault seccomp; Kubermatic runs all of them, and
// an ip-fixup sidecar, fully privileged. Such pods need the Pod Security
// level "privileged" (NET_ADMIN is beyond "baseline"); fleetc sets no Pod
// Security labels on the Namespace.
//
// Only Prometheus talks to the seed's API (Kubernetes service discovery
// of the pods of its own namespace, Role prometheus), so it is the only
// pod with a service-account token; the other ServiceAccounts exist to
// give pods a dedicated identity and have no Role. No imagePullSecrets:
// images come from Input.Images (already rewritten to master.registry)
// and must be pullable by the seed's nodes. Resources are Kubermatic's
// defaults (requests → limits): apiserver 100m/256Mi → 2/4Gi,
// konnectivity-server 10m/10Mi → 2/200Mi, controller-manager 100m/100Mi →
// 2/2Gi, scheduler 20m/64Mi → 1/512Mi, etcd 50m/256Mi → 2/2Gi,
// openvpn-server and iptables-init 5m/5Mi → 1/50Mi, openvpn-client 5m/5Mi
// → 1/32Mi, dns-resolver 5m/20Mi → 100m/128Mi, prometheus 100m/256Mi →
// 500m/1Gi, nodeport-proxy-envoy 50m/32Mi → 100m/64Mi.
//
// Probes. apiserver: liveness /healthz, readiness /readyz, HTTPS on the
// secure port. konnectivity-server: liveness only (a readiness gate would
// hold the apiserver out of its Services until an agent connects, and no
// agent can connect before that). etcd: startup /health?serializable=false
// (quorum), liveness /health?exclude=NOSPACE&serializable=true on 2378,
// readiness "etcdctl endpoint health" against the local member, using the
// member's own certificate (it has the client auth usage).
//
// # The OpenVPN tunnel (tunnel: openvpn)
//
// Kubermatic's legacy layout (kkp:pkg/resources/openvpn, vpnsidecar, dns),
// hardened. openvpn-server (1 replica: routes exist only between clients
// of one server process, so a second replica behind the Service would
// split them; Recreate, so two never run at once) reads its configuration
// file from ConfigMap openvpn-server-configs, assembled in Go from typed
// inputs: TCP on 1194, transfer network 10.20.0.0/24, "route" + "push
// route" for the cluster's pod and service networks and Kubermatic's node
// access network 10.254.0.0/16, and a client-config-dir entry that gives
// those networks (iroute) to the customer cluster's client (CN
// user-cluster-client). The apiserver and the dns-resolver run Kubermatic's
// openvpn-client sidecar (CN internal-client, --remote
// openvpn-server.<ns>.svc.cluster.local. 1194, server name verified).
//
// Deviations, all deliberate:
//   - A dedicated VPN CA (Issuer openvpn-ca), as Kubermatic has, not the
//     cluster CA: the controller-manager signs kubelet and CSR client
//     certificates with the cluster CA, and any of those would otherwise
//     be a VPN login into the control plane's side.
//   - client-to-client with topology subnet instead of kernel forwarding
//     plus MASQUERADE: traffic between the apiserver's client and the
//     customer cluster's client stays inside openvpn, so the pod needs no
//     net.ipv4.ip_forward (an unsafe sysctl, which Kubermatic sets from a
//     privileged ip-fixup sidecar looping forever). iptables-init keeps
//     Kubermatic's packet filter as defence in depth (FORWARD policy DROP;
//     through tun0 the server answers ping only) and its MSS clamp.
//   - The apiserver keeps the seed's DNS (dnsPolicy ClusterFirst).
//     Kubermatic points it at the dns-resolver Service with dnsPolicy None,
//     reading that Service's ClusterIP at reconcile time; a renderer cannot
//     know a ClusterIP, and pinning one would need the seed's service CIDR.
//     It is also not needed: kube-apiserver reaches webhook and aggregated
//     API Services through their ClusterIP from its own Service informer
//     (NewClusterIPServiceResolver, unless --enable-aggregator-routing),
//     kubelets by node address, and both through the VPN routes; its own
//     names (etcd) are the seed's. The dns-resolver is still rendered as
//     Kubermatic's (Corefile: <ns>.svc.cluster.local. and "." to the seed's
//     resolver, cluster.local. to the customer's DNS Service (the tenth
//     address of the services CIDR) over the VPN with its own
//     openvpn-client), for seed-side
//     components that resolve customer names (machine-controller and the
//     usercluster-controller, not rendered yet); they must be given its
//     Service name, or this choice revisited, when they arrive. CoreDNS
//     listens on 1053 (it runs as nobody); the Service maps 53 to it.
//   - No openvpn-exporter sidecar (its image is not in the catalog).
//
// # Monitoring (monitoring: true, the default)
//
// StatefulSet prometheus (1 replica, Kubermatic's image and resources,
// retention 1h) scrapes the control plane of its own namespace, found by
// Kubernetes pod discovery restricted to the namespace and a keep rule on
// app + container + container port name: etcd's metrics port 2378 (http),
// the apiserver's secure port, controller-manager 10257 and scheduler 10259
// (https). Its configuration is marshalled from typed structs. It
// authenticates with prometheus-client-certificate (CN prometheus, O
// system:monitoring, from the cluster CA): Kubernetes' built-in ClusterRole
// system:monitoring (bound to that group by default) grants /metrics and
// the health endpoints and nothing else, so no RBAC in the customer
// cluster is needed and no admin identity is used. The apiserver's serving
// certificate is verified (server name "kubernetes"); the controller-manager
// and the scheduler serve self-signed certificates (no --tls-cert-file yet),
// so those two jobs skip server verification (follow-up: serving
// Certificates for both). Storage is an emptyDir (sizeLimit 2Gi,
// retention.size 1GB): with one hour of retention a rescheduled pod loses
// at most that hour, and no PVC per cluster is needed. Service prometheus
// (headless, 9090) keeps the label cluster=<name> like every other object;
// Kubermatic's label cluster: user for the seed's federation would clash
// with that key, so a seed-level Prometheus selects app=prometheus and
// app.kubernetes.io/managed-by=fleetc instead, and needs a NetworkPolicy
// patch to reach it (by default nothing may).
//
// # Network isolation
//
// default-deny-ingress selects every pod; one policy per component then
// lists who may reach which port:
//
//	apiserver             secure port (+ 8132 Konnectivity) from anywhere: nodes, users and proxies
//	etcd                  2379 from apiserver pods, 2380 from etcd pods, 2378 from prometheus
//	controller-manager    10257 from prometheus        (only with monitoring)
//	scheduler             10259 from prometheus        (only with monitoring)
//	openvpn-server        1194 from anywhere            (OpenVPN)
//	dns-resolver          1053 UDP/TCP from apiserver pods (OpenVPN)
//	nodeport-proxy-envoy  its listener ports from anywhere (LoadBalancer)
//	prometheus            nothing
//
// Peers are always podSelectors with the component's app and cluster
// labels, which match pods of the policy's own namespace only: no
// namespaceSelector or ipBlock anywhere, so no other customer's namespace
// (nor a pod elsewhere copying the labels) reaches etcd, the controllers
// or the resolver. Only the ports that are public anyway are open to
// every source. The kubelet's probes come from the node and are always
// allowed. TestNetworkPolicyMatrix checks this with an evaluator of
// Kubernetes' NetworkPolicy semantics over the rendered policies.
//
// Egress stays open. Kubermatic restricts only the apiserver's egress,
// behind a feature flag, with rules that need run-time facts (the seed
// kube-apiserver's endpoints, the resolved OIDC issuer, where the seed's
// DNS runs); a static version would either break on some seeds or allow
// 0.0.0.0/0. Cross-tenant isolation does not depend on it: every
// customer namespace denies ingress to its own pods. Known gap: a
// customer controls where its apiserver connects (webhook URLs), so with
// open egress it can make the apiserver open connections to seed
// addresses that accept them (e.g. a cloud metadata endpoint); a
// seed-wide egress policy for cluster namespaces is the follow-up.
//
// # Availability
//
// Every workload with more than one replica has a PodDisruptionBudget
// (etcd quorum, apiserver and nodeport-proxy-envoy maxUnavailable 1,
// dns-resolver minAvailable 1 of 2) and preferred anti-affinity over nodes
// and zones (podSpec, every workload). Singletons (controller-manager,
// scheduler, openvpn-server, prometheus) get no PDB: minAvailable 1 on one
// replica would block node drains while protecting nothing.
//
// # LoadBalancer seeds: the namespaced nodeport-proxy
//
// Kubermatic gives each cluster on a LoadBalancer seed its own Envoy
// (nodeport-proxy-envoy, 2 replicas) behind Service front-loadbalancer
// (type LoadBalancer), configured at run time by envoy-manager (watching
// Services annotated nodeport-proxy.k8s.io/expose-namespaced) and
// lb-updater (copying their NodePorts onto the load balancer). Their
// image is not in the catalog, and fleetc does not need them: it knows
// the exposed Services and ports at render time. So it renders the same
// Envoy (Images.Envoy) with a static bootstrap from typed structs: one TCP
// proxy listener per exposed Service on that Service's NodePort,
// forwarding to the Service's in-seed name (STRICT_DNS), idle timeout
// 3600s as Kubermatic's load balancer; and front-loadbalancer with those
// same ports. Envoy needs no seed API access (no token) and no admin
// port. Seed-specific load-balancer annotations and source ranges
// (Kubermatic's seed nodeportProxy settings) are not in fleetc's schema:
// add them with a patch.
//
// Other omissions, each a later task: the audit log and its fluent-bit
// sidecar, admission-control configuration, the ca-bundle ConfigMap,
// VPAs, the apiserver's --advertise-address (it would need the seed's
// ingress IP at render time; with --endpoint-reconciler-type=none the
// apiserver does not publish it anyway), kube-state-metrics, alerting
// rules, the usercluster-controller, machine-controller and OSM, CCM
// Deployments, and everything inside the customer cluster
// (konnectivity-agent, the OpenVPN client with its certificate
// openvpn-user-cluster-client-certificate, envoy-agent, RBAC for
// system:konnectivity-server's TokenReviews).
package controlplane
