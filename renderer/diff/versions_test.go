package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// versioned is the apiserver Deployment of cluster a with the version label.
func versioned(v string) string {
	return strings.Replace(fmt.Sprintf(apiserver, "a", "v"+v), "        app: apiserver\n    spec:", "        app: apiserver\n        app.kubernetes.io/version: "+v+"\n    spec:", 1)
}

func TestVersions(t *testing.T) {
	apiPath := clusterPath("eu", "a", "deployment-apiserver.yaml")
	base := merge(cluster("eu", "a", "v1")).with(apiPath, versioned("1.34.11"))
	if !strings.Contains(base[apiPath], "app.kubernetes.io/version: 1.34.11") {
		t.Fatal("test setup: no version label")
	}
	for _, tc := range []struct {
		to   string
		want []string // warning codes besides rollout
	}{
		{"1.34.11", nil},
		{"1.34.12", nil},
		{"1.35.0", nil},
		{"1.36.4", []string{WarnVersionSkip}},
		{"2.0.0", []string{WarnVersionSkip}},
		{"1.34.9", []string{WarnVersionDowngrade}},
		{"1.33.7", []string{WarnVersionDowngrade}},
	} {
		t.Run(tc.to, func(t *testing.T) {
			r := Compare(base, base.with(apiPath, versioned(tc.to)))
			var got []string
			for _, w := range r.Warnings {
				if w.Code != WarnRollout {
					got = append(got, w.Code)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("warnings %q, want %q", got, tc.want)
			}
			wantV := []VersionChange{{Seed: "eu", Cluster: "a", From: "1.34.11", To: tc.to}}
			if tc.to == "1.34.11" {
				wantV = []VersionChange{}
			}
			if !slices.Equal(r.Summary.Versions, wantV) {
				t.Errorf("versions %+v, want %+v", r.Summary.Versions, wantV)
			}
		})
	}
}

func TestWarningKinds(t *testing.T) {
	k := WarningKinds()
	if len(k) != len(warnOrder) || k[0] != WarnNamespaceDeleted || !slices.Contains(k, WarnEtcdScaleUp) || slices.Contains(k, "") {
		t.Errorf("WarningKinds() = %q", k)
	}
}
