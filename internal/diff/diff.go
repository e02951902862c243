// Package diff finds what changed between two revisions of the specs, and which changes break
// clients: the checks behind `specgate diff BASE REVISION`.
//
// The diff engine is oasdiff (github.com/oasdiff/oasdiff), which works on kin-openapi's model, the
// one package specs uses: oasdiff's diff.Get computes the structural diff and its checker runs its
// backward-compatibility checks (786 of them in v1.37.0: removed operations and statuses, new
// required parameters and properties, narrowed types, enums and lengths on requests, widened
// responses, media types, security, deprecation) and gives each change a level and a sentence.
// What specgate adds:
//
//   - loading: each revision is read through package specs (so the defects it repairs do not stop
//     a diff) with kin-openapi's origin tracking on, so findings carry file and line;
//   - stable rule ids: every oasdiff check id maps onto one id of Rules (the oasdiff id stays in
//     the finding's Origin), with oasdiff's level as breaking, warning or info;
//   - pairing of whole spec folders by file name, with a finding for a spec file that went away;
//   - traffic: recorded exchanges (HAR or JSON Lines) are validated against both revisions, and
//     every exchange that was valid before and is not now is a breaking finding that lists the
//     revision's violations: proof, from real traffic, that the change breaks a client.
package diff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	oasdiff "github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"

	"github.com/specgate/specgate/internal/lint"
	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/internal/redact"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// Revision is one revision of a set of spec files, read through one specs.Sources.
type Revision struct {
	Sources *specs.Sources
	// Roots are the root documents, paths of Sources.
	Roots []string
}

// Files reads a revision from the operating system's file system. Each name is a spec file or
// a folder, which contributes its *.yaml, *.yml and *.json files (not its subfolders). Files
// are shown relative to the working directory when they are under it.
func Files(names ...string) (Revision, error) {
	var all []string
	for _, n := range names {
		st, err := os.Stat(n)
		if err != nil {
			return Revision{}, fmt.Errorf("spec %s: %w", n, message.WithoutPath(err))
		}
		files := []string{n}
		if st.IsDir() {
			files = files[:0]
			entries, err := os.ReadDir(n)
			if err != nil {
				return Revision{}, fmt.Errorf("spec folder %s: %w", n, message.WithoutPath(err))
			}
			for _, e := range entries {
				switch filepath.Ext(e.Name()) {
				case ".yaml", ".yml", ".json":
					if !e.IsDir() {
						files = append(files, filepath.Join(n, e.Name()))
					}
				}
			}
			if len(files) == 0 {
				return Revision{}, fmt.Errorf("spec folder %s holds no .yaml, .yml or .json file", n)
			}
		}
		all = append(all, files...)
	}
	src, roots, err := specs.OSFiles(all...)
	if err != nil {
		return Revision{}, err
	}
	return Revision{Sources: src, Roots: roots}, nil
}

// Options says what else to compare.
type Options struct {
	// Traffic names recordings (HAR or JSON Lines) to validate against both revisions.
	Traffic []string
}

// Result is what Compare found.
type Result struct {
	// Inputs are the display names of the revision's spec files (the base's when a file is gone).
	Inputs []string
	// Findings are sorted by file, line and rule; traffic regressions come last, in recording
	// order.
	Findings []report.Finding
	// Exchanges counts the recorded exchanges replayed; Regressions those valid before and not now.
	Exchanges, Regressions int
}

// Compare finds the changes from base to rev. Spec files are paired by file name; with one file
// on each side they are paired whatever their names. It returns an error when a file cannot be
// read or is not an OpenAPI document kin-openapi can load, or a recording cannot be read.
func Compare(ctx context.Context, base, rev Revision, opts Options) (*Result, error) {
	for _, side := range []struct {
		name string
		r    Revision
	}{{"base", base}, {"revision", rev}} {
		for _, root := range side.r.Roots {
			f, err := side.r.Sources.File(root)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", side.name, err)
			}
			if err := lint.CheckOpenAPI(f); err != nil {
				return nil, fmt.Errorf("%s: %w", side.name, err)
			}
		}
	}
	pairs, lone, err := pair(base, rev)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for _, p := range pairs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fs, err := comparePair(ctx, base.Sources, p[0], rev.Sources, p[1])
		if err != nil {
			return nil, err
		}
		res.Inputs = append(res.Inputs, rev.Sources.DisplayName(p[1]))
		res.Findings = append(res.Findings, fs...)
	}
	for _, l := range lone {
		res.Findings = append(res.Findings, l)
		res.Inputs = append(res.Inputs, l.File)
	}
	report.SortFindings(res.Findings)
	if len(opts.Traffic) > 0 {
		if err := replayTraffic(ctx, base, rev, opts.Traffic, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// pair pairs the roots of two revisions by file name, and reports the ones left alone.
func pair(base, rev Revision) ([][2]string, []report.Finding, error) {
	if len(base.Roots) == 1 && len(rev.Roots) == 1 {
		return [][2]string{{base.Roots[0], rev.Roots[0]}}, nil, nil
	}
	byName := map[string]string{}
	for _, r := range rev.Roots {
		n := path.Base(r)
		if _, dup := byName[n]; dup {
			return nil, nil, fmt.Errorf("two revision spec files are named %s; give one file per name", n)
		}
		byName[n] = r
	}
	var pairs [][2]string
	var lone []report.Finding
	matched := map[string]bool{}
	for _, b := range base.Roots {
		n := path.Base(b)
		r, ok := byName[n]
		if !ok {
			lone = append(lone, report.Finding{Rule: RuleSpecRemoved, Level: report.LevelBreaking, File: base.Sources.DisplayName(b),
				Message: fmt.Sprintf("spec %s has no counterpart named %s in the revision: every operation it documents is gone", base.Sources.DisplayName(b), n)})
			continue
		}
		matched[r] = true
		pairs = append(pairs, [2]string{b, r})
	}
	for _, r := range rev.Roots {
		if !matched[r] {
			lone = append(lone, report.Finding{Rule: RuleSpecAdded, Level: report.LevelInfo, File: rev.Sources.DisplayName(r),
				Message: fmt.Sprintf("spec %s is new in the revision", rev.Sources.DisplayName(r))})
		}
	}
	return pairs, lone, nil
}

// loaded is one side of a pair: kin-openapi's model and the file it came from.
type loaded struct {
	src  *specs.Sources
	root string
	spec *openapi3.T
}

// loadOrigin loads a document the way package specs does, but with kin-openapi's origin tracking
// on, so that changes carry lines; a document only the lenient loader reads is read by it. A file that needed repairs is loaded from its repaired form,
// whose lines are not the file's: its findings get their lines from their JSON pointers instead.
func loadOrigin(ctx context.Context, src *specs.Sources, root string) (*loaded, error) {
	f, err := src.File(root)
	if err != nil {
		return nil, err
	}
	content := func(f *specs.File) ([]byte, error) {
		if !f.Modified() {
			return f.Data, nil
		}
		return json.Marshal(f.Value)
	}
	data, err := content(f)
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", f.Name, err)
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	loader.IsExternalRefsAllowed = true
	loader.IncludeOrigin = !f.Modified()
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		if u.Scheme != "" || u.Host != "" {
			return nil, fmt.Errorf("only relative file references are followed, not %s", u)
		}
		ref, err := src.File(path.Clean(strings.TrimPrefix(u.Path, "/")))
		if err != nil {
			return nil, err
		}
		return content(ref)
	}
	spec, err := loader.LoadFromDataWithPath(data, &url.URL{Path: "/" + root})
	if err != nil {
		// What kin-openapi's loader cannot read by itself (a Redocly-style $ref standing for an
		// operation or a description, a $ref into nothing) the lenient loader reads, as every
		// other command does; its model has no origins, so findings take their lines from
		// their pointers.
		docs, lerr := specs.Load(ctx, src, root)
		if lerr != nil {
			return nil, lerr
		}
		return &loaded{src: src, root: root, spec: docs[0].Spec}, nil
	}
	return &loaded{src: src, root: root, spec: spec}, nil
}

func comparePair(ctx context.Context, bsrc *specs.Sources, broot string, rsrc *specs.Sources, rroot string) (out []report.Finding, err error) {
	// kin-openapi and oasdiff are third-party code reading users' files: a panic in them is an
	// error naming the pair, never the end of the process.
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("comparing %s with %s: the diff engine failed: %v", bsrc.DisplayName(broot), rsrc.DisplayName(rroot), v)
		}
	}()
	b, err := loadOrigin(ctx, bsrc, broot)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	r, err := loadOrigin(ctx, rsrc, rroot)
	if err != nil {
		return nil, fmt.Errorf("revision: %w", err)
	}
	bi := &load.SpecInfo{Url: bsrc.DisplayName(broot), Spec: b.spec}
	ri := &load.SpecInfo{Url: rsrc.DisplayName(rroot), Spec: r.spec}
	d, sources, err := oasdiff.GetWithOperationsSourcesMap(oasdiff.NewConfig(), bi, ri)
	if err != nil {
		return nil, fmt.Errorf("comparing %s with %s: %w", bi.Url, ri.Url, err)
	}
	changes := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO)
	loc := checker.NewDefaultLocalizer()
	out = make([]report.Finding, 0, len(changes))
	for _, c := range changes {
		out = append(out, finding(c, loc, b, r))
	}
	return out, nil
}

// finding turns an oasdiff change into a finding located in the revision (or, for something
// removed, in the base).
func finding(c checker.Change, loc checker.Localizer, base, rev *loaded) report.Finding {
	f := report.Finding{
		Rule:    ruleFor(c.GetId()),
		Level:   levelFor(c.GetLevel()),
		Message: oneSentence(c.GetUncolorizedText(loc)),
		Origin:  "oasdiff:" + c.GetId(),
	}
	method, p := c.GetOperation(), c.GetPath()
	if method != "" && p != "" {
		f.Operation = method + " " + p
		if id := c.GetOperationId(); id != "" {
			f.Operation += " (" + id + ")"
		}
		f.Pointer = "/paths/" + escape(p) + "/" + strings.ToLower(method)
	} else if p != "" {
		f.Pointer = "/paths/" + escape(p)
	} else if f.Rule == RuleVersion {
		f.Pointer = "/info/version"
	}
	if cm := c.GetComment(loc); cm != "" {
		f.Details = append(f.Details, oneSentence(cm))
	}
	side, src := rev, c.GetRevisionSource()
	if src == nil || src.Line == 0 {
		if bs := c.GetBaseSource(); bs != nil && bs.Line > 0 {
			side, src = base, bs
		}
	}
	f.File = side.src.DisplayName(side.root)
	if src != nil && src.Line > 0 {
		f.Line = src.Line
		if src.File != "" {
			f.File = side.src.DisplayName(strings.TrimPrefix(filepath.ToSlash(src.File), "/"))
		}
		return f
	}
	// No origin: take the line of the pointer, in the revision when it is there, else in the base,
	// following $refs from file to file (SailPoint's path items are each a $ref to a file).
	for _, s := range []*loaded{rev, base} {
		if f.Pointer == "" {
			break
		}
		if file, ptr, ok := locate(s.src, s.root, f.Pointer); ok {
			f.File, f.Line = file.Name, file.Line(ptr)
			return f
		}
	}
	return f
}

// locate finds the value at ptr of the document rooted at root, following the $refs met on the
// way into the files they name, and returns the file and pointer it is written at. A field
// written beside a $ref is taken before the $ref is followed.
func locate(src *specs.Sources, root, ptr string) (*specs.File, string, bool) {
	at := specs.Place{File: root}
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for {
		v, err := src.Value(at)
		if err != nil {
			return nil, "", false
		}
		if len(toks) == 0 {
			file, err := src.File(at.File)
			return file, at.Pointer, err == nil
		}
		next := specs.Place{File: at.File, Pointer: at.Pointer + "/" + toks[0]}
		if _, err := src.Value(next); err == nil {
			at, toks = next, toks[1:]
			continue
		}
		m, _ := v.(map[string]any)
		if _, isRef := m["$ref"].(string); !isRef {
			return nil, "", false
		}
		// Resolve ends at a value that is no reference: the next turn takes the token or stops.
		if at, _, err = src.Resolve(at); err != nil {
			return nil, "", false
		}
	}
}

func oneSentence(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// replayTraffic validates every recorded exchange against both revisions and reports those that
// were valid before and are not now.
func replayTraffic(ctx context.Context, base, rev Revision, recordings []string, res *Result) error {
	bv, err := newValidator(ctx, base)
	if err != nil {
		return fmt.Errorf("base: %w", err)
	}
	rv, err := newValidator(ctx, rev)
	if err != nil {
		return fmt.Errorf("revision: %w", err)
	}
	for _, name := range recordings {
		if err := replayFile(ctx, name, bv, rv, res); err != nil {
			return err
		}
	}
	return nil
}

func newValidator(ctx context.Context, r Revision) (*validator.Validator, error) {
	docs, err := specs.Load(ctx, r.Sources, r.Roots...)
	if err != nil {
		return nil, err
	}
	return validator.New(docs, validator.Options{})
}

func replayFile(ctx context.Context, name string, bv, rv *validator.Validator, res *Result) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("traffic %s: %w", name, message.WithoutPath(err))
	}
	defer f.Close()
	tr, err := traffic.Open(name, f)
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if rec.Err != nil {
			// An entry that cannot be read says nothing about the change; the recording's own
			// validation (specgate validate) reports it.
			continue
		}
		res.Exchanges++
		before := bv.Validate(ctx, rec.Exchange)
		if !before.Valid() {
			continue
		}
		after := rv.Validate(ctx, rec.Exchange)
		if after.Valid() {
			continue
		}
		res.Regressions++
		res.Findings = append(res.Findings, regression(rec, before, after))
	}
}

func regression(rec traffic.Record, before, after validator.Result) report.Finding {
	where := fmt.Sprintf("entry %d", rec.Index)
	if rec.Line > 0 {
		where = fmt.Sprintf("line %d", rec.Line)
	}
	what := ""
	if r := rec.Exchange.Request; r != nil {
		what = fmt.Sprintf(" (%s %s)", r.Method, redact.Target(r.URL))
	}
	rules := map[string]bool{}
	for _, v := range after.Violations {
		rules[v.Rule] = true
	}
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	why := after.OutOfScope
	if why == "" {
		why = strings.Join(ids, ", ")
	}
	op := after.Operation
	if op == "" {
		op = before.Operation
	}
	return report.Finding{
		Rule:       RuleTrafficRegression,
		Level:      report.LevelBreaking,
		File:       rec.File,
		Line:       rec.Line,
		Operation:  op,
		Message:    fmt.Sprintf("recorded exchange %s%s was valid against the base revision and is not against the revision: %s", where, what, why),
		Violations: after.Violations,
	}
}
