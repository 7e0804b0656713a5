package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/diff"
	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/tree"
)

type diffOptions struct {
	compile     compileOptions
	eval        evalOptions
	repo        string
	format      string
	exitCode    bool
	failOn      []string
	trees       bool
	seeds       []string
	tree        string
	upgrade     upgradeOptions
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
shown once. A table lists the clusters whose Kubernetes version changes
(cluster, seed, from, to).

The upgrade rules are checked against BASE, at the head's lines: a
cluster's version moves up one minor at most and never down, its etcd
member count and storage stay (--allow etcd-replicas after the manual
procedure of docs/day2.md).

With --tree DIR (BASE and HEAD are revisions) or --trees (BASE and HEAD are
folders), diff compares committed rendered trees instead of rendering the
configs, so that a pull request that upgrades fleetc itself shows every
object the new version changes, with the same warnings.

Formats: text (colours on a terminal, unless NO_COLOR is set), markdown (a
pull-request comment of at most 65,536 characters, summary first, starting
with the marker <!-- fleetc-diff -->), json (a stable schema, see the
documentation of package renderer/diff).

Exit status 0, or 1 with --exit-code when there are differences, or with
--fail-on KIND,... when a warning of those kinds is present (the gate of the
pull-request workflow); 2 when a revision does not render, breaks an upgrade
rule, or the command line is wrong.`,
		Example: `  # what does my branch change, compared with main?
  fleetc diff main

  # the pull-request comment, in CI
  fleetc diff --format markdown origin/main HEAD

  # between two commits, as JSON
  fleetc diff --format json HEAD~1 HEAD

  # the gate: fail on the dangerous kinds of warnings
  fleetc diff --fail-on namespace-deleted,cluster-moved,etcd-scale-down origin/main HEAD

  # what the committed render changes (a fleetc upgrade re-renders it)
  fleetc diff --tree rendered origin/main HEAD
  fleetc diff --trees ../main/rendered rendered`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.annotations.validate(); err != nil {
				return err
			}
			if err := o.upgrade.validate(); err != nil {
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
	cmd.Flags().StringSliceVar(&o.failOn, "fail-on", nil, "exit with status 1 when a warning of these kinds is present (comma-separated; \"all\" for every kind): "+strings.Join(diff.WarningKinds(), ", "))
	cmd.Flags().BoolVar(&o.trees, "trees", false, "compare two rendered trees: BASE and HEAD are folders (e.g. two checkouts of the rendered tree)")
	cmd.Flags().StringVar(&o.tree, "tree", "", "compare the rendered tree committed in this folder of the repo at BASE and HEAD (HEAD absent: the folder in the working tree), not the configs")
	cmd.Flags().StringSliceVar(&o.seeds, "seed", nil, "compare only master/ and this seed (repeatable)")
	o.upgrade.bindAllow(cmd.Flags())
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
	failOn, err := failKinds(o.failOn)
	if err != nil {
		return err
	}
	if o.trees || o.tree != "" {
		if o.trees && o.tree != "" {
			return &usageError{fmt.Errorf("--trees and --tree exclude each other")}
		}
		r, err := o.compareTrees(args)
		if err != nil {
			return err
		}
		return o.print(w, r, args, failOn)
	}
	baseRev, headRev := args[0], ""
	if len(args) == 2 {
		headRev = args[1]
	}
	// Both revisions at once: loading a config is single-threaded CUE
	// work, so the two loads take the time of one on two cores. The head
	// waits for the base's config to check the upgrade rules against it.
	var (
		head, base           *tree.Tree
		headLabel, baseLabel string
		headErr              error
		wg                   sync.WaitGroup
		baseCfg, headCfg     *model.Config
		baseLoaded           = make(chan struct{})
	)
	rule := o.upgrade.against(func() *model.Config { <-baseLoaded; return baseCfg })
	// Before the head's compile starts reading the options: the two trees
	// share the clusters they have in common.
	o.compile.shareCache()
	o.eval.memo = o.compile.openMemo()
	wg.Go(func() {
		headCfg, headLabel, headErr = loadRevision(&o.eval, o.repo, headRev, rule)
	})
	var once sync.Once
	loaded := func(cfg *model.Config) { once.Do(func() { baseCfg = cfg; close(baseLoaded) }) }
	baseCfg, baseLabel, err = loadRevision(&o.eval, o.repo, baseRev, nil)
	loaded(baseCfg) // nil when the base failed: then the head checks nothing
	wg.Wait()
	// The clusters that render the same on both sides are left out of
	// both trees: they hold no difference (the seeds' own folders, which
	// name every cluster, are rendered whole).
	var skip map[string]bool
	if err == nil && headErr == nil {
		skip = renderer.Same(baseCfg, headCfg, catalog.Default())
	}
	headOpts, quietBase := o.compile, o.compile
	quietBase.quiet = true
	if err == nil {
		if headErr == nil {
			wg.Go(func() { head, headErr = compileRevision(&headOpts, headCfg, o.seeds, skip) })
		}
		base, err = compileRevision(&quietBase, baseCfg, o.seeds, skip)
		wg.Wait()
	}
	if err != nil {
		return baseError(baseRev, err)
	}
	if headErr != nil {
		return headErr
	}
	for _, s := range o.seeds {
		has := func(c *model.Config) bool {
			return slices.ContainsFunc(c.Seeds, func(x model.Seed) bool { return x.Name == s })
		}
		if !has(baseCfg) && !has(headCfg) {
			return &usageError{fmt.Errorf("--seed %s: no such seed in either revision", s)}
		}
	}
	r := diff.Compare(base, head)
	r.Base, r.Head = baseLabel, headLabel
	return o.print(w, r, args, failOn)
}

// print writes r in the chosen format and applies --fail-on and
// --exit-code.
func (o *diffOptions) print(w io.Writer, r *diff.Result, args, failOn []string) error {
	var err error
	switch o.format {
	case "json":
		err = diff.WriteJSON(w, r)
	case "markdown":
		cmdline := []string{"fleetc", "diff"}
		if o.repo != "." {
			cmdline = append(cmdline, "--repo", o.repo)
		}
		if o.trees {
			cmdline = append(cmdline, "--trees")
		}
		if o.tree != "" {
			cmdline = append(cmdline, "--tree", o.tree)
		}
		cmdline = append(cmdline, args...)
		_, err = io.WriteString(w, diff.Markdown(r, diff.MarkdownOptions{Command: shellJoin(cmdline)}))
	default:
		err = diff.WriteText(w, r, diff.TextOptions{Color: colorOutput(w)})
	}
	if err != nil {
		return err
	}
	if err := gate(r, failOn); err != nil {
		return err
	}
	if o.exitCode && !r.Empty() {
		return &exitError{code: ExitDifferences}
	}
	return nil
}

// failKinds checks the kinds given to --fail-on ("all": every kind).
func failKinds(kinds []string) ([]string, error) {
	all := diff.WarningKinds()
	var out []string
	for _, k := range kinds {
		switch {
		case k == "all":
			out = append(out, all...)
		case slices.Contains(all, k):
			out = append(out, k)
		default:
			return nil, &usageError{fmt.Errorf("--fail-on %q: not a warning kind (want all, or some of: %s)", k, strings.Join(all, ", "))}
		}
	}
	return out, nil
}

// gate is exit status 1 when r holds a warning of one of the kinds.
func gate(r *diff.Result, kinds []string) error {
	counts := map[string]int{}
	n := 0
	for _, w := range r.Warnings {
		if slices.Contains(kinds, w.Code) {
			counts[w.Code]++
			n++
		}
	}
	if n == 0 {
		return nil
	}
	var parts []string
	for _, k := range diff.WarningKinds() {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	return &exitError{code: ExitDifferences, msg: fmt.Sprintf("%d warning%s that --fail-on stops at (%s); review them, then acknowledge as the workflow says (docs/day2.md \"The gate\")",
		n, plural(n), strings.Join(parts, ", "))}
}

// loadRevision reads and loads the config at rev ("" for the working
// tree), checking rule when set, and returns it with a label for display.
func loadRevision(eo *evalOptions, repo, rev string, rule renderer.Rule) (*model.Config, string, error) {
	snap, err := source.Read(repo, rev)
	if err != nil {
		return nil, "", err
	}
	cfg, err := eo.load(snap.Files, rules(rule)...)
	if err != nil {
		return nil, "", err
	}
	return cfg, revLabel(rev, snap), nil
}

// compileRevision renders cfg in memory without the clusters in skip
// (renderer.Options.Skip). With seeds, only those of them that the
// revision has are rendered (a seed added or removed by the change is all
// added or all removed).
func compileRevision(co *compileOptions, cfg *model.Config, seeds []string, skip map[string]bool) (*tree.Tree, error) {
	var only []string
	for _, s := range seeds {
		if slices.ContainsFunc(cfg.Seeds, func(x model.Seed) bool { return x.Name == s }) {
			only = append(only, s)
		}
	}
	t, err := co.compileSkip(cfg, only, skip)
	if err != nil {
		return nil, err
	}
	if len(seeds) > 0 && len(only) == 0 {
		// None of the seeds is in this revision: master/ alone.
		mt := tree.New()
		for _, p := range t.Paths() {
			if data, _ := t.Get(p); !strings.HasPrefix(p, layout.SeedsDir+"/") && p != layout.IndexPath {
				if err := mt.Add(p, data); err != nil {
					return nil, err
				}
			}
		}
		t = mt
	}
	return t, nil
}

func revLabel(rev string, snap *source.Snapshot) string {
	if rev == "" {
		return "working tree"
	}
	return fmt.Sprintf("%s (%s)", rev, snap.Commit[:12])
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
