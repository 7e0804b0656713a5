package renderer_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/source"
)

// FuzzLoad feeds arbitrary bytes as one more config file next to a valid
// config: the loader and the validator must either accept it or report
// diagnostics with positions — never panic, never fail otherwise.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"package fleet\n",
		"package fleet\nclusters: x: project: 1\n",
		"package fleet\nclusters: \"shop-prod\": etcd: replicas: 4\n",
		"package fleet\nusers: \"A@B\": name: \"x\"\n",
		"package fleet\nseeds: europe: nodePortRange: \"9-1\"\n",
		"package fleet\nimport \"strings\"\nmaster: domain: strings.ToLower(\"X.COM\")\n",
		"package fleet\nclusters: [string]: network: pods: \"1.2.3.4/33\"\n",
		"package fleet\nsshKeys: k: {owner: \"ann@example.com\", project: \"shop\", publicKey: \"ssh-rsa AAAA\"}\n",
		"package fleet\n{{{{",
		"package fleet\nx: \xff\xfe\n",
	} {
		f.Add([]byte(seed))
	}
	base := baseFiles(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		files := append([]source.File{{Path: "fuzz.cue", Data: data}}, base...)
		cfg, err := renderer.Load(files, catalog.Default())
		if err == nil {
			if _, err := renderer.Compile(cfg, catalog.Default(), renderer.Options{}); err != nil {
				t.Fatalf("accepted config does not compile: %v", err)
			}
			return
		}
		var dl diag.List
		if !errors.As(err, &dl) {
			t.Fatalf("error is not a diagnostic list: %T %v", err, err)
		}
		for _, d := range dl {
			if strings.Contains(d.Msg, "internal error") {
				t.Fatalf("internal error: %v", d)
			}
		}
	})
}
