// Package diag holds the problems found in a config repo.
//
// Every stage that judges user input (loading, schema, cross-entity rules,
// patches) reports Diagnostics instead of failing on the first problem. A
// List is an error; the CLI prints it with one printer and exits 2.
package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetc/fleetc/renderer/model"
)

// Diagnostic is one problem at one place in the user's files.
type Diagnostic struct {
	Pos model.Pos
	Msg string
}

func (d Diagnostic) String() string {
	if !d.Pos.IsValid() {
		return d.Msg
	}
	return d.Pos.String() + ": " + d.Msg
}

// List is a set of diagnostics. The zero value is empty and ready to use.
type List []Diagnostic

// Addf records a problem at pos.
func (l *List) Addf(pos model.Pos, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Sorted returns the list sorted by position then message, without duplicates.
func (l List) Sorted() List {
	s := slices.Clone(l)
	slices.SortFunc(s, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.Compact(s)
}

// Err returns the sorted list as an error, or nil when it is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l.Sorted()
}

// Error prints one diagnostic per line.
func (l List) Error() string {
	var b strings.Builder
	for i, d := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
	}
	return b.String()
}
