package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/internal/rendercache"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/config"
	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/upgrade"
)

// sourceOptions are the flags that choose what config to read.
type sourceOptions struct {
	repo string
	rev  string
	eval evalOptions
}

func (o *sourceOptions) bindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.repo, "repo", ".", "the config repo (a git repository, or a plain folder without --rev)")
	fs.StringVar(&o.rev, "rev", "", "read this git revision (branch, tag, commit, HEAD~1) instead of the working tree")
	o.eval.bindFlags(fs)
}

// load reads, evaluates and validates the config.
func (o *sourceOptions) load(rules ...renderer.Rule) (*model.Config, *source.Snapshot, error) {
	snap, err := source.Read(o.repo, o.rev)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := o.eval.load(snap.Files, rules...)
	if err != nil {
		return nil, nil, err
	}
	return cfg, snap, nil
}

// upgradeOptions are the flags of the rules that judge a change against a
// base revision (package renderer/upgrade).
type upgradeOptions struct {
	base  string // validate, check: the base revision ("" none)
	allow []string
}

func (o *upgradeOptions) bindBase(fs *pflag.FlagSet) {
	fs.StringVar(&o.base, "base", "", "also check the upgrade rules against this revision (the pull request's base, e.g. origin/main): versions one minor up at most, never down; etcd members and storage")
}

func (o *upgradeOptions) bindAllow(fs *pflag.FlagSet) {
	fs.StringSliceVar(&o.allow, "allow", nil, "accept a change an upgrade rule refuses, after its manual procedure (docs/day2.md): etcd-replicas")
}

func (o *upgradeOptions) validate() error {
	if err := upgrade.CheckAllow(o.allow); err != nil {
		return &usageError{err}
	}
	return nil
}

// rule loads the base revision of repo and returns the rule that checks a
// head config against it; nil without --base.
func (o *upgradeOptions) rule(repo string, memo *rendercache.Memo) (renderer.Rule, error) {
	if o.base == "" {
		return nil, nil
	}
	base, err := loadBase(repo, o.base, memo)
	if err != nil {
		return nil, err
	}
	return o.against(func() *model.Config { return base }), nil
}

// against is the upgrade rule with the base config that base returns
// (nil: the base did not load, which is reported on its own).
func (o *upgradeOptions) against(base func() *model.Config) renderer.Rule {
	allow := o.allow
	return func(head *model.Config) error {
		return upgrade.Check(base(), head, upgrade.Options{Allow: allow})
	}
}

// loadBase loads a base revision (with the load memo, when not nil); its
// problems are said to be the base's.
func loadBase(repo, rev string, memo *rendercache.Memo) (*model.Config, error) {
	snap, err := source.Read(repo, rev)
	if err != nil {
		return nil, err
	}
	var m config.Memo
	if memo != nil {
		m = memo
	}
	cfg, err := renderer.LoadMemo(snap.Files, catalog.Default(), m)
	if memo != nil {
		_ = memo.Save() // an optimisation: a failure costs the next run time, nothing else
	}
	if err != nil {
		return nil, baseError(rev, err)
	}
	return cfg, nil
}

// baseError says that the problems are in the base revision, not in the
// files the user is looking at, rather than point at them.
func baseError(rev string, err error) error {
	var diags diag.List
	if errors.As(err, &diags) {
		return &exitError{code: ExitBadInput, msg: fmt.Sprintf("base %s does not validate (%d problems; see fleetc validate --rev %s):\n%s",
			rev, len(diags), shellQuote(rev), diags.Error())}
	}
	return err
}

// rules returns r as a list (empty when nil).
func rules(r renderer.Rule) []renderer.Rule {
	if r == nil {
		return nil
	}
	return []renderer.Rule{r}
}
