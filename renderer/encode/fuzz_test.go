package encode_test

import (
	"testing"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/renderer/encode"
)

// FuzzLabels renders a Pod with a random label key and value (also as an
// annotation, an image and a command argument) and reads the output back
// with the three YAML parsers that Kubernetes tools use: sigs.k8s.io/yaml
// (kubectl, client-go; YAML 1.1 rules), go-yaml v3 and kyaml (kustomize,
// Flux; YAML 1.2). Each must read back the same strings: a key or value
// such as "<<", "y", "off", "~", "0o17" or "2001-12-14" is quoted.
//
//	go test -run '^$' -fuzz FuzzLabels -fuzztime 3m ./renderer/encode
func FuzzLabels(f *testing.F) {
	for _, s := range []string{"<<", "=", "y", "n", "yes", "no", "on", "off", "Y", "N", "~", "null", "Null", "", "true",
		"False", "0o17", "0x1F", "017", "1_000", "1e3", ".5", "._", ".inf", "-.Inf", ".NaN", "1:20", "2001-12-14",
		"2001-12-14t21:59:43.10-05:00", "-", "--", "---", "...", "? a", ": a", "a: b", "a #b", "#a", "'a", "\"a", "{a}", "[a]",
		"*a", "&a", "!a", "|", ">", "%a", "@a", "`a", " a", "a ", "a\nb", "a\tb", "\u0085", "\u2028", "\ufeff", "é",
		"app.kubernetes.io/name", "registry.k8s.io/etcd:3.5.21-0"} {
		f.Add(s, s)
		f.Add("app", s)
		f.Add(s, "v")
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		if !utf8.ValidString(key) || !utf8.ValidString(value) {
			t.Skip("encoding/json replaces invalid UTF-8; Kubernetes rejects it")
		}
		pod := &corev1.Pod{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{
				Name:        "p",
				Labels:      map[string]string{key: value, "fixed": value},
				Annotations: map[string]string{key: value},
			},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: value, Args: []string{key, value}}}},
		}
		out, err := encode.Document(pod)
		if err != nil {
			t.Fatal(err)
		}
		fail := func(parser string, err error, got any) {
			t.Fatalf("%s reads back %v (%v)\nkey %q, value %q\nYAML:\n%s", parser, got, err, key, value, out)
		}

		// sigs.k8s.io/yaml, into the typed Pod.
		var back corev1.Pod
		if err := yaml.UnmarshalStrict(out, &back); err != nil {
			fail("sigs.k8s.io/yaml", err, nil)
		}
		if back.Labels[key] != value || back.Labels["fixed"] != value || back.Annotations[key] != value ||
			len(back.Spec.Containers) != 1 || back.Spec.Containers[0].Image != value ||
			len(back.Spec.Containers[0].Args) != 2 || back.Spec.Containers[0].Args[0] != key || back.Spec.Containers[0].Args[1] != value {
			fail("sigs.k8s.io/yaml", nil, back)
		}

		// go-yaml v3, untyped: every value must be a string.
		var doc map[string]any
		if err := yamlv3.Unmarshal(out, &doc); err != nil {
			fail("go-yaml v3", err, nil)
		}
		md, _ := doc["metadata"].(map[string]any)
		labels, _ := md["labels"].(map[string]any)
		annotations, _ := md["annotations"].(map[string]any)
		spec, _ := doc["spec"].(map[string]any)
		containers, _ := spec["containers"].([]any)
		var c map[string]any
		if len(containers) == 1 {
			c, _ = containers[0].(map[string]any)
		}
		args, _ := c["args"].([]any)
		if labels[key] != value || labels["fixed"] != value || annotations[key] != value || value != "" && c["image"] != value ||
			len(args) != 2 || args[0] != key || args[1] != value {
			fail("go-yaml v3", nil, doc)
		}

		// kyaml: every scalar node must resolve to !!str.
		rn, err := kyaml.Parse(string(out))
		if err != nil {
			fail("kyaml", err, nil)
		}
		for _, path := range [][]string{{"metadata", "labels"}, {"metadata", "annotations"}} {
			m, err := rn.Pipe(kyaml.Lookup(path...))
			if err != nil || m == nil {
				fail("kyaml", err, path)
			}
			found := false
			for i := 0; i+1 < len(m.YNode().Content); i += 2 {
				k, v := m.YNode().Content[i], m.YNode().Content[i+1]
				if k.ShortTag() != "!!str" || v.ShortTag() != "!!str" {
					fail("kyaml", nil, []string{k.ShortTag(), k.Value, v.ShortTag(), v.Value})
				}
				if k.Value == key {
					found = v.Value == value
				}
			}
			if !found {
				fail("kyaml", nil, m.MustString())
			}
		}
		if value == "" {
			return // the image is omitted
		}
		img, err := rn.Pipe(kyaml.Lookup("spec", "containers", "[name=c]", "image"))
		if err != nil || img == nil || img.YNode().ShortTag() != "!!str" || img.YNode().Value != value {
			fail("kyaml", err, img)
		}
	})
}
