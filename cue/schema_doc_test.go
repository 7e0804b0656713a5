package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"

	"github.com/fleetc/fleetc/internal/golden"
)

// TestConfigDocumented: every field of the schema, by its full path, is
// documented in docs/config.md (written there in backquotes, map keys as
// <name>, list elements as []), so the reference cannot fall behind
// schema.cue.
func TestConfigDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "config.md"))
	if err != nil {
		t.Fatal(err)
	}
	paths, err := schemaPaths(Source)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 50 {
		t.Fatalf("found only %d fields in schema.cue: %v", len(paths), paths)
	}
	for _, p := range paths {
		if !strings.Contains(string(doc), "`"+p+"`") {
			t.Errorf("docs/config.md does not document the schema field `%s`: add a row for it (meaning, default, the rule that checks it)", p)
		}
	}
}

// TestSchemaPaths: the walk finds fields through references, map
// patterns, lists, defaults and disjunctions, optional or not.
func TestSchemaPaths(t *testing.T) {
	got, err := schemaPaths([]byte(`
#Fleet: {
	a: #A
	m: [string]: {x?: int | *1}
	l: [...#A] | *[]
	p: close({one: {y: string}}) | close({two: {}})
}
#A: {b: string}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := "a a.b l l[].b m m.<name> m.<name>.x p p.one p.one.y p.two"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

// schemaPaths lists the field paths of #Fleet in src, sorted.
func schemaPaths(src []byte) ([]string, error) {
	f, err := parser.ParseFile("schema.cue", src)
	if err != nil {
		return nil, err
	}
	defs := map[string]ast.Expr{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			if id, ok := fd.Label.(*ast.Ident); ok && strings.HasPrefix(id.Name, "#") {
				defs[id.Name] = fd.Value
			}
		}
	}
	root, ok := defs["#Fleet"]
	if !ok {
		return nil, fmt.Errorf("no #Fleet")
	}
	seen := map[string]bool{}
	var walk func(e ast.Expr, prefix string, depth int) error
	walk = func(e ast.Expr, prefix string, depth int) error {
		if depth > 50 {
			return fmt.Errorf("%s: the schema nests too deep (a cycle?)", prefix)
		}
		join := func(name string) string {
			if prefix == "" {
				return name
			}
			return prefix + "." + name
		}
		switch e := e.(type) {
		case *ast.StructLit:
			for _, d := range e.Elts {
				fd, ok := d.(*ast.Field)
				if !ok {
					continue
				}
				var name string
				switch l := fd.Label.(type) {
				case *ast.Ident:
					name = l.Name
				case *ast.BasicLit:
					s, err := strconv.Unquote(l.Value)
					if err != nil {
						return err
					}
					name = s
				case *ast.ListLit: // [string]: a map's values
					name = "<name>"
				default:
					return fmt.Errorf("%s: unexpected label %T", prefix, l)
				}
				p := join(name)
				seen[p] = true
				if err := walk(fd.Value, p, depth+1); err != nil {
					return err
				}
			}
		case *ast.Ident:
			if def, ok := defs[e.Name]; ok {
				return walk(def, prefix, depth+1)
			}
		case *ast.BinaryExpr:
			if err := walk(e.X, prefix, depth+1); err != nil {
				return err
			}
			return walk(e.Y, prefix, depth+1)
		case *ast.UnaryExpr:
			return walk(e.X, prefix, depth+1)
		case *ast.ParenExpr:
			return walk(e.X, prefix, depth+1)
		case *ast.CallExpr:
			for _, a := range e.Args {
				if err := walk(a, prefix, depth+1); err != nil {
					return err
				}
			}
		case *ast.ListLit:
			for _, el := range e.Elts {
				if ell, ok := el.(*ast.Ellipsis); ok && ell.Type != nil {
					if err := walk(ell.Type, prefix+"[]", depth+1); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if err := walk(root, "", 0); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

// The -update flag is defined in every test package (`go test ./...
// -update`); this one has no golden files of its own.
var _ = golden.Update
