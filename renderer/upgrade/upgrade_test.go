package upgrade

import (
	"strings"
	"testing"

	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/model"
)

func cfg(version string, replicas int, storage string) *model.Config {
	c := model.Cluster{Name: "c", Etcd: model.Etcd{Replicas: replicas, Storage: storage}}
	c.Resolved.Version = version
	return &model.Config{Clusters: []model.Cluster{c}}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name       string
		base, head *model.Config
		allow      []string
		want       string // substring of the one problem, "" for none
	}{
		{"same", cfg("1.35.8", 3, "5Gi"), cfg("1.35.8", 3, "5Gi"), nil, ""},
		{"patch up", cfg("1.35.5", 3, "5Gi"), cfg("1.35.8", 3, "5Gi"), nil, ""},
		{"one minor up", cfg("1.34.11", 3, "5Gi"), cfg("1.35.0", 3, "5Gi"), nil, ""},
		{"two minors up", cfg("1.34.11", 3, "5Gi"), cfg("1.36.4", 3, "5Gi"), nil, "1.34.11 → 1.36.4 skips a minor; upgrade one minor at a time: 1.35 first"},
		{"major up", cfg("1.35.8", 3, "5Gi"), cfg("2.0.0", 3, "5Gi"), nil, "skips a minor"},
		{"minor down", cfg("1.36.4", 3, "5Gi"), cfg("1.35.8", 3, "5Gi"), nil, "1.36.4 → 1.35.8 is a downgrade"},
		{"patch down", cfg("1.35.8", 3, "5Gi"), cfg("1.35.5", 3, "5Gi"), nil, "1.35.8 → 1.35.5 is a downgrade"},
		{"etcd up", cfg("1.35.8", 1, "5Gi"), cfg("1.35.8", 3, "5Gi"), nil, "etcd.replicas 1 → 3"},
		{"etcd down", cfg("1.35.8", 5, "5Gi"), cfg("1.35.8", 3, "5Gi"), nil, "etcd.replicas 5 → 3"},
		{"etcd allowed", cfg("1.35.8", 1, "5Gi"), cfg("1.35.8", 3, "5Gi"), []string{EtcdReplicas}, ""},
		{"storage grows", cfg("1.35.8", 3, "5Gi"), cfg("1.35.8", 3, "8Gi"), nil, ""},
		{"storage same, other unit", cfg("1.35.8", 3, "1Gi"), cfg("1.35.8", 3, "1024Mi"), nil, ""},
		{"storage shrinks", cfg("1.35.8", 3, "5Gi"), cfg("1.35.8", 3, "4Gi"), nil, "etcd.storage 5Gi → 4Gi shrinks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.base, tc.head, Options{Allow: tc.allow})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want no problem", err)
				}
				return
			}
			l, ok := err.(diag.List)
			if !ok || len(l) != 1 || !strings.Contains(l[0].Msg, tc.want) {
				t.Fatalf("got %v, want one problem with %q", err, tc.want)
			}
		})
	}
}

func TestCheckNewCluster(t *testing.T) {
	base := &model.Config{}
	if err := Check(base, cfg("1.33.0", 1, "1Gi"), Options{}); err != nil {
		t.Fatalf("a new cluster: %v", err)
	}
}

func TestCheckAllow(t *testing.T) {
	if err := CheckAllow([]string{EtcdReplicas}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{VersionSkip, VersionDowngrade, EtcdStorageShrink, "x"} {
		if CheckAllow([]string{c}) == nil {
			t.Errorf("--allow %s accepted", c)
		}
	}
}
