package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

type validateOptions struct {
	source      sourceOptions
	compile     compileOptions
	upgrade     upgradeOptions
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
  fleetc validate --repo ./fleet-config --rev origin/main

  # and the upgrade rules, against the pull request's base
  fleetc validate --base origin/main`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.annotations.validate(); err != nil {
				return err
			}
			if err := o.upgrade.validate(); err != nil {
				return err
			}
			o.source.eval.memo = o.compile.openMemo()
			rule, err := o.upgrade.rule(o.source.repo, o.source.eval.memo)
			if err != nil {
				return err
			}
			cfg, _, err := o.source.load(rules(rule)...)
			if err == nil {
				// What only the compile can find (a patch that matches
				// nothing or breaks an object) is found here too, at the
				// patch: the render is made in memory and dropped.
				o.compile.stderr = cmd.ErrOrStderr()
				_, err = o.compile.compile(cfg, nil)
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
	o.upgrade.bindBase(cmd.Flags())
	o.upgrade.bindAllow(cmd.Flags())
	o.annotations.bindFlags(cmd.Flags())
	o.compile.bindFlags(cmd.Flags())
	return cmd
}
