// Package cli is the specgate command: Run dispatches a subcommand by name and returns the
// process exit code, so that every subcommand can be tested in-process with buffers.
//
// Exit codes: 0 when everything checked is valid, 1 when a violation was found, 2 for a usage or
// input error (a message on stderr names the file and entry). Results go to stdout in the chosen
// format; messages go to stderr.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/internal/traffic"
)

// Exit codes.
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
)

// command holds what a subcommand reads and writes besides its arguments.
type command struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// config is the configuration file's settings (empty when there is none), read before the
	// subcommand parses its flags.
	config *config
	// out holds the report's destination flags of the command being run.
	out outputConfig
	// examples returns the bundled documented examples as records; validate reads them when it
	// is given no input.
	examples func(ctx context.Context) ([]traffic.Record, error)
}

// Run runs the specgate command line args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &command{stdin: os.Stdin, stdout: stdout, stderr: stderr, examples: bundledExamples}
	return c.run(ctx, args)
}

// usage is the top-level help. The formats come from the table the commands check --format
// against, so that the help cannot list a format a command refuses.
func usage() string {
	formats := strings.Join(report.Formats, "|")
	return `specgate checks HTTP traffic against the NERM and OIG OpenAPI specs.

Usage:
  specgate validate [--spec FILE]... [--host PATTERN]... [--format ` + formats + `] [INPUT]...
  specgate lint [--contracts DIR] [--format ` + formats + `] [--fail-on LEVEL] [SPEC]...
  specgate diff [--traffic FILE]... [--format ` + formats + `] [--fail-on LEVEL] BASE REVISION
  specgate replay --target URL [--user USER] [--spec FILE]... [--format ` + formats + `]
  specgate fuzz --target URL [--user USER] [--spec FILE]... [--operation ID]... [--seed N] [--max-requests N] [--format ` + formats + `]
  specgate proxy --upstream URL [--listen ADDRESS] [--spec FILE]... [--mode report|enforce] [--record FILE]
  specgate mock [--listen ADDRESS]
  specgate version
  specgate help [COMMAND]

Commands:
` + commandList() + `
validate, replay, lint and diff also take --fail-on LEVEL, -o/--output FILE, --quiet and
--color auto|always|never. validate, lint, diff, replay, proxy and mock read specgate.yaml (or
.specgate.yaml) in the working directory, or the file --config FILE names: any flag by its
name, rule levels and waivers.

Exit codes: 0 all valid, 1 violations found, 2 usage or input error.
`
}

// commands lists the subcommands with their one-line summaries, in the order the help shows them.
var commands = []struct{ name, summary string }{
	{"validate", "validate recorded exchanges (HAR or JSON Lines files, - or a pipe for stdin)"},
	{"lint", "check specs (OpenAPI schema, refs, examples, ambiguous oneOf) and contracts"},
	{"diff", "report breaking changes between two revisions of the specs"},
	{"replay", "send the contracts' requests to a live deployment and validate its responses"},
	{"fuzz", "send requests generated from the specs to a deployment; shrink each failure to a curl command"},
	{"proxy", "validate live traffic in a reverse proxy: log each verdict, or block invalid traffic"},
	{"mock", "serve an in-memory NERM and OIG stand-in to put behind the proxy"},
	{"version", "print the version"},
	{"help", "print this help, or a command's"},
}

func commandList() string {
	var b strings.Builder
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	return b.String()
}

func commandNames() string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// formatUsage is the --format flag's help text for formats.
func formatUsage(formats []string) string {
	return "report `format`: " + strings.Join(formats, ", ")
}

func (c *command) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage())
		return exitUsage
	}
	name, rest := args[0], args[1:]
	if c.configurable(name) {
		file, r, err := configArgs(rest)
		if err == nil {
			c.config, err = c.loadConfig(file)
		}
		if err != nil {
			fmt.Fprintf(c.stderr, "specgate %s: %v\n", name, err)
			return exitUsage
		}
		rest = r
	}
	switch name {
	case "validate":
		return c.validate(ctx, rest)
	case "lint":
		return c.lint(ctx, rest)
	case "diff":
		return c.diff(ctx, rest)
	case "replay":
		return c.replay(ctx, rest)
	case "fuzz":
		return c.fuzz(ctx, rest)
	case "proxy":
		return c.proxy(ctx, rest)
	case "mock":
		return c.mock(ctx, rest)
	case "version", "--version":
		fmt.Fprintf(c.stdout, "specgate %s\n", version())
		return exitOK
	case "help", "-h", "-help", "--help":
		return c.help(rest)
	default:
		fmt.Fprintf(c.stderr, "specgate: unknown command %q\n\n%s", name, usage())
		return exitUsage
	}
}

// help prints the top-level help, or a command's; a command that does not exist is a usage
// error that lists those that do.
func (c *command) help(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stdout, usage())
		return exitOK
	}
	if len(args) > 1 {
		fmt.Fprintf(c.stderr, "specgate help: want one COMMAND, got %d arguments\n", len(args))
		return exitUsage
	}
	name := args[0]
	switch {
	case c.commandHelp(name), c.serveHelp(name):
		return exitOK
	case name == "validate":
		fs := c.validateFlags(new(validateConfig))
		fs.SetOutput(c.stdout)
		fs.Usage()
		return exitOK
	case name == "version" || name == "help":
		fmt.Fprint(c.stdout, usage())
		return exitOK
	}
	fmt.Fprintf(c.stderr, "specgate help: unknown command %q; the commands are %s\n\n%s", name, commandNames(), usage())
	return exitUsage
}

// configurable reports whether command name reads a configuration file.
func (c *command) configurable(name string) bool {
	switch name {
	case "validate", "lint", "diff", "replay", "proxy", "mock":
		return true
	}
	return false
}

// errConfig is a configuration value the command refused, already reported.
var errConfig = errors.New("configuration refused")

// parseInterleaved parses flags that may come before, between or after positional arguments,
// which the flag package alone stops at; "--" ends the flags. Then the configuration file sets
// the flags the command line left unset.
func (c *command) parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		consumed := len(args) - fs.NArg()
		rest := fs.Args()
		if consumed > 0 && args[consumed-1] == "--" || len(rest) == 0 {
			if err := c.config.apply(fs, fs.Name()); err != nil {
				fmt.Fprintf(c.stderr, "specgate %s: %v\n", fs.Name(), err)
				return nil, errConfig
			}
			positional = append(positional, rest...)
			if fs.Name() == "lint" && len(positional) == 0 {
				// lint takes its specs as arguments, not as --spec: the configuration's spec
				// list stands for them when the command line names none.
				positional = c.config.specs()
			}
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// parseNoArgs parses the flags of a command that takes no positional argument. done is true
// when the run ends here, with code: after -h, or on a usage error (already reported).
func (c *command) parseNoArgs(fs *flag.FlagSet, args []string, name string) (code int, done bool) {
	pos, err := c.parseInterleaved(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, true
	case err != nil:
		return exitUsage, true
	case len(pos) > 0:
		return c.failf(name, "unexpected argument %q (see specgate help %s)", pos[0], name), true
	}
	return 0, false
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// buildVersion and buildCommit are stamped at link time by the Makefile's build targets
// (-ldflags "-X github.com/specgate/specgate/internal/cli.buildVersion=$(git describe ...)"), the
// one way to carry a git describe into a binary: they are never written after that.
var buildVersion, buildCommit string

// version is what the binary was built from: the version stamped at link time or else the
// module's (a tagged go install, or the pseudo-version go build derives in a git checkout), then
// the commit (stamped, or the VCS revision go build records) with "+modified" for a dirty tree,
// then the Go version.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = &debug.BuildInfo{}
	}
	return versionOf(info, buildVersion, buildCommit)
}

func versionOf(info *debug.BuildInfo, stampedVersion, stampedCommit string) string {
	v := stampedVersion
	if v == "" {
		v = info.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	rev, modified := stampedCommit, ""
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if rev == "" {
				rev = s.Value
			}
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if strings.HasSuffix(v, "-dirty") {
		modified = "+modified"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " commit " + rev + modified
	}
	if info.GoVersion != "" {
		v += " " + info.GoVersion
	}
	return v
}
