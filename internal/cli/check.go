package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/internal/publish"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/disk"
	"github.com/fleetc/fleetc/renderer/drift"
	"github.com/fleetc/fleetc/renderer/layout"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/tree"
)

type checkOptions struct {
	compile     compileOptions
	source      sourceOptions
	upgrade     upgradeOptions
	out         string
	seeds       []string
	branch      string
	path        string
	annotations annotationOptions
}

func newCheckCmd() *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check that a rendered tree is exactly what the config renders to",
		Long: `check renders the config in memory and compares it, file by file, with the
rendered tree in --out (or, with --branch, with the folder a 'fleetc publish'
wrote on that branch). It writes nothing there; its caches (--cache-dir)
remember what it verified, so that the next check reads only what changed
since (a file edited by hand always changes its change time, and is read),
and renders only the clusters whose inputs changed (a cluster folder found
whole is sealed for its inputs; any change under it breaks the seal).

Exit status 0: the tree is up to date. Exit status 1: every file that differs
is listed, grouped by master, seed and cluster, with the command that fixes it:
  stale    the config now renders this file differently (render not re-run)
  edited   changed by hand since fleetc wrote it
  missing  in the render, not in the tree
  extra    in the tree, not in the render
Exit status 2: the config is invalid, or the command line is.

The rendered tree may live inside the config repo and be committed in the
same pull request as the config: fleetc only reads *.cue files as input.`,
		Example: `  # the required status of a config repo's pull requests
  fleetc check --out rendered

  # is the published branch up to date with the tip of main?
  fleetc check --rev main --branch rendered`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.annotations.validate(); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			o.compile.stderr = cmd.ErrOrStderr()
			err := o.run(out)
			if ae, ok := err.(*driftError); ok {
				return o.annotations.wrap(ae.exitError, out, o.source.repo, ae.annotations...)
			}
			return o.annotations.wrap(err, out, o.source.repo)
		},
	}
	o.source.bindFlags(cmd.Flags())
	o.upgrade.bindBase(cmd.Flags())
	o.upgrade.bindAllow(cmd.Flags())
	cmd.Flags().StringVar(&o.out, "out", "", "folder of the rendered tree to check")
	cmd.Flags().StringSliceVar(&o.seeds, "seed", nil, "check only master/ and this seed's folder (repeatable); the other seeds' folders are not looked at")
	cmd.Flags().StringVar(&o.branch, "branch", "", "check the tree published on this branch instead of --out (--rev then defaults to HEAD)")
	cmd.Flags().StringVar(&o.path, "path", "", "with --branch: the folder on the branch (default: the config's master.gitops.path)")
	o.annotations.bindFlags(cmd.Flags())
	o.compile.bindFlags(cmd.Flags())
	return cmd
}

// driftError is exit status 1 with the annotations of the drifted files.
type driftError struct {
	*exitError
	annotations []annotation
}

// stored is the tree being checked: a folder, or a folder on a branch.
type stored struct {
	diff drift.Paths
	drift.Stored
	// show formats a tree path for the user.
	show  func(p string) string
	label string
	// sealed: files vouched for by seals, not in the tree (disk.Sealing).
	sealed int
}

func (o *checkOptions) run(w io.Writer) error {
	switch {
	case o.out == "" && o.branch == "":
		return &usageError{fmt.Errorf("--out is required (or --branch, to check a published branch)")}
	case o.out != "" && o.branch != "":
		return &usageError{fmt.Errorf("--out and --branch exclude each other")}
	case o.path != "" && o.branch == "":
		return &usageError{fmt.Errorf("--path goes with --branch")}
	}
	if o.branch != "" && o.source.rev == "" {
		o.source.rev = "HEAD"
	}
	if err := o.upgrade.validate(); err != nil {
		return err
	}
	o.source.eval.memo = o.compile.openMemo()
	var seen func() *disk.Seen
	if o.out != "" {
		seen = o.compile.openSeenAsync(o.out, len(o.seeds) == 0)
	}
	rule, err := o.upgrade.rule(o.source.repo, o.source.eval.memo)
	if err != nil {
		return err
	}
	cfg, snap, err := o.source.load(rules(rule)...)
	if err != nil {
		return err
	}
	var st *stored
	var fix []string
	var t *tree.Tree
	if o.branch != "" {
		if t, err = o.compile.compile(cfg, o.seeds); err != nil {
			return err
		}
		dir := o.path
		if dir == "" {
			dir = cfg.Master.GitOps.Path
		}
		if st, err = o.readBranch(t, dir); err != nil {
			return err
		}
		fix = []string{"fleetc", "publish"}
		fix = appendSourceFlags(fix, o.source)
		fix = append(fix, "--branch", o.branch)
		if o.path != "" {
			fix = append(fix, "--path", o.path)
		}
	} else {
		if _, err := os.Stat(o.out); os.IsNotExist(err) {
			return &exitError{code: ExitDifferences, msg: fmt.Sprintf("%s does not exist; run: %s", o.out,
				shellJoin(append(appendSourceFlags([]string{"fleetc", "render"}, o.source), "--out", o.out)))}
		}
		if t, st, err = o.readFolder(cfg, seen()); err != nil {
			return err
		}
		fix = []string{"fleetc", "render"}
		fix = appendSourceFlags(fix, o.source)
		fix = append(fix, "--out", o.out)
		for _, s := range o.seeds {
			fix = append(fix, "--seed", s)
		}
	}
	st.diff = st.diff.OnlySeeds(o.seeds)
	what := "the working tree"
	if snap.Commit != "" {
		what = fmt.Sprintf("%s (%s)", o.source.rev, snap.Commit[:12])
	}
	if st.diff.Empty() {
		fmt.Fprintf(w, "ok: %s is up to date with the render of %s (%d files)\n", st.label, what, t.Len()+st.sealed)
		return nil
	}
	return report(w, st, t, what, shellJoin(fix))
}

func appendSourceFlags(args []string, s sourceOptions) []string {
	if s.repo != "." && s.repo != "" {
		args = append(args, "--repo", s.repo)
	}
	if s.rev != "" {
		args = append(args, "--rev", s.rev)
	}
	return args
}

// maxLookups is how many differing files check looks up in the stored
// index one by one before it parses all of it instead.
const maxLookups = 256

// readFolder renders cfg and compares the render with the folder --out.
// Without --seed and with a cache, the clusters whose folders were sealed
// for their inputs by an earlier check or render are not rendered: their
// seals vouch for them unless their stat data changed, and then
// everything is rendered and compared.
func (o *checkOptions) readFolder(cfg *model.Config, seen *disk.Seen) (*tree.Tree, *stored, error) {
	_, build := o.compile.cacheRoot()
	sealing := disk.Sealing{}
	if seen != nil && len(o.seeds) == 0 {
		var skip map[string]bool
		sealing.Keys, skip, sealing.Skip = sealKeys(cfg, build, seen)
		// The index lists every file: it is vouched for by its seal, or
		// known to differ by the config it was sealed for (it names that
		// config's digest), or rendered with the sealed files' sha256
		// and compared.
		idx := sealing.Keys[layout.IndexPath]
		old, ok := seen.SealKey(layout.IndexPath)
		oldDigest, _, _ := strings.Cut(old, " ")
		digest, _, _ := strings.Cut(idx, " ")
		index := false
		switch {
		case len(skip) == 0:
		case ok && old == idx:
			sealing.Skip = append(sealing.Skip, layout.IndexPath)
		case ok && oldDigest != digest:
			sealing.Outdated = []string{layout.IndexPath}
		default:
			index = true // rendered from the seals' sha256 and compared
		}
		seen.CheckSealsAhead(o.out, slices.Concat(sealing.Skip, sealing.Outdated))
		t, err := o.compile.compileSkip(cfg, o.seeds, skip)
		if err == nil && index {
			err = renderer.WithIndexOf(t, cfg, catalog.Default(), seen.SealedFiles(sealing.Skip))
		}
		if err != nil {
			return nil, nil, err
		}
		return o.compareFolder(cfg, t, seen, sealing)
	}
	t, err := o.compile.compile(cfg, o.seeds)
	if err != nil {
		return nil, nil, err
	}
	return o.compareFolder(cfg, t, seen, sealing)
}

// compareFolder compares t, the render of cfg (less what sealing skips),
// with the folder --out; when a seal does not hold, the whole render.
func (o *checkOptions) compareFolder(cfg *model.Config, t *tree.Tree, seen *disk.Seen, sealing disk.Sealing) (*tree.Tree, *stored, error) {
	d, err := disk.CompareSealed(o.out, t, seen, sealing)
	if errors.Is(err, disk.ErrSealBroken) {
		// Something sealed changed on disk: render and compare it all.
		if t, err = o.compile.compile(cfg, o.seeds); err != nil {
			return nil, nil, err
		}
		d, err = disk.CompareSealed(o.out, t, seen, disk.Sealing{Keys: sealing.Keys})
	}
	if err != nil {
		return nil, nil, err
	}
	st := storedFolder(o.out, d)
	st.sealed = d.Sealed
	_ = seen.Save() // an optimisation: a failure costs the next run time, nothing else
	return t, st, nil
}

// storedFolder is the drift d of the folder out, with what the report
// needs of it.
func storedFolder(out string, d disk.Drift) *stored {
	var idx *tree.Index // an invalid index: every difference counts as edited
	switch n := len(d.Stale) + len(d.Extra); {
	case d.Empty():
	case n <= maxLookups:
		idx, _ = disk.LookupIndex(out, slices.Concat(d.Stale, d.Extra))
	default:
		idx, _ = disk.ReadIndex(out)
	}
	return &stored{
		diff: drift.Paths{Changed: d.Stale, Missing: d.Missing, Extra: d.Extra},
		Stored: drift.Stored{
			Content: func(p string) ([]byte, bool) {
				name := filepath.Join(out, filepath.FromSlash(p))
				if fi, err := os.Lstat(name); err != nil || !fi.Mode().IsRegular() {
					return nil, false
				}
				b, err := os.ReadFile(name)
				return b, err == nil
			},
			Index: idx,
		},
		show:  func(p string) string { return filepath.Join(out, filepath.FromSlash(p)) },
		label: out,
	}
}

func (o *checkOptions) readBranch(t *tree.Tree, dir string) (*stored, error) {
	dir, err := publish.CleanPath(dir)
	if err != nil {
		return nil, err
	}
	repo, _, err := source.OpenRepo(o.source.repo)
	if err != nil {
		return nil, err
	}
	files, tip, err := publish.Read(repo, o.branch, dir)
	if err != nil {
		return nil, err
	}
	if files == nil {
		return nil, &exitError{code: ExitDifferences, msg: fmt.Sprintf("branch %s does not exist; run: %s", o.branch, "fleetc publish --branch "+shellQuote(o.branch))}
	}
	var idx *tree.Index
	if data, ok := files[layout.IndexPath]; ok {
		idx, _ = tree.ParseIndex(data) // an invalid index: every difference counts as edited
	}
	prefix := o.branch + ":"
	if dir != "" {
		prefix += dir + "/"
	}
	return &stored{
		diff: drift.CompareFiles(t, files),
		Stored: drift.Stored{
			Content:      func(p string) ([]byte, bool) { b, ok := files[p]; return b, ok },
			Index:        idx,
			ForeignFixed: true,
		},
		show:  func(p string) string { return prefix + p },
		label: fmt.Sprintf("branch %s (%s), folder %s", o.branch, tip.String()[:12], strings.TrimSuffix(strings.TrimPrefix(prefix, o.branch+":"), "/")),
	}, nil
}

func report(w io.Writer, st *stored, t *tree.Tree, what, fix string) error {
	files := drift.Classify(st.diff, st.Stored)
	counts := drift.Count(files)
	var foreign []string
	for _, f := range files {
		if f.Foreign {
			foreign = append(foreign, st.show(f.Path))
		}
	}
	fmt.Fprintf(w, "%s is not the render of %s:\n", st.label, what)
	for _, g := range drift.Groups(files, t) {
		fmt.Fprintf(w, "\n%s\n", g.Title)
		if g.Whole != "" {
			fmt.Fprintf(w, "  %-8s %s (the whole folder, %d files)\n", g.State, st.show(g.Whole)+"/", len(g.Files))
			continue
		}
		for _, f := range g.Files {
			line := fmt.Sprintf("  %-8s %s", f.State, st.show(f.Path))
			if f.Note != "" {
				line += " (" + f.Note + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
	summary := fmt.Sprintf("%d stale, %d edited, %d missing, %d extra", counts[drift.Stale], counts[drift.Edited], counts[drift.Missing], counts[drift.Extra])
	fmt.Fprintf(w, "\n%s. To fix it, run:\n  %s\n", summary, fix)
	if len(foreign) > 0 {
		fmt.Fprintf(w, "and delete the files that are not fleetc's:\n")
		for _, f := range foreign {
			fmt.Fprintf(w, "  rm %s\n", shellQuote(f))
		}
	}
	// Annotations: the files most worth a look first (hand edits, files
	// nobody owns), at most a few: GitHub shows only so many per step.
	const maxFileAnnotations = 10
	rank := func(f drift.File) int {
		switch {
		case f.State == drift.Edited:
			return 0
		case f.Foreign:
			return 1
		case f.State == drift.Stale:
			return 2
		}
		return 3
	}
	byRank := slices.Clone(files)
	slices.SortStableFunc(byRank, func(a, b drift.File) int { return rank(a) - rank(b) })
	var anns []annotation
	for _, f := range byRank {
		if len(anns) == maxFileAnnotations {
			break
		}
		if f.State == drift.Missing || st.ForeignFixed || f.Path == layout.IndexPath {
			continue // no file to point at, or not one to look at
		}
		var msg string
		switch {
		case f.Foreign:
			msg = "extra file, not fleetc's: delete it"
		case f.State == drift.Edited:
			msg = "edited by hand: the config renders this file differently; run: " + fix
		case f.State == drift.Stale:
			msg = "stale: the config now renders this file differently; run: " + fix
		default:
			msg = "no longer rendered; run: " + fix
		}
		anns = append(anns, annotation{file: filepath.ToSlash(st.show(f.Path)), title: "fleetc check", msg: msg})
	}
	return &driftError{
		exitError:   &exitError{code: ExitDifferences, msg: fmt.Sprintf("%s is out of date (%s); run: %s", st.label, summary, fix)},
		annotations: anns,
	}
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=@%+,-]+$`)

func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}
