package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// files is a rendered tree in a map.
type files map[string]string

func (f files) Paths() []string { return slices.Sorted(maps.Keys(f)) }
func (f files) Get(p string) ([]byte, bool) {
	s, ok := f[p]
	return []byte(s), ok
}

func (f files) with(kv ...string) files {
	out := maps.Clone(f)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

func clusterPath(seed, cluster, file string) string {
	return "seeds/" + seed + "/clusters/" + cluster + "/" + file
}

const apiserver = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: apiserver
  namespace: cluster-%[1]s
spec:
  replicas: 2
  selector:
    matchLabels:
      app: apiserver
  template:
    metadata:
      labels:
        app: apiserver
    spec:
      containers:
      - name: apiserver
        image: registry.k8s.io/kube-apiserver:%[2]s
        args:
        - --etcd-servers=https://etcd-0.etcd.cluster-%[1]s.svc:2379
        - --secure-port=6443
        env:
        - name: A
          value: "1"
        - name: B
          value: "2"
      - name: sidecar
        image: envoy:1
`

// apiserverReordered is apiserver with its containers and env reordered.
const apiserverReordered = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: apiserver
  namespace: cluster-%[1]s
spec:
  replicas: 2
  selector:
    matchLabels:
      app: apiserver
  template:
    metadata:
      labels:
        app: apiserver
    spec:
      containers:
      - name: sidecar
        image: envoy:1
      - name: apiserver
        image: registry.k8s.io/kube-apiserver:%[2]s
        args:
        - --etcd-servers=https://etcd-0.etcd.cluster-%[1]s.svc:2379
        - --secure-port=6443
        env:
        - name: B
          value: "2"
        - name: A
          value: "1"
`

const namespace = `apiVersion: v1
kind: Namespace
metadata:
  name: cluster-%s
`

const etcd = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: etcd
  namespace: cluster-%[1]s
spec:
  replicas: %[2]d
  serviceName: %[3]s
  podManagementPolicy: Parallel
  selector:
    matchLabels:
      app: etcd
  template:
    metadata:
      labels:
        app: etcd
    spec:
      containers:
      - name: etcd
        image: etcd:3.5
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      resources:
        requests:
          storage: %[4]s
`

func cluster(seed, name, version string) files {
	return files{
		clusterPath(seed, name, "namespace-cluster-"+name+".yaml"):        fmt.Sprintf(namespace, name),
		clusterPath(seed, name, "deployment-apiserver.yaml"):              fmt.Sprintf(apiserver, name, version),
		clusterPath(seed, name, "statefulset-etcd.yaml"):                  fmt.Sprintf(etcd, name, 3, "etcd", "5Gi"),
		clusterPath(seed, name, "kustomization.yaml"):                     "resources: []\n",
		"seeds/" + seed + "/flux/kustomization-cluster-" + name + ".yaml": fmt.Sprintf(fluxKS, name, seed),
	}
}

const fluxKS = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: cluster-%[1]s
  namespace: flux-system
spec:
  path: ./rendered/seeds/%[2]s/clusters/%[1]s
  prune: true
`

func merge(fs ...files) files {
	out := files{".fleetc/index.json": "{}\n", "master/kustomization.yaml": "resources: []\n"}
	for _, f := range fs {
		maps.Copy(out, f)
	}
	return out
}

func codes(r *Result) []string {
	var out []string
	for _, w := range r.Warnings {
		out = append(out, w.Code+" "+w.Kind+" "+w.Name)
	}
	return out
}

func TestNoChange(t *testing.T) {
	base := merge(cluster("eu", "a", "v1.34.1"))
	// A file that does not parse, the same in both: never parsed.
	base["master/broken.yaml"] = ":\n\t- not yaml ["
	r := Compare(base, base.with(".fleetc/index.json", "{\"other\": 1}\n"))
	if !r.Empty() {
		t.Fatalf("want no difference, got %+v", r)
	}
	var buf bytes.Buffer
	WriteText(&buf, r, TextOptions{})
	if !strings.Contains(buf.String(), "no differences") {
		t.Errorf("text: %q", buf.String())
	}
}

func TestReorderIsNotAChange(t *testing.T) {
	base := merge(cluster("eu", "a", "v1.34.1"))
	p := clusterPath("eu", "a", "deployment-apiserver.yaml")
	head := base.with(p, fmt.Sprintf(apiserverReordered, "a", "v1.34.1"))
	if r := Compare(base, head); !r.Empty() {
		t.Fatalf("reordered containers and env reported as a change: %+v", r.Groups)
	}
	// Reordered and the image changed: exactly that field, by name.
	head = base.with(p, fmt.Sprintf(apiserverReordered, "a", "v1.35.0"))
	r := Compare(base, head)
	if len(r.Groups) != 1 || len(r.Groups[0].Objects) != 1 {
		t.Fatalf("groups: %+v", r.Groups)
	}
	got := r.Groups[0].Objects[0].Fields
	want := []FieldChange{{
		Path: "spec.template.spec.containers[apiserver].image", Change: Changed,
		Old: json.RawMessage(`"registry.k8s.io/kube-apiserver:v1.34.1"`), New: json.RawMessage(`"registry.k8s.io/kube-apiserver:v1.35.0"`),
	}}
	if !fieldsEqual(got, want) {
		t.Errorf("fields:\n got %s\nwant %s", dump(got), dump(want))
	}
	if g := r.Groups[0]; g.Scope != ScopeCluster || g.Seed != "eu" || g.Cluster != "a" || g.Change != Changed {
		t.Errorf("group %+v", g)
	}
}

func fieldsEqual(a, b []FieldChange) bool {
	return dump(a) == dump(b)
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestFieldPaths(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b string
		want []string
	}{
		{"label key quoted", `{"metadata": {"labels": {"app.kubernetes.io/version": "1"}}}`, `{"metadata": {"labels": {"app.kubernetes.io/version": "2"}}}`,
			[]string{`changed metadata.labels["app.kubernetes.io/version"] "1" "2"`}},
		{"key added and removed", `{"a": 1, "b": 2}`, `{"b": 2, "c": 3}`,
			[]string{`removed a 1 `, `added c  3`}},
		{"scalar list one position", `{"args": ["a", "b", "c"]}`, `{"args": ["a", "x", "c"]}`,
			[]string{`changed args[1] "b" "x"`}},
		{"scalar list element added", `{"args": ["a", "b", "c"]}`, `{"args": ["a", "b", "new", "c"]}`,
			[]string{`added args[]  "new"`}},
		{"scalar list reordered", `{"args": ["a", "b", "c"]}`, `{"args": ["c", "a", "b"]}`,
			[]string{`changed args ["a","b","c"] ["c","a","b"]`}},
		{"named element added", `{"containers": [{"name": "a"}]}`, `{"containers": [{"name": "a"}, {"name": "b", "image": "x"}]}`,
			[]string{`added containers[b]  {"image":"x","name":"b"}`}},
		{"named element removed", `{"env": [{"name": "A", "value": "1"}, {"name": "B"}]}`, `{"env": [{"name": "B"}]}`,
			[]string{`removed env[A] {"name":"A","value":"1"} `}},
		{"volumeMounts by mountPath", `{"volumeMounts": [{"name": "v", "mountPath": "/a"}, {"name": "v", "mountPath": "/b"}]}`,
			`{"volumeMounts": [{"name": "v", "mountPath": "/b", "readOnly": true}, {"name": "v", "mountPath": "/a"}]}`,
			[]string{`added volumeMounts[/b].readOnly  true`}},
		{"unnamed list by index", `{"rules": [{"verbs": ["get"]}]}`, `{"rules": [{"verbs": ["get", "list"]}, {"verbs": ["watch"]}]}`,
			[]string{`added rules[0].verbs[]  "list"`, `added rules[1]  {"verbs":["watch"]}`}},
		{"type change", `{"a": {"b": 1}}`, `{"a": "x"}`, []string{`changed a {"b":1} "x"`}},
		{"number exact", `{"n": 9007199254740993}`, `{"n": 9007199254740992}`, []string{`changed n 9007199254740993 9007199254740992`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := decode("x.yaml", []byte(tc.a)), decode("x.yaml", []byte(tc.b))
			var got []string
			for _, f := range diffObjects(a.content, b.content) {
				got = append(got, fmt.Sprintf("%s %s %s %s", f.Change, f.Path, f.Old, f.New))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestObjectMovedToAnotherFile(t *testing.T) {
	base := merge(cluster("eu", "a", "v1"))
	p := clusterPath("eu", "a", "deployment-apiserver.yaml")
	head := base.with(p, "", clusterPath("eu", "a", "deployment-apiserver-renamed.yaml"), base[p])
	if r := Compare(base, head); !r.Empty() {
		t.Fatalf("same object in another file reported: %+v", r.Groups)
	}
}

func TestClusterAddedRemovedMoved(t *testing.T) {
	base := merge(cluster("eu", "a", "v1"), cluster("eu", "gone", "v1"), cluster("eu", "mover", "v1"))
	head := merge(cluster("eu", "a", "v1"), cluster("us", "new", "v1"), cluster("us", "mover", "v1"))
	r := Compare(base, head)
	s := r.Summary
	if !slices.Equal(s.Seeds.Added, []string{"us"}) || len(s.Seeds.Removed) != 0 || !slices.Equal(s.Seeds.Changed, []string{"eu"}) {
		t.Errorf("seeds %+v", s.Seeds)
	}
	wantAdded := []ClusterRef{{"us", "mover"}, {"us", "new"}}
	wantRemoved := []ClusterRef{{"eu", "gone"}, {"eu", "mover"}}
	if !slices.Equal(s.Clusters.Added, wantAdded) || !slices.Equal(s.Clusters.Removed, wantRemoved) || len(s.Clusters.Changed) != 0 {
		t.Errorf("clusters %+v", s.Clusters)
	}
	if !slices.Equal(s.Clusters.Moved, []Move{{Cluster: "mover", From: "eu", To: "us"}}) {
		t.Errorf("moved %+v", s.Clusters.Moved)
	}
	// 4 objects per cluster (the Flux Kustomization included).
	if s.Objects != (Counts{Added: 8, Removed: 8}) {
		t.Errorf("objects %+v", s.Objects)
	}
	want := []string{
		"namespace-deleted Namespace cluster-gone",
		"cluster-moved Namespace cluster-mover",
	}
	if got := codes(r); !slices.Equal(got, want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
	for _, g := range r.Groups {
		if g.Cluster == "gone" && g.Change != Removed || g.Cluster == "new" && g.Change != Added {
			t.Errorf("group %s/%s: %s", g.Seed, g.Cluster, g.Change)
		}
		for _, o := range g.Objects {
			if o.Kind == "Kustomization" && g.Scope != ScopeCluster {
				t.Errorf("Flux Kustomization %s not in its cluster's group", o.Name)
			}
		}
	}
}

func TestWarnings(t *testing.T) {
	base := merge(cluster("eu", "a", "v1"))
	etcdPath := clusterPath("eu", "a", "statefulset-etcd.yaml")
	apiPath := clusterPath("eu", "a", "deployment-apiserver.yaml")
	svc := func(clusterIP, typ string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata:\n  name: etcd\n  namespace: cluster-a\nspec:\n  clusterIP: %s\n  type: %s\n", clusterIP, typ)
	}
	pvc := func(size, class string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  namespace: cluster-a\nspec:\n  storageClassName: %s\n  resources:\n    requests:\n      storage: %s\n", class, size)
	}
	svcPath := clusterPath("eu", "a", "service-etcd.yaml")
	pvcPath := clusterPath("eu", "a", "persistentvolumeclaim-data.yaml")
	base = base.with(svcPath, svc("None", "ClusterIP"), pvcPath, pvc("5Gi", "fast"))
	for _, tc := range []struct {
		name string
		head files
		want []string
	}{
		{"apiserver rollout", base.with(apiPath, fmt.Sprintf(apiserver, "a", "v2")),
			[]string{"rollout Deployment apiserver"}},
		{"apiserver scaled: no rollout", base.with(apiPath, strings.Replace(fmt.Sprintf(apiserver, "a", "v1"), "replicas: 2", "replicas: 3", 1)),
			nil},
		{"etcd rollout", base.with(etcdPath, strings.Replace(fmt.Sprintf(etcd, "a", 3, "etcd", "5Gi"), "etcd:3.5", "etcd:3.6", 1)),
			[]string{"rollout StatefulSet etcd"}},
		{"etcd scale down", base.with(etcdPath, fmt.Sprintf(etcd, "a", 1, "etcd", "5Gi")),
			[]string{"etcd-scale-down StatefulSet etcd"}},
		{"etcd scale up", base.with(etcdPath, fmt.Sprintf(etcd, "a", 5, "etcd", "5Gi")),
			[]string{"etcd-scale-up StatefulSet etcd"}},
		{"statefulset serviceName", base.with(etcdPath, fmt.Sprintf(etcd, "a", 3, "etcd-peers", "5Gi")),
			[]string{"immutable-field StatefulSet etcd"}},
		{"statefulset volumeClaimTemplates", base.with(etcdPath, fmt.Sprintf(etcd, "a", 3, "etcd", "10Gi")),
			[]string{"immutable-field StatefulSet etcd"}},
		{"statefulset podManagementPolicy", base.with(etcdPath, strings.Replace(fmt.Sprintf(etcd, "a", 3, "etcd", "5Gi"), "Parallel", "OrderedReady", 1)),
			[]string{"immutable-field StatefulSet etcd"}},
		{"statefulset selector", base.with(etcdPath, strings.Replace(fmt.Sprintf(etcd, "a", 3, "etcd", "5Gi"), "    matchLabels:\n      app: etcd\n  template", "    matchLabels:\n      app: etcd2\n  template", 1)),
			[]string{"immutable-field StatefulSet etcd"}},
		{"deployment selector", base.with(apiPath, strings.Replace(fmt.Sprintf(apiserver, "a", "v1"), "    matchLabels:\n      app: apiserver", "    matchLabels:\n      app: api", 1)),
			[]string{"immutable-field Deployment apiserver"}},
		{"headless service to ClusterIP", base.with(svcPath, svc(`""`, "ClusterIP")),
			[]string{"immutable-field Service etcd"}},
		{"service type NodePort: allowed", base.with(svcPath, svc("None", "NodePort")),
			nil},
		{"pvc grows: allowed", base.with(pvcPath, pvc("10Gi", "fast")),
			nil},
		{"pvc shrinks", base.with(pvcPath, pvc("1Gi", "fast")),
			[]string{"immutable-field PersistentVolumeClaim data"}},
		{"pvc storage class", base.with(pvcPath, pvc("5Gi", "slow")),
			[]string{"immutable-field PersistentVolumeClaim data"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Compare(base, tc.head)
			if got := codes(r); !slices.Equal(got, tc.want) {
				t.Errorf("warnings\n got %q\nwant %q", got, tc.want)
			}
		})
	}
	// A master namespace deleted.
	m := base.with("master/namespace-kubermatic.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kubermatic\n")
	r := Compare(m, base)
	if got := codes(r); !slices.Equal(got, []string{"namespace-deleted Namespace kubermatic"}) {
		t.Errorf("master namespace: %q", got)
	}
	if r.Warnings[0].Scope != ScopeMaster || !strings.Contains(r.Warnings[0].Message, "kubermatic") {
		t.Errorf("master namespace warning: %+v", r.Warnings[0])
	}
}

func TestCollapse(t *testing.T) {
	var base, head []files
	for i := range 6 {
		seed := []string{"eu", "us"}[i%2]
		name := fmt.Sprintf("c%d", i)
		base = append(base, cluster(seed, name, "v1"))
		v := "v2"
		if i == 5 {
			v = "v3" // a different change
		}
		head = append(head, cluster(seed, name, v))
	}
	r := Compare(merge(base...), merge(head...))
	_, entries := entries(r)
	if len(entries) != 2 {
		t.Fatalf("want 2 entries, got %d", len(entries))
	}
	if len(entries[0].members) != 5 || len(entries[1].members) != 1 || entries[1].members[0].cluster != "c5" {
		t.Errorf("entries: %+v %+v", entries[0].members, entries[1].members)
	}
	if got := entries[0].objects[0].title(); got != "Deployment cluster-{cluster}/apiserver" {
		t.Errorf("collapsed title %q", got)
	}
	if got := entries[1].objects[0].title(); got != "Deployment cluster-c5/apiserver" {
		t.Errorf("single title %q", got)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	txt := buf.String()
	for _, want := range []string{
		"5 clusters changed identically: c0 (eu), c1 (us), c2 (eu), c3 (us), c4 (eu)",
		"~ spec.template.spec.containers[apiserver].image: registry.k8s.io/kube-apiserver:v1 → registry.k8s.io/kube-apiserver:v2",
		"cluster c5 on seed us: changed",
		"Deployment apiserver in c0 (eu), c1 (us), c2 (eu), c3 (us), c4 (eu), c5 (us)",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "\x1b[") {
		t.Error("colour without TextOptions.Color")
	}
	buf.Reset()
	WriteText(&buf, r, TextOptions{Color: true})
	if !strings.Contains(buf.String(), ansiYellow) {
		t.Error("no colour with TextOptions.Color")
	}

	// Names inside longer tokens are not replaced: no false collapse.
	if got := replaceToken("cluster-c1 c1 c10 xc1 c1.svc", "c1", "{c}"); got != "cluster-c1 {c} c10 xc1 {c}.svc" {
		t.Errorf("replaceToken: %q", got)
	}
	if got := newNormalizer("eu", "c1").apply("./seeds/eu/clusters/c1 etcd-0.etcd.cluster-c1.svc eu-west c10"); got != "./seeds/{seed}/clusters/{cluster} etcd-0.etcd.cluster-{cluster}.svc eu-west c10" {
		t.Errorf("normalizer: %q", got)
	}
}

// TestMarkdownLimit: many distinct changes are cut level by level, the
// summary always intact and the result never over the limit.
func TestMarkdownLimit(t *testing.T) {
	var base, head []files
	for i := range 200 {
		seed := []string{"eu", "us", "ap"}[i%3]
		name := fmt.Sprintf("cluster-number-%03d", i)
		base = append(base, cluster(seed, name, "v1"))
		head = append(head, cluster(seed, name, fmt.Sprintf("v1.%d-%s", i, strings.Repeat("x", 40))))
	}
	r := Compare(merge(base...), merge(head...))
	r.Base, r.Head = "main", "HEAD"
	full := Markdown(r, MarkdownOptions{MaxLen: 1 << 30})
	if strings.Contains(full, "Shortened") {
		t.Fatal("full output shortened")
	}
	summary := "| Clusters | 0 | 0 | 200 |"
	prev := len(full)
	for _, limit := range []int{len(full), len(full) - 1, 60000, 30000, 20000, 10000, 5000, 3000, 1500, 600, 100} {
		md := Markdown(r, MarkdownOptions{MaxLen: limit, Command: "fleetc diff main"})
		if len(md) > limit {
			t.Errorf("limit %d: %d bytes", limit, len(md))
		}
		if limit >= 1500 && !strings.Contains(md, summary) {
			t.Errorf("limit %d: summary lost:\n%s", limit, md)
		}
		if limit < len(full) && !strings.Contains(md, "Shortened") && limit >= 600 {
			t.Errorf("limit %d: no note", limit)
		}
		if strings.Count(md, "<details>") != strings.Count(md, "</details>") {
			t.Errorf("limit %d: unbalanced <details>", limit)
		}
		if len(md) > prev {
			t.Errorf("limit %d: longer than with a larger limit", limit)
		}
		prev = len(md)
	}
	// Just over the limit: the last entries lose their field lists, the
	// first keep them, and the note says so.
	md := Markdown(r, MarkdownOptions{MaxLen: len(full) - 1})
	if !strings.Contains(md, "left out") || !strings.Contains(md, "kube-apiserver:v1.0-") ||
		strings.Contains(md, "kube-apiserver:v1.199-") || !strings.Contains(md, "cluster-number-199/apiserver` (1 field)") {
		t.Errorf("first cut:\n%s", md[len(md)-3000:])
	}
}

func TestJSONSchema(t *testing.T) {
	base := merge(cluster("eu", "a", "v1"))
	r := Compare(base, base.with(clusterPath("eu", "a", "deployment-apiserver.yaml"), fmt.Sprintf(apiserver, "a", "v2")))
	r.Base, r.Head = "main", "working tree"
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	sum := got["summary"].(map[string]any)
	for _, k := range []string{"added", "removed", "changed"} {
		if _, ok := sum["seeds"].(map[string]any)[k].([]any); !ok {
			t.Errorf("summary.seeds.%s is not a list", k)
		}
	}
	if _, ok := sum["clusters"].(map[string]any)["moved"].([]any); !ok {
		t.Error("summary.clusters.moved is not a list")
	}
	f := got["groups"].([]any)[0].(map[string]any)["objects"].([]any)[0].(map[string]any)["fields"].([]any)[0].(map[string]any)
	if f["path"] != "spec.template.spec.containers[apiserver].image" || f["old"] != "registry.k8s.io/kube-apiserver:v1" || f["change"] != "changed" {
		t.Errorf("field %v", f)
	}
	if got["schemaVersion"].(float64) != SchemaVersion {
		t.Error("schemaVersion")
	}
	w := got["warnings"].([]any)[0].(map[string]any)
	for _, k := range []string{"code", "scope", "seed", "cluster", "kind", "namespace", "name", "message"} {
		if _, ok := w[k]; !ok {
			t.Errorf("warning lacks %q", k)
		}
	}
}

// TestComparesOnlyChangedFiles: files with equal bytes are not parsed.
func TestComparesOnlyChangedFiles(t *testing.T) {
	base := files{}
	for i := range 1000 {
		base[fmt.Sprintf("master/configmap-%d.yaml", i)] = "not: [valid"
	}
	head := base.with("master/configmap-7.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
	c := newComparer()
	c.scan(base, head)
	if len(c.basePaths) != 1 || len(c.headPaths) != 1 {
		t.Errorf("parsing %d and %d files, want 1 and 1", len(c.basePaths), len(c.headPaths))
	}
	r := Compare(base, head)
	if got := codes(r); !slices.Equal(got, []string{"unparsable  master/configmap-7.yaml"}) {
		t.Errorf("warnings %q", got)
	}
}

func TestCollapseSeeds(t *testing.T) {
	repo := func(seed, interval string) files {
		return files{"seeds/" + seed + "/flux/gitrepository-fleetc.yaml": fmt.Sprintf(
			"apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: fleetc\n  namespace: flux-system\nspec:\n  interval: %s\n  url: https://git.example.com/%s.git\n", interval, seed)}
	}
	r := Compare(merge(repo("eu", "5m"), repo("us", "5m")), merge(repo("eu", "10m"), repo("us", "10m")))
	fixed, clusters := entries(r)
	if len(fixed) != 1 || len(clusters) != 0 || len(fixed[0].members) != 2 || fixed[0].scope != ScopeSeed {
		t.Fatalf("entries: %+v / %+v", fixed, clusters)
	}
	md := Markdown(r, MarkdownOptions{})
	if !strings.Contains(md, "**2 seeds changed identically: `eu`, `us`** — 1 object (1 changed)") {
		t.Errorf("markdown:\n%s", md)
	}
}

// TestUserClusterObjects: objects applied inside customer clusters carry the
// same names in every cluster (cluster-scoped RBAC); they are told apart by
// their cluster, and grouped with it.
func TestUserClusterObjects(t *testing.T) {
	crb := func(user string) string {
		return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: fleetc-project-owners\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: " + user + "\n"
	}
	base := files{
		"seeds/eu/usercluster/a/clusterrolebinding-fleetc-project-owners.yaml": crb("ann@x.io"),
		"seeds/eu/usercluster/b/clusterrolebinding-fleetc-project-owners.yaml": crb("ben@x.io"),
		clusterPath("eu", "a", "deployment-apiserver.yaml"):                    fmt.Sprintf(apiserver, "a", "v1.35.8"),
		clusterPath("eu", "b", "deployment-apiserver.yaml"):                    fmt.Sprintf(apiserver, "b", "v1.35.8"),
	}
	head := base.with("seeds/eu/usercluster/b/clusterrolebinding-fleetc-project-owners.yaml", crb("bea@x.io"))
	r := Compare(base, head)
	if len(r.Groups) != 1 || r.Groups[0].Cluster != "b" || len(r.Groups[0].Objects) != 1 {
		t.Fatalf("want one change in cluster b, got %+v", r.Groups)
	}
	if got := Compare(base, base); !got.Empty() {
		t.Fatalf("identical trees differ: %+v", got.Groups)
	}
}
