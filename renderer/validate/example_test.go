package validate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/config"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/validate"
)

// repoRoot is the module root, two folders up from this package.
func repoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..")
}

func TestExampleFleetIsValid(t *testing.T) {
	snap, err := source.Read(filepath.Join(repoRoot(t), "fixtures", "example"), "")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(snap.Files)
	if err != nil {
		t.Fatalf("load:\n%v", err)
	}
	if err := validate.Validate(cfg, catalog.Default()); err != nil {
		t.Fatalf("validate:\n%v", err)
	}
	if len(cfg.Clusters) != 8 || len(cfg.Seeds) != 3 {
		t.Fatalf("got %d clusters on %d seeds, want 8 on 3", len(cfg.Clusters), len(cfg.Seeds))
	}
	for _, c := range cfg.Clusters {
		if c.Resolved.Seed == "" || c.Resolved.Version == "" {
			t.Errorf("cluster %s not resolved: %+v", c.Name, c.Resolved)
		}
		t.Logf("%s: %+v", c.Name, c.Resolved)
	}
}
