// Command fleetc compiles a Kubermatic-style fleet, described as CUE in a
// git config repo, into the manifests that Flux applies on every seed.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"

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
	os.Exit(run())
}

// run is cli.Main, with a CPU profile written to $FLEETC_CPUPROFILE when
// it is set (docs/benchmarks.md: where the time goes).
func run() int {
	if p := os.Getenv("FLEETC_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fleetc: FLEETC_CPUPROFILE:", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "fleetc: FLEETC_CPUPROFILE:", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	return cli.Main(os.Args[1:], os.Stdout, os.Stderr)
}
