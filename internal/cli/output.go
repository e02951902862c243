package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/internal/report"
)

// outputConfig is where a report goes and how it looks: the flags -o/--output, --quiet and
// --color of validate, replay, lint and diff.
type outputConfig struct {
	file  string
	quiet bool
	color string
}

func (o *outputConfig) register(fs *flag.FlagSet) {
	const outputUsage = "write the report to `FILE` (replaced whole once the report is complete, never left half-written) instead of stdout"
	fs.StringVar(&o.file, "output", "", outputUsage)
	fs.StringVar(&o.file, "o", "", "shorthand for --output `FILE`")
	fs.BoolVar(&o.quiet, "quiet", false, "write no report to stdout (only to --output) and no notes, warnings or progress to stderr: the exit code tells the verdict, errors still go to stderr")
	fs.StringVar(&o.color, "color", "auto", "colour the text report `WHEN`: auto (on a terminal, unless $NO_COLOR is set or $TERM is dumb), always or never")
}

// output is an opened report destination.
type output struct {
	w io.Writer
	// color is whether the text format colours.
	color bool
	// onTerminal is whether the report is shown on the terminal stderr also writes to, so that
	// an error the report shows need not be repeated on stderr.
	onTerminal bool
	file       *os.File
	name       string
}

// open opens the report's destination for a report in format.
func (c *command) openOutput(o outputConfig, format string) (*output, error) {
	out := &output{w: c.stdout}
	switch {
	case o.file != "":
		dir, base := filepath.Split(o.file)
		if dir == "" {
			dir = "."
		}
		f, err := os.CreateTemp(dir, "."+base+".*.tmp")
		if err != nil {
			return nil, fmt.Errorf("--output: %v", message.WithoutPath(err))
		}
		out.w, out.file, out.name = f, f, o.file
	case o.quiet:
		out.w = io.Discard
	default:
		out.onTerminal = isTerminal(c.stdout) && isTerminal(c.stderr)
	}
	switch o.color {
	case "always":
		out.color = true
	case "never":
	case "auto":
		out.color = o.file == "" && !o.quiet && isTerminal(c.stdout) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	default:
		out.close(false)
		return nil, fmt.Errorf("--color is %q, want auto, always or never", o.color)
	}
	out.color = out.color && format == "text"
	return out, nil
}

// close ends the output. With keep, a report written to a file replaces that file whole;
// without it (the report could not be written completely) the partial file is removed.
func (o *output) close(keep bool) error {
	if o == nil || o.file == nil {
		return nil
	}
	f := o.file
	o.file = nil
	err := f.Close()
	if keep && err == nil {
		// CreateTemp makes the file readable by its owner alone; a report is for everyone the
		// directory is for.
		if err = os.Chmod(f.Name(), 0o644); err == nil {
			err = os.Rename(f.Name(), o.name)
		}
	}
	if !keep || err != nil {
		os.Remove(f.Name())
	}
	if err != nil {
		return fmt.Errorf("--output: %v", message.WithoutPath(err))
	}
	return nil
}

// notes is where a command writes notes and warnings: stderr, or nowhere with --quiet.
func (c *command) notes() io.Writer {
	if c.out.quiet {
		return io.Discard
	}
	return c.stderr
}

// wrote puts a report written to --output in place and says so, with the run's counts.
func (c *command) wrote(cmd string, out *output, s report.Summary) error {
	if out.name == "" {
		return nil
	}
	if err := out.close(true); err != nil {
		return err
	}
	fmt.Fprintf(c.notes(), "specgate %s: wrote %s: %d %s: %d valid, %d invalid, %d %s, %d out of scope\n", cmd, out.name,
		s.Exchanges, message.Plural(s.Exchanges, "exchange", "exchanges"), s.Valid, s.Invalid, s.Errors, message.Plural(s.Errors, "error", "errors"), s.OutOfScope)
	return nil
}

// writeFindings writes a lint or diff report to its destination; done is true when the run ends
// here, with code, because the report could not be written.
func (c *command) writeFindings(cmd, format string, f *report.Findings) (code int, done bool) {
	out, err := c.openOutput(c.out, format)
	if err != nil {
		return c.failf(cmd, "%v", err), true
	}
	f.Color = out.color
	err = report.WriteFindings(out.w, format, *f)
	if err == nil && out.name != "" {
		if err = out.close(true); err == nil {
			fmt.Fprintf(c.notes(), "specgate %s: wrote %s: %d %s, %d at or above %s\n", cmd, out.name, len(f.Findings), message.Plural(len(f.Findings), "finding", "findings"), f.Failing(), f.FailOn)
		}
	}
	if err != nil {
		out.close(false)
		fmt.Fprintf(c.stderr, "specgate %s: writing the report: %v\n", cmd, err)
		return exitUsage, true
	}
	return 0, false
}
