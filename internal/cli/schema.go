package cli

import (
	"github.com/spf13/cobra"

	schema "github.com/fleetc/fleetc/cue"
)

func newSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the CUE schema of a config repo, for `cue vet` in that repo",
		Long: `Print the CUE schema (package fleet) that fleetc checks a config repo
against. Saved in the config repo next to a file that applies it, it lets the
cue tool check the repo as fleetc does:

  fleetc schema > fleet_schema.cue
  echo 'package fleet
#Fleet' > fleet_vet.cue
  cue vet -c ./...`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(schema.Source)
			return err
		},
	}
}
