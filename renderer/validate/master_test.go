package validate_test

import (
	"testing"

	"github.com/fleetc/fleetc/renderer/model"
)

func gitops(change func(g *model.GitOps)) func(*model.Config) {
	return func(c *model.Config) { change(&c.Master.GitOps) }
}

func gitopsPath(p string) func(*model.Config) {
	return gitops(func(g *model.GitOps) { g.Path = p })
}

func interval(d string) func(*model.Config) {
	return gitops(func(g *model.GitOps) { g.Interval = d })
}

// oneSeed leaves the fleet with seed europe and its cluster only.
func oneSeed(c *model.Config) {
	c.Seeds = []model.Seed{*seed(c, "europe")}
	c.Clusters = []model.Cluster{*cluster(c, "payments-prod")}
}

func TestMasterRules(t *testing.T) {
	testFieldCases(t, []fieldCase{
		{"domain with an empty label", func(c *model.Config) { c.Master.Domain = "kkp..example.com" },
			[]string{`master.domain: master.domain "kkp..example.com" is not a DNS name: it has an empty label`}},
		{"master that failed the schema", func(c *model.Config) {
			c.Broken["master"] = true
			c.Master.Domain = "kkp..example.com"
			c.Master.Edition = model.EditionCE
			c.Master.GitOps = model.GitOps{URL: "ssh:org/repo", Path: "/rendered", Interval: "1ms"}
		}, nil},
		{"edition ce on two seeds", func(c *model.Config) { c.Master.Edition = model.EditionCE },
			[]string{`master.edition: master.edition "ce": Kubermatic Community Edition supports one seed, this fleet has 2`}},
		{"edition ce on one seed", func(c *model.Config) {
			c.Master.Edition = model.EditionCE
			oneSeed(c)
		}, nil},
		{"edition ee on two seeds", func(c *model.Config) { c.Master.Edition = model.EditionEE }, nil},

		{"gitops url without host", gitops(func(g *model.GitOps) { g.URL = "ssh:org/repo" }),
			[]string{`master.gitops.url: master.gitops.url "ssh:org/repo" is not a URL with a host`}},
		{"gitops url not a URL", gitops(func(g *model.GitOps) { g.URL = "https://git.example.com/%zz" }),
			[]string{`master.gitops.url: master.gitops.url "https://git.example.com/%zz" is not a URL with a host`}},
		{"gitops path absolute", gitopsPath("/rendered"),
			[]string{`master.gitops.path: master.gitops.path "/rendered" is absolute; write the folder relative to the root of the rendered repo (e.g. "rendered")`}},
		{"gitops path the parent", gitopsPath(".."), []string{`master.gitops.path: master.gitops.path ".." leaves the rendered repo`}},
		{"gitops path beside", gitopsPath("../rendered"), []string{`master.gitops.path: master.gitops.path "../rendered" leaves`}},
		{"gitops path out and in", gitopsPath("a/../../rendered"), []string{`master.gitops.path: master.gitops.path "a/../../rendered" leaves`}},
		{"gitops path starting with dots", gitopsPath("..rendered"), nil},
		{"gitops path the root", gitopsPath("."), nil},
		{"gitops interval 1s", interval("1s"), nil},
		{"gitops interval 999ms", interval("999ms"),
			[]string{`master.gitops.interval: master.gitops.interval "999ms" is shorter than Flux's minimum of 1s`}},
		{"gitops interval not a duration", interval("often"), nil}, // the schema's pattern reports it
	})
}
