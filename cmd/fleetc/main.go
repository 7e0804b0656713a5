// Command fleetc compiles a Kubermatic-style fleet, described as CUE in a
// git config repo, into the manifests that Flux applies on every seed.
package main

import (
	"os"

	"github.com/fleetc/fleetc/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
