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
	"slices"
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

// subcommand is one specgate command. The table of them, commands, drives dispatch, the
// top-level help, each command's help and the configuration file's sections.
type subcommand struct {
	name string
	// aliases are other names that run the command ("--version", "-h").
	aliases []string
	summary string
	// synopsis is the usage line's arguments in the top-level help; formatsArg in it stands for
	// the report formats.
	synopsis string
	run      func(c *command, ctx context.Context, args []string) int
	// flags returns a fresh flag set of the command, for its help and for the configuration
	// file; nil for a command without flags, whose help is the top-level one.
	flags func(c *command) *flag.FlagSet
	// configurable is true when the command reads the configuration file (specgate.yaml).
	configurable bool
}

// flagsOf turns a command's flag-set constructor, which binds the flags to a configuration of
// type T, into one of the table, binding them to a configuration nobody reads.
func flagsOf[T any](flags func(*command, *T) *flag.FlagSet) func(*command) *flag.FlagSet {
	return func(c *command) *flag.FlagSet { return flags(c, new(T)) }
}

// formatsArg stands for the report formats in a synopsis.
const formatsArg = "{formats}"

// commands lists the subcommands in the order the help shows them. It is a function, not a
// variable, because help, a command of the table, prints the table.
func commands() []subcommand {
	return []subcommand{
		{name: "validate", summary: "validate recorded exchanges (HAR or JSON Lines files, - or a pipe for stdin)",
			synopsis: "[--spec FILE]... [--host PATTERN]... [--format {formats}] [INPUT]...",
			run:      (*command).validate, flags: flagsOf((*command).validateFlags), configurable: true},
		{name: "lint", summary: "check specs (OpenAPI schema, refs, examples, ambiguous oneOf) and contracts",
			synopsis: "[--contracts DIR] [--format {formats}] [--fail-on LEVEL] [SPEC]...",
			run:      (*command).lint, flags: flagsOf((*command).lintFlags), configurable: true},
		{name: "diff", summary: "report breaking changes between two revisions of the specs",
			synopsis: "[--traffic FILE]... [--format {formats}] [--fail-on LEVEL] BASE REVISION",
			run:      (*command).diff, flags: flagsOf((*command).diffFlags), configurable: true},
		{name: "replay", summary: "send the contracts' requests to a live deployment and validate its responses",
			synopsis: "--target URL [--user USER] [--spec FILE]... [--format {formats}]",
			run:      (*command).replay, flags: flagsOf((*command).replayFlags), configurable: true},
		{name: "fuzz", summary: "send requests generated from the specs to a deployment; shrink each failure to a curl command",
			synopsis: "--target URL [--user USER] [--spec FILE]... [--operation ID]... [--seed N] [--max-requests N] [--format {formats}]",
			run:      (*command).fuzz, flags: flagsOf((*command).fuzzFlags)},
		{name: "proxy", summary: "validate live traffic in a reverse proxy: log each verdict, or block invalid traffic",
			synopsis: "--upstream URL [--listen ADDRESS] [--spec FILE]... [--mode report|enforce] [--record FILE]",
			run:      (*command).proxy, flags: flagsOf((*command).proxyFlags), configurable: true},
		{name: "mock", summary: "serve an in-memory NERM and OIG stand-in to put behind the proxy",
			synopsis: "[--listen ADDRESS]",
			run:      (*command).mock, flags: flagsOf((*command).mockFlags), configurable: true},
		{name: "version", aliases: []string{"--version"}, summary: "print the version",
			run: func(c *command, _ context.Context, _ []string) int {
				fmt.Fprintf(c.stdout, "specgate %s\n", version())
				return exitOK
			}},
		{name: "help", aliases: []string{"-h", "-help", "--help"}, summary: "print this help, or a command's",
			synopsis: "[COMMAND]",
			run:      func(c *command, _ context.Context, args []string) int { return c.help(args) }},
	}
}

// lookup returns the subcommand name or one of its aliases names.
func lookup(name string) (subcommand, bool) {
	for _, s := range commands() {
		if s.name == name || slices.Contains(s.aliases, name) {
			return s, true
		}
	}
	return subcommand{}, false
}

// usage is the top-level help. The formats come from the table the commands check --format
// against, so that the help cannot list a format a command refuses.
func usage() string {
	var lines, list strings.Builder
	for _, s := range commands() {
		lines.WriteString("  specgate " + s.name)
		if s.synopsis != "" {
			lines.WriteString(" " + strings.ReplaceAll(s.synopsis, formatsArg, strings.Join(report.Formats, "|")))
		}
		lines.WriteString("\n")
		fmt.Fprintf(&list, "  %-9s %s\n", s.name, s.summary)
	}
	return `specgate checks HTTP traffic against the NERM and OIG OpenAPI specs.

Usage:
` + lines.String() + `
Commands:
` + list.String() + `
validate, replay, lint and diff also take --fail-on LEVEL, -o/--output FILE, --quiet and
--color auto|always|never. validate, lint, diff, replay, proxy and mock read specgate.yaml (or
.specgate.yaml) in the working directory, or the file --config FILE names: any flag by its
name, rule levels and waivers.

Exit codes: 0 all valid, 1 violations found, 2 usage or input error.
`
}

func commandNames() string {
	var names []string
	for _, s := range commands() {
		names = append(names, s.name)
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
	s, ok := lookup(name)
	if !ok {
		fmt.Fprintf(c.stderr, "specgate: unknown command %q\n\n%s", name, usage())
		return exitUsage
	}
	if s.configurable {
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
	return s.run(c, ctx, rest)
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
	s, ok := lookup(name)
	switch {
	case !ok || s.name != name:
		fmt.Fprintf(c.stderr, "specgate help: unknown command %q; the commands are %s\n\n%s", name, commandNames(), usage())
		return exitUsage
	case s.flags == nil:
		fmt.Fprint(c.stdout, usage())
	default:
		fs := s.flags(c)
		fs.SetOutput(c.stdout)
		fs.Usage()
	}
	return exitOK
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
