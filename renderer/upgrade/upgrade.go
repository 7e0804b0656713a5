// Package upgrade holds the rules that judge a change of the config rather
// than the config itself: what may happen to a cluster that already exists
// in the base revision. They run where the base is known (diff, check
// --base, validate --base), on the head's validated config while it still
// knows its positions, and report at the head's field.
//
// The rules (docs/day2.md):
//   - version-skip: a cluster's minor version moves up by one at most
//     (Kubernetes supports a skew of one minor between the apiserver and
//     the other components, and etcd's data is migrated one minor at a time);
//   - version-downgrade: a version never goes down, patch versions included
//     (a newer apiserver may have written what an older one cannot read);
//   - etcd-replicas: the number of etcd members of an existing cluster does
//     not change: the rendered members bootstrap with
//     --initial-cluster-state=new, so a new member can never join the
//     existing cluster and a removed one is never removed from it. After the
//     manual procedure (etcdctl member add/remove) the change is accepted
//     with Options.Allow (the CLI's --allow etcd-replicas);
//   - etcd-storage-shrink: etcd's volume never shrinks.
package upgrade

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/model"
)

// Rule codes, as --allow takes them.
const (
	VersionSkip       = "version-skip"
	VersionDowngrade  = "version-downgrade"
	EtcdReplicas      = "etcd-replicas"
	EtcdStorageShrink = "etcd-storage-shrink"
)

// Allowable lists the rules that may be accepted on purpose (after the
// documented manual procedure). The others are never safe.
var Allowable = []string{EtcdReplicas}

// Options tune Check.
type Options struct {
	// Allow lists rule codes (from Allowable) that are accepted.
	Allow []string
}

// CheckAllow reports an --allow value that is not an allowable rule.
func CheckAllow(codes []string) error {
	for _, c := range codes {
		if !slices.Contains(Allowable, c) {
			return fmt.Errorf("--allow %q: only %s can be accepted (the other rules are never safe)", c, strings.Join(Allowable, ", "))
		}
	}
	return nil
}

// Check compares every cluster of head with the cluster of the same name in
// base. head must be validated (Resolved filled) and still hold its
// Positions; base must be validated. The error, when not nil, is a
// diag.List at head's fields.
func Check(base, head *model.Config, opts Options) error {
	if base == nil || head == nil {
		return nil
	}
	old := make(map[string]*model.Cluster, len(base.Clusters))
	for i := range base.Clusters {
		old[base.Clusters[i].Name] = &base.Clusters[i]
	}
	var diags diag.List
	for i := range head.Clusters {
		c := &head.Clusters[i]
		b, ok := old[c.Name]
		if !ok {
			continue // a new cluster starts where it likes
		}
		at := func(field ...string) model.Pos {
			return head.Positions.Of(append([]string{"clusters", c.Name}, field...)...)
		}
		checkVersion(&diags, c.Name, b.Resolved.Version, c.Resolved.Version, func() model.Pos { return at("version") })
		if b.Etcd.Replicas != c.Etcd.Replicas && !slices.Contains(opts.Allow, EtcdReplicas) {
			diags.Addf(at("etcd", "replicas"), "cluster %q: etcd.replicas %d → %d on an existing cluster: the rendered members start with --initial-cluster-state=new, so %s; change the membership by hand first (etcdctl member %s, one member at a time, see docs/day2.md \"Scaling etcd\"), then accept with --allow %s",
				c.Name, b.Etcd.Replicas, c.Etcd.Replicas, scaleConsequence(b.Etcd.Replicas, c.Etcd.Replicas), addOrRemove(b.Etcd.Replicas, c.Etcd.Replicas), EtcdReplicas)
		}
		qb, err1 := resource.ParseQuantity(b.Etcd.Storage)
		qh, err2 := resource.ParseQuantity(c.Etcd.Storage)
		if err1 == nil && err2 == nil && qh.Cmp(qb) < 0 {
			diags.Addf(at("etcd", "storage"), "cluster %q: etcd.storage %s → %s shrinks etcd's volumes, which Kubernetes never does; keep %s (or more)",
				c.Name, b.Etcd.Storage, c.Etcd.Storage, b.Etcd.Storage)
		}
	}
	return diags.Err()
}

func scaleConsequence(from, to int) string {
	if to > from {
		return "the new members would form a cluster of their own and never join the existing one"
	}
	return "the removed members would stay in the member list and count against quorum"
}

func addOrRemove(from, to int) string {
	if to > from {
		return "add"
	}
	return "remove"
}

// checkVersion applies the version rules to one cluster.
// pos is looked up only for a message: finding a position costs more
// than the check, for every cluster of the fleet.
func checkVersion(diags *diag.List, cluster, from, to string, pos func() model.Pos) {
	a, okA := ParseVersion(from)
	b, okB := ParseVersion(to)
	if !okA || !okB {
		return // validation reports versions that do not resolve
	}
	switch {
	case Compare(b, a) < 0:
		diags.Addf(pos(), "cluster %q: version %s → %s is a downgrade; Kubernetes (and etcd's data) never go back: keep %s or newer (docs/day2.md \"Upgrades\")", cluster, from, to, from)
	case b[0] != a[0] || b[1] > a[1]+1:
		diags.Addf(pos(), "cluster %q: version %s → %s skips a minor; upgrade one minor at a time: %d.%d first (docs/day2.md \"Upgrades\")", cluster, from, to, a[0], a[1]+1)
	}
}

// ParseVersion parses "1.35.8" (or "1.35", patch 0; a leading "v" is
// allowed) into major, minor, patch.
func ParseVersion(s string) ([3]int, bool) {
	var v [3]int
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

// Compare orders two parsed versions.
func Compare(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
