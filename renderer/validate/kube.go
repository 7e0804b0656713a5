package validate

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/fleetc/fleetc/renderer/model"
)

// Limits on the config's strings: each ends up in an object that the
// Kubernetes API stores in etcd (1.5 MiB a request, 1 MiB a ConfigMap), so
// a value far beyond any real use is refused here, at its field, instead
// of by the API server after the merge.
const (
	MaxValue      = 32 << 10  // any string of the config
	MaxPatchValue = 512 << 10 // a patch's text
)

// kubernetes checks what the Kubernetes API would refuse, at the field
// that holds it: control characters and oversized values in every string,
// and the cluster labels.
func (v *validator) kubernetes() {
	v.strings(reflect.ValueOf(v.cfg.Master), []string{"master"})
	for _, u := range v.cfg.Users {
		v.strings(reflect.ValueOf(u), []string{"users", u.Email})
	}
	for _, p := range v.cfg.Projects {
		v.strings(reflect.ValueOf(p), []string{"projects", p.Name})
	}
	for _, k := range v.cfg.SSHKeys {
		v.strings(reflect.ValueOf(k), []string{"sshKeys", k.Name})
	}
	for _, s := range v.cfg.Seeds {
		v.strings(reflect.ValueOf(s), []string{"seeds", s.Name})
	}
	for i, p := range v.cfg.Patches {
		v.strings(reflect.ValueOf(p), []string{"patches", "[" + strconv.Itoa(i) + "]"})
	}
	for _, c := range v.cfg.Clusters {
		v.strings(reflect.ValueOf(c), []string{"clusters", c.Name})
		for _, k := range model.SortedKeys(c.Labels) {
			// Positions are looked up only for a message: finding one
			// costs more than the check.
			at := func() model.Pos { return v.at("clusters", c.Name, "labels", k) }
			if errs := validation.IsQualifiedName(k); len(errs) > 0 {
				v.diags.Addf(at(), "cluster %q: label key %s is not a Kubernetes label key: %s", c.Name, Clip(k), strings.Join(errs, "; "))
			}
			if errs := validation.IsValidLabelValue(c.Labels[k]); len(errs) > 0 {
				v.diags.Addf(at(), "cluster %q: the value %s of label %s is not a Kubernetes label value: %s", c.Name, Clip(c.Labels[k]), Clip(k), strings.Join(errs, "; "))
			}
		}
	}
}

// strings checks every string below val (a model struct, found at path):
// fields by their JSON name, map keys and values, list items.
func (v *validator) strings(val reflect.Value, path []string) {
	switch val.Kind() {
	case reflect.Pointer:
		if !val.IsNil() {
			v.strings(val.Elem(), path)
		}
	case reflect.Struct:
		t := val.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			v.strings(val.Field(i), append(path[:len(path):len(path)], name))
		}
	case reflect.Map:
		keys := val.MapKeys()
		for _, k := range keys {
			p := append(path[:len(path):len(path)], k.String())
			v.str(k.String(), p, false)
			v.strings(val.MapIndex(k), p)
		}
	case reflect.Slice:
		for i := range val.Len() {
			v.strings(val.Index(i), append(path[:len(path):len(path)], "["+strconv.Itoa(i)+"]"))
		}
	case reflect.String:
		multiLine := path[len(path)-1] == "patch"
		v.str(val.String(), path, multiLine)
	}
}

// str checks one string: no control character (a patch's text may hold
// line breaks and tabs), and not longer than the limit.
func (v *validator) str(s string, path []string, multiLine bool) {
	limit := MaxValue
	if multiLine {
		limit = MaxPatchValue
	}
	if len(s) > limit {
		v.diags.Addf(v.at(path...), "%s: the value is %d bytes long; at most %d are allowed (%s)", fieldName(path), len(s), limit, Clip(s))
		return
	}
	for _, r := range s {
		if multiLine && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if forbidden(r) {
			pos := v.at(path...)
			v.diags.Addf(pos, "%s: control character %U is not allowed (YAML and Kubernetes tools read it differently; write the text without it)", fieldName(path), r)
			return
		}
	}
}

// forbidden reports the characters never allowed in a value: the C0 and
// C1 controls (U+0000-U+001F, U+007F-U+009F, so U+0085 NEXT LINE too), the
// Unicode line and paragraph separators and the byte order mark, which
// YAML parsers turn into line breaks or drop.
func forbidden(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff'
}

// Clip quotes a value for a message, cut to its first 64 characters: an
// error never echoes a huge value in full.
func Clip(s string) string {
	const max = 64
	n := 0
	for i := range s {
		if n == max {
			return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:i]), len(s))
		}
		n++
	}
	return strconv.Quote(s)
}

// fieldName is a path for a message, each element cut to 64 bytes.
func fieldName(path []string) string {
	p := make(model.Path, len(path))
	for i, el := range path {
		if len(el) > 64 {
			el = strings.ToValidUTF8(el[:64], "") + "…"
		}
		p[i] = el
	}
	return p.String()
}
