package diff

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// TextOptions tune WriteText.
type TextOptions struct {
	// Color adds ANSI colours (the caller decides: a terminal, no NO_COLOR).
	Color bool
}

// ANSI escapes.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

type textWriter struct {
	w     *bufio.Writer
	color bool
}

func (t *textWriter) paint(code, s string) string {
	if !t.color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) changeColor(c Change) string {
	switch c {
	case Added:
		return ansiGreen
	case Removed:
		return ansiRed
	}
	return ansiYellow
}

func (t *textWriter) printf(format string, args ...any) { fmt.Fprintf(t.w, format, args...) }

// WriteText writes the diff for a terminal or a log: summary, warnings,
// then the changes of the master, each seed and each cluster (clusters
// with identical changes shown once). Nothing is left out.
func WriteText(w io.Writer, r *Result, opts TextOptions) error {
	t := &textWriter{w: bufio.NewWriter(w), color: opts.Color}
	t.printf("%s %s → %s\n", t.paint(ansiBold, "fleetc diff"), r.Base, r.Head)
	if r.Empty() {
		t.printf("no differences: both render the same objects\n")
		return t.w.Flush()
	}
	s := r.Summary
	t.printf("\n%s\n", t.paint(ansiBold, "Summary"))
	t.printf("  seeds:    %s\n", t.counts(len(s.Seeds.Added), len(s.Seeds.Removed), len(s.Seeds.Changed)))
	t.printf("  clusters: %s", t.counts(len(s.Clusters.Added), len(s.Clusters.Removed), len(s.Clusters.Changed)))
	if n := len(s.Clusters.Moved); n > 0 {
		t.printf(", %d moved", n)
	}
	t.printf("\n  objects:  %s\n", t.counts(s.Objects.Added, s.Objects.Removed, s.Objects.Changed))
	width := 0
	for _, k := range s.Kinds {
		width = max(width, len(k.Kind))
	}
	for _, k := range s.Kinds {
		t.printf("    %-*s %s\n", width, k.Kind, t.counts(k.Added, k.Removed, k.Changed))
	}
	if len(s.Versions) > 0 {
		t.printf("\n%s\n", t.paint(ansiBold, "Versions"))
		cw, sw, fw := len("cluster"), len("seed"), len("from")
		for _, v := range s.Versions {
			cw, sw, fw = max(cw, len(v.Cluster)), max(sw, len(v.Seed)), max(fw, len(v.From))
		}
		t.printf("  %-*s  %-*s  %-*s  %s\n", cw, "cluster", sw, "seed", fw, "from", "to")
		for _, v := range s.Versions {
			t.printf("  %-*s  %-*s  %-*s  %s\n", cw, v.Cluster, sw, v.Seed, fw, v.From, v.To)
		}
	}

	if len(r.Warnings) > 0 {
		t.printf("\n%s\n", t.paint(ansiBold+ansiRed, fmt.Sprintf("Warnings (%d)", len(r.Warnings))))
		for _, g := range warnGroups(r.Warnings) {
			t.printf("  %s %s: %s\n", t.paint(ansiRed, "!"), t.paint(ansiBold, g.w.Code), g.w.Message)
			t.printf("      %s in %s\n", g.object(), memberList(g.members, 0))
		}
	}

	fixed, clusters := entries(r)
	for _, e := range fixed {
		title := "master"
		if e.scope == ScopeSeed {
			if e.collapsed() {
				names := make([]string, len(e.members))
				for i, mb := range e.members {
					names[i] = mb.seed
				}
				title = fmt.Sprintf("%s %s identically: %s", plural(len(e.members), "seed"), e.change, strings.Join(names, ", "))
			} else {
				title = "seed " + e.members[0].seed
				if e.change != Changed {
					title += " (" + string(e.change) + ")"
				}
			}
		}
		t.printf("\n%s\n", t.paint(ansiBold+ansiCyan, title))
		t.objects(e.objects)
	}
	for _, e := range clusters {
		var title string
		if e.collapsed() {
			title = fmt.Sprintf("%s %s identically: %s", plural(len(e.members), "cluster"), e.change, memberList(e.members, 0))
		} else {
			m := e.members[0]
			title = fmt.Sprintf("cluster %s on seed %s: %s", m.cluster, m.seed, e.change)
		}
		t.printf("\n%s\n", t.paint(ansiBold+ansiCyan, title))
		t.objects(e.objects)
	}
	return t.w.Flush()
}

func (t *textWriter) counts(a, r, c int) string {
	return fmt.Sprintf("%s %s %s",
		t.paint(ansiGreen, fmt.Sprintf("+%d", a)), t.paint(ansiRed, fmt.Sprintf("-%d", r)), t.paint(ansiYellow, fmt.Sprintf("~%d", c)))
}

func (t *textWriter) objects(objs []dispObj) {
	for _, o := range objs {
		t.printf("  %s\n", t.paint(t.changeColor(o.change), sign(o.change)+" "+o.title()))
		for _, f := range o.fields {
			t.printf("      %s\n", t.paint(t.changeColor(f.change), fieldLine(f)))
		}
	}
}

// fieldLine is "path: old → new", "+ path: new" or "- path: old".
func fieldLine(f dispField) string {
	switch f.change {
	case Added:
		return "+ " + f.path + ": " + f.nw
	case Removed:
		return "- " + f.path + ": " + f.old
	}
	if f.path == "" {
		return "~ (file content)"
	}
	return "~ " + f.path + ": " + f.old + " → " + f.nw
}

// memberList lists members ("a (eu), b (us)"), at most limit of them
// (0: all) followed by "and N more".
func memberList(ms []member, limit int) string {
	var b strings.Builder
	for i, m := range ms {
		if limit > 0 && i == limit {
			fmt.Fprintf(&b, " and %d more", len(ms)-limit)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.label())
	}
	return b.String()
}
