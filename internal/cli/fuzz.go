package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/specgate/specgate/fuzz"
	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/rules"
	"gopkg.in/yaml.v3"
)

type fuzzConfig struct {
	target, cacert, user, state, format string
	specs, operations                   stringList
	seed                                int64
	maxRequests, concurrency            int
	duration, timeout                   time.Duration
	rate                                float64
	strict                              bool
	coverage                            coverageConfig
}

func (c *command) fuzzFlags(cfg *fuzzConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.StringVar(&cfg.target, "target", "", "origin `URL` of the deployment, with an optional path prefix; the specs' base paths are appended (default: $SPECGATE_TARGET)")
	fs.StringVar(&cfg.cacert, "cacert", "", fmt.Sprintf(cacertUsage, "target"))
	fs.Var(&cfg.specs, "spec", "OpenAPI spec `FILE` to generate from and validate against (repeatable; default: the embedded NERM and OIG specs)")
	fs.Var(&cfg.operations, "operation", "fuzz only the operation with this `ID` (repeatable; default: every operation)")
	fs.StringVar(&cfg.state, "state", "", "YAML or JSON `FILE` mapping a parameter or property name (or operationId/name) to the identifiers that exist on the target")
	fs.Int64Var(&cfg.seed, "seed", 1, "seed of the generated requests: the same seed sends the same requests")
	fs.IntVar(&cfg.maxRequests, "max-requests", 2000, "stop after `N` requests, shrinking included")
	fs.DurationVar(&cfg.duration, "duration", 0, "stop after this long, generation included (default: no time limit)")
	fs.Float64Var(&cfg.rate, "rate", 0, "send at most `N` requests per second (default: no limit)")
	fs.IntVar(&cfg.concurrency, "concurrency", 1, "requests in flight at once")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "time allowed for each exchange")
	fs.StringVar(&cfg.format, "format", report.Formats[0], formatUsage(report.Formats))
	fs.StringVar(&cfg.user, "user", "", "basic-auth `USER`; the password comes from $SPECGATE_PASSWORD (default: $SPECGATE_USER)")
	fs.BoolVar(&cfg.strict, "strict", false, strictUsage)
	cfg.coverage.registerGate(fs, "; the report always shows the coverage of the exchanges sent")
	c.out.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: specgate fuzz --target URL [--user USER] [--spec FILE]... [--operation ID]... [--state FILE]
                    [--seed N] [--max-requests N] [--duration D] [--format FORMAT] [--min-coverage GATE]

Generates requests from the specs and sends them to the deployment at URL: valid ones (boundary
lengths and ranges, each enum value, optional properties present and absent, each oneOf branch,
combined pairwise) and invalid ones that break the spec in one way each. The validator judges every
request before it is sent and every reply. Each failure is shrunk to a minimal request and shown
as a curl command with the credentials redacted. Credentials: basic auth from --user (or
$SPECGATE_USER) and $SPECGATE_PASSWORD, or a bearer token from $SPECGATE_TOKEN. Identifiers that
must exist (user ids, usr_keys) come from --state. The report ends with what the exchanges sent
covered of the fuzzed operations (operations, documented responses, oneOf and anyOf branches,
parameters, request properties), measured as replay --coverage measures it.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\nExit codes: 0 no failure (warnings allowed), 1 failures found, 2 usage or input error.\n")
	}
	return fs
}

func (c *command) fuzz(ctx context.Context, args []string) int {
	var cfg fuzzConfig
	fs := c.fuzzFlags(&cfg)
	if code, done := c.parseNoArgs(fs, args, "fuzz"); done {
		return code
	}
	d, err := deploymentOf(cfg.target, cfg.user)
	if err != nil {
		return c.failf("fuzz", "%v", err)
	}
	target, auth := d.target, fuzz.Auth{User: d.user, Password: d.password, Token: d.token}
	if err := report.CheckFormat(cfg.format); err != nil {
		return c.failf("fuzz", "--format: %v", err)
	}
	switch {
	case cfg.maxRequests <= 0:
		return c.failf("fuzz", "--max-requests must be at least 1")
	case cfg.concurrency <= 0:
		return c.failf("fuzz", "--concurrency must be at least 1")
	case cfg.rate < 0 || cfg.duration < 0:
		return c.failf("fuzz", "--rate and --duration must not be negative")
	}
	tlsConf, err := trusting(cfg.cacert)
	if err != nil {
		return c.failf("fuzz", "--cacert: %v", err)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = tlsConf
	t.MaxIdleConnsPerHost = cfg.concurrency
	client := &http.Client{Timeout: cfg.timeout, Transport: t}
	state, err := readState(cfg.state)
	if err != nil {
		return c.failf("fuzz", "--state: %v", err)
	}
	docs, err := loadSpecs(ctx, cfg.specs, cfg.strict)
	if err != nil {
		return c.failf("fuzz", "%v", err)
	}
	f, err := fuzz.New(docs, fuzz.Options{
		Target: target, Auth: auth, Operations: cfg.operations, State: state, Seed: cfg.seed,
		MaxRequests: cfg.maxRequests, Duration: cfg.duration, Rate: cfg.rate, Concurrency: cfg.concurrency, Client: client,
	})
	if err != nil {
		return c.failf("fuzz", "%v", err)
	}
	fmt.Fprintf(c.notes(), "specgate fuzz: sending at most %d requests to %s://%s%s (seed %d)\n", cfg.maxRequests, target.Scheme, target.Host, target.Path, cfg.seed)
	res, err := f.Run(ctx)
	if err != nil {
		return c.failf("fuzz", "%v", err)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(c.notes(), "specgate fuzz: note: %s\n", n)
	}
	c.fuzzSummary(res)
	findings := report.Findings{Command: "fuzz", FailOn: report.LevelError, Coverage: res.Coverage}
	for _, d := range docs {
		findings.Inputs = append(findings.Inputs, d.Name())
	}
	for _, r := range fuzz.Rules {
		findings.Rules = append(findings.Rules, rules.Rule{ID: r.ID, Level: reportLevel(r.Level), Summary: r.Summary})
	}
	for _, x := range res.Findings {
		what := "valid request"
		if !x.Positive {
			what = "invalid request: " + x.Mutation
		}
		details := []string{fmt.Sprintf("%s, got %d; seen %d %s, shrunk in %d %s", what, x.Status, x.Occurrences, message.Plural(x.Occurrences, "time", "times"), x.ShrinkSteps, message.Plural(x.ShrinkSteps, "step", "steps")), x.Curl}
		for _, v := range x.RequestViolations {
			details = append(details, "why the request is invalid: "+v.String())
		}
		findings.Findings = append(findings.Findings, report.Finding{
			Rule: x.Rule, Level: reportLevel(x.Level), Operation: x.Operation, Message: x.Message,
			Details: details, Violations: x.ResponseViolations,
		})
	}
	code := c.findings("fuzz", cfg.format, findings)
	if short := cfg.coverage.shortfalls(res.Coverage, "fuzz", c.stderr); len(short) > 0 && code == exitOK {
		return exitFindings
	}
	return code
}

// reportLevel is a fuzz finding's level as the reports show it: a failure is an error, the level
// --fail-on and the reports' counts by level name for every command.
func reportLevel(l rules.Level) report.Level {
	if l == fuzz.LevelFailure {
		return report.LevelError
	}
	return report.LevelWarning
}

// fuzzSummary writes what the run sent to stderr; what it covered is in the report.
func (c *command) fuzzSummary(res *fuzz.Result) {
	w := c.notes()
	fmt.Fprintf(w, "specgate fuzz: %d requests (%d positive, %d negative, the rest shrinking) of %d generated", res.Requests, res.Positive, res.Negative, res.Planned)
	if res.Exhausted {
		fmt.Fprint(w, "; stopped at the budget")
	}
	if res.GeneratorRejects > 0 {
		fmt.Fprintf(w, "; %d generated valid requests the validator rejected were dropped", res.GeneratorRejects)
	}
	fmt.Fprintln(w)
	ops := make([]string, 0, len(res.Captured))
	for op := range res.Captured {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		var used []string
		for _, n := range res.Captured[op] {
			used = append(used, fmt.Sprintf("%s from %s", n, res.CapturedFrom[op][n]))
		}
		fmt.Fprintf(w, "  %s: a later round used %s\n", op, strings.Join(used, "; "))
	}
}

// readState reads a --state file: a YAML or JSON mapping from names to a list of identifiers
// (or one identifier). An error names the file and the entry.
func readState(file string) (map[string][]string, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, message.WithoutPath(err))
	}
	var raw map[string]any
	if strings.EqualFold(filepath.Ext(file), ".json") {
		err = json.Unmarshal(data, &raw)
	} else {
		err = yaml.Unmarshal(data, &raw)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s: names no identifiers; want a mapping such as \"patchUser/id: [db6f8e8b-...]\"", file)
	}
	out := map[string][]string{}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		switch v := raw[k].(type) {
		case []any:
			if len(v) == 0 {
				return nil, fmt.Errorf("%s: %s lists no identifiers", file, k)
			}
			for i, e := range v {
				switch e.(type) {
				case string, int, int64, float64:
					out[k] = append(out[k], fmt.Sprint(e))
				default:
					return nil, fmt.Errorf("%s: %s[%d] must be a string or a number", file, k, i)
				}
			}
		case string, int, int64, float64:
			out[k] = []string{fmt.Sprint(v)}
		default:
			return nil, fmt.Errorf("%s: %s must be a list of identifiers", file, k)
		}
	}
	return out, nil
}
