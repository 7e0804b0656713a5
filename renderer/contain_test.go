package renderer_test

import (
	"strings"
	"testing"
)

// TestPatchContainment is the attacks of issue #14 on a cluster's patches:
// each is refused at the patch's position, by render.
func TestPatchContainment(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{{
		name: "namespace of a ConfigMap to another customer's",
		file: `package fleet

clusters: "shop-prod": patches: [{
	target: {kind: "ConfigMap", name: "cloud-config"}
	patch: "[{\"op\": \"replace\", \"path\": \"/metadata/namespace\", \"value\": \"cluster-blog-prod\"}]"
}]
`,
		want: `patches.cue:3:34: patch of ConfigMap cloud-config: cluster shop-prod: the patch moves ConfigMap cloud-config from namespace "cluster-shop-prod" to "cluster-blog-prod"; a patch may not change an object's namespace`,
	}, {
		name: "Namespace renamed to flux-system",
		file: `package fleet

seeds: europe: patches: [{
	target: {kind: "Namespace"}
	patch: "[{\"op\": \"replace\", \"path\": \"/metadata/name\", \"value\": \"flux-system\"}]"
}]
`,
		want: `patches.cue:3:26: patch of every Namespace: cluster shop-prod: the patch renames the cluster-scoped Namespace cluster-shop-prod to flux-system`,
	}, {
		name: "RoleBinding to ClusterRoleBinding",
		file: `package fleet

patches: [{
	target: {kind: "RoleBinding", name: "prometheus"}
	patch: """
		[{"op": "replace", "path": "/kind", "value": "ClusterRoleBinding"},
		 {"op": "remove", "path": "/metadata/namespace"},
		 {"op": "replace", "path": "/roleRef", "value": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}}]
		"""
}]
`,
		want: `patches.cue:3:11: patch of RoleBinding prometheus: cluster blog-prod (and 1 more clusters): the patch changes the kind of RoleBinding prometheus to ClusterRoleBinding`,
	}, {
		name: "ConfigMap to Secret with a password",
		file: `package fleet

clusters: "shop-prod": patches: [{
	target: {kind: "ConfigMap", name: "cloud-config"}
	patch: "[{\"op\": \"replace\", \"path\": \"/kind\", \"value\": \"Secret\"}, {\"op\": \"add\", \"path\": \"/stringData\", \"value\": {\"password\": \"hunter2\"}}, {\"op\": \"remove\", \"path\": \"/data\"}]"
}]
`,
		want: `patches.cue:3:34: patch of ConfigMap cloud-config: cluster shop-prod: the patch changes the kind of ConfigMap cloud-config to Secret`,
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
