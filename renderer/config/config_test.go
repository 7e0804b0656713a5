package config_test

import (
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"

	schema "github.com/fleetc/fleetc/cue"
	_ "github.com/fleetc/fleetc/internal/golden"
	"github.com/fleetc/fleetc/renderer/config"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
)

// vet builds files plus the schema the way a config repo does for `cue vet`
// (fleetc schema > fleet_schema.cue, and a file that embeds #Fleet), and
// returns CUE's verdict.
func vet(t *testing.T, files []source.File) error {
	t.Helper()
	inst := build.NewContext().NewInstance("", nil)
	all := append(files,
		source.File{Path: "fleet_schema.cue", Data: schema.Source},
		source.File{Path: "fleet_vet.cue", Data: schema.VetFile})
	for _, f := range all {
		af, err := parser.ParseFile(f.Path, f.Data)
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.AddSyntax(af); err != nil {
			t.Fatal(err)
		}
	}
	v := cuecontext.New().BuildInstance(inst)
	if err := v.Err(); err != nil {
		return err
	}
	return v.Validate(cue.Concrete(true))
}

func exampleFiles(t *testing.T) []source.File {
	t.Helper()
	snap, err := source.Read(filepath.Join("..", "..", "fixtures", "example"), "")
	if err != nil {
		t.Fatal(err)
	}
	return snap.Files
}

// TestSchemaVetsConfigRepo shows that the printed schema works in a config
// repo: the example passes, and a misspelt field fails as in fleetc.
func TestSchemaVetsConfigRepo(t *testing.T) {
	files := exampleFiles(t)
	if err := vet(t, files); err != nil {
		t.Fatalf("example fails cue vet with the schema: %v", err)
	}
	bad := append(files, source.File{Path: "bad.cue", Data: []byte("package fleet\nclusters: \"payments-prod\": replica: 3\n")})
	err := vet(t, bad)
	if err == nil || !strings.Contains(err.Error(), "replica: field not allowed") {
		t.Fatalf("misspelt field not caught by cue vet: %v", err)
	}
	// fleetc tolerates the vet files in the repo.
	withVet := append(files,
		source.File{Path: "fleet_schema.cue", Data: schema.Source},
		source.File{Path: "fleet_vet.cue", Data: schema.VetFile})
	if _, err := config.Load(withVet); err != nil {
		t.Fatalf("fleetc rejects a repo holding the vet files: %v", err)
	}
}

func TestPositionsPointAtUserFiles(t *testing.T) {
	cfg, err := config.Load(exampleFiles(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path model.Path
		want string
	}{
		{model.Path{"clusters", "payments-prod", "project"}, "clusters/payments.cue:5:"},
		{model.Path{"seeds", "us-east", "nodePortRange"}, "seeds/america.cue:7:"},
		{model.Path{"master", "gitops", "url"}, "fleet.cue:8:"},
		// Not written by the user: the nearest ancestor that is.
		{model.Path{"master", "gitops", "no-such-field"}, "fleet.cue:"},
	} {
		if got := cfg.Positions.Of(tc.path...).String(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("position of %s = %s, want %s*", tc.path, got, tc.want)
		}
	}
	if !cfg.Positions.Has("master") || cfg.Positions.Has("clusters", "no-such-cluster") {
		t.Error("Has: master should be written, clusters.no-such-cluster not")
	}
}
