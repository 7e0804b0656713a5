package config

import (
	"strings"

	"cuelang.org/go/cue/ast"

	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/model"
)

// syntaxPositions finds fields by their labels in the parsed files, for
// errors CUE reports without a position (a structural cycle, an error in
// a hidden field): the first field written at the path, in file order.
func syntaxPositions(files []*ast.File) model.Positions {
	return model.NewPositions(func(path model.Path) (model.Pos, bool) {
		for _, f := range files {
			if p, ok := findField(f.Decls, path); ok {
				return p, true
			}
		}
		return model.Pos{}, false
	})
}

func findField(decls []ast.Decl, path model.Path) (model.Pos, bool) {
	if len(path) == 0 {
		return model.Pos{}, false
	}
	for _, d := range decls {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, _, err := ast.LabelName(f.Label)
		if err != nil || name != path[0] {
			continue
		}
		if len(path) == 1 {
			if p := posOf(f.Pos()); p.IsValid() {
				return p, true
			}
			continue
		}
		if s, ok := f.Value.(*ast.StructLit); ok {
			if p, ok := findField(s.Elts, path[1:]); ok {
				return p, true
			}
		}
	}
	return model.Pos{}, false
}

// refuseEmbed reports CUE's file embedding (@embed, @extern(embed)) at
// its position: a config is its .cue files, and fleetc reads nothing
// else (with --rev, nothing else is even there to read).
func refuseEmbed(f *ast.File, diags *diag.List) {
	ast.Walk(f, func(n ast.Node) bool {
		a, ok := n.(*ast.Attribute)
		if !ok {
			return true
		}
		if k, _ := a.Split(); k == "embed" || (k == "extern" && strings.Contains(a.Text, "embed")) {
			diags.Addf(posOf(a.Pos()), "%s: file embedding is not supported (a config is its .cue files; write the value in CUE)", a.Text)
		}
		return true
	}, nil)
}
