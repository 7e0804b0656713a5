// Command mutants is fleetc's own mutation test: it breaks one rule or
// one security-relevant setting at a time, in a temporary copy of the
// module (the real tree is never edited), runs the tests of the package
// that holds it, and fails listing every mutant the tests let through.
//
//	go run ./hack/mutants [-v] [-j N] [-only SUBSTRING] [-list]   (make mutants)
//
// The mutation sites are found by a walk over the syntax trees:
//
//   - renderer/validate: every if condition and every case of a switch
//     without a tag is replaced by false (the rule deleted) and by its
//     negation (the rule inverted); every operand of a || or && chain in
//     them by false or true (one clause dropped); every <, <=, > and >= by
//     its neighbour (the boundary moved).
//   - renderer/controlplane: every command-line flag (a string literal
//     starting with "--" in a list, alone, concatenated or formatted) is
//     deleted, and a constant value ("--name=value") changed; every field
//     of a securityContext, of a NetworkPolicy type or of a netpol rule is
//     deleted (zeroed; not one set to T{}, which is zero already), and a
//     ptr(true)/ptr(false) in them flipped; in
//     networkpolicy.go every add(...) of a policy is deleted, every
//     element of a rule, port or peer list deleted and every if condition
//     negated.
//
// To stay fast, the mutants are compiled in all at once ("mutant
// schemata"): the copy's sources are rewritten so that each site picks its
// original or its mutated form from FLEETC_MUTANT, each package's test
// binary is built once, and run once per mutant with -test.failfast. A
// mutant survives when the package's tests pass with it switched on.
// Exit status 1 when one survives, 2 when the tool itself fails.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const env = "FLEETC_MUTANT"

// packages are the mutated packages and how their sites are found.
var packages = []struct {
	dir  string
	find func(f *file)
}{
	{"renderer/validate", validateSites},
	{"renderer/controlplane", controlplaneSites},
}

// mutant is one site switched to its mutated form.
type mutant struct {
	id   int
	pkg  string
	pos  string // file:line
	what string
}

func (m mutant) String() string { return m.pos + ": " + m.what }

func main() {
	verbose := flag.Bool("v", false, "print every mutant and its outcome")
	only := flag.String("only", "", "run only the mutants whose description contains this")
	list := flag.Bool("list", false, "list the mutants, run nothing")
	jobs := flag.Int("j", 2, "mutants run at the same time")
	flag.Parse()
	root, err := os.Getwd()
	check(err)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		fatalf("run from the module root (go run ./hack/mutants)")
	}
	work, err := os.MkdirTemp("", "fleetc-mutants-")
	check(err)
	defer os.RemoveAll(work)
	copyModule(root, work)

	reg := &registry{}
	for _, p := range packages {
		rewrite(root, work, p.dir, reg, p.find)
	}
	ms := reg.mutants
	if *only != "" {
		var keep []mutant
		for _, m := range ms {
			if strings.Contains(m.String(), *only) {
				keep = append(keep, m)
			}
		}
		ms = keep
	}
	if *list {
		for _, m := range ms {
			fmt.Println(m)
		}
		fmt.Printf("%d mutants\n", len(ms))
		return
	}

	start := time.Now()
	bins := map[string]string{}
	for _, p := range packages {
		bin := filepath.Join(work, strings.ReplaceAll(p.dir, "/", "_")+".test")
		cmd := exec.Command("go", "test", "-c", "-vet=off", "-o", bin, "./"+p.dir)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=-mod=readonly")
		if out, err := cmd.CombinedOutput(); err != nil {
			fatalf("building the mutated %s: %v\n%s", p.dir, err, out)
		}
		if run(work, bin, p.dir, 0) {
			fatalf("the tests of %s fail with no mutant switched on", p.dir)
		}
		bins["./"+p.dir] = bin
	}

	killed := make([]bool, len(ms))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(*jobs, 1) {
		wg.Go(func() {
			for i := range next {
				m := ms[i]
				killed[i] = run(work, bins[m.pkg], strings.TrimPrefix(m.pkg, "./"), m.id)
				if *verbose {
					outcome := "killed"
					if !killed[i] {
						outcome = "SURVIVED"
					}
					fmt.Printf("%-8s %s\n", outcome, m)
				}
			}
		})
	}
	for i := range ms {
		next <- i
	}
	close(next)
	wg.Wait()

	var survivors []mutant
	for i, m := range ms {
		if !killed[i] {
			survivors = append(survivors, m)
		}
	}
	fmt.Printf("mutants: %d killed of %d (%d survived), in %s\n",
		len(ms)-len(survivors), len(ms), len(survivors), time.Since(start).Round(time.Second))
	if len(survivors) > 0 {
		fmt.Println("survivors (add a test that fails for each):")
		for _, m := range survivors {
			fmt.Println("  " + m.String())
		}
		os.Exit(1)
	}
}

// run runs a package's test binary with mutant id switched on, in the
// package's folder, and reports whether the tests failed.
func run(work, bin, dir string, id int) bool {
	cmd := exec.Command(bin, "-test.count=1", "-test.failfast", "-test.timeout=60s")
	cmd.Dir = filepath.Join(work, dir)
	cmd.Env = append(os.Environ(), env+"="+strconv.Itoa(id))
	return cmd.Run() != nil
}

// registry hands out mutant ids (from 1; 0 is "none").
type registry struct {
	mu      sync.Mutex
	mutants []mutant
}

func (r *registry) add(pkg, pos, what string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := len(r.mutants) + 1
	r.mutants = append(r.mutants, mutant{id: id, pkg: pkg, pos: pos, what: what})
	return id
}

// helpers is added to each mutated package: the switch and the forms a
// mutated site takes.
const helpers = `package %s

import (
	"os"
	"strconv"
)

var fleetcMutant, _ = strconv.Atoi(os.Getenv("` + env + `"))

func fleetcMutantOn(id int) bool { return fleetcMutant == id }

func fleetcMutantZero[T any](id int, v T) T {
	if fleetcMutant == id {
		var zero T
		return zero
	}
	return v
}

func fleetcMutantFlip(id int, v bool) bool { return v != (fleetcMutant == id) }

func fleetcMutantDrop[T any](s []T, ids ...int) []T {
	for i, id := range ids {
		if id != 0 && id == fleetcMutant {
			return append(s[:i:i], s[i+1:]...)
		}
	}
	return s
}
`

// rewrite writes the mutated form of dir's non-test files into work.
func rewrite(root, work, dir string, reg *registry, find func(f *file)) {
	paths, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	check(err)
	sort.Strings(paths)
	pkgName := ""
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		src, err := os.ReadFile(p)
		check(err)
		fset := token.NewFileSet()
		af, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
		check(err)
		pkgName = af.Name.Name
		rel, _ := filepath.Rel(root, p)
		f := &file{fset: fset, ast: af, src: src, pkg: "./" + dir, rel: filepath.ToSlash(rel), reg: reg}
		find(f)
		check(os.WriteFile(filepath.Join(work, rel), []byte(f.render(0, len(src), f.edits)), 0o644))
	}
	check(os.WriteFile(filepath.Join(work, dir, "zz_fleetc_mutants.go"), []byte(fmt.Sprintf(helpers, pkgName)), 0o644))
}

// edit replaces src[start:end] by wrap(its rendered text).
type edit struct {
	start, end int
	wrap       func(inner string) string
}

// file is one parsed file, its sites and edits.
type file struct {
	fset  *token.FileSet
	ast   *ast.File
	src   []byte
	pkg   string
	rel   string
	reg   *registry
	edits []edit
}

func (f *file) off(p token.Pos) int { return f.fset.Position(p).Offset }
func (f *file) text(n ast.Node) string {
	return string(f.src[f.off(n.Pos()):f.off(n.End())])
}

// mutant registers a mutant at n.
func (f *file) mutant(n ast.Node, what string) int {
	return f.reg.add(f.pkg, fmt.Sprintf("%s:%d", f.rel, f.fset.Position(n.Pos()).Line), what)
}

func (f *file) wrap(n ast.Node, w func(inner string) string) {
	f.edits = append(f.edits, edit{f.off(n.Pos()), f.off(n.End()), w})
}

// render is src[start:end] with the edits in it applied, nested ones
// inside out.
func (f *file) render(start, end int, edits []edit) string {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].end > edits[j].end
	})
	var b strings.Builder
	pos := start
	for i := 0; i < len(edits); {
		e := edits[i]
		j := i + 1
		for j < len(edits) && edits[j].end <= e.end {
			j++
		}
		b.Write(f.src[pos:e.start])
		b.WriteString(e.wrap(f.render(e.start, e.end, edits[i+1:j])))
		pos, i = e.end, j
	}
	b.Write(f.src[pos:end])
	return b.String()
}

// condition: a boolean condition becomes a closure that returns its
// original form, or with its mutant switched on: false (deleted), its
// negation (inverted), one clause of a ||/&& chain dropped, or one
// comparison's boundary moved.
func (f *file) condition(cond ast.Expr, rule string) {
	text := f.text(cond)
	base := f.off(cond.Pos())
	type alt struct {
		id   int
		expr string
	}
	alts := []alt{
		{f.mutant(cond, rule+" deleted: "+short(text)), "false"},
		{f.mutant(cond, rule+" inverted: "+short(text)), "!(" + text + ")"},
	}
	sub := func(n ast.Node, start, end int, repl, what string) {
		start, end = start-base, end-base
		alts = append(alts, alt{f.mutant(n, what), text[:start] + repl + text[end:]})
	}
	var walk func(e ast.Expr)
	walk = func(e ast.Expr) {
		switch e := e.(type) {
		case *ast.ParenExpr:
			walk(e.X)
		case *ast.UnaryExpr:
			walk(e.X)
		case *ast.BinaryExpr:
			switch e.Op {
			case token.LOR, token.LAND:
				neutral := "false"
				if e.Op == token.LAND {
					neutral = "true"
				}
				for _, side := range []ast.Expr{e.X, e.Y} {
					if b, ok := side.(*ast.BinaryExpr); !ok || b.Op != e.Op {
						sub(side, f.off(side.Pos()), f.off(side.End()), neutral, "clause dropped: "+short(f.text(side)))
					}
					walk(side)
				}
			case token.LSS, token.LEQ, token.GTR, token.GEQ:
				flip := map[token.Token]string{token.LSS: "<=", token.LEQ: "<", token.GTR: ">=", token.GEQ: ">"}[e.Op]
				op := f.off(e.OpPos)
				sub(e, op, op+len(e.Op.String()), flip, "boundary moved: "+short(f.text(e))+" ("+e.Op.String()+" to "+flip+")")
			}
		}
	}
	walk(cond)
	f.wrap(cond, func(inner string) string {
		var b strings.Builder
		b.WriteString("func() bool {\n\tswitch fleetcMutant {\n")
		for _, a := range alts {
			fmt.Fprintf(&b, "\tcase %d:\n\t\treturn %s\n", a.id, a.expr)
		}
		fmt.Fprintf(&b, "\t}\n\treturn %s\n}()", inner)
		return b.String()
	})
}

func validateSites(f *file) {
	ast.Inspect(f.ast, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt:
			f.condition(n.Cond, "rule")
		case *ast.SwitchStmt:
			if n.Tag != nil {
				return true
			}
			for _, s := range n.Body.List {
				for _, e := range s.(*ast.CaseClause).List {
					f.condition(e, "case")
				}
			}
		}
		return true
	})
}

// guarded are the composite literal types whose every field is a
// security setting: deleting one, or flipping a boolean, is a mutant.
var guarded = map[string]bool{
	"SecurityContext": true, "PodSecurityContext": true, "Capabilities": true, "SeccompProfile": true,
	"NetworkPolicy": true, "NetworkPolicySpec": true, "NetworkPolicyIngressRule": true,
	"NetworkPolicyEgressRule": true, "NetworkPolicyPeer": true, "NetworkPolicyPort": true,
	"ingressRule": true,
}

func typeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.Ident:
		return t.Name
	case *ast.ArrayType:
		return "[]" + typeName(t.Elt)
	case *ast.StarExpr:
		return typeName(t.X)
	}
	return ""
}

func controlplaneSites(f *file) {
	netpol := strings.HasSuffix(f.rel, "/networkpolicy.go")
	ast.Inspect(f.ast, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CompositeLit:
			tn := typeName(n.Type)
			if guarded[tn] {
				for _, e := range n.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					key := tn + "." + f.text(kv.Key)
					if key == "NetworkPolicy.TypeMeta" || key == "NetworkPolicy.ObjectMeta" {
						continue
					}
					if c, ok := kv.Value.(*ast.CompositeLit); ok && len(c.Elts) == 0 {
						continue // T{} is the zero value already: deleting it changes nothing
					}
					id := f.mutant(kv, key+" deleted")
					f.wrap(kv.Value, func(in string) string { return fmt.Sprintf("fleetcMutantZero(%d, %s)", id, in) })
					if c, ok := kv.Value.(*ast.CallExpr); ok && len(c.Args) == 1 {
						if b, ok := c.Args[0].(*ast.Ident); ok && (b.Name == "true" || b.Name == "false") {
							id := f.mutant(kv, key+" flipped")
							f.wrap(b, func(in string) string { return fmt.Sprintf("fleetcMutantFlip(%d, %s)", id, in) })
						}
					}
				}
			}
			var drop []ast.Expr
			if netpol && strings.HasPrefix(tn, "[]") {
				drop = n.Elts
			}
			if n.Type != nil { // a literal with an elided type cannot be wrapped
				f.list(n, n.Elts, drop, "")
			}
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "append" && len(n.Args) > 1 && !n.Ellipsis.IsValid() {
				f.list(n, n.Args[1:], nil, "[]string")
			}
		case *ast.ExprStmt:
			if c, ok := n.X.(*ast.CallExpr); ok && netpol {
				if fn, ok := c.Fun.(*ast.Ident); ok && fn.Name == "add" {
					id := f.mutant(n, "NetworkPolicy deleted: "+short(f.text(n)))
					f.wrap(n, func(in string) string { return fmt.Sprintf("if !fleetcMutantOn(%d) {\n%s\n}", id, in) })
				}
			}
		case *ast.IfStmt:
			if netpol {
				id := f.mutant(n.Cond, "netpol condition inverted: "+short(f.text(n.Cond)))
				f.wrap(n.Cond, func(in string) string { return fmt.Sprintf("fleetcMutantFlip(%d, %s)", id, in) })
			}
		}
		return true
	})
}

// list handles the elements of a list (a composite literal, or the
// arguments of an append): each flag is deleted, a constant flag value
// changed, and each element of drop deleted.
func (f *file) list(n ast.Node, elts, drop []ast.Expr, typ string) {
	ids := make([]int, len(elts))
	found := false
	for i, e := range elts {
		if contains(drop, e) {
			ids[i] = f.mutant(e, "list element deleted: "+short(f.text(e)))
			found = true
			continue
		}
		lit := firstString(e)
		if lit == nil {
			continue
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil || !strings.HasPrefix(s, "--") || len(s) < 3 {
			continue
		}
		ids[i] = f.mutant(e, "flag deleted: "+short(f.text(e)))
		found = true
		if name, val, ok := strings.Cut(s, "="); ok && val != "" && e == ast.Expr(lit) {
			id := f.mutant(e, "flag value changed: "+s)
			f.wrap(lit, func(in string) string {
				return fmt.Sprintf("func() string {\n\tif fleetcMutantOn(%d) {\n\t\treturn %q\n\t}\n\treturn %s\n}()", id, name+"=mutant-"+val, in)
			})
		}
	}
	if !found {
		return
	}
	if _, ok := n.(*ast.CallExpr); ok { // append(s, a, b) → append(s, drop([]string{a, b}, ids)...)
		first, last := elts[0], elts[len(elts)-1]
		f.edits = append(f.edits, edit{f.off(first.Pos()), f.off(last.End()), func(in string) string {
			return fmt.Sprintf("fleetcMutantDrop(%s{%s}, %s)...", typ, in, joinInts(ids))
		}})
		return
	}
	f.wrap(n, func(in string) string { return fmt.Sprintf("fleetcMutantDrop(%s, %s)", in, joinInts(ids)) })
}

func contains(list []ast.Expr, e ast.Expr) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}

func joinInts(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ", ")
}

// firstString is the string literal a flag expression starts with:
// "--a", "--a=" + x, fmt.Sprintf("--a=%d", x).
func firstString(e ast.Expr) *ast.BasicLit {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			return e
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			return firstString(e.X)
		}
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
			return firstString(e.Args[0])
		}
	}
	return nil
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 70 {
		s = s[:67] + "..."
	}
	return s
}

// copyModule copies what the tests need (no .git, no e2e module, no
// build output) from root to dst.
func copyModule(root, dst string) {
	skip := map[string]bool{".git": true, "bin": true, "out": true, "test": true}
	check(filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel != "." && skip[rel] {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	}))
}

func check(err error) {
	if err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "mutants: "+format+"\n", args...)
	os.Exit(2)
}
