// Command lintcorpus lints and loads every root document a roots.txt lists (one path a line,
// relative to the file's folder), each in a child process of its own, and prints one line per
// document: whether it loads (as `specgate validate --spec` loads it; the child builds on
// lint's one load of the files), whether the validator
// builds on it and how many load findings of its own it has (validator.LoadRules), the lint findings by rule
// id, the time lint took, and the child's peak resident memory; then the totals. With -redocly
// it also times Redocly CLI's `lint` on each document in the same run, and prints the ratios.
//
// `make corpus` runs it over ../shared/real-specs/roots.txt.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/specgate/specgate/internal/lint"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// result is what a child reports about one document.
type result struct {
	Root    string `json:"root"`
	LoadErr string `json:"load_error,omitempty"`
	LintErr string `json:"lint_error,omitempty"`
	// BuildErr is validator.New's error (or panic) on the loaded documents, as validate
	// --spec builds it; SpecFindings counts what it found in their schemas and cannot check.
	BuildErr     string         `json:"build_error,omitempty"`
	SpecFindings int            `json:"spec_findings"`
	Build        time.Duration  `json:"build_ns"`
	Rules        map[string]int `json:"rules"`
	Lint         time.Duration  `json:"lint_ns"`
	// Filled in by the parent.
	MaxRSS  int64         `json:"-"`
	Wall    time.Duration `json:"-"`
	CPU     time.Duration `json:"-"` // user and system time of the child
	Redocly time.Duration `json:"-"`
	Crash   string        `json:"-"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	child := flag.String("child", "", "lint this one `ROOT` and print the result as JSON (used by the parent)")
	budget := flag.Int("oneof-budget", 0, "steps of the witness search per oneOf (0: lint's default)")
	timeout := flag.Duration("timeout", 2*time.Minute, "kill a document's child after `D`")
	redocly := flag.String("redocly", "", "also time `CMD` lint ROOT (Redocly CLI, e.g. /work/redocly-bench/node_modules/.bin/redocly)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: lintcorpus [-redocly CMD] [-timeout D] ROOTS.TXT\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *child != "" {
		if err := runChild(ctx, *child, *budget, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "lintcorpus:", err)
			os.Exit(2)
		}
		return
	}
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(ctx, flag.Arg(0), *budget, *timeout, *redocly, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lintcorpus:", err)
		os.Exit(2)
	}
}

// runChild lints one document in this process, as `specgate lint` does, then builds the
// validator on the documents lint loaded, as validate --spec builds it: one read and parse of
// each file for both, so the child's time and memory are lint's plus the build's, not those of
// two loads.
func runChild(ctx context.Context, root string, budget int, w io.Writer) error {
	res := result{Root: root, Rules: map[string]int{}}
	start := time.Now()
	var lr *lint.Result
	in, err := lint.Files(root)
	if err == nil {
		lr, err = lint.Lint(ctx, in, lint.Options{OneOfBudget: budget})
		if err == nil {
			for _, f := range lr.Findings {
				res.Rules[f.Rule]++
			}
		}
	}
	res.Lint = time.Since(start)
	if err != nil {
		res.LintErr = firstLine(err.Error())
	}
	var docs []*specs.Document
	if lr != nil {
		docs, err = lr.Documents()
	} else {
		// Lint refused the document before loading it (or failed after): the load's own
		// error is what validate --spec says.
		docs, err = specs.LoadFiles(ctx, root)
	}
	if err != nil {
		res.LoadErr = firstLine(err.Error())
	} else {
		start := time.Now()
		v, err := buildValidator(docs)
		res.Build = time.Since(start)
		if err != nil {
			res.BuildErr = firstLine(err.Error())
		} else {
			res.SpecFindings = len(v.SpecFindings())
		}
	}
	return json.NewEncoder(w).Encode(res)
}

// buildValidator builds the validator as validate --spec does, a panic being an error.
func buildValidator(docs []*specs.Document) (v *validator.Validator, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	return validator.New(docs, validator.Options{})
}

func run(ctx context.Context, list string, budget int, timeout time.Duration, redocly string, w io.Writer) error {
	data, err := os.ReadFile(list)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir := filepath.Dir(list)
	var results []result
	for _, line := range strings.Split(string(data), "\n") {
		root := strings.TrimSpace(line)
		if root == "" || strings.HasPrefix(root, "#") {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		r := measure(ctx, self, dir, root, budget, timeout)
		if redocly != "" {
			r.Redocly = timeRedocly(ctx, redocly, dir, root, timeout)
		}
		fmt.Fprintln(w, r.line())
		results = append(results, r)
	}
	totals(w, results, redocly != "")
	return nil
}

// measure runs one child and reads its peak RSS from the kernel's accounting of the child.
func measure(ctx context.Context, self, dir, root string, budget int, timeout time.Duration) result {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "-child", root, "-oneof-budget", fmt.Sprint(budget))
	cmd.Dir = dir
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{Root: root}
	wall := time.Since(start)
	if jerr := json.Unmarshal(out.Bytes(), &r); jerr != nil || err != nil {
		r.Crash = firstLine(strings.TrimSpace(stderr.String()))
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			r.Crash = fmt.Sprintf("killed after %s", timeout)
		} else if r.Crash == "" && err != nil {
			r.Crash = err.Error()
		}
		if strings.Contains(stderr.String(), "panic:") {
			r.Crash = "PANIC: " + r.Crash
		}
	}
	r.Wall = wall
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.MaxRSS = ru.Maxrss * 1024 // Linux reports kilobytes
			r.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return r
}

// timeRedocly times Redocly CLI's lint on the document; its findings make it exit 1, which is
// no failure here.
func timeRedocly(ctx context.Context, redocly, dir, root string, timeout time.Duration) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, redocly, "lint", root)
	cmd.Dir = dir
	start := time.Now()
	_ = cmd.Run()
	return time.Since(start)
}

func (r result) line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-62s ", r.Root)
	switch {
	case r.Crash != "":
		fmt.Fprintf(&b, "CRASH %s", r.Crash)
		return b.String()
	case r.LoadErr != "":
		fmt.Fprintf(&b, "load error (%s) ", clip(r.LoadErr, 80))
	default:
		b.WriteString("load ok ")
		if r.BuildErr != "" {
			fmt.Fprintf(&b, "| validator error (%s) ", clip(r.BuildErr, 80))
		} else {
			fmt.Fprintf(&b, "| validator ok, %d spec findings, %.2fs ", r.SpecFindings, r.Build.Seconds())
		}
	}
	if r.LintErr != "" {
		fmt.Fprintf(&b, "| lint error (%s) ", clip(r.LintErr, 80))
	} else {
		n := 0
		for _, c := range r.Rules {
			n += c
		}
		fmt.Fprintf(&b, "| lint %d findings", n)
		if n > 0 {
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(r.Rules)) {
				parts = append(parts, fmt.Sprintf("%s=%d", k, r.Rules[k]))
			}
			fmt.Fprintf(&b, " (%s)", strings.Join(parts, " "))
		}
	}
	fmt.Fprintf(&b, " | lint %.2fs, process %.2fs (cpu %.2fs), peak RSS %d MB", r.Lint.Seconds(), r.Wall.Seconds(), r.CPU.Seconds(), r.MaxRSS>>20)
	if r.Redocly > 0 {
		fmt.Fprintf(&b, " | redocly %.2fs (ratio %.2f)", r.Redocly.Seconds(), r.Wall.Seconds()/r.Redocly.Seconds())
	}
	return b.String()
}

func totals(w io.Writer, rs []result, redocly bool) {
	var loaded, built, linted, crashed, specFindings int
	rules := map[string]int{}
	var lintTimes, wall, cpu, ratios []float64
	var maxRSS int64
	var slowest result
	for _, r := range rs {
		if r.Crash != "" {
			crashed++
			continue
		}
		if r.LoadErr == "" {
			loaded++
			if r.BuildErr == "" {
				built++
				specFindings += r.SpecFindings
			}
		}
		if r.LintErr == "" {
			linted++
		}
		for k, c := range r.Rules {
			rules[k] += c
		}
		lintTimes = append(lintTimes, r.Lint.Seconds())
		wall = append(wall, r.Wall.Seconds())
		cpu = append(cpu, r.CPU.Seconds())
		if r.Wall > slowest.Wall {
			slowest = r
		}
		maxRSS = max(maxRSS, r.MaxRSS)
		if redocly && r.Redocly > 0 {
			ratios = append(ratios, r.Wall.Seconds()/r.Redocly.Seconds())
		}
	}
	fmt.Fprintf(w, "\n%d documents: %d load, %d build a validator (%d spec findings of its load), %d lint without error, %d crashed or were killed\n", len(rs), loaded, built, specFindings, linted, crashed)
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(rules)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, rules[k]))
	}
	fmt.Fprintf(w, "findings: %s\n", strings.Join(parts, " "))
	fmt.Fprintf(w, "lint time: median %.2fs, max %.2fs; process time (start, load, lint, exit): median %.2fs, max %.2fs (%s); process cpu: median %.2fs, max %.2fs; peak RSS max %d MB\n",
		median(lintTimes), maxOf(lintTimes), median(wall), maxOf(wall), slowest.Root, median(cpu), maxOf(cpu), maxRSS>>20)
	if len(ratios) > 0 {
		fmt.Fprintf(w, "process time / Redocly CLI lint time, same run: median %.2f, max %.2f\n", median(ratios), maxOf(ratios))
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
