package cli

import (
	"fmt"
	"runtime/metrics"
	"slices"
	"strings"
	"time"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/internal/rendercache"
	"github.com/fleetc/fleetc/renderer"
	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
)

// Defaults of the evaluation limits: a 10,000-cluster fleet loads in
// about 4 s, and a whole 10,000-cluster render stays under 2 GiB
// (docs/benchmarks.md), so these leave a wide margin and still stop a
// runaway comprehension or a string that doubles itself long before the
// machine runs out of memory.
const (
	defaultEvalTimeout = 2 * time.Minute
	defaultEvalMemory  = "4Gi"
)

// evalOptions bound the evaluation of the config (CUE is a language: a
// comprehension can loop for hours, forty lines can ask for a terabyte).
type evalOptions struct {
	timeout time.Duration
	memory  string
	// memo, when set (compileOptions.openMemo), keeps decoded entities
	// between runs: only the files it has not seen are evaluated.
	memo *rendercache.Memo
}

func (o *evalOptions) bindFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.timeout, "eval-timeout", defaultEvalTimeout, "stop evaluating the config after this long (exit 2)")
	fs.StringVar(&o.memory, "eval-memory", defaultEvalMemory, "stop evaluating the config when fleetc's heap passes this size (exit 2), e.g. 512Mi, 8Gi")
}

// load is renderer.LoadChecked (with rules) within the limits. Evaluation runs on its own
// goroutine while this one watches the clock and the heap (read from
// runtime/metrics every 10 ms); past a limit, the command ends with exit
// 2 at once (the process exits, the evaluation with it), naming the files
// whose expressions compute values. A child process with rlimits would
// stop a single giant allocation too, but it would have to send the
// evaluated config back; the watchdog sees the heap grow long before the
// doubling that would exhaust the machine.
func (o *evalOptions) load(files []source.File, rules ...renderer.Rule) (*model.Config, error) {
	limit, err := o.limits()
	if err != nil {
		return nil, err
	}
	type result struct {
		cfg *model.Config
		err error
	}
	done := make(chan result, 1)
	if o.memo == nil {
		// No cache (which keeps the CRDs encoded): encode them on the
		// core the single-threaded evaluation leaves idle.
		go renderer.Warm()
	}
	go func() {
		if o.memo == nil {
			cfg, err := renderer.LoadChecked(files, catalog.Default(), rules...)
			done <- result{cfg, err}
			return
		}
		cfg, err := renderer.LoadMemo(files, catalog.Default(), o.memo, rules...)
		_ = o.memo.Save() // an optimisation: a failure costs the next run time, nothing else
		done <- result{cfg, err}
	}()
	timer := time.NewTimer(o.timeout)
	defer timer.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	for {
		select {
		case r := <-done:
			return r.cfg, r.err
		case <-timer.C:
			return nil, evalStopped(files, fmt.Sprintf("evaluation stopped after %s (--eval-timeout)", o.timeout))
		case <-tick.C:
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > limit {
				return nil, evalStopped(files, fmt.Sprintf("evaluation stopped: the heap passed %s (--eval-memory)", o.memory))
			}
		}
	}
}

func (o *evalOptions) limits() (uint64, error) {
	if o.timeout <= 0 {
		return 0, &usageError{fmt.Errorf("--eval-timeout must be positive")}
	}
	q, err := resource.ParseQuantity(o.memory)
	if err != nil || q.Sign() <= 0 {
		return 0, &usageError{fmt.Errorf("--eval-memory %q: want a size such as 512Mi or 4Gi", o.memory)}
	}
	return uint64(q.Value()), nil
}

// evalStopped names where evaluation can run away: each file's first
// comprehension, string or list operator, or call (a file of plain values
// cannot), at its position.
func evalStopped(files []source.File, msg string) error {
	var diags diag.List
	for _, f := range files {
		if pos, what, ok := computes(f); ok {
			diags.Addf(pos, "%s; this file computes values (%s here): look for a comprehension that runs long or a value that keeps growing", msg, what)
		}
	}
	if len(diags) == 0 {
		return &exitError{code: ExitBadInput, msg: msg}
	}
	return diags.Err()
}

// computes finds the first expression of f that computes (rather than
// states) a value.
func computes(f source.File) (model.Pos, string, bool) {
	file, err := parser.ParseFile(f.Path, f.Data)
	if err != nil {
		return model.Pos{}, "", false
	}
	var found []struct {
		pos  token.Pos
		what string
	}
	ast.Walk(file, func(n ast.Node) bool {
		what := ""
		switch n := n.(type) {
		case *ast.Comprehension:
			what = "a comprehension"
		case *ast.BinaryExpr:
			if n.Op == token.ADD || n.Op == token.MUL {
				what = "an operator " + n.Op.String()
			}
		case *ast.CallExpr:
			what = "a call"
		case *ast.Interpolation:
			what = "an interpolation"
		}
		if what != "" {
			found = append(found, struct {
				pos  token.Pos
				what string
			}{n.Pos(), what})
			return false
		}
		return true
	}, nil)
	if len(found) == 0 {
		return model.Pos{}, "", false
	}
	slices.SortFunc(found, func(a, b struct {
		pos  token.Pos
		what string
	}) int {
		return a.pos.Offset() - b.pos.Offset()
	})
	p := found[0].pos
	return model.Pos{File: f.Path, Line: p.Line(), Col: p.Column()}, strings.TrimSpace(found[0].what), true
}
