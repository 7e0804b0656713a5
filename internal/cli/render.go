package cli

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/disk"
	"github.com/fleetc/fleetc/renderer/model"
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
	seen := o.compile.openSeenAsync(o.out, len(o.seeds) == 0)
	cfg, _, err := o.source.load()
	if err != nil {
		return err
	}
	var keys map[string]string // what to seal the folders of the render for
	if seen() != nil && len(o.seeds) == 0 {
		_, build := o.compile.cacheRoot()
		var skip map[string]bool
		var folders []string
		keys, skip, folders = sealKeys(cfg, build, seen())
		if len(skip) > 0 {
			st, err := o.writeSealed(cfg, seen(), keys, skip, folders)
			if err != nil {
				return err
			}
			if st != nil {
				fmt.Fprintf(out, "rendered %d clusters on %d seeds into %s: %d files written, %d unchanged, %d removed (%d clusters sealed by an earlier run, not rendered again)\n",
					len(cfg.Clusters), len(cfg.Seeds), o.out, st.Written, st.Unchanged, st.Removed, len(skip))
				return nil
			}
		}
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
		st, err := disk.WriteSeen(o.out, whole, seen())
		if err != nil {
			return err
		}
		_ = seen().Save() // an optimisation: a failure costs the next run time, nothing else
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
	st, err := disk.WriteSealed(o.out, t, seen(), disk.Sealing{Keys: keys})
	if err != nil {
		return err
	}
	_ = seen().Save() // an optimisation: a failure costs the next run time, nothing else
	fmt.Fprintf(out, "rendered %d clusters on %d seeds into %s: %d files written, %d unchanged, %d removed\n",
		len(cfg.Clusters), len(cfg.Seeds), o.out, st.Written, st.Unchanged, st.Removed)
	return nil
}

// writeSealed renders cfg without the clusters whose folders in --out are
// sealed for their inputs (skip, by their control plane's folder; folders:
// both folders of each; by a check or a render that found them whole: see
// checkOptions.readFolder), and writes it, those folders left as they
// are; the index lists their files by the sha256 they were sealed with.
// The folders it finds unchanged or writes are sealed for keys. nil stats
// (nothing written) when a seal does not hold any more: then the whole
// render is to be written.
func (o *renderOptions) writeSealed(cfg *model.Config, seen *disk.Seen, keys map[string]string, skip map[string]bool, folders []string) (*disk.WriteStats, error) {
	seen.CheckSealsAhead(o.out, folders)
	t, err := o.compile.compileSkip(cfg, nil, skip)
	if err == nil {
		err = renderer.WithIndexOf(t, cfg, catalog.Default(), seen.SealedFiles(folders))
	}
	if err != nil {
		return nil, err
	}
	st, err := disk.WriteSealed(o.out, t, seen, disk.Sealing{Keys: keys, Skip: folders})
	if errors.Is(err, disk.ErrSealBroken) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	_ = seen.Save() // an optimisation: a failure costs the next run time, nothing else
	return &st, nil
}
