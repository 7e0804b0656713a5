package secrets

import (
	"slices"
	"strings"
	"testing"

	"github.com/fleetc/fleetc/renderer/model"
)

func config() *model.Config {
	return &model.Config{
		Master: model.Master{Domain: "kkp.example.com", GitOps: model.GitOps{URL: "ssh://git@git.example.com/r.git", SecretRef: "fleet-git"}},
		Seeds:  []model.Seed{{Name: "eu"}, {Name: "us"}},
		Clusters: []model.Cluster{
			{Name: "a", Resolved: model.Resolved{Seed: "eu"}},
			{Name: "b", Resolved: model.Resolved{Seed: "us"}},
		},
	}
}

func find(list []Secret, cluster, name string) *Secret {
	for i := range list {
		if list[i].Cluster == cluster && list[i].Name == name {
			return &list[i]
		}
	}
	return nil
}

func TestList(t *testing.T) {
	cfg := config()
	list := List(cfg)
	for _, want := range []struct{ cluster, ns, name, key string }{
		{"master", "flux-system", "fleet-git", "identity"},
		{"master", "kubermatic", "kubermatic-api", "serviceAccountSigningKey"},
		{"master", "kubermatic", "kubeconfig-eu", "kubeconfig"},
		{"master", "kubermatic", "kubeconfig-us", "kubeconfig"},
		{"seed eu", "flux-system", "fleet-git", "known_hosts"},
		{"seed us", "flux-system", "fleet-git", "identity"},
	} {
		s := find(list, want.cluster, want.name)
		if s == nil {
			t.Errorf("%s %s/%s not listed", want.cluster, want.ns, want.name)
			continue
		}
		if s.Namespace != want.ns || !slices.Contains(s.Keys, want.key) || s.ReadBy == "" || s.Note == "" {
			t.Errorf("%+v", *s)
		}
	}
	// No OIDC: no usercluster kubeconfigs.
	if len(list) != 6 {
		t.Errorf("%d secrets: %+v", len(list), list)
	}

	// HTTPS: username and password; no secretRef: no git Secret.
	cfg.Master.GitOps.URL = "https://git.example.com/r.git"
	if s := find(List(cfg), "master", "fleet-git"); s == nil || !slices.Equal(s.Keys, []string{"username", "password"}) {
		t.Errorf("https: %+v", s)
	}
	cfg.Master.GitOps.SecretRef = ""
	if s := find(List(cfg), "seed eu", "fleet-git"); s != nil {
		t.Errorf("listed without secretRef: %+v", s)
	}

	// The usercluster kubeconfig is made on the seed by the render's
	// kubeconfig-writer: never listed, OIDC or not.
	cfg.Master.OIDC = &model.OIDC{IssuerURL: "https://id.example.com"}
	for _, s := range List(cfg) {
		if strings.Contains(s.Name, "kubeconfig") && strings.HasPrefix(s.Name, "usercluster") {
			t.Errorf("listed %+v: the kubeconfig-writer makes it", s)
		}
	}

	// Cloud credentials where a cluster has node pools; backup credentials
	// in every cluster namespace of a seed with backups.
	c := &cfg.Clusters[0]
	c.NodePools = map[string]model.NodePool{"workers": {Replicas: 1, Size: "t3.large"}}
	c.Resolved.Provider, c.Resolved.Credentials = "aws", "aws-prod"
	for i := range cfg.Seeds {
		if cfg.Seeds[i].Name == c.Resolved.Seed {
			cfg.Seeds[i].Backups = &model.Backups{Endpoint: "https://s3.example.com", Bucket: "etcd", Credentials: "s3-backup", Keep: 20}
		}
	}
	list = List(cfg)
	if s := find(list, SeedCluster(c.Resolved.Seed), "aws-prod"); s == nil || s.Namespace != c.Namespace() || !slices.Equal(s.Keys, []string{"accessKeyId", "secretAccessKey"}) {
		t.Errorf("cloud credentials: %+v", s)
	}
	if s := find(list, SeedCluster(c.Resolved.Seed), "s3-backup"); s == nil || s.Namespace != c.Namespace() || !slices.Equal(s.Keys, []string{"ACCESS_KEY_ID", "SECRET_ACCESS_KEY"}) {
		t.Errorf("backup credentials: %+v", s)
	}
}
