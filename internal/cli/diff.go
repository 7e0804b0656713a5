package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/diff"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/tree"
)

type diffOptions struct {
	compile     compileOptions
	eval        evalOptions
	repo        string
	format      string
	exitCode    bool
	annotations annotationOptions
}

func newDiffCmd() *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff [--repo DIR] BASE [HEAD]",
		Short: "Show what a change to the config does to the rendered fleet, object by object",
		Long: `diff renders two revisions of the config in memory (from git objects, no
checkout; HEAD defaults to the working tree, uncommitted edits included) and
compares them object by object: a summary (seeds and clusters added, removed,
changed; objects per kind), warnings about dangerous changes (a cluster
namespace deleted, a cluster moved between seeds, etcd losing members, an
immutable field changed, etcd or the kube-apiserver rolled), then the field
changes grouped by seed and cluster. Clusters with identical changes are
shown once.

Formats: text (colours on a terminal, unless NO_COLOR is set), markdown (a
pull-request comment of at most 65,536 characters, summary first, starting
with the marker <!-- fleetc-diff -->), json (a stable schema, see the
documentation of package renderer/diff).

Exit status 0, or 1 with --exit-code when there are differences; 2 when a
revision does not render or the command line is wrong.`,
		Example: `  # what does my branch change, compared with main?
  fleetc diff main

  # the pull-request comment, in CI
  fleetc diff --format markdown origin/main HEAD

  # between two commits, as JSON
  fleetc diff --format json HEAD~1 HEAD`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.annotations.validate(); err != nil {
				return err
			}
			o.compile.stderr = cmd.ErrOrStderr()
			err := o.run(cmd.OutOrStdout(), args)
			return o.annotations.wrap(err, cmd.OutOrStdout(), o.repo)
		},
	}
	cmd.Flags().StringVar(&o.repo, "repo", ".", "the config repo (a git repository)")
	cmd.Flags().StringVar(&o.format, "format", "text", "output format: text, markdown or json")
	cmd.Flags().BoolVar(&o.exitCode, "exit-code", false, "exit with status 1 when there are differences")
	o.annotations.bindFlags(cmd.Flags())
	o.compile.bindFlags(cmd.Flags())
	o.eval.bindFlags(cmd.Flags())
	return cmd
}

func (o *diffOptions) run(w io.Writer, args []string) error {
	switch o.format {
	case "text", "markdown", "json":
	default:
		return &usageError{fmt.Errorf("--format %q: want text, markdown or json", o.format)}
	}
	baseRev, headRev := args[0], ""
	if len(args) == 2 {
		headRev = args[1]
	}
	// Both revisions at once: loading a config is single-threaded CUE
	// work, so the two loads take the time of one on two cores. Only the
	// head shows progress.
	var (
		head, base           *tree.Tree
		headLabel, baseLabel string
		headErr, err         error
		wg                   sync.WaitGroup
	)
	wg.Go(func() { head, headLabel, headErr = renderRevision(&o.compile, &o.eval, o.repo, headRev) })
	o.compile.shareCache() // the two trees share the clusters they have in common
	quietBase := o.compile
	quietBase.quiet = true
	base, baseLabel, err = renderRevision(&quietBase, &o.eval, o.repo, baseRev)
	wg.Wait()
	if err != nil {
		var diags diag.List
		if errors.As(err, &diags) {
			// The problems are in the base revision, not in the files the
			// user is looking at: say so rather than point at them.
			return &exitError{code: ExitBadInput, msg: fmt.Sprintf("base %s does not validate (%d problems; see fleetc validate --rev %s):\n%s",
				baseRev, len(diags), shellQuote(baseRev), diags.Error())}
		}
		return err
	}
	if headErr != nil {
		return headErr
	}
	r := diff.Compare(base, head)
	r.Base, r.Head = baseLabel, headLabel
	switch o.format {
	case "json":
		err = diff.WriteJSON(w, r)
	case "markdown":
		cmdline := []string{"fleetc", "diff"}
		if o.repo != "." {
			cmdline = append(cmdline, "--repo", o.repo)
		}
		cmdline = append(cmdline, args...)
		_, err = io.WriteString(w, diff.Markdown(r, diff.MarkdownOptions{Command: shellJoin(cmdline)}))
	default:
		err = diff.WriteText(w, r, diff.TextOptions{Color: colorOutput(w)})
	}
	if err != nil {
		return err
	}
	if o.exitCode && !r.Empty() {
		return &exitError{code: ExitDifferences}
	}
	return nil
}

// renderRevision renders the config at rev ("" for the working tree) in
// memory, and returns it with a label for display.
func renderRevision(co *compileOptions, eo *evalOptions, repo, rev string) (*tree.Tree, string, error) {
	snap, err := source.Read(repo, rev)
	if err != nil {
		return nil, "", err
	}
	cfg, err := eo.load(snap.Files)
	if err != nil {
		return nil, "", err
	}
	t, err := co.compile(cfg, nil)
	if err != nil {
		return nil, "", err
	}
	label := "working tree"
	if rev != "" {
		label = fmt.Sprintf("%s (%s)", rev, snap.Commit[:12])
	}
	return t, label, nil
}

// colorOutput reports whether w is a terminal that wants colours: a
// character device, NO_COLOR unset, TERM not "dumb".
func colorOutput(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
