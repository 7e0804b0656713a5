// Package secrets lists the Secrets a rendered fleet expects to exist and
// that the render does not create: fleetc never renders a credential, so a
// team creates each of these once (kubectl, or SOPS-encrypted in git and
// decrypted by Flux; see docs/secrets.md).
//
// The list is derived from the same names the renderers use, so it changes
// with them.
package secrets

import (
	"cmp"
	"slices"
	"strings"

	"github.com/fleetc/fleetc/renderer/controlplane"
	"github.com/fleetc/fleetc/renderer/flux"
	"github.com/fleetc/fleetc/renderer/master"
	"github.com/fleetc/fleetc/renderer/model"
)

// Where a Secret lives.
const (
	ClusterMaster = "master"
)

// SeedCluster is the Cluster value of a Secret on a seed.
func SeedCluster(seed string) string { return "seed " + seed }

// Secret is one Secret that must exist.
type Secret struct {
	// Cluster is "master" or "seed <name>".
	Cluster   string `json:"cluster"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Keys are the data keys read; alternatives are written "a|b".
	Keys []string `json:"keys"`
	// ReadBy names what reads it.
	ReadBy string `json:"readBy"`
	// Note says what goes into it.
	Note string `json:"note"`
	// Optional Secrets are needed only for a feature (their reader waits
	// without them; nothing else is affected).
	Optional bool `json:"optional,omitempty"`
}

// List returns the Secrets cfg's render expects: the master's first, then
// each seed's in name order, each group sorted by namespace and name.
func List(cfg *model.Config) []Secret {
	var out []Secret
	g := cfg.Master.GitOps
	gitSecret := func(cluster string) {
		if g.SecretRef == "" {
			return
		}
		keys, note := []string{"username", "password"}, "HTTPS credentials of "+g.URL+" (a read-only token as password)"
		if strings.HasPrefix(g.URL, "ssh://") {
			keys, note = []string{"identity", "known_hosts"}, "a read-only deploy key of "+g.URL+" and the server's host keys"
		}
		out = append(out, Secret{
			Cluster: cluster, Namespace: flux.Namespace, Name: g.SecretRef, Keys: keys,
			ReadBy: "Flux source-controller (GitRepository " + flux.SourceName + ")", Note: note,
		})
	}

	// Master: git credentials, the API's signing key, the seeds' kubeconfigs.
	gitSecret(ClusterMaster)
	out = append(out, Secret{
		Cluster: ClusterMaster, Namespace: master.Namespace, Name: master.APISecretName, Keys: []string{master.APISigningKeyKey},
		ReadBy: "Deployment " + master.APIName,
		Note:   "random HMAC key of at least 32 bytes that signs service-account tokens (the API refuses to start otherwise)",
	})
	for _, s := range cfg.Seeds {
		out = append(out, Secret{
			Cluster: ClusterMaster, Namespace: master.Namespace, Name: master.KubeconfigSecretName(s.Name), Keys: []string{"kubeconfig"},
			ReadBy: "Deployments " + master.APIName + " and " + master.MasterControllerManagerName + " (Seed " + s.Name + ")",
			Note:   "a kubeconfig with cluster-admin on seed " + s.Name + ", reachable from the master",
		})
	}

	// Seeds: git credentials; per cluster namespace the cloud credentials
	// (clusters with node pools) and the backup credentials (seeds with
	// backups). (The kubeconfig Flux applies each cluster's usercluster/
	// folder with is made on the seed by the cluster's kubeconfig-writer,
	// from what cert-manager issued: not listed.)
	for _, s := range cfg.Seeds {
		seed := SeedCluster(s.Name)
		gitSecret(seed)
		var ns []Secret
		for _, c := range cfg.ClustersOfSeed(s.Name) {
			if keys := controlplane.CredentialKeys(c.Resolved.Provider); len(c.NodePools) > 0 && c.Resolved.Credentials != "" && len(keys) > 0 {
				var names []string
				for _, k := range keys {
					names = append(names, k.Key)
				}
				ns = append(ns, Secret{
					Cluster: seed, Namespace: c.Namespace(), Name: c.Resolved.Credentials, Keys: names,
					ReadBy: "Deployments machine-controller and operating-system-manager (cluster " + c.Name + ")",
					Note:   c.Resolved.Provider + " credentials the node pools' machines are created with (docs/credentials.md)",
				})
			}
			if b := s.Backups; b != nil {
				ns = append(ns, Secret{
					Cluster: seed, Namespace: c.Namespace(), Name: b.Credentials, Keys: []string{"ACCESS_KEY_ID", "SECRET_ACCESS_KEY"},
					ReadBy: "CronJob etcd-backup (cluster " + c.Name + ")",
					Note:   "the access key pair of bucket " + b.Bucket + " at " + b.Endpoint + " (docs/day2.md)",
				})
			}
		}
		slices.SortFunc(ns, func(a, b Secret) int {
			return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
		})
		out = append(out, ns...)
	}
	return out
}
