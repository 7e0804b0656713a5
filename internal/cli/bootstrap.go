package cli

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/renderer/encode"
	"github.com/fleetc/fleetc/renderer/flux"
	"github.com/fleetc/fleetc/renderer/model"
)

type bootstrapOptions struct {
	source sourceOptions
	seed   string
	master bool
}

func newBootstrapCmd() *cobra.Command {
	o := &bootstrapOptions{}
	cmd := &cobra.Command{
		Use:   "bootstrap (--master | --seed NAME)",
		Short: "Print the Flux objects to apply once to the master or a seed",
		Long: `Prints, as YAML, what a platform team applies once to a cluster that runs
Flux so that Flux takes over from the rendered tree: the GitRepository
"fleetc" (the same object the render holds, which keeps it up to date from
then on) and the Kustomization "fleetc-root" in flux-system. For the master
the root applies master/flux (the CRDs, then master/); for a seed it applies
seeds/<seed> (the CRDs, the seed's Cluster objects and one Kustomization per
customer cluster). The names never collide with those of 'flux bootstrap'
(flux-system); keep the output next to them in the Flux repo, e.g. as
clusters/<cluster>/fleetc.yaml, or apply it with kubectl.`,
		Example: `  fleetc bootstrap --repo ./fleet-config --master | kubectl --context master apply -f -
  fleetc bootstrap --repo ./fleet-config --seed eu-central > clusters/eu-central/fleetc.yaml`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.master == (o.seed != "") {
				return &usageError{fmt.Errorf("give exactly one of --master and --seed NAME")}
			}
			cfg, _, err := o.source.load()
			if err != nil {
				return err
			}
			objs, err := flux.BootstrapMaster(&cfg.Master)
			if o.seed != "" {
				if !hasSeed(cfg, o.seed) {
					return &exitError{code: ExitBadInput, msg: fmt.Sprintf("--seed %s: no such seed in the config (seeds: %s)", o.seed, seedNames(cfg))}
				}
				objs, err = flux.BootstrapSeed(&cfg.Master, o.seed)
			}
			if err != nil {
				return err
			}
			var b bytes.Buffer
			for i, obj := range objs {
				data, err := encode.Document(obj)
				if err != nil {
					return err
				}
				if i > 0 {
					b.WriteString("---\n")
				}
				b.Write(data)
			}
			_, err = cmd.OutOrStdout().Write(b.Bytes())
			return err
		},
	}
	o.source.bindFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.seed, "seed", "", "the seed to bootstrap")
	cmd.Flags().BoolVar(&o.master, "master", false, "bootstrap the master")
	return cmd
}

func hasSeed(cfg *model.Config, name string) bool {
	for _, s := range cfg.Seeds {
		if s.Name == name {
			return true
		}
	}
	return false
}

func seedNames(cfg *model.Config) string {
	if len(cfg.Seeds) == 0 {
		return "none"
	}
	names := make([]string, len(cfg.Seeds))
	for i, s := range cfg.Seeds {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}
