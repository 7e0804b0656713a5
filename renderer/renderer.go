package renderer

import (
	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/config"
	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
	"github.com/fleetc/fleetc/renderer/validate"
)

// Version is the version of fleetc's output format. It is written into
// every rendered tree's index; bump it whenever the output for the same
// input changes, so that caches keyed by it are invalidated.
const Version = "0.1.0"

// Load evaluates and validates the config files. The error, when not nil,
// is a diag.List of every problem found.
func Load(files []source.File, cat *catalog.Catalog) (*model.Config, error) {
	return LoadChecked(files, cat)
}

// Rule judges a validated config while it still knows the positions of
// its fields (e.g. upgrade.Check against a base revision). Its error, when
// not nil, is a diag.List.
type Rule func(cfg *model.Config) error

// LoadChecked is Load with more rules, run once the config validates.
func LoadChecked(files []source.File, cat *catalog.Catalog, rules ...Rule) (*model.Config, error) {
	return LoadMemo(files, cat, nil, rules...)
}

// LoadMemo is LoadChecked with a memo of decoded entities (see
// config.LoadMemo): only the files the memo has not seen are evaluated.
// The result is LoadChecked's.
func LoadMemo(files []source.File, cat *catalog.Catalog, memo config.Memo, rules ...Rule) (*model.Config, error) {
	cfg, err := config.LoadMemo(files, memo)
	if cfg == nil {
		return nil, err
	}
	// Run the cross-entity rules even when some entities failed the
	// schema, so that every problem is reported in one run.
	var diags diag.List
	if err != nil {
		diags = append(diags, err.(diag.List)...)
	}
	if err := validate.Validate(cfg, cat); err != nil {
		diags = append(diags, err.(diag.List)...)
	}
	if err := diags.Err(); err != nil {
		return nil, err
	}
	for _, r := range rules {
		if err := r(cfg); err != nil {
			return nil, err
		}
	}
	// Valid: no message will need a position now (patches carry their
	// own), and dropping them frees the evaluated CUE input before the
	// compile.
	cfg.Positions = model.Positions{}
	return cfg, nil
}
