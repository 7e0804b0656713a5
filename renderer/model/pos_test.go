package model

import "testing"

func TestPosEscapesControlCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"clusters/a.cue": "clusters/a.cue:3:4",
		"a\nb.cue":       `"a\nb.cue":3:4`,
		"x\x1b[2J.cue":   `"x\x1b[2J.cue":3:4`,
		"n\u0085.cue":    `"n\u0085.cue":3:4`,
		"ünïcödé/ok.cue": "ünïcödé/ok.cue:3:4",
	} {
		if got := (Pos{File: in, Line: 3, Col: 4}).String(); got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
	}
}
