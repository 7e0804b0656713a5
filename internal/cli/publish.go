package cli

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"

	"github.com/fleetc/fleetc/internal/publish"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/source"
)

type publishOptions struct {
	compile     compileOptions
	eval        evalOptions
	repo        string
	rev         string
	branch      string
	path        string
	message     string
	author      string
	annotations annotationOptions
}

const defaultAuthor = "fleetc <fleetc@localhost>"

func newPublishCmd() *cobra.Command {
	o := &publishOptions{}
	cmd := &cobra.Command{
		Use:   "publish --branch NAME",
		Short: "Commit the render of a revision onto a branch of the same repo, without a checkout",
		Long: `publish renders a commit of the config and writes the result as a commit on
a branch of the same repository, straight into git's object store: no
worktree, no checkout, no git binary. Flux then follows that branch
(master.gitops.branch) and folder (master.gitops.path).

The folder --path of the branch is replaced by the render; the rest of the
branch's tree is kept. The commit's parent is the branch's tip (the branch is
created if missing); its message names the source commit (Source-Commit:
trailer); author and committer are --author, dated with the source commit's
committer time, so the same source on the same tip always gives the same
commit. When the tip already holds the render, no commit is made.

publish moves the local branch only: push it (git push origin NAME).`,
		Example: `  # on every push to main, in CI
  fleetc publish --rev HEAD --branch rendered
  git push origin rendered

  # is the branch up to date?
  fleetc check --rev HEAD --branch rendered`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.annotations.validate(); err != nil {
				return err
			}
			o.compile.stderr = cmd.ErrOrStderr()
			err := o.run(cmd.OutOrStdout())
			return o.annotations.wrap(err, cmd.OutOrStdout(), o.repo)
		},
	}
	cmd.Flags().StringVar(&o.repo, "repo", ".", "the config repo (a git repository)")
	cmd.Flags().StringVar(&o.rev, "rev", "HEAD", "the revision of the config to render")
	cmd.Flags().StringVar(&o.branch, "branch", "", "the branch to commit the render to (required; created if missing)")
	cmd.Flags().StringVar(&o.path, "path", "", "the folder of the branch that receives the render (default: the config's master.gitops.path)")
	cmd.Flags().StringVar(&o.message, "message", "", "the commit message's first line (default: \"Render <commit>: <its subject>\")")
	cmd.Flags().StringVar(&o.author, "author", defaultAuthor, `author and committer, "Name <email>"`)
	o.annotations.bindFlags(cmd.Flags())
	o.compile.bindFlags(cmd.Flags())
	o.eval.bindFlags(cmd.Flags())
	return cmd
}

var authorRE = regexp.MustCompile(`^\s*([^<>]*[^<>\s])\s*<([^<>\s]*)>\s*$`)

func (o *publishOptions) run(w io.Writer) error {
	if o.branch == "" {
		return &usageError{fmt.Errorf("--branch is required")}
	}
	if o.rev == "" {
		return &usageError{fmt.Errorf("--rev must name a commit: publish records the commit it renders")}
	}
	m := authorRE.FindStringSubmatch(o.author)
	if m == nil {
		return &usageError{fmt.Errorf("--author %q: want \"Name <email>\"", o.author)}
	}
	if _, err := publish.BranchRef(o.branch); err != nil {
		return &usageError{err}
	}

	repo, sub, err := source.OpenRepo(o.repo)
	if err != nil {
		return err
	}
	c, err := source.ResolveCommit(repo, o.rev)
	if err != nil {
		return err
	}
	files, err := source.ReadCommit(c, sub)
	if err != nil {
		return err
	}
	cfg, err := o.eval.load(files)
	if err != nil {
		return err
	}
	t, err := o.compile.compile(cfg, nil)
	if err != nil {
		return err
	}
	gitops := cfg.Master.GitOps
	dir := o.path
	if dir == "" {
		dir = gitops.Path
	}
	if dir, err = publish.CleanPath(dir); err != nil {
		return &usageError{err}
	}

	short := c.Hash.String()[:12]
	subject := o.message
	if subject == "" {
		first, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
		subject = fmt.Sprintf("Render %s: %s", short, first)
	}
	msg := fmt.Sprintf("%s\n\nSource-Commit: %s\nRendered-By: fleetc %s\n", strings.TrimRight(subject, "\n"), c.Hash, renderer.Version)

	res, err := publish.Publish(repo, t, publish.Options{
		Branch:    o.branch,
		Path:      dir,
		Message:   msg,
		Signature: object.Signature{Name: m[1], Email: m[2], When: c.Committer.When},
	})
	if err != nil {
		return err
	}
	folder := dir + "/"
	if dir == "" {
		folder = "the root"
	}
	what := fmt.Sprintf("the render of %s (%s)", o.rev, short)
	if res.Unchanged {
		fmt.Fprintf(w, "unchanged: branch %s (%s) already holds %s in %s; no commit made\n", o.branch, res.Commit.String()[:12], what, folder)
	} else {
		parent := "new branch"
		if !res.Parent.IsZero() {
			parent = "parent " + res.Parent.String()[:12]
		}
		fmt.Fprintf(w, "published %s: commit %s on branch %s (%s), %d files in %s\n", what, res.Commit, o.branch, parent, t.Len(), folder)
		fmt.Fprintf(w, "push it with: git push origin %s\n", shellQuote(o.branch))
	}
	if gitops.Branch != o.branch {
		fmt.Fprintf(w, "note: master.gitops.branch is %q: Flux follows that branch, not %s\n", gitops.Branch, o.branch)
	}
	if g, _ := publish.CleanPath(gitops.Path); g != dir {
		fmt.Fprintf(w, "note: master.gitops.path is %q: Flux reads that folder, not %s\n", gitops.Path, folder)
	}
	return nil
}
