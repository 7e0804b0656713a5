package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/renderer/disk"
)

type renderOptions struct {
	compile     compileOptions
	source      sourceOptions
	annotations annotationOptions
	out         string
	seeds       []string
}

func newRenderCmd() *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Compile the fleet into the rendered tree that Flux applies",
		Example: `  # render the working tree into ./rendered
  fleetc render --repo ./fleet-config --out ./rendered

  # render one seed of the config at the tip of main
  fleetc render --repo ./fleet-config --rev main --seed eu-central --out ./rendered`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.out == "" {
				return &usageError{fmt.Errorf("--out is required")}
			}
			if err := o.annotations.validate(); err != nil {
				return err
			}
			o.compile.stderr = cmd.ErrOrStderr()
			return o.annotations.wrap(o.run(cmd.OutOrStdout()), cmd.OutOrStdout(), o.source.repo)
		},
	}
	o.source.bindFlags(cmd.Flags())
	o.annotations.bindFlags(cmd.Flags())
	o.compile.bindFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.out, "out", "", "folder of the rendered tree (created, or one fleetc rendered before)")
	cmd.Flags().StringSliceVar(&o.seeds, "seed", nil, "render only this seed (repeatable): master/ and that seed's folder are written, the other seeds' folders are left as they are")
	return cmd
}

func (o *renderOptions) run(out io.Writer) error {
	o.source.eval.memo = o.compile.openMemo()
	cfg, _, err := o.source.load()
	if err != nil {
		return err
	}
	t, err := o.compile.compile(cfg, o.seeds)
	if err != nil {
		return err
	}
	if len(o.seeds) > 0 {
		// Sharding: the other seeds' folders stay as they are.
		whole, kept, err := withOtherSeeds(o.out, t, cfg, o.seeds)
		if err != nil {
			return err
		}
		seen := o.compile.openSeen(o.out)
		st, err := disk.WriteSeen(o.out, whole, seen)
		if err != nil {
			return err
		}
		_ = seen.Save() // an optimisation: a failure costs the next run time, nothing else
		n := 0
		for _, c := range cfg.Clusters {
			if slices.Contains(o.seeds, c.Resolved.Seed) {
				n++
			}
		}
		fmt.Fprintf(out, "rendered %d clusters of seed %s (and master/) into %s: %d files written, %d unchanged, %d removed; the other seeds' %d files left as they were\n",
			n, strings.Join(o.seeds, ", "), o.out, st.Written, st.Unchanged, st.Removed, kept)
		return nil
	}
	seen := o.compile.openSeen(o.out)
	st, err := disk.WriteSeen(o.out, t, seen)
	if err != nil {
		return err
	}
	_ = seen.Save() // an optimisation: a failure costs the next run time, nothing else
	fmt.Fprintf(out, "rendered %d clusters on %d seeds into %s: %d files written, %d unchanged, %d removed\n",
		len(cfg.Clusters), len(cfg.Seeds), o.out, st.Written, st.Unchanged, st.Removed)
	return nil
}
