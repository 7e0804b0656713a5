package controlplane

import (
	"github.com/fleetc/fleetc/renderer/envoy"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/renderer/model"
)

func seedProxyInput(expose string) SeedProxyInput {
	seed := &model.Seed{Name: "eu", Expose: expose}
	a := &model.Cluster{Name: "a", Tunnel: model.TunnelKonnectivity, Resolved: model.Resolved{Seed: "eu", NodePort: 30001, TunnelNodePort: 30002}}
	b := &model.Cluster{Name: "b", Tunnel: model.TunnelOpenVPN, Resolved: model.Resolved{Seed: "eu", NodePort: 30003, TunnelNodePort: 30004}}
	if expose == model.ExposeTunneling {
		for _, c := range []*model.Cluster{a, b} {
			c.Resolved.NodePort, c.Resolved.TunnelNodePort = 0, 0
		}
	}
	return SeedProxyInput{Seed: seed, Master: &model.Master{Domain: "kkp.example.com"}, Clusters: []*model.Cluster{a, b}, Images: testImages}
}

// envoyArgs is Envoy's command line, in the seed's proxy and in a
// cluster's nodeport-proxy: the configuration file, no hot restart (one
// process per pod), logs at info.
var envoyArgs = []string{"--config-path", "/etc/envoy/envoy.yaml", "--disable-hot-restart", "--log-level", "info"}

// TestSeedProxyArgs: the seed proxy's Envoy runs with exactly its command
// line, on every kind of seed that has one.
func TestSeedProxyArgs(t *testing.T) {
	for _, expose := range []string{model.ExposeTunneling, model.ExposeNodePort} {
		objs, err := SeedProxyObjects(seedProxyInput(expose))
		if err != nil {
			t.Fatal(err)
		}
		d := find[*appsv1.Deployment](objs, "Deployment", appSeedProxy)
		if d == nil {
			t.Fatalf("%s: no %s Deployment", expose, appSeedProxy)
		}
		c := container(d.Spec.Template.Spec, appSeedProxy)
		if c == nil || !slices.Equal(c.Args, envoyArgs) {
			t.Errorf("%s: seed proxy container %+v, want args %q", expose, c, envoyArgs)
		}
	}
}

func TestSeedProxyTunneling(t *testing.T) {
	objs, err := SeedProxyObjects(seedProxyInput(model.ExposeTunneling))
	if err != nil {
		t.Fatal(err)
	}
	svc := find[*corev1.Service](objs, "Service", svcSeedProxy)
	if svc == nil || svc.Spec.Type != corev1.ServiceTypeLoadBalancer || len(svc.Spec.Ports) != 2 || svc.Spec.Ports[0].Port != 6443 || svc.Spec.Ports[1].Port != 8088 {
		t.Fatalf("service %+v", svc)
	}
	cm := find[*corev1.ConfigMap](objs, "ConfigMap", appSeedProxy)
	var cfg envoy.Bootstrap
	if err := yaml.UnmarshalStrict([]byte(cm.Data[envoyConfigKey]), &cfg); err != nil {
		t.Fatal(err)
	}
	routes := map[string]string{}
	for _, fc := range cfg.StaticResources.Listeners[0].FilterChains {
		routes[fc.FilterChainMatch.ServerNames[0]] = fc.Filters[0].TypedConfig.Cluster
	}
	want := map[string]string{
		"a.eu.kkp.example.com":                     "cluster-a-apiserver",
		"konnectivity-server.a.eu.kkp.example.com": "cluster-a-tunnel",
		"b.eu.kkp.example.com":                     "cluster-b-apiserver",
	}
	if len(routes) != len(want) {
		t.Errorf("routes %v, want %v (OpenVPN has no server name)", routes, want)
	}
	for sni, cl := range want {
		if routes[sni] != cl {
			t.Errorf("SNI %s -> %q, want %s", sni, routes[sni], cl)
		}
	}
	if !strings.Contains(cm.Data[envoyConfigKey], "apiserver-external.cluster-a.svc.cluster.local.") {
		t.Error("no route to cluster a's apiserver-external Service")
	}
}

func TestSeedProxyNodePort(t *testing.T) {
	objs, err := SeedProxyObjects(seedProxyInput(model.ExposeNodePort))
	if err != nil {
		t.Fatal(err)
	}
	svc := find[*corev1.Service](objs, "Service", svcSeedProxy)
	var ports []int32
	for _, p := range svc.Spec.Ports {
		ports = append(ports, p.Port)
	}
	if len(ports) != 4 || ports[0] != 30001 || ports[3] != 30004 {
		t.Errorf("ports %v, want every cluster's two NodePorts", ports)
	}
	if objs, _ := SeedProxyObjects(seedProxyInput(model.ExposeLoadBalancer)); objs != nil {
		t.Error("LoadBalancer seeds have a proxy per cluster, not per seed")
	}
}
