package controlplane

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// The cloud-config ConfigMap: the provider configuration file an external
// cloud-controller-manager reads (kkp:pkg/resources/cloudconfig), built
// from the datacenter's provider fields only. Credentials are never in
// it: Kubermatic writes them into its cloud-config Secret, fleetc leaves
// them in the Secret cloud-credentials, for the CCM to take by reference.
const (
	cmCloudConfig  = "cloud-config"
	cloudConfigKey = "config" // Kubermatic's CloudConfigKey
)

// iniSection is one [section] of a gcfg-style file (the format the AWS,
// GCE, OpenStack and vSphere cloud providers read).
type iniSection struct {
	name string // may carry a subsection: VirtualCenter "host"
	keys []iniKey
}

type iniKey struct {
	key string
	val any // string (quoted) or bool/int (bare)
}

func renderINI(sections []iniSection) string {
	var b strings.Builder
	for i, s := range sections {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "[%s]\n", s.name)
		for _, k := range s.keys {
			switch v := k.val.(type) {
			case string:
				fmt.Fprintf(&b, "%s = %s\n", k.key, gcfgQuote(v))
			default:
				fmt.Fprintf(&b, "%s = %v\n", k.key, v)
			}
		}
	}
	return b.String()
}

// gcfgQuote quotes a value as gcfg reads it: only \\, \" and \n are
// escapes, and other bytes stand for themselves.
func gcfgQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// azureCloudConfig is the credential-free part of azure.json.
type azureCloudConfig struct {
	Cloud               string `json:"cloud"`
	Location            string `json:"location"`
	UseInstanceMetadata bool   `json:"useInstanceMetadata"`
}

// cloudConfig returns the cloud-config file for the datacenter's provider,
// or "" where the provider's CCM takes its settings from environment
// variables only (Hetzner, DigitalOcean) or there is no cloud
// (bringyourown).
func (b *builder) cloudConfig() (string, error) {
	p := b.in.Datacenter.Provider
	switch {
	case p.AWS != nil:
		return renderINI([]iniSection{{name: "global", keys: []iniKey{
			// Kubermatic's dummy zone: the provider derives the region
			// from it by dropping the last character.
			{"Zone", p.AWS.Region + "x"},
			{"KubernetesClusterID", b.c.Name},
		}}}), nil
	case p.GCP != nil:
		return renderINI([]iniSection{{name: "global", keys: []iniKey{
			{"network-name", "default"},
			{"multizone", true},
			{"regional", false},
			{"node-tags", "kubernetes-cluster-" + b.c.Name},
			{"token-url", "nil"},
		}}}), nil
	case p.OpenStack != nil:
		return renderINI([]iniSection{
			{name: "Global", keys: []iniKey{{"auth-url", p.OpenStack.AuthURL}, {"region", p.OpenStack.Region}}},
			{name: "LoadBalancer", keys: []iniKey{{"manage-security-groups", true}, {"lb-method", "ROUND_ROBIN"}}},
			{name: "BlockStorage", keys: []iniKey{{"bs-version", "auto"}}},
		}), nil
	case p.VSphere != nil:
		u, err := url.Parse(p.VSphere.Endpoint)
		if err != nil || u.Hostname() == "" {
			return "", fmt.Errorf("cluster %s: datacenter %s: vsphere endpoint %q is not a URL with a host", b.c.Name, b.in.Datacenter.Name, p.VSphere.Endpoint)
		}
		port := u.Port()
		if port == "" {
			port = "443"
		}
		host := u.Hostname()
		return renderINI([]iniSection{
			{name: "Global", keys: []iniKey{
				{"server", host},
				{"port", port},
				{"insecure-flag", false},
				{"working-dir", b.c.Name},
				{"datacenter", p.VSphere.Datacenter},
				{"cluster-id", p.VSphere.Cluster},
			}},
			{name: "Disk", keys: []iniKey{{"scsicontrollertype", "pvscsi"}}},
			{name: "Workspace", keys: []iniKey{{"server", host}, {"datacenter", p.VSphere.Datacenter}}},
			{name: fmt.Sprintf("VirtualCenter %s", gcfgQuote(host)), keys: []iniKey{{"port", port}, {"datacenters", p.VSphere.Datacenter}}},
		}), nil
	case p.Azure != nil:
		data, err := json.MarshalIndent(azureCloudConfig{
			Cloud: "AZUREPUBLICCLOUD", Location: p.Azure.Location, UseInstanceMetadata: false,
		}, "", "  ")
		if err != nil {
			return "", err
		}
		return string(data) + "\n", nil
	}
	return "", nil
}

// cloudConfigMap returns ConfigMap cloud-config, or nil when the provider
// has no configuration file.
func (b *builder) cloudConfigMap() (object.Object, error) {
	cfg, err := b.cloudConfig()
	if err != nil || cfg == "" {
		return nil, err
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: b.meta(cmCloudConfig, ""),
		Data:       map[string]string{cloudConfigKey: cfg},
	}, nil
}

// providerHasCloudConfig reports whether a provider gets a cloud-config.
func providerHasCloudConfig(p model.Provider) bool {
	return p.AWS != nil || p.GCP != nil || p.OpenStack != nil || p.VSphere != nil || p.Azure != nil
}
