// Package catalog is fleetc's embedded list of supported Kubernetes versions
// and the container images the renderer uses for a customer cluster's
// control plane.
//
// The data lives in catalog.yaml (embedded with go:embed; its layout is
// documented in comments at the top of that file). It reproduces what
// Kubermatic (KKP) keeps partly in configuration and partly in code:
//
//   - the supported versions (KKP DefaultKubernetesVersioning):
//     1.33.{0,2,3,5..13}, 1.34.{1..11}, 1.35.{0..8}, 1.36.{3,4};
//     default 1.35.8;
//   - core images registry.k8s.io/kube-{apiserver,controller-manager,scheduler}
//     tagged v<patch version>;
//   - per-minor images: etcd (3.5.21-0 below 1.36, 3.6.12-0 from 1.36) and the
//     Konnectivity proxy-server/proxy-agent (v0.33.1, v0.34.0, v0.34.0, v0.35.0
//     for 1.33 to 1.36);
//   - version-independent pins (Prometheus, OpenVPN, CoreDNS for the
//     dns-resolver and the cluster DNS, Envoy for the nodeport-proxy,
//     machine-controller, operating-system-manager, Cilium, Canal,
//     metrics-server) and the Kubermatic images at one pinned KKP release
//     tag; core also has kube-proxy, tagged like the control plane.
//
// Every image is rendered by something (a renderer test fails on an image
// nothing uses).
//
// Usage:
//
//	cat := catalog.Default()
//	v, ok := cat.Resolve("1.35")    // newest 1.35 patch; "1.35.8" and "v1.35.8" work too
//	if !ok { ... }                  // unsupported or malformed version
//	imgs := cat.Images(v, "")       // upstream registries
//	imgs = cat.Images(v, "mirror.example.com") // every image on the mirror
//
// Registry overrides follow KKP's RewriteImage (overwriteRegistry): only the
// registry host is replaced; repository path, tag and digest are kept, e.g.
// quay.io/kubermatic/machine-controller:v1.66.2 becomes
// mirror.example.com/kubermatic/machine-controller:v1.66.2.
//
// A Catalog is immutable once Parse or Default returns and safe for
// concurrent use; the slice-returning methods return copies. Digest returns
// the SHA-256 of the catalog source, suitable for render cache keys.
//
// Parse is strict: unknown or duplicate YAML fields, missing images, image
// references without an explicit registry host or tag, malformed ("x.y.z"
// only, no leading v in the data) or duplicate versions, versions filed
// under the wrong minor and a default that is not listed are all errors.
package catalog
