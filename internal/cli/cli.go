// Package cli is fleetc's command line, one file per command. Each command
// has an options struct that owns its flags, reads its inputs (the config
// through renderer/source, the render cache through internal/rendercache,
// the output folder or branch) and prints its results; loading, validating,
// compiling and comparing configs happen in renderer/, publishing in
// internal/publish. The render cache is opened once per command, keyed by
// the running executable (compile.go). Errors from every command go
// through one printer (printError), which also picks the exit status.
package cli

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/source"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitDifferences = 1
	ExitBadInput    = 2
)

// exitError ends a command with a code and an optional message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageError is a problem with the command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }

// Main runs fleetc with args and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	return printError(stderr, err)
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "fleetc",
		Short: "Compile a Kubermatic-style fleet from a CUE config repo into GitOps manifests",
		Long: `fleetc reads a git config repo of CUE files (users, projects, SSH keys, seeds
with their datacenters, customer clusters), validates it, and compiles the
rendered tree that Flux applies: the master cluster's manifests, and per seed
the full control plane of every customer cluster.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		newValidateCmd(),
		newRenderCmd(),
		newCheckCmd(),
		newDiffCmd(),
		newPublishCmd(),
		newBootstrapCmd(),
		newSecretsCmd(),
		newSchemaCmd(),
		newVersionCmd(),
	)
	root.AddCommand(newDevCmd())
	for _, c := range root.Commands() {
		if c.Args == nil {
			c.Args = cobra.NoArgs
		}
		args := c.Args
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := args(cmd, a); err != nil {
				return &usageError{err}
			}
			return nil
		}
	}
	return root
}

// printError is the one error printer: it prints err (if any) and returns
// the exit status.
func printError(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	printAnnotations(err) // --annotations: CI annotations on stdout first (annotations.go)
	var (
		diags diag.List
		srcE  *source.Error
		exitE *exitError
		useE  *usageError
	)
	switch {
	case errors.As(err, &diags):
		for _, d := range diags {
			fmt.Fprintln(w, d.String())
		}
		n := len(diags)
		fmt.Fprintf(w, "fleetc: %d problem%s found\n", n, plural(n))
		return ExitBadInput
	case errors.As(err, &exitE):
		if exitE.msg != "" {
			fmt.Fprintln(w, "fleetc: "+exitE.msg)
		}
		return exitE.code
	case errors.As(err, &srcE):
		fmt.Fprintln(w, "fleetc: "+srcE.Msg)
		return ExitBadInput
	case errors.As(err, &useE):
		fmt.Fprintf(w, "fleetc: %v\nRun 'fleetc --help' for usage.\n", useE.err)
		return ExitBadInput
	default:
		if isUnknownCommand(err) {
			fmt.Fprintf(w, "fleetc: %v\nRun 'fleetc --help' for usage.\n", err)
			return ExitBadInput
		}
		fmt.Fprintf(w, "fleetc: %v\n", err)
		return ExitBadInput
	}
}

func isUnknownCommand(err error) bool {
	return err != nil && len(err.Error()) > 16 && err.Error()[:16] == "unknown command "
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print fleetc's version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			mod := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				mod = bi.Main.Version
			}
			fmt.Fprintf(cmd.OutOrStdout(), "fleetc %s (output format %s, build %s)\n", renderer.Version, renderer.Version, mod)
			return nil
		},
	}
}
