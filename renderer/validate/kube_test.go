package validate_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/validate"
)

func labels(l map[string]string) func(*model.Config) {
	return func(c *model.Config) { cluster(c, "edge").Labels = l }
}

func patch(text string) func(*model.Config) {
	return func(c *model.Config) {
		c.Patches = []model.Patch{{Target: model.PatchTarget{Kind: "Deployment"}, Patch: text}}
	}
}

func userName(name string) func(*model.Config) {
	return func(c *model.Config) { c.Users[0].Name = name }
}

// longUser adds a user whose e-mail is n bytes long, with a control
// character in the name.
func longUser(n int) func(*model.Config) {
	return func(c *model.Config) {
		c.Users = append(c.Users, model.User{Email: strings.Repeat("d", n-len("@example.com")) + "@example.com", Name: "Dave\x01"})
	}
}

func TestKubernetesRules(t *testing.T) {
	d52 := strings.Repeat("d", 52)
	testFieldCases(t, []fieldCase{
		{"labels", labels(map[string]string{"team": "payments", "example.com/tier": "gold", "empty": ""}), nil},
		{"label key with a space", labels(map[string]string{"Team Name": "payments"}),
			[]string{`clusters.edge.labels."Team Name": cluster "edge": label key "Team Name" is not a Kubernetes label key`}},
		{"label value with a space", labels(map[string]string{"team": "a b"}),
			[]string{`clusters.edge.labels.team: cluster "edge": the value "a b" of label "team" is not a Kubernetes label value`}},

		{"control character below a pointer", func(c *model.Config) {
			c.Master.OIDC = &model.OIDC{IssuerURL: "https://kkp.example.com/dex", ClientID: "kube\tmatic"}
		}, []string{`master.oidc.clientID: master.oidc.clientID: control character U+0009 is not allowed`}},
		{"control character in a name, reported by the name's rule only", func(c *model.Config) { cluster(c, "edge").Name = "edge\x00" },
			[]string{`clusters."edge\x00": cluster name "edge\x00" is not a DNS-1123 label`}},
		{"line breaks and tabs in a patch", patch("spec:\n\treplicas: 2\r\n"), nil},
		{"control character in a patch", patch("spec: {}\x00"),
			[]string{`patches[0].patch: patches[0].patch: control character U+0000 is not allowed`}},
		{"line break in a value", userName("Alice\nAdmin"),
			[]string{`users."alice@example.com".name: users."alice@example.com".name: control character U+000A is not allowed`}},

		{"value at the limit", userName(strings.Repeat("a", validate.MaxValue)), nil},
		{"value over the limit", userName(strings.Repeat("a", validate.MaxValue+1)),
			[]string{`users."alice@example.com".name: users."alice@example.com".name: the value is 32769 bytes long; at most 32768 are allowed ("aaaa`}},
		{"patch over a value's limit", patch(strings.Repeat("a", validate.MaxValue+1)), nil},
		{"patch at the limit", patch(strings.Repeat("a", validate.MaxPatchValue)), nil},
		{"patch over the limit", patch(strings.Repeat("a", validate.MaxPatchValue+1)),
			[]string{`patches[0].patch: patches[0].patch: the value is 524289 bytes long; at most 524288 are allowed`}},

		// A message names the field with each path element cut to 64 bytes.
		{"e-mail of 64 in a message", longUser(64),
			[]string{`users."` + d52 + `@example.com".name: users."` + d52 + `@example.com".name: control character U+0001`}},
		{"e-mail of 65 in a message", longUser(65),
			[]string{`users."` + d52 + `d@example.com".name: users."` + d52 + `d@example.co…".name: control character U+0001`}},
	})
}

// TestClip: a value in a message is quoted, cut after 64 characters (not
// bytes).
func TestClip(t *testing.T) {
	e64 := strings.Repeat("é", 64)
	for in, want := range map[string]string{
		"":          `""`,
		"a\nb":      `"a\nb"`,
		e64:         strconv.Quote(e64),
		e64 + "é":   strconv.Quote(e64) + "… (130 bytes)",
		e64 + "abc": strconv.Quote(e64) + "… (131 bytes)",
	} {
		if got := validate.Clip(in); got != want {
			t.Errorf("Clip(%.20q…) = %.80s, want %.80s", in, got, want)
		}
	}
}
