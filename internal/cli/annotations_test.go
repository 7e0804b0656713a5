package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/source"
)

func TestAnnotations(t *testing.T) {
	a := annotationOptions{format: "github"}
	var diags diag.List
	diags.Addf(model.Pos{File: "clusters/a,b.cue", Line: 3, Col: 7}, "bad: 100%% wrong\nsecond line")
	diags.Addf(model.Pos{}, "no position")
	for _, tc := range []struct {
		err  error
		repo string
		want string
	}{
		{diags, "config", "::error file=config/clusters/a%2Cb.cue,line=3,col=7,title=fleetc::bad: 100%25 wrong%0Asecond line\n::error title=fleetc::no position\n"},
		{&source.Error{Msg: "repo x: no such directory"}, ".", "::error title=fleetc::repo x: no such directory\n"},
		{&exitError{code: 1}, ".", ""},
		{errors.New("boom"), ".", "::error title=fleetc::boom\n"},
	} {
		var out, stderr bytes.Buffer
		code := printError(&stderr, a.wrap(tc.err, &out, tc.repo))
		if out.String() != tc.want {
			t.Errorf("%v:\n got %q\nwant %q", tc.err, out.String(), tc.want)
		}
		// The usual printing is unchanged.
		var plain bytes.Buffer
		if want := printError(&plain, tc.err); code != want || stderr.String() != plain.String() {
			t.Errorf("%v: printed %q (%d), want %q (%d)", tc.err, stderr.String(), code, plain.String(), want)
		}
	}
	// Without the flag, nothing is added.
	var out bytes.Buffer
	none := annotationOptions{}
	printError(&bytes.Buffer{}, none.wrap(diags, &out, "."))
	if out.Len() != 0 {
		t.Errorf("annotations without --annotations: %q", out.String())
	}
	if err := (&annotationOptions{format: "gitlab"}).validate(); err == nil || !strings.Contains(err.Error(), "github") {
		t.Errorf("validate: %v", err)
	}
}
