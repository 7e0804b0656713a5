package master

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/fleetc/fleetc/renderer/master/kkpv1"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// crd is what the test needs of a CustomResourceDefinition.
type crd struct {
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Scope    string `json:"scope"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

type crdSchema struct {
	scope  string
	schema map[string]any
}

// sharedCRDs loads third_party/kubermatic-crds of the repository
// root (the directory holding go.mod), keyed by kind.
func sharedCRDs(t *testing.T) map[string]crdSchema {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
	crdDir := filepath.Join(dir, "third_party", "kubermatic-crds")
	files, err := filepath.Glob(filepath.Join(crdDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Kubermatic CRDs in %s (kept in the repo, see its README): %v", crdDir, err)
	}
	out := map[string]crdSchema{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c crd
		if err := yaml.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range c.Spec.Versions {
			if c.Spec.Group == kkpv1.GroupName && v.Name == "v1" {
				out[c.Spec.Names.Kind] = crdSchema{scope: c.Spec.Scope, schema: v.Schema.OpenAPIV3Schema}
			}
		}
	}
	return out
}

// checkSchema walks value v against an OpenAPI v3 schema s as the API
// server's structural checks would: unknown fields (unless
// x-kubernetes-preserve-unknown-fields), missing or null required fields,
// wrong types, values outside an enum. metadata is checked by the API server
// itself, and is skipped.
func checkSchema(path string, v any, s map[string]any) []string {
	var errs []string
	if v == nil {
		if s["nullable"] != true {
			errs = append(errs, path+": null is not allowed")
		}
		return errs
	}
	if s["x-kubernetes-int-or-string"] == true {
		switch v.(type) {
		case string, float64:
			return nil
		}
		return []string{fmt.Sprintf("%s: want int or string, got %T", path, v)}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", path, v, enum))
	}
	switch typ, _ := s["type"].(string); typ {
	case "string":
		if _, ok := v.(string); !ok {
			return append(errs, fmt.Sprintf("%s: want string, got %T", path, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return append(errs, fmt.Sprintf("%s: want boolean, got %T", path, v))
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			return append(errs, fmt.Sprintf("%s: want integer, got %v", path, v))
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return append(errs, fmt.Sprintf("%s: want number, got %T", path, v))
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: want array, got %T", path, v))
		}
		items, _ := s["items"].(map[string]any)
		for i, e := range a {
			errs = append(errs, checkSchema(fmt.Sprintf("%s[%d]", path, i), e, items)...)
		}
	case "object", "":
		m, ok := v.(map[string]any)
		if !ok {
			if typ == "object" {
				errs = append(errs, fmt.Sprintf("%s: want object, got %T", path, v))
			}
			return errs
		}
		props, _ := s["properties"].(map[string]any)
		additional, _ := s["additionalProperties"].(map[string]any)
		preserve := s["x-kubernetes-preserve-unknown-fields"] == true
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "." + k
			switch ps, ok := props[k].(map[string]any); {
			case ok && path == "" && k == "metadata":
			case ok:
				errs = append(errs, checkSchema(p, m[k], ps)...)
			case additional != nil:
				errs = append(errs, checkSchema(p, m[k], additional)...)
			case !preserve:
				errs = append(errs, p+": unknown field")
			}
		}
		req, _ := s["required"].([]any)
		for _, r := range req {
			if val, ok := m[r.(string)]; !ok || val == nil {
				errs = append(errs, fmt.Sprintf("%s.%s: required field missing", path, r))
			}
		}
	}
	return errs
}

// validateCRD checks one object against its CRD: the schema, and that it is
// namespaced exactly when the CRD is.
func validateCRD(o object.Object, crds map[string]crdSchema) []string {
	kind := object.Kind(o)
	c, ok := crds[kind]
	if !ok {
		return []string{"no CRD for kind " + kind}
	}
	b, err := json.Marshal(o)
	if err != nil {
		return []string{err.Error()}
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return []string{err.Error()}
	}
	errs := checkSchema("", v, c.schema)
	if namespaced := o.GetNamespace() != ""; namespaced != (c.scope == "Namespaced") {
		errs = append(errs, fmt.Sprintf("namespace %q on a %s-scoped kind", o.GetNamespace(), c.scope))
	}
	return errs
}

// TestCRDSchemas validates every rendered kubermatic.k8c.io object against
// Kubermatic's CRDs.
func TestCRDSchemas(t *testing.T) {
	crds := sharedCRDs(t)
	for _, kind := range []string{"User", "Project", "UserProjectBinding", "UserSSHKey", "Seed", "Cluster", "KubermaticConfiguration"} {
		if _, ok := crds[kind]; !ok {
			t.Errorf("CRD for %s not found", kind)
		}
	}
	tests := []struct {
		name   string
		mutate func(*model.Config)
	}{
		{"full", func(*model.Config) {}},
		// A key listed by no cluster: spec.clusters must still be [].
		{"no clusters", func(c *model.Config) { c.Clusters = nil }},
		{"no display names, no admin", func(c *model.Config) {
			c.Projects[0].DisplayName = ""
			c.Users[0].Admin = false
			c.SSHKeys[0].Fingerprint = ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.mutate(cfg)
			n := 0
			for _, o := range render(t, cfg) {
				if o.GetObjectKind().GroupVersionKind().Group != kkpv1.GroupName {
					continue
				}
				n++
				for _, e := range validateCRD(o, crds) {
					t.Errorf("%s %s: %s", object.Kind(o), o.GetName(), e)
				}
			}
			if n == 0 {
				t.Fatal("no kubermatic.k8c.io objects rendered")
			}
		})
	}
}

// TestCRDValidatorFails makes sure the validator above catches what it is
// meant to catch.
func TestCRDValidatorFails(t *testing.T) {
	crds := sharedCRDs(t)
	tests := []struct {
		name string
		obj  object.Object
		want string
	}{
		{"valid project", kkpv1.NewProject(meta("p", ""), kkpv1.ProjectSpec{Name: "p"}), ""},
		{"null required list", kkpv1.NewUserSSHKey(meta("k", ""), kkpv1.SSHKeySpec{Name: "k", Project: "p", PublicKey: "x"}), ".spec.clusters"},
		{"namespaced user", kkpv1.NewUser(meta("u", "kubermatic"), kkpv1.UserSpec{Name: "u", Email: "u@x"}), "namespace"},
		{"bad enum", kkpv1.NewSeed(meta("s", "kubermatic"), kkpv1.SeedSpec{ExposeStrategy: "Ingress"}), "exposeStrategy"},
		{"missing provider field", kkpv1.NewSeed(meta("s", "kubermatic"), kkpv1.SeedSpec{Datacenters: map[string]kkpv1.Datacenter{
			"d": {Spec: kkpv1.DatacenterSpec{GCP: &kkpv1.DatacenterSpecGCP{Region: "r"}}},
		}}), "zoneSuffixes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == "" { // valid object: no errors expected
				if errs := validateCRD(tt.obj, crds); len(errs) > 0 {
					t.Fatalf("valid object rejected: %v", errs)
				}
				return
			}
			errs := validateCRD(tt.obj, crds)
			if !strings.Contains(strings.Join(errs, "\n"), tt.want) {
				t.Fatalf("errors %q do not mention %q", errs, tt.want)
			}
		})
	}
	// An unknown field, through the raw walker.
	c := crds["Project"]
	errs := checkSchema("", map[string]any{"spec": map[string]any{"name": "p", "bogus": 1}}, c.schema)
	if !slices.Contains(errs, ".spec.bogus: unknown field") {
		t.Errorf("unknown field not reported: %v", errs)
	}
	errs = checkSchema("", map[string]any{"spec": map[string]any{}}, c.schema)
	if !slices.Contains(errs, ".spec.name: required field missing") {
		t.Errorf("missing required field not reported: %v", errs)
	}
}
