package diff

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// gfmHTML renders markdown as GitHub does (CommonMark with the GFM
// extensions, raw HTML kept).
func gfmHTML(t *testing.T, md string) string {
	t.Helper()
	var b bytes.Buffer
	g := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))
	if err := g.Convert([]byte(md), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestMarkdownOnGitHub parses the comment with a CommonMark/GFM parser:
// added, removed and changed objects and fields keep distinct signs (no
// "- + x" nested list markers), the warning count is the number of
// warning bullets, and long lists are folded into <details>.
func TestMarkdownOnGitHub(t *testing.T) {
	var base, head []files
	for i := range 14 {
		name := fmt.Sprintf("c%02d", i)
		b := cluster("eu", name, "v1")
		p := clusterPath("eu", name, "deployment-apiserver.yaml")
		b[p] = strings.Replace(fmt.Sprintf(apiserver, name, "v1"), "        app: apiserver\n    spec:", fmt.Sprintf("        app: apiserver\n        app.kubernetes.io/version: 1.30.%d\n    spec:", i), 1)
		h := b.with(p, strings.Replace(b[p], fmt.Sprintf("1.30.%d\n", i), fmt.Sprintf("1.32.%d\n", i), 1))
		base, head = append(base, b), append(head, h)
	}
	// An object added, one removed, fields added and removed.
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: cluster-c00\ndata:\n  %s: x\n"
	base = append(base, files{
		clusterPath("eu", "c00", "configmap-old.yaml"):  fmt.Sprintf(cm, "old", "a"),
		clusterPath("eu", "c00", "configmap-same.yaml"): fmt.Sprintf(cm, "same", "gone"),
	})
	head = append(head, files{
		clusterPath("eu", "c00", "configmap-new.yaml"):  fmt.Sprintf(cm, "new", "a"),
		clusterPath("eu", "c00", "configmap-same.yaml"): fmt.Sprintf(cm, "same", "born"),
	})
	r := Compare(merge(base...), merge(head...))
	md := Markdown(r, MarkdownOptions{})
	out := gfmHTML(t, md)

	if regexp.MustCompile(`<li>\s*<ul>`).MatchString(out) {
		t.Errorf("a list item that opens with a nested list (a sign taken as a list marker):\n%s", out)
	}
	for _, want := range []string{
		"<li><strong>+</strong> <code>ConfigMap cluster-c00/new</code></li>",
		"<li><strong>-</strong> <code>ConfigMap cluster-c00/old</code></li>",
		"<li><strong>~</strong> <code>ConfigMap cluster-c00/same</code>",
		"<li><strong>+</strong> <code>data.born</code>: <code>x</code></li>",
		"<li><strong>-</strong> <code>data.gone</code>: <code>x</code></li>",
		"<li><strong>~</strong> <code>spec.template.metadata.labels[&quot;app.kubernetes.io/version&quot;]</code>: <code>1.30.0</code> → <code>1.32.0</code></li>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}

	// The warning count is the number of warning bullets.
	m := regexp.MustCompile(`<h4>⚠️ Warnings \((\d+)\)</h4>`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no warnings heading:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	section := out[strings.Index(out, m[0]):strings.Index(out, "<h4>Changes</h4>")]
	bullets := strings.Count(section, "<li><strong>")
	if n != bullets || n < 14 {
		t.Errorf("heading says %d warnings, %d bullets:\n%s", n, bullets, section)
	}
	// Long lists are folded: the warnings after the first ten, the
	// version table; every <details> is closed.
	if !strings.Contains(section, fmt.Sprintf("<details><summary>%d more warnings</summary>", n-foldAfter)) {
		t.Errorf("warnings not folded:\n%s", section)
	}
	if !strings.Contains(out, "<details><summary>Versions: 14 clusters change</summary>") || !strings.Contains(out, "<code>c13</code></td>") {
		t.Errorf("versions not folded into a table")
	}
	if o, c := strings.Count(md, "<details>"), strings.Count(md, "</details>"); o != c {
		t.Errorf("%d <details>, %d </details>", o, c)
	}
}
