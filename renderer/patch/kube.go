package patch

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/fleetc/fleetc/renderer/object"
)

// MaxObject is the largest patched object accepted, encoded as JSON: a
// ConfigMap or Secret holds at most 1 MiB, and the API server's etcd takes
// at most 1.5 MiB a request.
const MaxObject = 1 << 20

// kubeRules checks what the Kubernetes API would refuse in a patched
// object: its name, labels and annotations (apimachinery's rules,
// annotation sizes included), its size, and control characters in any of
// its strings (line breaks and tabs are fine in values: they are files).
func kubeRules(o object.Object) error {
	what := object.Kind(o) + " " + clip(o.GetName())
	if errs := validation.IsDNS1123Subdomain(o.GetName()); len(errs) > 0 {
		return fmt.Errorf("the patched %s: the name is not valid: %s", what, strings.Join(errs, "; "))
	}
	md := field.NewPath("metadata")
	errs := metavalidation.ValidateLabels(o.GetLabels(), md.Child("labels"))
	errs = append(errs, apivalidation.ValidateAnnotations(o.GetAnnotations(), md.Child("annotations"))...)
	if len(errs) > 0 {
		return fmt.Errorf("the patched %s: %s", what, clipErr(errs.ToAggregate().Error()))
	}
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if len(data) > MaxObject {
		return fmt.Errorf("the patched %s is %d bytes; the Kubernetes API takes objects up to %d bytes", what, len(data), MaxObject)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	if p, r, ok := controlChar(v, ""); ok {
		return fmt.Errorf("the patched %s: %s holds control character %U (YAML and Kubernetes tools read it differently)", what, p, r)
	}
	return nil
}

// controlChar finds a string (or key) below v holding a character YAML
// parsers turn into a line break or drop, other than a line break or tab.
func controlChar(v any, path string) (string, rune, bool) {
	switch v := v.(type) {
	case string:
		for _, r := range v {
			if r == '\n' || r == '\t' || r == '\r' {
				continue
			}
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
				return path, r, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "." + clip(k)
			if _, r, ok := controlChar(k, ""); ok {
				return p, r, true
			}
			if p, r, ok := controlChar(v[k], p); ok {
				return p, r, true
			}
		}
	case []any:
		for i, e := range v {
			if p, r, ok := controlChar(e, path+"["+strconv.Itoa(i)+"]"); ok {
				return p, r, true
			}
		}
	}
	return "", 0, false
}

// clip cuts a name for a message.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	return strings.ToValidUTF8(s[:64], "") + "…"
}

// clipErr cuts an apimachinery message, which quotes the value in full.
func clipErr(s string) string {
	if len(s) <= 512 {
		return s
	}
	return strings.ToValidUTF8(s[:512], "") + fmt.Sprintf("… (%d bytes)", len(s))
}
