package cli

import (
	"github.com/spf13/pflag"

	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
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
func (o *sourceOptions) load() (*model.Config, *source.Snapshot, error) {
	snap, err := source.Read(o.repo, o.rev)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := o.eval.load(snap.Files)
	if err != nil {
		return nil, nil, err
	}
	return cfg, snap, nil
}
