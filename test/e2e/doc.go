// Package e2e is fleetc's end-to-end tier: it checks a rendered tree against
// a real kube-apiserver (server-side dry-run of every object) and real Flux
// controllers (sync and prune from a local git server). See README.md.
//
// The tests skip unless FLEETC_E2E_BIN names the directory of binaries that
// hack/e2e-tools.sh builds.
package e2e
