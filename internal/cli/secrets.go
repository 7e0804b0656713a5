package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/renderer/secrets"
)

type secretsOptions struct {
	source sourceOptions
	format string
}

func newSecretsCmd() *cobra.Command {
	o := &secretsOptions{}
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "List the Secrets the rendered fleet expects and does not create",
		Long: `Lists every Secret that the rendered fleet reads and that fleetc does not
render (fleetc never renders a credential): where it must exist (master or
seed, namespace, name), the keys read, what reads it and what goes into it.
docs/secrets.md shows how to keep each one in git, encrypted with SOPS and
decrypted by Flux.`,
		Example: `  fleetc secrets --repo ./fleet-config
  fleetc secrets --repo ./fleet-config --format json`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.format != "text" && o.format != "json" {
				return &usageError{fmt.Errorf("--format %q: want text or json", o.format)}
			}
			cfg, _, err := o.source.load()
			if err != nil {
				return err
			}
			list := secrets.List(cfg)
			out := cmd.OutOrStdout()
			if o.format == "json" {
				if list == nil {
					list = []secrets.Secret{}
				}
				e := json.NewEncoder(out)
				e.SetIndent("", "  ")
				return e.Encode(struct {
					SchemaVersion int              `json:"schemaVersion"`
					Secrets       []secrets.Secret `json:"secrets"`
				}{1, list})
			}
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CLUSTER\tNAMESPACE\tNAME\tKEYS\tREAD BY")
			for _, s := range list {
				name := s.Name
				if s.Optional {
					name += " (optional)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.Cluster, s.Namespace, name, strings.Join(s.Keys, ","), s.ReadBy)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(out, "\n%d Secrets; none is rendered. What goes into each: fleetc secrets --format json (note).\n", len(list))
			return nil
		},
	}
	o.source.bindFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.format, "format", "text", "output format: text or json")
	return cmd
}
