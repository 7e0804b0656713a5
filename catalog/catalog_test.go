package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// kkpVersions is the exact list of Kubernetes versions KKP supports
// (DefaultKubernetesVersioning), in ascending order.
var kkpVersions = func() []string {
	var out []string
	add := func(minor string, patches ...int) {
		for _, p := range patches {
			out = append(out, fmt.Sprintf("%s.%d", minor, p))
		}
	}
	add("1.33", 0, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13)
	add("1.34", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
	add("1.35", 0, 1, 2, 3, 4, 5, 6, 7, 8)
	add("1.36", 3, 4)
	add("1.37", 2) // ahead of Kubermatic: the boot tier's version
	return out
}()

func TestEmbeddedCatalogParses(t *testing.T) {
	if _, err := Parse(embedded); err != nil {
		t.Fatalf("embedded catalog.yaml does not parse: %v", err)
	}
}

func TestEmbeddedVersionsExact(t *testing.T) {
	var got []string
	for _, v := range Default().Versions() {
		got = append(got, v.Version)
		if want := minorOf(v.Version); v.Minor != want {
			t.Errorf("Version %q has Minor %q, want %q", v.Version, v.Minor, want)
		}
	}
	if !slices.Equal(got, kkpVersions) {
		t.Errorf("Versions() =\n  %v\nwant\n  %v", got, kkpVersions)
	}
}

func TestEmbeddedMinors(t *testing.T) {
	want := []string{"1.33", "1.34", "1.35", "1.36", "1.37"}
	if got := Default().Minors(); !slices.Equal(got, want) {
		t.Errorf("Minors() = %v, want %v", got, want)
	}
}

func TestEmbeddedDefault(t *testing.T) {
	want := Version{Version: "1.35.8", Minor: "1.35"}
	if got := Default().Default(); got != want {
		t.Errorf("Default() = %+v, want %+v", got, want)
	}
}

func TestDefaultIsSingleton(t *testing.T) {
	var wg sync.WaitGroup
	got := make([]*Catalog, 8)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = Default() }()
	}
	wg.Wait()
	for i, c := range got {
		if c != got[0] {
			t.Fatalf("Default() call %d returned a different *Catalog", i)
		}
	}
}

func TestDigest(t *testing.T) {
	sum := sha256.Sum256(embedded)
	if got, want := Default().Digest(), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Default().Digest() = %q, want %q", got, want)
	}
	a := mustParse(t, validYAML)
	b := mustParse(t, validYAML+"\n# a comment changes the digest\n")
	if a.Digest() == b.Digest() {
		t.Errorf("different source bytes gave the same digest %q", a.Digest())
	}
	if len(a.Digest()) != 64 {
		t.Errorf("Digest() = %q, want 64 hex characters", a.Digest())
	}
}

func TestResolve(t *testing.T) {
	c := Default()
	tests := []struct {
		in     string
		want   string // "" means not found
		wantMi string
	}{
		// minor -> newest patch
		{"1.33", "1.33.13", "1.33"},
		{"1.34", "1.34.11", "1.34"},
		{"1.35", "1.35.8", "1.35"},
		{"1.36", "1.36.4", "1.36"},
		{"v1.36", "1.36.4", "1.36"},
		// exact
		{"1.35.8", "1.35.8", "1.35"},
		{"1.33.0", "1.33.0", "1.33"},
		{"1.33.10", "1.33.10", "1.33"},
		{"v1.35.8", "1.35.8", "1.35"},
		{"v1.34.1", "1.34.1", "1.34"},
		// unknown
		{"1.33.1", "", ""}, // gap in the 1.33 list
		{"1.33.4", "", ""}, // gap in the 1.33 list
		{"1.34.0", "", ""}, // 1.34 starts at .1
		{"1.36.0", "", ""}, // 1.36 starts at .3
		{"1.35.9", "", ""}, // newer than supported
		{"1.32", "", ""},   // dropped minor
		{"1.32.5", "", ""}, // dropped minor
		{"1.38", "", ""},   // future minor
		{"2.35.8", "", ""}, // wrong major
		// malformed
		{"", "", ""},
		{"v", "", ""},
		{"1", "", ""},
		{"v1", "", ""},
		{"1.35.", "", ""},
		{".35", "", ""},
		{"1.35.8.1", "", ""},
		{"1.35.08", "", ""},
		{"01.35", "", ""},
		{"1.035", "", ""},
		{"1.35.8-rc.0", "", ""},
		{"1.35.x", "", ""},
		{"V1.35.8", "", ""},
		{"vv1.35.8", "", ""},
		{" 1.35.8", "", ""},
		{"1.35.8 ", "", ""},
		{"latest", "", ""},
		{"+1.35.8", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := c.Resolve(tc.in)
			if tc.want == "" {
				if ok {
					t.Fatalf("Resolve(%q) = %+v, true; want not found", tc.in, got)
				}
				if got != (Version{}) {
					t.Errorf("Resolve(%q) returned non-zero Version %+v with false", tc.in, got)
				}
				return
			}
			want := Version{Version: tc.want, Minor: tc.wantMi}
			if !ok || got != want {
				t.Fatalf("Resolve(%q) = %+v, %v; want %+v, true", tc.in, got, ok, want)
			}
		})
	}
}

func TestSortingIsNumeric(t *testing.T) {
	// Deliberately listed out of order, with two-digit components that sort
	// wrongly as strings (1.9 < 1.10, 1.33.9 < 1.33.10).
	data := strings.NewReplacer(
		`minors:`, `minors:
  - minor: "1.10"
    etcd: "registry.k8s.io/etcd:3.5.21-0"
    konnectivityServer: "registry.k8s.io/kas-network-proxy/proxy-server:v0.33.1"
    konnectivityAgent: "registry.k8s.io/kas-network-proxy/proxy-agent:v0.33.1"
    awsCCM: "registry.k8s.io/provider-aws/cloud-controller-manager:v1.33.2"
    openstackCCM: "registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.35.0"
    vsphereCCM: "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.35.1"
    azureCCM: "mcr.microsoft.com/oss/v2/kubernetes/azure-cloud-controller-manager:v1.35.8"
    gcpCCM: "registry.k8s.io/cloud-provider-gcp/cloud-controller-manager:v35.0.8"
    versions: ["1.10.2", "1.10.10", "1.10.1"]
  - minor: "1.9"
    etcd: "registry.k8s.io/etcd:3.5.21-0"
    konnectivityServer: "registry.k8s.io/kas-network-proxy/proxy-server:v0.33.1"
    konnectivityAgent: "registry.k8s.io/kas-network-proxy/proxy-agent:v0.33.1"
    awsCCM: "registry.k8s.io/provider-aws/cloud-controller-manager:v1.33.2"
    openstackCCM: "registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.35.0"
    vsphereCCM: "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.35.1"
    azureCCM: "mcr.microsoft.com/oss/v2/kubernetes/azure-cloud-controller-manager:v1.35.8"
    gcpCCM: "registry.k8s.io/cloud-provider-gcp/cloud-controller-manager:v35.0.8"
    versions: ["1.9.11", "1.9.9"]`,
		`versions: ["1.33.0", "1.33.9"]`, `versions: ["1.33.10", "1.33.0", "1.33.9", "1.33.2"]`,
	).Replace(validYAML)
	c := mustParse(t, data)

	var got []string
	for _, v := range c.Versions() {
		got = append(got, v.Version)
	}
	wantVersions := []string{"1.9.9", "1.9.11", "1.10.1", "1.10.2", "1.10.10", "1.33.0", "1.33.2", "1.33.9", "1.33.10", "1.36.3"}
	if !slices.Equal(got, wantVersions) {
		t.Errorf("Versions() = %v, want %v", got, wantVersions)
	}
	if got, want := c.Minors(), []string{"1.9", "1.10", "1.33", "1.36"}; !slices.Equal(got, want) {
		t.Errorf("Minors() = %v, want %v", got, want)
	}
	for in, want := range map[string]string{"1.33": "1.33.10", "1.9": "1.9.11", "1.10": "1.10.10"} {
		if v, ok := c.Resolve(in); !ok || v.Version != want {
			t.Errorf("Resolve(%q) = %+v, %v; want %s", in, v, ok, want)
		}
	}
}

func TestAccessorsReturnCopies(t *testing.T) {
	c := mustParse(t, validYAML)
	vs := c.Versions()
	vs[0] = Version{Version: "9.9.9", Minor: "9.9"}
	ms := c.Minors()
	ms[0] = "9.9"
	if c.Versions()[0].Version == "9.9.9" {
		t.Error("mutating the result of Versions() changed the catalog")
	}
	if c.Minors()[0] == "9.9" {
		t.Error("mutating the result of Minors() changed the catalog")
	}
}

func TestImagesUpstreamPerMinor(t *testing.T) {
	c := Default()
	type perMinor struct{ etcd, konnectivity, awsCCM, osCCM, vsCCM, azCCM, gcpCCM string }
	want := map[string]perMinor{
		"1.33": {"3.5.21-0", "v0.33.1", "v1.33.2", "v1.33.1", "v1.33.1", "v1.33.16", "v35.0.8"},
		"1.34": {"3.5.21-0", "v0.34.0", "v1.34.0", "v1.34.1", "v1.34.0", "v1.34.13", "v35.0.8"},
		"1.35": {"3.5.21-0", "v0.34.0", "v1.35.2", "v1.35.0", "v1.35.1", "v1.35.8", "v35.0.8"},
		"1.36": {"3.6.12-0", "v0.35.0", "v1.35.2", "v1.36.0", "v1.36.0", "v1.36.4", "v36.0.7"},
		"1.37": {"3.6.16-0", "v0.35.0", "v1.35.2", "v1.36.0", "v1.36.0", "v1.36.4", "v36.0.7"},
	}
	for _, v := range c.Versions() {
		w, ok := want[v.Minor]
		if !ok {
			t.Errorf("unexpected minor %q", v.Minor)
			continue
		}
		got := c.Images(v, "")
		exp := Images{
			APIServer:                     "registry.k8s.io/kube-apiserver:v" + v.Version,
			ControllerManager:             "registry.k8s.io/kube-controller-manager:v" + v.Version,
			Scheduler:                     "registry.k8s.io/kube-scheduler:v" + v.Version,
			Etcd:                          "registry.k8s.io/etcd:" + w.etcd,
			KonnectivityServer:            "registry.k8s.io/kas-network-proxy/proxy-server:" + w.konnectivity,
			KonnectivityAgent:             "registry.k8s.io/kas-network-proxy/proxy-agent:" + w.konnectivity,
			Prometheus:                    "quay.io/prometheus/prometheus:v2.51.1",
			OpenVPN:                       "quay.io/kubermatic/openvpn:v2.5.2-r0",
			DNSResolver:                   "registry.k8s.io/coredns/coredns:v1.10.1",
			Envoy:                         "docker.io/envoyproxy/envoy:distroless-v1.37.0",
			KubermaticAPI:                 "quay.io/kubermatic/dashboard:v2.31.0",
			KubermaticControllerManager:   "quay.io/kubermatic/kubermatic:v2.31.0",
			KubermaticDashboard:           "quay.io/kubermatic/dashboard:v2.31.0",
			KubermaticAPIEE:               "quay.io/kubermatic/dashboard-ee:v2.31.0",
			KubermaticControllerManagerEE: "quay.io/kubermatic/kubermatic-ee:v2.31.0",
			KubermaticDashboardEE:         "quay.io/kubermatic/dashboard-ee:v2.31.0",
			MachineController:             "quay.io/kubermatic/machine-controller:v1.66.2",
			Kubectl:                       "docker.io/alpine/k8s:1.37.2",
			S3Client:                      "docker.io/amazon/aws-cli:2.22.35",
			OperatingSystemManager:        "quay.io/kubermatic/operating-system-manager:v1.11.3",
			KubeProxy:                     "registry.k8s.io/kube-proxy:v" + v.Version,
			Cilium:                        "quay.io/cilium/cilium:v1.19.4",
			CiliumOperator:                "quay.io/cilium/operator-generic:v1.19.4",
			MetricsServer:                 "registry.k8s.io/metrics-server/metrics-server:v0.7.2",
			CalicoNode:                    "quay.io/calico/node:v3.31.7",
			CalicoCNI:                     "quay.io/calico/cni:v3.31.7",
			Flannel:                       "docker.io/flannel/flannel:v0.24.4",
			CCMAWS:                        "registry.k8s.io/provider-aws/cloud-controller-manager:" + w.awsCCM,
			CCMOpenStack:                  "registry.k8s.io/provider-os/openstack-cloud-controller-manager:" + w.osCCM,
			CCMVSphere:                    "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:" + w.vsCCM,
			CCMAzure:                      "mcr.microsoft.com/oss/v2/kubernetes/azure-cloud-controller-manager:" + w.azCCM,
			CCMGCP:                        "registry.k8s.io/cloud-provider-gcp/cloud-controller-manager:" + w.gcpCCM,
			CCMHetzner:                    "docker.io/hetznercloud/hcloud-cloud-controller-manager:v1.34.0",
			CCMDigitalOcean:               "docker.io/digitalocean/digitalocean-cloud-controller-manager:v0.1.67",
			NetworkInterfaceManager:       "quay.io/kubermatic/network-interface-manager:v2.31.0",
		}
		if got != exp {
			t.Errorf("Images(%s, \"\") =\n  %+v\nwant\n  %+v", v.Version, got, exp)
		}
	}
}

func TestImagesRegistryRewrite(t *testing.T) {
	c := Default()
	v, ok := c.Resolve("1.36.4")
	if !ok {
		t.Fatal("1.36.4 not in catalog")
	}
	tests := []struct {
		name     string
		registry string
		field    func(Images) string
		want     string
	}{
		// registry.k8s.io: host replaced, path kept
		{"k8s core", "mirror.local", func(i Images) string { return i.APIServer }, "mirror.local/kube-apiserver:v1.36.4"},
		{"k8s etcd", "mirror.local", func(i Images) string { return i.Etcd }, "mirror.local/etcd:3.6.12-0"},
		{"k8s nested path", "mirror.local", func(i Images) string { return i.KonnectivityAgent }, "mirror.local/kas-network-proxy/proxy-agent:v0.35.0"},
		{"k8s coredns", "mirror.local", func(i Images) string { return i.DNSResolver }, "mirror.local/coredns/coredns:v1.10.1"},
		// quay.io: organisation kept
		{"quay kubermatic", "mirror.local", func(i Images) string { return i.MachineController }, "mirror.local/kubermatic/machine-controller:v1.66.2"},
		{"quay prometheus", "mirror.local", func(i Images) string { return i.Prometheus }, "mirror.local/prometheus/prometheus:v2.51.1"},
		{"quay kkp", "mirror.local", func(i Images) string { return i.KubermaticControllerManager }, "mirror.local/kubermatic/kubermatic:v2.31.0"},
		// docker.io: organisation kept
		{"docker envoy", "mirror.local", func(i Images) string { return i.Envoy }, "mirror.local/envoyproxy/envoy:distroless-v1.37.0"},
		// registry with a port, with a path prefix, with a trailing slash
		{"port", "mirror.local:5000", func(i Images) string { return i.Etcd }, "mirror.local:5000/etcd:3.6.12-0"},
		{"path prefix", "harbor.corp/proxy", func(i Images) string { return i.Envoy }, "harbor.corp/proxy/envoyproxy/envoy:distroless-v1.37.0"},
		{"trailing slash", "mirror.local/", func(i Images) string { return i.Scheduler }, "mirror.local/kube-scheduler:v1.36.4"},
		// empty registry keeps upstream
		{"empty k8s", "", func(i Images) string { return i.Etcd }, "registry.k8s.io/etcd:3.6.12-0"},
		{"empty quay", "", func(i Images) string { return i.OpenVPN }, "quay.io/kubermatic/openvpn:v2.5.2-r0"},
		{"empty docker", "", func(i Images) string { return i.Envoy }, "docker.io/envoyproxy/envoy:distroless-v1.37.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.field(c.Images(v, tc.registry)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestImagesEveryFieldRewritten(t *testing.T) {
	c := Default()
	imgs := c.Images(c.Default(), "mirror.local")
	rv := reflect.ValueOf(imgs)
	for i := range rv.NumField() {
		name, val := rv.Type().Field(i).Name, rv.Field(i).String()
		if !strings.HasPrefix(val, "mirror.local/") {
			t.Errorf("%s = %q, not rewritten to mirror.local", name, val)
		}
		for _, up := range []string{"registry.k8s.io", "quay.io", "docker.io"} {
			if strings.Contains(val, up) {
				t.Errorf("%s = %q still mentions %s", name, val, up)
			}
		}
	}
}

func TestImagesDigestKept(t *testing.T) {
	const d = "@sha256:0b2f19895de281e4a416700b17a4dc9b8d3b80eb7b5b65dac173880f5113084e"
	data := strings.Replace(validYAML, `envoy: "docker.io/envoyproxy/envoy:distroless-v1.37.0"`,
		`envoy: "docker.io/envoyproxy/envoy:distroless-v1.37.0`+d+`"`, 1)
	c := mustParse(t, data)
	if got, want := c.Images(c.Default(), "mirror.local").Envoy, "mirror.local/envoyproxy/envoy:distroless-v1.37.0"+d; got != want {
		t.Errorf("Envoy = %q, want %q", got, want)
	}
}

func TestImagesLooseVersion(t *testing.T) {
	c := Default()
	tests := []struct {
		name          string
		v             Version
		api, etcd     string
		konnectServer string
	}{
		{"minor derived", Version{Version: "1.36.3"}, "registry.k8s.io/kube-apiserver:v1.36.3", "registry.k8s.io/etcd:3.6.12-0", "registry.k8s.io/kas-network-proxy/proxy-server:v0.35.0"},
		{"leading v", Version{Version: "v1.35.2", Minor: "1.35"}, "registry.k8s.io/kube-apiserver:v1.35.2", "registry.k8s.io/etcd:3.5.21-0", "registry.k8s.io/kas-network-proxy/proxy-server:v0.34.0"},
		{"unknown minor", Version{Version: "1.40.0", Minor: "1.40"}, "registry.k8s.io/kube-apiserver:v1.40.0", "", ""},
		{"zero", Version{}, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Images(tc.v, "")
			if got.APIServer != tc.api || got.Etcd != tc.etcd || got.KonnectivityServer != tc.konnectServer {
				t.Errorf("Images(%+v) = api %q etcd %q konnectivity %q; want %q %q %q",
					tc.v, got.APIServer, got.Etcd, got.KonnectivityServer, tc.api, tc.etcd, tc.konnectServer)
			}
			if got.Prometheus != "quay.io/prometheus/prometheus:v2.51.1" {
				t.Errorf("global images must not depend on the version, Prometheus = %q", got.Prometheus)
			}
		})
	}
}

// validYAML is a small, valid catalog; TestParseRejects mutates it.
const validYAML = `# test catalog
default: "1.33.9"
core:
  apiServer: "registry.k8s.io/kube-apiserver"
  controllerManager: "registry.k8s.io/kube-controller-manager"
  scheduler: "registry.k8s.io/kube-scheduler"
  kubeProxy: "registry.k8s.io/kube-proxy"
images:
  prometheus: "quay.io/prometheus/prometheus:v2.51.1"
  openVPN: "quay.io/kubermatic/openvpn:v2.5.2-r0"
  dnsResolver: "registry.k8s.io/coredns/coredns:v1.10.1"
  envoy: "docker.io/envoyproxy/envoy:distroless-v1.37.0"
  machineController: "quay.io/kubermatic/machine-controller:v1.66.2"
  kubectl: "docker.io/alpine/k8s:1.37.2"
  s3Client: "docker.io/amazon/aws-cli:2.22.35"
  operatingSystemManager: "quay.io/kubermatic/operating-system-manager:v1.11.3"
  cilium: "quay.io/cilium/cilium:v1.19.4"
  ciliumOperator: "quay.io/cilium/operator-generic:v1.19.4"
  metricsServer: "registry.k8s.io/metrics-server/metrics-server:v0.7.2"
  calicoNode: "quay.io/calico/node:v3.31.7"
  calicoCNI: "quay.io/calico/cni:v3.31.7"
  flannel: "docker.io/flannel/flannel:v0.24.4"
  networkInterfaceManager: "quay.io/kubermatic/network-interface-manager:v2.31.0"
  kubermaticAPI: "quay.io/kubermatic/dashboard:v2.31.0"
  kubermaticControllerManager: "quay.io/kubermatic/kubermatic:v2.31.0"
  kubermaticDashboard: "quay.io/kubermatic/dashboard:v2.31.0"
  kubermaticAPIEE: "quay.io/kubermatic/dashboard-ee:v2.31.0"
  kubermaticControllerManagerEE: "quay.io/kubermatic/kubermatic-ee:v2.31.0"
  kubermaticDashboardEE: "quay.io/kubermatic/dashboard-ee:v2.31.0"
  hetznerCCM: "docker.io/hetznercloud/hcloud-cloud-controller-manager:v1.34.0"
  digitaloceanCCM: "docker.io/digitalocean/digitalocean-cloud-controller-manager:v0.1.67"
minors:
  - minor: "1.33"
    etcd: "registry.k8s.io/etcd:3.5.21-0"
    konnectivityServer: "registry.k8s.io/kas-network-proxy/proxy-server:v0.33.1"
    konnectivityAgent: "registry.k8s.io/kas-network-proxy/proxy-agent:v0.33.1"
    awsCCM: "registry.k8s.io/provider-aws/cloud-controller-manager:v1.33.2"
    openstackCCM: "registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.35.0"
    vsphereCCM: "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.35.1"
    azureCCM: "mcr.microsoft.com/oss/v2/kubernetes/azure-cloud-controller-manager:v1.35.8"
    gcpCCM: "registry.k8s.io/cloud-provider-gcp/cloud-controller-manager:v35.0.8"
    versions: ["1.33.0", "1.33.9"]
  - minor: "1.36"
    etcd: "registry.k8s.io/etcd:3.6.12-0"
    konnectivityServer: "registry.k8s.io/kas-network-proxy/proxy-server:v0.35.0"
    konnectivityAgent: "registry.k8s.io/kas-network-proxy/proxy-agent:v0.35.0"
    awsCCM: "registry.k8s.io/provider-aws/cloud-controller-manager:v1.35.2"
    openstackCCM: "registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.35.0"
    vsphereCCM: "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.35.1"
    azureCCM: "mcr.microsoft.com/oss/v2/kubernetes/azure-cloud-controller-manager:v1.35.8"
    gcpCCM: "registry.k8s.io/cloud-provider-gcp/cloud-controller-manager:v35.0.8"
    versions: ["1.36.3"]
`

func mustParse(t *testing.T, data string) *Catalog {
	t.Helper()
	c, err := Parse([]byte(data))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestParseValidFixture(t *testing.T) {
	c := mustParse(t, validYAML)
	if got := c.Default(); got != (Version{Version: "1.33.9", Minor: "1.33"}) {
		t.Errorf("Default() = %+v", got)
	}
	if got := len(c.Versions()); got != 3 {
		t.Errorf("len(Versions()) = %d, want 3", got)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name    string
		old     string // replaced (first occurrence) in validYAML
		new     string
		wantErr string
	}{
		{"unknown top-level field", `default: "1.33.9"`, "default: \"1.33.9\"\nupdates: []", `unknown field "updates"`},
		{"unknown image field", `  envoy: "docker.io`, `  kubeProxy: "registry.k8s.io/kube-proxy:v1"` + "\n" + `  envoy: "docker.io`, `unknown field "kubeProxy"`},
		{"unknown minor field", `    etcd: "registry.k8s.io/etcd:3.5.21-0"`, `    ccm: "x"` + "\n" + `    etcd: "registry.k8s.io/etcd:3.5.21-0"`, `unknown field "ccm"`},
		{"duplicate field", `default: "1.33.9"`, "default: \"1.33.9\"\ndefault: \"1.33.0\"", `key "default" already set`},
		{"not yaml", `default: "1.33.9"`, `default: [`, `catalog:`},
		{"unquoted minor", `minor: "1.33"`, `minor: 1.33`, `cannot unmarshal number`},
		{"unquoted minor 1.30", `minor: "1.36"`, `minor: 1.30`, `cannot unmarshal number`},
		{"unquoted default", `default: "1.33.9"`, `default: 1.33`, `cannot unmarshal number`},
		{"minor without etcd", `    etcd: "registry.k8s.io/etcd:3.5.21-0"` + "\n", ``, `minor 1.33: etcd: is required`},
		{"minor without konnectivity server", `    konnectivityServer: "registry.k8s.io/kas-network-proxy/proxy-server:v0.35.0"` + "\n", ``, `minor 1.36: konnectivityServer: is required`},
		{"minor without konnectivity agent", `    konnectivityAgent: "registry.k8s.io/kas-network-proxy/proxy-agent:v0.33.1"` + "\n", ``, `minor 1.33: konnectivityAgent: is required`},
		{"minor without AWS CCM", `    awsCCM: "registry.k8s.io/provider-aws/cloud-controller-manager:v1.35.2"` + "\n", ``, `minor 1.36: awsCCM: is required`},
		{"minor without OpenStack CCM", `    openstackCCM: "registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.35.0"` + "\n", ``, `minor 1.33: openstackCCM: is required`},
		{"minor without vSphere CCM", `    vsphereCCM: "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.35.1"` + "\n", ``, `minor 1.33: vsphereCCM: is required`},
		{"minor without Azure CCM", `    azureCCM: "mcr.microsoft.com/oss/v2/kubernetes/azure-cloud-controller-manager:v1.35.8"` + "\n", ``, `minor 1.33: azureCCM: is required`},
		{"minor without GCP CCM", `    gcpCCM: "registry.k8s.io/cloud-provider-gcp/cloud-controller-manager:v35.0.8"` + "\n", ``, `minor 1.33: gcpCCM: is required`},
		{"global CCM missing", `  hetznerCCM: "docker.io/hetznercloud/hcloud-cloud-controller-manager:v1.34.0"` + "\n", ``, `images.hetznerCCM: is required`},
		{"minor without versions", `versions: ["1.36.3"]`, `versions: []`, `minor 1.36: versions: at least one`},
		{"empty minors", validYAML[strings.Index(validYAML, "minors:"):], "minors: []\n", `at least one minor`},
		{"duplicate version", `["1.33.0", "1.33.9"]`, `["1.33.0", "1.33.9", "1.33.0"]`, `version "1.33.0" is listed more than once`},
		{"duplicate minor", `  - minor: "1.36"`, `  - minor: "1.33"`, `minor 1.33: listed more than once`},
		{"bad semver two parts", `"1.33.0", "1.33.9"`, `"1.33", "1.33.9"`, `version "1.33" is not a valid semantic version`},
		{"bad semver leading v", `"1.33.0", "1.33.9"`, `"v1.33.0", "1.33.9"`, `version "v1.33.0" is not a valid semantic version`},
		{"bad semver leading zero", `"1.33.0", "1.33.9"`, `"1.33.00", "1.33.9"`, `version "1.33.00" is not a valid semantic version`},
		{"bad semver prerelease", `"1.33.0", "1.33.9"`, `"1.33.0-rc.1", "1.33.9"`, `version "1.33.0-rc.1" is not a valid semantic version`},
		{"bad semver letters", `"1.33.0", "1.33.9"`, `"1.33.x", "1.33.9"`, `version "1.33.x" is not a valid semantic version`},
		{"bad minor", `minor: "1.33"`, `minor: "1.33.0"`, `"1.33.0" is not a valid minor version`},
		{"version under wrong minor", `["1.36.3"]`, `["1.36.3", "1.35.1"]`, `minor 1.36: version "1.35.1" does not belong to this minor`},
		{"default not in list", `default: "1.33.9"`, `default: "1.33.5"`, `default: "1.33.5" is not one of the listed versions`},
		{"default minor only", `default: "1.33.9"`, `default: "1.33"`, `default: "1.33" is not one of the listed versions`},
		{"default missing", `default: "1.33.9"` + "\n", ``, `default: is required`},
		{"global image missing", `  openVPN: "quay.io/kubermatic/openvpn:v2.5.2-r0"` + "\n", ``, `images.openVPN: is required`},
		{"image without tag", `prometheus/prometheus:v2.51.1`, `prometheus/prometheus`, `images.prometheus: "quay.io/prometheus/prometheus": a tag is required`},
		{"image without registry host", `"docker.io/envoyproxy/envoy:`, `"envoyproxy/envoy:`, `images.envoy: "envoyproxy/envoy" must start with an explicit registry host`},
		{"image with bad digest", `v2.51.1"`, `v2.51.1@sha256:abc"`, `invalid digest`},
		{"image with upper-case path", `kubermatic/kubermatic:v2.31.0`, `Kubermatic/kubermatic:v2.31.0`, `invalid repository path component "Kubermatic"`},
		{"core with tag", `"registry.k8s.io/kube-scheduler"`, `"registry.k8s.io/kube-scheduler:v1"`, `invalid repository path component "kube-scheduler:v1"`},
		{"core missing", `  apiServer: "registry.k8s.io/kube-apiserver"` + "\n", ``, `core.apiServer: is required`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(validYAML, tc.old) {
				t.Fatalf("test bug: %q not found in validYAML", tc.old)
			}
			data := strings.Replace(validYAML, tc.old, tc.new, 1)
			c, err := Parse([]byte(data))
			if err == nil {
				t.Fatalf("Parse succeeded (default %+v), want error containing %q", c.Default(), tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Parse error = %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}
