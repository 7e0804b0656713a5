package usercluster

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	_ "github.com/fleetc/fleetc/internal/golden"
	"github.com/fleetc/fleetc/renderer/model"
)

func TestObjects(t *testing.T) {
	p := &model.Project{Name: "shop", Owners: []string{"a@x.io"}, Editors: []string{"b@x.io", "c@x.io"}}
	if got := Objects(&model.Master{}, p); got != nil {
		t.Fatalf("without OIDC: %d objects, want none", len(got))
	}
	objs := Objects(&model.Master{OIDC: &model.OIDC{IssuerURL: "https://id.x.io"}}, p)
	want := map[string]struct {
		role  string
		users []string
	}{
		"fleetc-project-owners":  {"cluster-admin", []string{"a@x.io"}},
		"fleetc-project-editors": {"edit", []string{"b@x.io", "c@x.io"}},
	}
	if len(objs) != len(want) {
		t.Fatalf("%d objects, want %d (no binding for a role without members)", len(objs), len(want))
	}
	for _, o := range objs {
		b := o.(*rbacv1.ClusterRoleBinding)
		w, ok := want[b.Name]
		if !ok {
			t.Fatalf("unexpected %s", b.Name)
		}
		if b.RoleRef.Name != w.role || len(b.Subjects) != len(w.users) {
			t.Errorf("%s: role %s, %d subjects", b.Name, b.RoleRef.Name, len(b.Subjects))
		}
		for i, s := range b.Subjects {
			if s.Kind != rbacv1.UserKind || s.Name != w.users[i] {
				t.Errorf("%s: subject %+v", b.Name, s)
			}
		}
	}
}
