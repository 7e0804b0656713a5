package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/internal/fleetgen"
)

// newDevCmd is the hidden `fleetc dev` group: tools for fleetc's own
// developers (benchmarks, load tests), not part of the user interface.
func newDevCmd() *cobra.Command {
	dev := &cobra.Command{
		Use:    "dev",
		Short:  "Tools for fleetc developers",
		Hidden: true,
	}
	dev.AddCommand(newGenCmd())
	return dev
}

type genOptions struct {
	clusters int
	out      string
	seed     uint64
	git      bool
}

func newGenCmd() *cobra.Command {
	o := &genOptions{}
	cmd := &cobra.Command{
		Use:   "gen",
		Short: "Generate a realistic config repo of N clusters (deterministic)",
		Example: `  # a 10,000-cluster fleet, committed, to benchmark renders from a revision
  fleetc dev gen --clusters 10000 --out /tmp/fleet --git
  fleetc render --repo /tmp/fleet --rev HEAD --out /tmp/rendered`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return &usageError{fmt.Errorf("unexpected argument %q", args[0])}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.out == "" {
				return &usageError{fmt.Errorf("--out is required")}
			}
			if o.clusters < 1 {
				return &usageError{fmt.Errorf("--clusters must be at least 1")}
			}
			files := fleetgen.Generate(o.clusters, o.seed)
			if err := fleetgen.WriteDir(o.out, files); err != nil {
				return &exitError{code: ExitBadInput, msg: fmt.Sprintf("--out: %v", err)}
			}
			s := fleetgen.ShapeOf(o.clusters)
			msg := fmt.Sprintf("generated %d clusters, %d seeds, %d datacenters, %d projects, %d users, %d SSH keys: %d files in %s",
				s.Clusters, s.Seeds, s.Datacenters, s.Projects, s.Users, s.SSHKeys, len(files), o.out)
			if o.git {
				h, err := fleetgen.Commit(o.out, fmt.Sprintf("Generated fleet: %d clusters, seed %d", o.clusters, o.seed))
				if err != nil {
					return err
				}
				msg += fmt.Sprintf(", committed as %s on main", h)
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg)
			return nil
		},
	}
	cmd.Flags().IntVar(&o.clusters, "clusters", 0, "number of customer clusters")
	cmd.Flags().StringVar(&o.out, "out", "", "folder to write the config repo into (must not exist, or be empty)")
	cmd.Flags().Uint64Var(&o.seed, "seed", 1, "random seed (the same seed and size give the same files)")
	cmd.Flags().BoolVar(&o.git, "git", false, "git init the folder and commit the files (fixed author and date)")
	return cmd
}
