package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer"
)

type validateOptions struct {
	source      sourceOptions
	annotations annotationOptions
}

func newValidateCmd() *cobra.Command {
	o := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check a config repo and report every problem at its file and line",
		Example: `  # the working tree, uncommitted edits included
  fleetc validate --repo ./fleet-config

  # what a commit holds, read from git objects without a checkout
  fleetc validate --repo ./fleet-config --rev origin/main`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.annotations.validate(); err != nil {
				return err
			}
			cfg, _, err := o.source.load()
			if err == nil {
				// The patches run here too, so that validate reports
				// everything render can reject.
				err = renderer.CheckPatches(cfg, catalog.Default(), runtime.GOMAXPROCS(0))
			}
			if err != nil {
				return o.annotations.wrap(err, cmd.OutOrStdout(), o.source.repo)
			}
			dcs := 0
			for _, s := range cfg.Seeds {
				dcs += len(s.Datacenters)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: %d users, %d projects, %d SSH keys, %d seeds, %d datacenters, %d clusters\n",
				len(cfg.Users), len(cfg.Projects), len(cfg.SSHKeys), len(cfg.Seeds), dcs, len(cfg.Clusters))
			return nil
		},
	}
	o.source.bindFlags(cmd.Flags())
	o.annotations.bindFlags(cmd.Flags())
	return cmd
}
