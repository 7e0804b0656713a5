package cli

import (
	"github.com/spf13/cobra"

	schema "github.com/fleetc/fleetc/cue"
)

type schemaOptions struct {
	vet bool
}

func newSchemaCmd() *cobra.Command {
	o := &schemaOptions{}
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the CUE schema of a config repo, for `cue vet` in that repo",
		Long: `Print the CUE schema (package fleet, definition #Fleet) that fleetc checks
a config repo against. With --vet, print the file that applies #Fleet to the
repo's own fields. Saved in the config repo, the two let the cue tool check
the repo as fleetc's schema stage does (the cross-entity rules, such as
references and NodePorts, are fleetc's alone):`,
		Example: `  fleetc schema > fleet_schema.cue
  fleetc schema --vet > fleet_vet.cue
  cue vet -c ./...`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			src := schema.Source
			if o.vet {
				src = schema.VetFile
			}
			_, err := cmd.OutOrStdout().Write(src)
			return err
		},
	}
	cmd.Flags().BoolVar(&o.vet, "vet", false, "print the file that applies the schema to the repo, instead of the schema")
	return cmd
}
