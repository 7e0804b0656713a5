package cli

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// TestProgress: the progress line shows on a terminal after the first
// second and is wiped at the end; nothing is written to a file or pipe,
// or with --quiet.
func TestProgress(t *testing.T) {
	t.Run("silent when not a terminal, or quiet", func(t *testing.T) {
		f, err := os.CreateTemp(t.TempDir(), "stderr")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, quiet := range []bool{false, true} {
			p := newProgress(f, quiet)
			p.start = time.Now().Add(-time.Hour)
			p.update(1, 2)
			p.update(2, 2)
			p.finish()
		}
		if fi, _ := f.Stat(); fi.Size() != 0 {
			t.Errorf("progress wrote %d bytes to a regular file", fi.Size())
		}
		var buf bytes.Buffer
		p := newProgress(&buf, false)
		p.start = time.Now().Add(-time.Hour)
		p.update(1, 2)
		if buf.Len() != 0 {
			t.Errorf("progress wrote %q to a buffer", buf.String())
		}
	})
	t.Run("on a terminal", func(t *testing.T) {
		var buf bytes.Buffer
		p := &progress{w: &buf, on: true, start: time.Now()}
		p.update(1, 10) // within the first second: nothing
		if buf.Len() != 0 {
			t.Fatalf("progress in the first second: %q", buf.String())
		}
		p.start = time.Now().Add(-2 * time.Second)
		p.update(2, 10)
		p.update(3, 10)  // within 100 ms of the last: skipped
		p.update(10, 10) // the last one always shows
		p.finish()
		want := "\rcompiled 2/10 clusters\rcompiled 10/10 clusters\r\033[K"
		if buf.String() != want {
			t.Errorf("progress wrote %q, want %q", buf.String(), want)
		}
	})
}
