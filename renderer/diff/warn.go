package diff

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Warning codes, most dangerous first.
const (
	// WarnNamespaceDeleted: a Namespace disappears; Flux prunes it and
	// everything in it (for a cluster: its control plane and etcd data).
	WarnNamespaceDeleted = "namespace-deleted"
	// WarnClusterMoved: a cluster disappears from one seed and appears on
	// another: deleted there, created empty here.
	WarnClusterMoved = "cluster-moved"
	// WarnVersionDowngrade: a cluster's Kubernetes version goes down.
	WarnVersionDowngrade = "version-downgrade"
	// WarnVersionSkip: a cluster's Kubernetes version skips a minor.
	WarnVersionSkip = "version-skip"
	// WarnEtcdScaleDown: the etcd StatefulSet loses members.
	WarnEtcdScaleDown = "etcd-scale-down"
	// WarnEtcdScaleUp: the etcd StatefulSet gains members, which start a
	// cluster of their own (--initial-cluster-state=new) and never join.
	WarnEtcdScaleUp = "etcd-scale-up"
	// WarnImmutableField: a field the API server refuses to change; the
	// apply fails until the object is deleted and recreated.
	WarnImmutableField = "immutable-field"
	// WarnRollout: the pod template of etcd or the kube-apiserver changes,
	// so their pods are replaced.
	WarnRollout = "rollout"
	// WarnUnparsable: a rendered file that is not a Kubernetes object.
	WarnUnparsable = "unparsable"
)

var warnOrder = map[string]int{
	WarnNamespaceDeleted: 0, WarnClusterMoved: 1, WarnVersionDowngrade: 2, WarnVersionSkip: 3,
	WarnEtcdScaleDown: 4, WarnEtcdScaleUp: 5, WarnImmutableField: 6, WarnRollout: 7, WarnUnparsable: 8,
}

// WarningKinds lists every warning code, most dangerous first (what
// --fail-on takes).
func WarningKinds() []string {
	out := make([]string, len(warnOrder))
	for k, i := range warnOrder {
		out[i] = k
	}
	return out
}

// Warning is a dangerous change. Message does not name the cluster nor
// its namespace (they are in Seed, Cluster and Namespace), so that equal
// warnings of many clusters can be shown once.
type Warning struct {
	Code      string `json:"code"`
	Scope     Scope  `json:"scope"`
	Seed      string `json:"seed"`
	Cluster   string `json:"cluster"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Message   string `json:"message"`
}

// immutable lists, per kind, the field paths the API server refuses to
// update.
var immutable = map[string][]string{
	"StatefulSet": {"spec.selector", "spec.volumeClaimTemplates", "spec.serviceName", "spec.podManagementPolicy"},
	"Deployment":  {"spec.selector"},
	"DaemonSet":   {"spec.selector"},
	"Job":         {"spec.selector", "spec.template"},
}

func (c *comparer) warnings(r *Result) []Warning {
	moved := make(map[ClusterRef]bool)
	var out []Warning
	for _, m := range r.Summary.Clusters.Moved {
		moved[ClusterRef{Seed: m.From, Cluster: m.Cluster}] = true
		out = append(out, Warning{
			Code: WarnClusterMoved, Scope: ScopeCluster, Seed: m.To, Cluster: m.Cluster,
			Kind: "Namespace", Namespace: "", Name: "cluster-" + m.Cluster,
			Message: fmt.Sprintf("cluster moves from seed %s to seed %s: Flux deletes its control plane on %s, etcd data included, and creates an empty one on %s; migrate etcd first", m.From, m.To, m.From, m.To),
		})
	}
	for _, l := range c.changes {
		w := Warning{Scope: l.group.scope, Seed: l.group.seed, Cluster: l.group.cluster,
			Kind: l.obj.Kind, Namespace: l.obj.Namespace, Name: l.obj.Name}
		add := func(code, msg string) {
			w.Code, w.Message = code, msg
			out = append(out, w)
		}
		if (l.base != nil && l.base.err != nil) || (l.head != nil && l.head.err != nil) {
			w.Name = l.obj.Path
			add(WarnUnparsable, "not a Kubernetes object; compared as a file")
			continue
		}
		switch l.obj.Change {
		case Removed:
			if l.obj.Kind != "Namespace" || l.obj.APIVersion != "v1" {
				continue
			}
			if l.group.scope == ScopeCluster {
				if moved[ClusterRef{Seed: l.group.seed, Cluster: l.group.cluster}] {
					continue // reported as a move
				}
				add(WarnNamespaceDeleted, "cluster namespace deleted: Flux prunes the whole control plane, etcd volumes included")
			} else {
				add(WarnNamespaceDeleted, fmt.Sprintf("namespace %s deleted: Flux prunes everything in it", l.obj.Name))
			}
		case Changed:
			c.objectWarnings(l, add)
		}
	}
	slices.SortStableFunc(out, func(a, b Warning) int {
		return cmp.Or(cmp.Compare(warnOrder[a.Code], warnOrder[b.Code]),
			cmp.Compare(scopeOrder[a.Scope], scopeOrder[b.Scope]),
			cmp.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Seed, b.Seed),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Message, b.Message))
	})
	if out == nil {
		out = []Warning{}
	}
	return out
}

func (c *comparer) objectWarnings(l located, add func(code, msg string)) {
	kind := l.obj.Kind
	fields := l.obj.Fields
	touches := func(prefix string) bool {
		for _, f := range fields {
			if hasPrefixPath(f.Path, prefix) || hasPrefixPath(prefix, f.Path) && f.Path != "" {
				return true
			}
		}
		return false
	}
	inCluster := l.group.scope == ScopeCluster
	if kind == "StatefulSet" && l.obj.Name == "etcd" && inCluster {
		from, to := replicas(l.base.content), replicas(l.head.content)
		switch {
		case to < from:
			add(WarnEtcdScaleDown, fmt.Sprintf("etcd members go from %d to %d: remove the members first, one at a time (etcdctl member remove), to keep quorum", from, to))
		case to > from:
			add(WarnEtcdScaleUp, fmt.Sprintf("etcd members go from %d to %d: the new members start with --initial-cluster-state=new and never join; add them first, one at a time (etcdctl member add, docs/day2.md)", from, to))
		}
	}
	for _, f := range immutable[kind] {
		if !touches(f) {
			continue
		}
		add(WarnImmutableField, fmt.Sprintf("%s is immutable: the apply fails (\"field is immutable\") until the %s is deleted and recreated", f, kind))
	}
	if kind == "Service" && clusterIPChanged(l.base.content, l.head.content) {
		add(WarnImmutableField, "spec.clusterIP is immutable (a change to or from a headless Service too): the apply fails (\"field is immutable\") until the Service is deleted and recreated")
	}
	if kind == "PersistentVolumeClaim" {
		for _, f := range fields {
			if !hasPrefixPath(f.Path, "spec") {
				continue
			}
			if f.Path == "spec.resources.requests.storage" && grows(f) {
				continue // expansion, where the StorageClass allows it
			}
			add(WarnImmutableField, fmt.Sprintf("%s is immutable: the apply fails (\"field is immutable\") until the PersistentVolumeClaim is deleted and recreated, losing its data", f.Path))
			break
		}
	}
	if inCluster && kind == "Deployment" && l.obj.Name == "apiserver" {
		if code, msg := versionWarning(apiserverVersion(l.base.content), apiserverVersion(l.head.content)); code != "" {
			add(code, msg)
		}
	}
	if inCluster && touches("spec.template") {
		switch {
		case kind == "StatefulSet" && l.obj.Name == "etcd":
			add(WarnRollout, "etcd rolls: pod template changed, every member restarts in turn")
		case kind == "Deployment" && l.obj.Name == "apiserver":
			add(WarnRollout, "kube-apiserver rolls out: pod template changed, every replica is replaced")
		}
	}
}

func replicas(m map[string]any) int64 {
	spec, _ := m["spec"].(map[string]any)
	n, ok := spec["replicas"].(json.Number)
	if !ok {
		return 1 // the API default
	}
	v, err := n.Int64()
	if err != nil {
		return 1
	}
	return v
}

// clusterIPChanged: spec.clusterIP (or clusterIPs) differs, "" and absent
// being the same (the API server allocates one).
func clusterIPChanged(a, b map[string]any) bool {
	get := func(m map[string]any) string {
		spec, _ := m["spec"].(map[string]any)
		s, _ := spec["clusterIP"].(string)
		if s == "" {
			if ips, ok := spec["clusterIPs"].([]any); ok && len(ips) > 0 {
				s, _ = ips[0].(string)
			}
		}
		return s
	}
	return get(a) != get(b)
}

// grows reports whether a storage request change is an increase.
func grows(f FieldChange) bool {
	if f.Change != Changed {
		return false
	}
	var a, b string
	if json.Unmarshal(f.Old, &a) != nil || json.Unmarshal(f.New, &b) != nil {
		return false
	}
	qa, err1 := resource.ParseQuantity(strings.TrimSpace(a))
	qb, err2 := resource.ParseQuantity(strings.TrimSpace(b))
	return err1 == nil && err2 == nil && qb.Cmp(qa) > 0
}
