package patch

import (
	"strings"
	"testing"
)

func TestKubeRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(o *configMap)
		want string // "" for allowed
	}{
		{"fine", func(o *configMap) {
			o.Labels = map[string]string{"a": "b"}
			o.Data = map[string]string{"f": "line\n\tline\n"}
		}, ""},
		{"label key", func(o *configMap) { o.Labels = map[string]string{"a: b": "x"} }, `metadata.labels: Invalid value: "a: b"`},
		{"label value", func(o *configMap) { o.Labels = map[string]string{"a": "~"} }, `metadata.labels: Invalid value: "~"`},
		{"long label value", func(o *configMap) { o.Labels = map[string]string{"a": strings.Repeat("x", 64)} }, "must be no more than 63 bytes"},
		{"annotation key", func(o *configMap) { o.Annotations = map[string]string{"<<": "x"} }, `metadata.annotations: Invalid value: "<<"`},
		{"annotation size", func(o *configMap) { o.Annotations = map[string]string{"a": strings.Repeat("x", 300<<10)} }, "metadata.annotations: Too long: may not be more than 262144 bytes"},
		{"name", func(o *configMap) { o.Name = "Not_A_Name" }, "the patched ConfigMap Not_A_Name: the name is not valid"},
		{"size", func(o *configMap) { o.Data = map[string]string{"f": strings.Repeat("x", 1<<20)} }, "the Kubernetes API takes objects up to 1048576 bytes"},
		{"DEL", func(o *configMap) { o.Data = map[string]string{"f": "a\u007f"} }, ".data.f holds control character U+007F"},
		{"NEL", func(o *configMap) { o.Data = map[string]string{"f": "a\u0085"} }, ".data.f holds control character U+0085"},
		{"control key", func(o *configMap) { o.Data = map[string]string{"f\x1b": "a"} }, "holds control character U+001B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := cm("cluster-a", "x")
			tc.edit(o)
			err := kubeRules(o)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("allowed, want %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("got %v, want %q", err, tc.want)
			case err != nil && len(err.Error()) > 1024:
				t.Fatalf("message of %d bytes echoes the value", len(err.Error()))
			}
		})
	}
}
