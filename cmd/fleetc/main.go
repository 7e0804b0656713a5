// Command fleetc compiles a Kubermatic-style fleet, described as CUE in a
// git config repo, into the manifests that Flux applies on every seed.
package main

import (
	"os"
	"runtime/debug"

	"github.com/fleetc/fleetc/internal/cli"
)

// defaultMemoryLimit is the soft memory limit of a fleetc process when
// GOMEMLIMIT is not set. A render holds the whole rendered tree until it
// is written (0.7 GB for 10,000 clusters), and Go lets the heap grow to
// twice what is live before collecting; the limit makes it collect
// earlier instead, which keeps a 10,000-cluster render, check or
// re-render under 2 GiB at no measurable cost in time (docs/benchmarks.md).
// It is soft: a bigger fleet still renders, with more collection work
// (the runtime caps that at half the CPU); set GOMEMLIMIT (say 4GiB) for
// fleets beyond ~15,000 clusters.
const defaultMemoryLimit = 1800 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" { // empty means unset, as for the runtime
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
