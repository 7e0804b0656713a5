package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/fleetc/fleetc/test/e2e/harness"
)

// TreeEnv names the environment variable that points the tests at a
// rendered tree on disk (the --out of `fleetc render`).
const TreeEnv = "FLEETC_E2E_TREE"

// defaultTree gives the tree the tests check when FLEETC_E2E_TREE is unset:
// the render of fixtures/example by the fleetc CLI built from this checkout.
// (handMadeTree, testdata/tree, is the small tree the harness was built
// against; TestHandMadeTree keeps it covered.)
var defaultTree = renderFixture

// renderedTree returns the tree under test, as an absolute path.
func renderedTree(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(TreeEnv)
	if dir == "" {
		return defaultTree(t)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(abs, "seeds")); err != nil || !fi.IsDir() {
		t.Fatalf("%s=%s: not a rendered tree (no seeds/ folder)", TreeEnv, dir)
	}
	return abs
}

// handMadeTree is testdata/tree: two clusters on seed eu-west, and a master
// folder with Kubermatic inventory objects.
func handMadeTree(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("testdata", "tree"))
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// shared is a temporary folder for the whole test binary (the fleetc binary
// and its render are made once, not once per test).
var shared struct {
	dir string

	renderOnce sync.Once
	tree       string
	renderErr  error

	genOnce sync.Once
	genTree string
	genErr  error
}

func TestMain(m *testing.M) {
	// Started as "aws" (bound at /usr/local/bin/aws in the aws-cli image's
	// containers by TestBackupRestore), the test binary is the aws CLI
	// stand-in (harness/awscli.go).
	if filepath.Base(os.Args[0]) == "aws" {
		os.Exit(harness.AWSCLI(os.Args[1:], os.Stdout, os.Stderr))
	}
	dir, err := os.MkdirTemp("", "fleetc-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// renderFixture builds the fleetc CLI from the repo root and renders
// fixtures/example with it, once per test binary.
func renderFixture(t *testing.T) string {
	t.Helper()
	root := harness.RepoRoot(t)
	shared.renderOnce.Do(func() {
		bin := filepath.Join(shared.dir, "fleetc")
		out := filepath.Join(shared.dir, "rendered")
		if err := run(root, "go", "build", "-o", bin, "./cmd/fleetc"); err != nil {
			shared.renderErr = err
			return
		}
		if err := run(root, bin, "render", "--repo", filepath.Join(root, "fixtures", "example"), "--out", out, "--no-cache"); err != nil {
			shared.renderErr = err
			return
		}
		shared.tree = out
	})
	if shared.renderErr != nil {
		t.Fatalf("render fixtures/example: %v", shared.renderErr)
	}
	return shared.tree
}

// GeneratedClusters is the size of the generated fleet the dry run checks:
// enough for every provider, expose strategy, tunnel and catalog version.
const GeneratedClusters = 60

// renderGenerated renders a fleet made by `fleetc dev gen` (every provider,
// expose strategy, tunnel and Kubernetes version of the catalog), once per
// test binary.
func renderGenerated(t *testing.T) string {
	t.Helper()
	renderFixture(t) // builds the fleetc binary
	shared.genOnce.Do(func() {
		bin := filepath.Join(shared.dir, "fleetc")
		repo := filepath.Join(shared.dir, "generated-repo")
		out := filepath.Join(shared.dir, "generated")
		if err := run(shared.dir, bin, "dev", "gen", "--clusters", fmt.Sprint(GeneratedClusters), "--out", repo); err != nil {
			shared.genErr = err
			return
		}
		if err := run(shared.dir, bin, "render", "--repo", repo, "--out", out, "--no-cache"); err != nil {
			shared.genErr = err
			return
		}
		shared.genTree = out
	})
	if shared.genErr != nil {
		t.Fatalf("render a generated fleet: %v", shared.genErr)
	}
	return shared.genTree
}

func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %v\n%s", name, args, err, out.String())
	}
	return nil
}
