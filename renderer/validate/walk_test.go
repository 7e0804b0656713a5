package validate

import (
	"reflect"
	"testing"
)

// TestStringsWalk: the walk checks the fields with a JSON name, below
// pointers that are set; fields named "-" or without a tag are not the
// user's input.
func TestStringsWalk(t *testing.T) {
	bad := "\x01"
	type fields struct {
		Tagged   string `json:"tagged,omitempty"`
		Hidden   string `json:"-"`
		Untagged string
		Unset    *string `json:"unset"`
		Set      *string `json:"set"`
	}
	v := &validator{}
	v.strings(reflect.ValueOf(fields{Tagged: bad, Hidden: bad, Untagged: bad, Set: &bad}), []string{"t"})
	var got []string
	for _, d := range v.diags {
		got = append(got, d.Msg)
	}
	want := []string{
		"t.tagged: control character U+0001 is not allowed (YAML and Kubernetes tools read it differently; write the text without it)",
		"t.set: control character U+0001 is not allowed (YAML and Kubernetes tools read it differently; write the text without it)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
