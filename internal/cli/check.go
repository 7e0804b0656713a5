package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/internal/publish"
	"github.com/fleetc/fleetc/renderer"
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
wrote on that branch). It writes nothing.

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
	drift tree.Drift
	// content returns a file's bytes (ok false when not a regular file).
	content func(p string) ([]byte, bool)
	// index is the tree's own index (nil: none, or unreadable).
	index *tree.Index
	// show formats a tree path for the user.
	show func(p string) string
	// foreignFixed: whether re-running the fix also removes extra files
	// that the index does not list (publish replaces the whole folder;
	// render leaves them alone).
	foreignFixed bool
	label        string
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
	rule, err := o.upgrade.rule(o.source.repo)
	if err != nil {
		return err
	}
	cfg, snap, err := o.source.load(rules(rule)...)
	if err != nil {
		return err
	}
	t, err := o.compile.compile(cfg, o.seeds)
	if err != nil {
		return err
	}
	var st *stored
	var fix []string
	if o.branch != "" {
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
		if st, err = readFolder(t, o.out); err != nil {
			return err
		}
		fix = []string{"fleetc", "render"}
		fix = appendSourceFlags(fix, o.source)
		fix = append(fix, "--out", o.out)
		for _, s := range o.seeds {
			fix = append(fix, "--seed", s)
		}
	}
	st.drift = onlySeeds(st.drift, o.seeds)
	what := "the working tree"
	if snap.Commit != "" {
		what = fmt.Sprintf("%s (%s)", o.source.rev, snap.Commit[:12])
	}
	if st.drift.Empty() {
		fmt.Fprintf(w, "ok: %s is up to date with the render of %s (%d files)\n", st.label, what, t.Len())
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

func readFolder(t *tree.Tree, out string) (*stored, error) {
	d, err := tree.Compare(out, t)
	if err != nil {
		return nil, err
	}
	idx, _ := tree.ReadIndex(out) // an invalid index: every difference counts as edited
	return &stored{
		drift: d,
		content: func(p string) ([]byte, bool) {
			name := filepath.Join(out, filepath.FromSlash(p))
			if fi, err := os.Lstat(name); err != nil || !fi.Mode().IsRegular() {
				return nil, false
			}
			b, err := os.ReadFile(name)
			return b, err == nil
		},
		index: idx,
		show:  func(p string) string { return filepath.Join(out, filepath.FromSlash(p)) },
		label: out,
	}, nil
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
	var d tree.Drift
	for _, p := range t.Paths() {
		got, ok := files[p]
		want, _ := t.Get(p)
		switch {
		case !ok:
			d.Missing = append(d.Missing, p)
		case !bytes.Equal(got, want):
			d.Stale = append(d.Stale, p)
		}
	}
	for p := range files {
		if _, ok := t.Get(p); !ok {
			d.Extra = append(d.Extra, p)
		}
	}
	slices.Sort(d.Extra)
	var idx *tree.Index
	if data, ok := files[tree.IndexPath]; ok {
		var i tree.Index
		if json.Unmarshal(data, &i) == nil && i.Files != nil {
			idx = &i
		}
	}
	prefix := o.branch + ":"
	if dir != "" {
		prefix += dir + "/"
	}
	return &stored{
		drift:        d,
		content:      func(p string) ([]byte, bool) { b, ok := files[p]; return b, ok },
		index:        idx,
		show:         func(p string) string { return prefix + p },
		foreignFixed: true,
		label:        fmt.Sprintf("branch %s (%s), folder %s", o.branch, tip.String()[:12], strings.TrimSuffix(strings.TrimPrefix(prefix, o.branch+":"), "/")),
	}, nil
}

// Drift states.
const (
	stateStale   = "stale"
	stateEdited  = "edited"
	stateMissing = "missing"
	stateExtra   = "extra"
)

type drifted struct {
	path, state, note string
	foreign           bool // extra, and not fleetc's: the fix leaves it
}

// classify tells stale from edited files with the tree's own index: a
// file whose bytes are those fleetc wrote is stale (the config changed
// since); one whose bytes are not is edited.
func classify(st *stored) []drifted {
	var out []drifted
	d := st.drift
	for _, p := range d.Stale {
		df := drifted{path: p, state: stateEdited}
		if p == tree.IndexPath {
			df.state = stateStale
		} else if data, ok := st.content(p); !ok {
			df.note = "not a regular file"
		} else if st.index != nil {
			sum := sha256.Sum256(data)
			if st.index.Files[p] == "sha256:"+hex.EncodeToString(sum[:]) {
				df.state = stateStale
			}
		}
		out = append(out, df)
	}
	for _, p := range d.Missing {
		out = append(out, drifted{path: p, state: stateMissing})
	}
	for _, p := range d.Extra {
		df := drifted{path: p, state: stateExtra}
		owned := false
		if st.index != nil {
			_, owned = st.index.Files[p]
		}
		switch {
		case strings.HasPrefix(p, ".fleetc/tmp-"):
			df.note = "left by an interrupted render, which the next render removes"
		case owned || st.foreignFixed:
		default:
			df.foreign = true
			df.note = "not fleetc's: render leaves it alone, delete it by hand"
		}
		out = append(out, df)
	}
	return out
}

// location is where a path of the rendered tree belongs, for grouping:
// its sort key and its title.
func location(p string) (key, title string) {
	switch {
	case strings.HasPrefix(p, renderer.MasterDir+"/"):
		return "0", "master"
	case strings.HasPrefix(p, ".fleetc/"):
		return "3", "fleetc's index"
	}
	rest, ok := strings.CutPrefix(p, renderer.SeedsDir+"/")
	seed, rest, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		return "4", "elsewhere"
	}
	if c, ok := strings.CutPrefix(rest, "clusters/"); ok {
		if cluster, _, ok := strings.Cut(c, "/"); ok {
			return "1" + seed + "\x00" + "1" + cluster, fmt.Sprintf("cluster %s (seed %s)", cluster, seed)
		}
	}
	return "1" + seed + "\x00" + "0", "seed " + seed
}

// clusterDir is the cluster folder p is in ("seeds/s/clusters/c"), or "".
func clusterDir(p string) string {
	rest, ok := strings.CutPrefix(p, renderer.SeedsDir+"/")
	if !ok {
		return ""
	}
	seed, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	rest, ok = strings.CutPrefix(rest, "clusters/")
	if !ok {
		return ""
	}
	cluster, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	return renderer.ClusterDir(seed, cluster)
}

func report(w io.Writer, st *stored, t *tree.Tree, what, fix string) error {
	files := classify(st)
	type group struct {
		key, title string
		files      []drifted
	}
	byKey := map[string]*group{}
	var groups []*group
	counts := map[string]int{}
	var foreign []string
	for _, f := range files {
		counts[f.state]++
		if f.foreign {
			foreign = append(foreign, st.show(f.path))
		}
		k, title := location(f.path)
		g := byKey[k]
		if g == nil {
			g = &group{key: k, title: title}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.files = append(g.files, f)
	}
	slices.SortFunc(groups, func(a, b *group) int { return strings.Compare(a.key, b.key) })

	// A cluster folder missing or left over as a whole is one line.
	inRender := map[string]int{}
	for _, p := range t.Paths() {
		if d := clusterDir(p); d != "" {
			inRender[d]++
		}
	}
	whole := func(files []drifted) (dir, state string) {
		d := clusterDir(files[0].path)
		if d == "" {
			return "", ""
		}
		s := files[0].state
		for _, f := range files {
			if f.state != s || f.foreign || !strings.HasPrefix(f.path, d+"/") {
				return "", ""
			}
		}
		if s == stateMissing && inRender[d] == len(files) || s == stateExtra && inRender[d] == 0 {
			return d, s
		}
		return "", ""
	}

	fmt.Fprintf(w, "%s is not the render of %s:\n", st.label, what)
	for _, g := range groups {
		fmt.Fprintf(w, "\n%s\n", g.title)
		slices.SortFunc(g.files, func(a, b drifted) int { return strings.Compare(a.path, b.path) })
		if d, s := whole(g.files); d != "" {
			fmt.Fprintf(w, "  %-8s %s (the whole folder, %d files)\n", s, st.show(d)+"/", len(g.files))
			continue
		}
		for _, f := range g.files {
			line := fmt.Sprintf("  %-8s %s", f.state, st.show(f.path))
			if f.note != "" {
				line += " (" + f.note + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
	summary := fmt.Sprintf("%d stale, %d edited, %d missing, %d extra", counts[stateStale], counts[stateEdited], counts[stateMissing], counts[stateExtra])
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
	rank := func(f drifted) int {
		switch {
		case f.state == stateEdited:
			return 0
		case f.foreign:
			return 1
		case f.state == stateStale:
			return 2
		}
		return 3
	}
	byRank := slices.Clone(files)
	slices.SortStableFunc(byRank, func(a, b drifted) int { return rank(a) - rank(b) })
	var anns []annotation
	for _, f := range byRank {
		if len(anns) == maxFileAnnotations {
			break
		}
		if f.state == stateMissing || st.foreignFixed || f.path == tree.IndexPath {
			continue // no file to point at, or not one to look at
		}
		var msg string
		switch {
		case f.foreign:
			msg = "extra file, not fleetc's: delete it"
		case f.state == stateEdited:
			msg = "edited by hand: the config renders this file differently; run: " + fix
		case f.state == stateStale:
			msg = "stale: the config now renders this file differently; run: " + fix
		default:
			msg = "no longer rendered; run: " + fix
		}
		anns = append(anns, annotation{file: filepath.ToSlash(st.show(f.path)), title: "fleetc check", msg: msg})
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
