package diff

import (
	"fmt"
	"html"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxComment is the most characters GitHub accepts in a comment body.
const MaxComment = 65536

// Marker is the first line of the markdown output, an HTML comment that
// lets a CI job find its previous comment and update it in place.
const Marker = "<!-- fleetc-diff -->"

// MarkdownOptions tune Markdown.
type MarkdownOptions struct {
	// MaxLen bounds the output in bytes (so in characters too); 0 means
	// MaxComment.
	MaxLen int
	// Command, when set, is shown in the note of a shortened comment as
	// the way to see everything (e.g. "fleetc diff origin/main").
	Command string
}

// Detail levels, from everything to the least; each drops more.
const (
	levelFull           = iota
	levelNoSharedFields // field lists of entries shared by several clusters
	levelNoFields       // every field list
	levelShortLists     // cluster lists beyond listLimit names
	levelNoObjects      // object lists: one line per master, seed, entry
	levelSummaryOnly    // no changes section, warnings beyond warnLimit
	levels
)

var levelCuts = [levels]string{
	"",
	"the field changes of entries shared by several clusters",
	"all field changes",
	"cluster lists beyond %d names",
	"the object lists",
	"the changes per seed and cluster, and warnings beyond the first %d",
}

const (
	foldAfter  = 10 // warnings and versions shown before the rest is folded
	listLimit  = 10
	warnLimit  = 20
	maxValue   = 160 // runes of a value shown
	titleNames = 5   // cluster names in an entry's one-line title
)

// Markdown renders the diff as a pull-request comment: the Marker, the
// summary tables, the warnings, then the changes of the master, each seed
// and each cluster, clusters with identical changes collapsed into one
// entry. It is never longer than MaxLen. When everything does not fit, it
// leaves out the least important parts first, level by level: the field
// changes of entries shared by several clusters, then all field changes,
// then cluster lists beyond 10 names, then the object lists, then the
// changes section and warnings beyond 20; at the level that fits, the
// first entries keep the previous level's detail as far as room allows.
// The summary always comes first and is kept; a note at the end says
// what was left out.
func Markdown(r *Result, opts MarkdownOptions) string {
	limit := opts.MaxLen
	if limit <= 0 {
		limit = MaxComment
	}
	if r.Empty() {
		return header(r, nil, levelFull)
	}
	fixed, clusters := entries(r)
	all := append(slices.Clone(fixed), clusters...)
	wgs := warnGroups(r.Warnings)
	// parts renders the comment at level lvl with entries[i] at level
	// lvls[i] (or lvl when lvls is nil).
	parts := func(lvl int) (head string, body []string, tail string) {
		head = header(r, wgs, lvl)
		if lvl < levelSummaryOnly {
			head += "\n#### Changes\n"
			for i, e := range all {
				if i == len(fixed) {
					body = append(body, "\n##### Clusters\n\n")
				}
				body = append(body, renderEntry(e, lvl))
			}
		}
		if lvl > levelFull {
			tail = "\n" + cutNote(lvl, limit, opts) + "\n"
		}
		return head, body, tail
	}
	for lvl := levelFull; lvl < levels; lvl++ {
		head, body, tail := parts(lvl)
		n := len(head) + len(tail)
		for _, b := range body {
			n += len(b)
		}
		if n > limit {
			continue
		}
		if lvl == levelFull || lvl >= levelSummaryOnly {
			return head + strings.Join(body, "") + tail
		}
		// Give the first entries the detail of the level before, while
		// it fits.
		room := limit - n
		var b strings.Builder
		b.WriteString(head)
		bi := 0
		for i, e := range all {
			if i == len(fixed) {
				b.WriteString(body[bi]) // the "Clusters" heading
				bi++
			}
			cur := body[bi]
			bi++
			if better := renderEntry(e, lvl-1); len(better)-len(cur) <= room {
				room -= len(better) - len(cur)
				cur = better
			}
			b.WriteString(cur)
		}
		b.WriteString(tail)
		return b.String()
	}
	head, body, _ := parts(levels - 1)
	return hardCut(head+strings.Join(body, ""), limit, opts)
}

type mdWriter struct {
	b   strings.Builder
	lvl int
}

func (m *mdWriter) printf(format string, args ...any) { fmt.Fprintf(&m.b, format, args...) }

// header is the title, the summary tables and the warnings.
func header(r *Result, wgs []*warnGroup, lvl int) string {
	m := &mdWriter{lvl: lvl}
	m.printf("%s\n### fleetc diff\n\n%s → %s\n\n", Marker, code(r.Base), code(r.Head))
	if r.Empty() {
		m.printf("No differences: both render the same objects.\n")
		return m.b.String()
	}
	s := r.Summary
	m.printf("| | Added | Removed | Changed |\n|:--|--:|--:|--:|\n")
	m.printf("| Seeds | %d | %d | %d |\n", len(s.Seeds.Added), len(s.Seeds.Removed), len(s.Seeds.Changed))
	m.printf("| Clusters | %d | %d | %d |\n", len(s.Clusters.Added), len(s.Clusters.Removed), len(s.Clusters.Changed))
	m.printf("| Objects | %d | %d | %d |\n", s.Objects.Added, s.Objects.Removed, s.Objects.Changed)
	if n := len(s.Clusters.Moved); n > 0 {
		m.printf("\n%s moved between seeds (counted as removed and added).\n", plural(n, "cluster"))
	}
	m.printf("\n| Kind | Added | Removed | Changed |\n|:--|--:|--:|--:|\n")
	for _, k := range s.Kinds {
		m.printf("| %s | %d | %d | %d |\n", strings.ReplaceAll(k.Kind, "|", `\|`), k.Added, k.Removed, k.Changed)
	}
	if len(s.Versions) > 0 {
		rows := versionRows(s.Versions)
		fold := len(rows) > foldAfter+1
		if fold {
			m.printf("\n<details><summary>Versions: %s change</summary>\n", plural(len(s.Versions), "cluster"))
		}
		m.printf("\n| Cluster | Seed | From | To |\n|:--|:--|:--|:--|\n")
		for i, v := range rows {
			if lvl >= levelShortLists && i == listLimit {
				m.printf("| … and %d more | | | |\n", len(rows)-listLimit)
				break
			}
			m.printf("| %s | %s | %s | %s |\n", v.clusters, v.seeds, code(v.from), code(v.to))
		}
		if fold {
			m.printf("\n</details>\n")
		}
	}
	if len(wgs) > 0 {
		// The heading counts the bullets; equal warnings of several
		// clusters are one bullet.
		m.printf("\n#### ⚠️ Warnings (%d)\n\n", len(wgs))
		if len(wgs) != len(r.Warnings) {
			m.printf("%d in all; the same warning of several clusters is one line.\n\n", len(r.Warnings))
		}
		for i, g := range wgs {
			if lvl >= levelSummaryOnly && i == warnLimit {
				m.printf("- … and %d more\n", len(wgs)-warnLimit)
				break
			}
			if i == foldAfter && len(wgs) > foldAfter+1 {
				m.printf("\n<details><summary>%d more warnings</summary>\n\n", len(wgs)-foldAfter)
			}
			m.printf("- **%s** %s: %s — %s\n", g.w.Code, code(g.object()), escapeText(g.w.Message), m.members(g.members))
		}
		if len(wgs) > foldAfter+1 {
			m.printf("\n</details>\n")
		}
	}
	return m.b.String()
}

func renderEntry(e *entry, lvl int) string {
	m := &mdWriter{lvl: lvl}
	if e.scope == ScopeCluster {
		m.clusterEntry(e)
	} else {
		m.fixedEntry(e)
	}
	return m.b.String()
}

func (m *mdWriter) members(ms []member) string {
	limit := 0
	if m.lvl >= levelShortLists {
		limit = listLimit
	}
	var b strings.Builder
	if len(ms) > 1 {
		fmt.Fprintf(&b, "%s: ", plural(len(ms), "cluster"))
	}
	for i, mb := range ms {
		if limit > 0 && i == limit {
			fmt.Fprintf(&b, " and %d more", len(ms)-limit)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(memberMD(mb))
	}
	return b.String()
}

func memberMD(mb member) string {
	if mb.cluster == "" {
		return mb.label()
	}
	return code(mb.cluster) + " (" + mb.seed + ")"
}

func (m *mdWriter) fixedEntry(e *entry) {
	title := "master"
	if e.scope == ScopeSeed {
		names := make([]string, len(e.members))
		for i, mb := range e.members {
			names[i] = code(mb.seed)
		}
		if e.collapsed() {
			title = fmt.Sprintf("%s %s identically: %s", plural(len(e.members), "seed"), e.change, m.list(names))
		} else {
			title = "seed " + names[0]
			if e.change != Changed {
				title += " (" + string(e.change) + ")"
			}
		}
	}
	m.printf("\n**%s** — %s\n", title, countsText(e.counts))
	if m.lvl >= levelNoObjects {
		return
	}
	if e.collapsed() {
		m.printf("\n`{seed}` stands for each seed's name.\n")
	}
	m.printf("\n")
	m.objects(e.objects, m.lvl < levelNoFields && !(e.collapsed() && m.lvl >= levelNoSharedFields))
}

// list joins names, at most listLimit of them from levelShortLists on.
func (m *mdWriter) list(names []string) string {
	if m.lvl >= levelShortLists && len(names) > listLimit {
		return strings.Join(names[:listLimit], ", ") + fmt.Sprintf(" and %d more", len(names)-listLimit)
	}
	return strings.Join(names, ", ")
}

func (m *mdWriter) clusterEntry(e *entry) {
	var title string
	if e.collapsed() {
		names := make([]string, 0, titleNames)
		for i, mb := range e.members {
			if i == titleNames {
				names = append(names, "…")
				break
			}
			names = append(names, "<code>"+html.EscapeString(mb.cluster)+"</code>")
		}
		title = fmt.Sprintf("<b>%s %s</b> identically: %s — %s", plural(len(e.members), "cluster"), e.change, strings.Join(names, ", "), countsText(e.counts))
	} else {
		mb := e.members[0]
		title = fmt.Sprintf("<code>%s</code> on seed <code>%s</code> — %s: %s", html.EscapeString(mb.cluster), html.EscapeString(mb.seed), e.change, countsText(e.counts))
	}
	if m.lvl >= levelNoObjects {
		m.printf("- %s", strings.NewReplacer("<b>", "**", "</b>", "**", "<code>", "`", "</code>", "`").Replace(title))
		if e.collapsed() {
			m.printf(" (%s)", m.members(e.members))
		}
		m.printf("\n")
		return
	}
	m.printf("<details><summary>%s</summary>\n\n", title)
	if e.collapsed() {
		m.printf("%s\n\n", m.members(e.members))
		m.printf("`{cluster}` and `{seed}` stand for each cluster's name and seed.\n\n")
	}
	fields := m.lvl < levelNoFields && !(e.collapsed() && m.lvl >= levelNoSharedFields)
	m.objects(e.objects, fields)
	m.printf("\n</details>\n")
}

func (m *mdWriter) objects(objs []dispObj, fields bool) {
	for _, o := range objs {
		m.printf("- %s %s", mdSign(o.change), code(o.title()))
		if !fields && len(o.fields) > 0 {
			m.printf(" (%s)", plural(len(o.fields), "field"))
		}
		m.printf("\n")
		if !fields {
			continue
		}
		for _, f := range o.fields {
			switch f.change {
			case Added:
				m.printf("  - %s %s: %s\n", mdSign(Added), code(f.path), code(shorten(f.nw)))
			case Removed:
				m.printf("  - %s %s: %s\n", mdSign(Removed), code(f.path), code(shorten(f.old)))
			default:
				if f.path == "" {
					m.printf("  - file content changed\n")
					continue
				}
				o, n := shortenPair(f.old, f.nw)
				m.printf("  - %s %s: %s → %s\n", mdSign(Changed), code(f.path), code(o), code(n))
			}
		}
	}
}

// mdSign is the sign of a change in markdown: bold, so that "+" and "-"
// at the start of a list item are text, never the marker of a nested list
// (in CommonMark "- + x" is a list inside a list, and an added and a
// removed object would look the same).
func mdSign(c Change) string {
	switch c {
	case Added:
		return "**+**"
	case Removed:
		return "**-**"
	}
	return "**~**"
}

func countsText(c Counts) string {
	var parts []string
	if c.Added > 0 {
		parts = append(parts, fmt.Sprintf("%d added", c.Added))
	}
	if c.Removed > 0 {
		parts = append(parts, fmt.Sprintf("%d removed", c.Removed))
	}
	if c.Changed > 0 {
		parts = append(parts, fmt.Sprintf("%d changed", c.Changed))
	}
	return plural(c.total(), "object") + " (" + strings.Join(parts, ", ") + ")"
}

func cutNote(lvl, limit int, opts MarkdownOptions) string {
	var cuts []string
	for l := 1; l <= lvl && l < levels; l++ {
		c := levelCuts[l]
		switch l {
		case levelShortLists:
			c = fmt.Sprintf(c, listLimit)
		case levelSummaryOnly:
			c = fmt.Sprintf(c, warnLimit)
		}
		cuts = append(cuts, c)
	}
	if lvl >= levels {
		cuts = append(cuts, "the rest of the comment")
	}
	note := fmt.Sprintf("> [!NOTE]\n> Shortened to fit a comment (%d characters): where needed, left out %s.", limit, strings.Join(cuts, "; "))
	if opts.Command != "" {
		note += " For everything, run " + code(opts.Command) + " (or see the CI job log)."
	}
	return note
}

// hardCut keeps whole lines of s while they fit, closes open <details>,
// and appends the note.
func hardCut(s string, limit int, opts MarkdownOptions) string {
	note := "\n" + cutNote(levels, limit, opts) + "\n"
	var b strings.Builder
	open := 0
	for line := range strings.SplitAfterSeq(s, "\n") {
		closers := strings.Repeat("</details>\n", open)
		extra := 0
		if strings.HasPrefix(line, "<details>") {
			extra = len("</details>\n")
		}
		if b.Len()+len(line)+extra+len(closers)+len(note) > limit {
			break
		}
		if strings.HasPrefix(line, "> [!NOTE]") {
			break // the note of the last level: replaced below
		}
		b.WriteString(line)
		if strings.HasPrefix(line, "<details>") {
			open++
		} else if strings.HasPrefix(line, "</details>") {
			open--
		}
	}
	b.WriteString(strings.Repeat("</details>\n", open))
	out := b.String() + note
	for len(out) > limit { // only with an absurdly small limit
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	return out
}

// code formats s as an inline code span.
func code(s string) string {
	if s == "" {
		return "` `"
	}
	if !strings.Contains(s, "`") {
		return "`" + s + "`"
	}
	fence := "``"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + " " + s + " " + fence
}

// shorten cuts a value to maxValue runes.
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= maxValue {
		return s
	}
	r := []rune(s)
	return string(r[:maxValue-1]) + "…"
}

// shortenPair cuts two long values around where they differ, keeping
// some context, so that a change in the middle of a long value (one
// address of a comma-separated list) stays visible.
func shortenPair(a, b string) (string, string) {
	ra, rb := []rune(a), []rune(b)
	if len(ra) <= maxValue && len(rb) <= maxValue {
		return a, b
	}
	p := 0
	for p < len(ra) && p < len(rb) && ra[p] == rb[p] {
		p++
	}
	s := 0
	for s < len(ra)-p && s < len(rb)-p && ra[len(ra)-1-s] == rb[len(rb)-1-s] {
		s++
	}
	const context = 30
	// Keep a flag's name ("--etcd-servers=") in front.
	flag := ""
	if strings.HasPrefix(a, "-") {
		if i := strings.IndexRune(a, '='); i > 0 && utf8.RuneCountInString(a[:i+1]) < p-context && i < 60 {
			flag = a[:i+1]
		}
	}
	cut := func(r []rune) string {
		from, to := max(0, p-context), min(len(r), len(r)-s+context)
		out := string(r[from:to])
		if from > 0 {
			out = flag + "…" + out
		}
		if to < len(r) {
			out += "…"
		}
		return shorten(out)
	}
	return cut(ra), cut(rb)
}

// escapeText escapes the characters markdown would interpret in prose.
func escapeText(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`").Replace(s)
}

// versionRow is a row of the versions table: one cluster, or the clusters
// that move between the same two versions (an upgrade of many clusters is
// one row, not one per cluster).
type versionRow struct{ clusters, seeds, from, to string }

func versionRows(vs []VersionChange) []versionRow {
	type key struct{ from, to string }
	var order []key
	groups := map[key][]VersionChange{}
	for _, v := range vs {
		k := key{v.From, v.To}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], v)
	}
	rows := make([]versionRow, 0, len(order))
	for _, k := range order {
		g := groups[k]
		if len(g) == 1 {
			rows = append(rows, versionRow{code(g[0].Cluster), code(g[0].Seed), k.from, k.to})
			continue
		}
		var names, seeds []string
		seen := map[string]bool{}
		for i, v := range g {
			if i < titleNames {
				names = append(names, code(v.Cluster))
			}
			if !seen[v.Seed] {
				seen[v.Seed] = true
				seeds = append(seeds, code(v.Seed))
			}
		}
		c := strings.Join(names, ", ")
		if len(g) > titleNames {
			c += fmt.Sprintf(" and %d more (%d clusters)", len(g)-titleNames, len(g))
		}
		sd := strings.Join(seeds, ", ")
		if len(seeds) > titleNames {
			sd = fmt.Sprintf("%d seeds", len(seeds))
		}
		rows = append(rows, versionRow{c, sd, k.from, k.to})
	}
	return rows
}
