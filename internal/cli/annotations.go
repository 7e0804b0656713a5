package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/fleetc/fleetc/renderer/diag"
	"github.com/fleetc/fleetc/renderer/source"
)

// annotationOptions is the --annotations flag: besides the usual
// messages on stderr, print every problem as a CI annotation on stdout,
// which the CI turns into a comment on the offending line of the pull
// request. Only "github" (GitHub Actions workflow commands) for now.
type annotationOptions struct {
	format string
}

func (a *annotationOptions) bindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&a.format, "annotations", "", `also print problems as CI annotations on stdout: "github" (GitHub Actions)`)
}

func (a *annotationOptions) validate() error {
	switch a.format {
	case "", "github":
		return nil
	}
	return &usageError{fmt.Errorf("--annotations %q: the supported value is github", a.format)}
}

// annotation is one problem at a place (file "" for none).
type annotation struct {
	file      string
	line, col int
	title     string
	msg       string
}

// annotatedError carries, through the one error printer, what to print
// as annotations and where.
type annotatedError struct {
	err   error
	out   io.Writer
	repo  string       // diagnostics' paths are relative to it
	extra []annotation // besides those of err
}

func (e *annotatedError) Error() string { return e.err.Error() }
func (e *annotatedError) Unwrap() error { return e.err }

// wrap returns err (nil stays nil) so that printError also prints it as
// annotations on out, diagnostics' files joined to repo, plus extra.
func (a *annotationOptions) wrap(err error, out io.Writer, repo string, extra ...annotation) error {
	if err == nil || a.format == "" {
		return err
	}
	return &annotatedError{err: err, out: out, repo: repo, extra: extra}
}

// printAnnotations prints err's annotations, if it carries any; printError
// calls it first.
func printAnnotations(err error) {
	var ae *annotatedError
	if !errors.As(err, &ae) {
		return
	}
	var list []annotation
	var diags diag.List
	var srcE *source.Error
	var exitE *exitError
	switch {
	case errors.As(ae.err, &diags):
		for _, d := range diags {
			a := annotation{title: "fleetc", msg: d.Msg}
			if d.Pos.IsValid() {
				a.file = filepath.ToSlash(filepath.Join(ae.repo, filepath.FromSlash(d.Pos.File)))
				a.line, a.col = d.Pos.Line, d.Pos.Col
			}
			list = append(list, a)
		}
	case errors.As(ae.err, &srcE):
		list = append(list, annotation{title: "fleetc", msg: srcE.Msg})
	case errors.As(ae.err, &exitE):
		if exitE.msg != "" {
			list = append(list, annotation{title: "fleetc", msg: exitE.msg})
		}
	default:
		list = append(list, annotation{title: "fleetc", msg: ae.err.Error()})
	}
	list = append(ae.extra, list...)
	for _, a := range list {
		fmt.Fprintln(ae.out, a.github())
	}
}

// github formats a as a GitHub Actions workflow command:
// ::error file=PATH,line=N,col=M,title=T::message
func (a annotation) github() string {
	var props []string
	if a.file != "" {
		props = append(props, "file="+escapeProperty(a.file))
		if a.line > 0 {
			props = append(props, "line="+strconv.Itoa(a.line))
			if a.col > 0 {
				props = append(props, "col="+strconv.Itoa(a.col))
			}
		}
	}
	if a.title != "" {
		props = append(props, "title="+escapeProperty(a.title))
	}
	cmd := "::error"
	if len(props) > 0 {
		cmd += " " + strings.Join(props, ",")
	}
	return cmd + "::" + escapeData(a.msg)
}

// escapeData and escapeProperty escape as @actions/core does.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
