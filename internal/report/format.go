package report

import (
	"fmt"
	"io"
	"strings"
)

// writer writes one format, both kinds of report: a validation run (entry for each exchange as
// it is added, then summary, through a Report) and the findings of a lint, diff or fuzz run,
// whole (findings, through WriteFindings).
type writer interface {
	entry(Entry) error
	summary(Summary) error
	findings(Findings) error
}

// formats is the table of report formats, in the order help lists them, the default first. A
// format is added here, with a writer of both kinds of report; every command's --format and the
// help take their list from it.
var formats = []struct {
	name string
	// streams is true when a Report writes each entry as it is added; the others are single
	// documents written whole by Close (junit and sarif, whose counts come first, and html, one
	// self-contained page).
	streams   bool
	newWriter func(io.Writer) writer
}{
	{"text", true, func(w io.Writer) writer { return &textFormatter{w: w} }},
	{"json", true, func(w io.Writer) writer { return &jsonFormatter{w: w} }},
	{"junit", false, func(w io.Writer) writer { return newJUnitFormatter(w) }},
	{"sarif", false, func(w io.Writer) writer { return newSARIFFormatter(w) }},
	// github writes workflow-command annotations, which GitHub Actions shows on the lines.
	{"github", true, func(w io.Writer) writer { return &githubFormatter{w: w} }},
	{"html", false, func(w io.Writer) writer { return newHTMLFormatter(w) }},
}

// Formats lists the names of the report formats, the default first.
var Formats = func() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.name
	}
	return names
}()

// CheckFormat returns an error naming the formats when format is not one of them.
func CheckFormat(format string) error {
	_, err := newWriter(io.Discard, format)
	return err
}

// newWriter returns the writer of format to w.
func newWriter(w io.Writer, format string) (writer, error) {
	for _, f := range formats {
		if f.name == format {
			return f.newWriter(w), nil
		}
	}
	return nil, fmt.Errorf("unknown report format %q, want one of %s", format, strings.Join(Formats, ", "))
}
