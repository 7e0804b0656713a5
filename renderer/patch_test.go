package renderer_test

import (
	"strings"
	"testing"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/source"
)

// withFile returns the base config of fixtures/invalid plus one file.
func withFile(t *testing.T, name, data string) []source.File {
	t.Helper()
	return append(baseFiles(t), source.File{Path: name, Data: []byte(data)})
}

func compileFiles(files []source.File) (string, map[string]string, error) {
	cfg, err := renderer.Load(files, catalog.Default())
	if err != nil {
		return "", nil, err
	}
	out, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{})
	if err != nil {
		return "", nil, err
	}
	got := map[string]string{}
	for _, p := range out.Paths() {
		b, _ := out.Get(p)
		got[p] = string(b)
	}
	return "", got, nil
}

func TestPatchesApplyInOrder(t *testing.T) {
	files := withFile(t, "patches.cue", `package fleet

patches: [{
	target: {kind: "Deployment", name: "apiserver"}
	patch: """
		metadata:
		  annotations:
		    owner: fleet
		    fleet-only: "yes"
		"""
}]
seeds: europe: patches: [{
	target: kind: "Deployment"
	patch: """
		metadata:
		  annotations:
		    owner: seed
		"""
}]
clusters: "shop-prod": patches: [{
	target: {kind: "Deployment", name: "apiserver"}
	patch: """
		[{"op": "replace", "path": "/spec/replicas", "value": 4},
		 {"op": "add", "path": "/metadata/annotations/owner", "value": "cluster"}]
		"""
}]
`)
	_, out, err := compileFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	shop := out["seeds/europe/clusters/shop-prod/deployment-apiserver.yaml"]
	for _, want := range []string{"owner: cluster", `fleet-only: "yes"`, "replicas: 4"} {
		if !strings.Contains(shop, want) {
			t.Errorf("shop-prod apiserver lacks %q:\n%s", want, shop)
		}
	}
	if s := out["seeds/europe/clusters/shop-prod/deployment-scheduler.yaml"]; !strings.Contains(s, "owner: seed") {
		t.Errorf("seed patch not applied to scheduler:\n%s", s)
	}
	blog := out["seeds/america/clusters/blog-prod/deployment-apiserver.yaml"]
	if !strings.Contains(blog, "owner: fleet") || strings.Contains(blog, "replicas: 4") {
		t.Errorf("blog-prod (seed america) got other seeds' or clusters' patches:\n%s", blog)
	}
}

func TestPatchProblems(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{{
		name: "matches nothing",
		file: `package fleet

clusters: "shop-prod": patches: [{
	target: {kind: "Deployment", name: "apiserverr"}
	patch: "metadata: {labels: {a: b}}"
}]
`,
		want: `patches.cue:3:34: patch of Deployment apiserverr matches no object of the cluster (check target.kind and target.name)`,
	}, {
		name: "breaks the object",
		file: `package fleet

patches: [{
	target: {kind: "StatefulSet", name: "etcd"}
	patch: "spec: {replicas: three}"
}]
`,
		want: `patches.cue:3:11: patch of StatefulSet etcd: cluster blog-prod (and 1 more clusters): the patched StatefulSet etcd is not valid:`,
	}, {
		name: "unknown field",
		file: `package fleet

seeds: america: patches: [{
	target: {kind: "Service", name: "etcd"}
	patch: "spec: {clusterIPz: None}"
}]
`,
		want: `patches.cue:3:27: patch of Service etcd: cluster blog-prod: the patched Service etcd is not valid: v1/Service: json: unknown field "clusterIPz"`,
	}, {
		name: "malformed json patch",
		file: `package fleet

clusters: "shop-prod": patches: [{
	target: {kind: "Deployment", name: "apiserver"}
	patch: "[{\"op\": \"replace\", \"path\": \"/spec/nope/deeper\", \"value\": 1}]"
}]
`,
		want: `patches.cue:3:34: patch of Deployment apiserver: cluster shop-prod:`,
	}, {
		// kustomize is given only the objects a patch selects; a rename
		// onto another object of the cluster must still be refused.
		name: "renames onto another object",
		file: `package fleet

clusters: "shop-prod": patches: [{
	target: {kind: "Deployment", name: "apiserver"}
	patch: "[{\"op\": \"replace\", \"path\": \"/metadata/name\", \"value\": \"scheduler\"}]"
}]
`,
		want: `patches.cue:3:34: patch of Deployment apiserver: cluster shop-prod: the patched Deployment scheduler has the same name as another Deployment of the cluster`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := compileFiles(withFile(t, "patches.cue", tc.file))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got\n%v\nwant prefix\n%s", err, tc.want)
			}
		})
	}
}
