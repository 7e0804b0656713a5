// Package harness runs a real etcd, kube-apiserver, source-controller and
// kustomize-controller on 127.0.0.1 for fleetc's e2e tests, and holds the
// helpers that check a rendered tree against them: server-side dry-run of
// every object kustomize builds, and a git server that Flux can pull from.
//
// Every process runs in its own process group and is stopped by t.Cleanup,
// pass or fail. Nothing listens anywhere but 127.0.0.1.
package harness

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// BinEnv names the environment variable that holds the directory with the
// kube-apiserver, kube-controller-manager, kube-scheduler, etcd,
// source-controller and kustomize-controller binaries that
// hack/e2e-tools.sh builds.
const BinEnv = "FLEETC_E2E_BIN"

// Binaries is the directory named by FLEETC_E2E_BIN. It skips the test when
// the variable is unset, and fails it when the variable is empty or the
// directory lacks a binary.
func Binaries(t testing.TB) string {
	t.Helper()
	dir, ok := os.LookupEnv(BinEnv)
	if !ok {
		t.Skip(BinEnv + " is not set: run `bash hack/e2e-tools.sh` and set " + BinEnv +
			" to the directory it prints on its last line (`make e2e` does both)")
	}
	if dir == "" {
		// Set but empty: most likely `FLEETC_E2E_BIN=$(bash hack/e2e-tools.sh)`
		// after a failed build. Skipping would turn that into a green run.
		t.Fatal(BinEnv + " is set but empty: did `bash hack/e2e-tools.sh` fail?")
	}
	for _, b := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "source-controller", "kustomize-controller"} {
		if fi, err := os.Stat(filepath.Join(dir, b)); err != nil || fi.Mode()&0o111 == 0 {
			t.Fatalf("%s=%s has no executable %s (run `bash hack/e2e-tools.sh`)", BinEnv, dir, b)
		}
	}
	return dir
}

const rootModule = "github.com/fleetc/fleetc"

// RepoRoot walks up from the working directory to the folder whose go.mod
// declares module github.com/fleetc/fleetc.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePath(data) == rootModule {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod declaring module %s above the working directory", rootModule)
		}
		dir = parent
	}
}

// modulePath returns the module path a go.mod declares.
func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

var (
	modDirMu sync.Mutex
	modDirs  = map[string]string{}
)

// ModuleDir returns the directory of module@version in the module cache
// (downloading it through the Go module proxy if needed), from
// `go mod download -json`.
func ModuleDir(t testing.TB, module, version string) string {
	t.Helper()
	key := module + "@" + version
	modDirMu.Lock()
	defer modDirMu.Unlock()
	if dir, ok := modDirs[key]; ok {
		return dir
	}
	cmd := exec.Command("go", "mod", "download", "-json", key)
	cmd.Dir = t.TempDir() // outside any module: no go.mod is consulted or changed
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr != nil || err != nil || info.Dir == "" {
		t.Fatalf("go mod download -json %s: %v %s %s", key, err, info.Error, strings.TrimSpace(stderr.String()))
	}
	modDirs[key] = info.Dir
	return info.Dir
}

// Versions of the modules whose CRDs the control plane installs. The Flux
// versions match the controllers that hack/e2e-tools.sh builds.
const (
	SourceControllerVersion    = "v1.9.6"
	KustomizeControllerVersion = "v1.9.6"
	CertManagerVersion         = "v1.21.2"
)

// CRDFiles lists the CRD manifests the e2e tier installs: Flux's seven
// (source-controller and kustomize-controller config/crd/bases),
// cert-manager's six (deploy/crds, plain controller-gen output whose specs
// are identical to the Helm chart's templated copies), and Kubermatic's from
// third_party/kubermatic-crds of the repo (vendored, see its NOTICE).
func CRDFiles(t testing.TB) []string {
	t.Helper()
	return append(FluxCertManagerCRDFiles(t), globCRDs(t, filepath.Join(RepoRoot(t), "third_party", "kubermatic-crds", "*.yaml"), 5)...)
}

// FluxCertManagerCRDFiles lists Flux's and cert-manager's CRDs: what
// TestMasterAndSeedBootstrap starts from, and what a boot's test seed
// installs: the kinds a cluster's folder and the boot's Flux use
// (Certificate, Issuer, GitRepository, Kustomization). Kubermatic's 32,
// which no object of a cluster's folder is, would triple the time the
// seed's API server spends installing CRDs; an object of a kind the seed
// does not serve fails the boot's apply ("no matches for kind"), so a
// render that starts to need one is noticed.
func FluxCertManagerCRDFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	files = append(files, globCRDs(t, filepath.Join(ModuleDir(t, "github.com/fluxcd/source-controller", SourceControllerVersion), "config", "crd", "bases", "*.yaml"), 6)...)
	files = append(files, globCRDs(t, filepath.Join(ModuleDir(t, "github.com/fluxcd/kustomize-controller", KustomizeControllerVersion), "config", "crd", "bases", "*.yaml"), 1)...)
	files = append(files, globCRDs(t, filepath.Join(ModuleDir(t, "github.com/cert-manager/cert-manager", CertManagerVersion), "deploy", "crds", "*.yaml"), 6)...)
	return files
}

func globCRDs(t testing.TB, pattern string, want int) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) < want {
		t.Fatalf("CRDs: %s matched %d files, want at least %d", pattern, len(m), want)
	}
	return m
}
