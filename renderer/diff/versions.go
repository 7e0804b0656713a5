package diff

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/fleetc/fleetc/renderer/upgrade"
)

// VersionChange is a customer cluster whose Kubernetes version changes,
// read from the rendered kube-apiserver Deployment (its pod template's
// app.kubernetes.io/version label), so that it works on two rendered trees
// as well as on two configs.
type VersionChange struct {
	Seed    string `json:"seed"`
	Cluster string `json:"cluster"`
	From    string `json:"from"`
	To      string `json:"to"`
}

// versionLabel is the label of the apiserver's pod template that holds the
// cluster's full Kubernetes version.
const versionLabel = "app.kubernetes.io/version"

// apiserverVersion reads the version from a decoded apiserver Deployment.
func apiserverVersion(m map[string]any) string {
	get := func(v any, keys ...string) any {
		for _, k := range keys {
			mm, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = mm[k]
		}
		return v
	}
	s, _ := get(m, "spec", "template", "metadata", "labels", versionLabel).(string)
	return s
}

// versions lists the clusters (on the same seed in both trees) whose
// apiserver version changes, sorted by cluster then seed.
func (c *comparer) versions() []VersionChange {
	out := []VersionChange{}
	for _, l := range c.changes {
		if l.group.scope != ScopeCluster || l.obj.Change != Changed || l.obj.Kind != "Deployment" || l.obj.Name != "apiserver" ||
			l.base == nil || l.head == nil || l.base.err != nil || l.head.err != nil {
			continue
		}
		from, to := apiserverVersion(l.base.content), apiserverVersion(l.head.content)
		if from == to || from == "" || to == "" {
			continue
		}
		out = append(out, VersionChange{Seed: l.group.seed, Cluster: l.group.cluster, From: from, To: to})
	}
	slices.SortFunc(out, func(a, b VersionChange) int {
		return cmp.Or(cmp.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Seed, b.Seed))
	})
	return out
}

// versionWarning judges a version change by the upgrade rules: one minor
// up at most, never down. It returns the warning code and message, or "".
func versionWarning(from, to string) (string, string) {
	a, okA := upgrade.ParseVersion(from)
	b, okB := upgrade.ParseVersion(to)
	if !okA || !okB {
		return "", ""
	}
	switch {
	case slices.Compare(b[:], a[:]) < 0:
		return WarnVersionDowngrade, fmt.Sprintf("Kubernetes %s → %s is a downgrade: a newer apiserver may have written what an older one cannot read; never go back", from, to)
	case b[0] != a[0] || b[1] > a[1]+1:
		return WarnVersionSkip, fmt.Sprintf("Kubernetes %s → %s skips a minor: upgrade one minor at a time (%d.%d first)", from, to, a[0], a[1]+1)
	}
	return "", ""
}
