// Package lint checks OpenAPI documents, and the contracts written against them, before they are
// used to validate traffic: the checks behind `specgate lint`.
//
// For every root document Lint
//
//   - validates the file as written against the official OpenAPI document schema of its version
//     (3.0 or 3.1, embedded from schemas/), and reports the defects package specs repairs in
//     memory (a boolean "required" on a property, "readonly" spelt in lower case);
//   - reports every $ref that does not resolve, and whatever else makes kin-openapi refuse the
//     document;
//   - checks every example (a media type's example and examples, a parameter's or header's, a
//     schema's own example) against its schema, in the direction it travels (readOnly and
//     writeOnly exemptions apply);
//   - searches every oneOf for an instance that two of its branches accept (a witness: an
//     empty object, each branch's minimal and example instances, and their unions), which
//     proves that a value of that shape can never satisfy "exactly one";
//   - when given contracts, validates each contract's exchange against the documents and
//     compares the verdict with the one the contract expects.
//
// Findings are report.Finding values with a rule id from Rules, a level, the file, a JSON pointer
// and the line. Lint never stops at the first finding.
package lint

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/rules"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// Rule ids. They are stable: CI configurations name them.
const (
	RuleDocumentSchema    = "lint.oas.schema"
	RuleOpenAPIInvalid    = "lint.oas.invalid"
	RuleExampleInvalid    = "lint.example.invalid"
	RuleOneOfAmbiguous    = "lint.oneof.ambiguous"
	RuleOneOfUndecided    = "lint.oneof.undecided"
	RuleSchemaUnchecked   = "lint.schema.unchecked"
	RuleContractInvalid   = "lint.contract.invalid"
	RuleContractMismatch  = "lint.contract.mismatch"
	RuleContractUnmatched = "lint.contract.unmatched"
)

// Rules lists every rule id lint reports, with its level, in a stable order: lint's own, then
// every finding of package specs' lenient load (specs.Rules: a repair, an unresolved or
// Redocly-style $ref, what kin-openapi's validation refuses, a Swagger 2.0 conversion) and what
// the validator finds at load in the specs' schemas and cannot check (validator.LoadRules),
// with their levels and words. lint.ref.unresolved is now spec.ref.unresolved, and
// lint.schema.invalid spec.schema.uncompilable, the ids every command's --strict names.
var Rules = slices.Concat(ownRules, specs.Rules, validator.LoadRules)

var ownRules = []rules.Rule{
	{ID: RuleDocumentSchema, Level: rules.Error, Summary: "The document breaks the official OpenAPI JSON Schema of its version."},
	{ID: RuleOpenAPIInvalid, Level: rules.Error, Summary: "kin-openapi refuses to load or validate the document."},
	{ID: RuleExampleInvalid, Level: rules.Error, Summary: "An example (media type, parameter, header or schema) breaks its schema."},
	{ID: RuleOneOfAmbiguous, Level: rules.Error, Summary: "Two branches of a oneOf accept the same instance (the witness), which then matches no oneOf."},
	{ID: RuleOneOfUndecided, Level: rules.Warning, Summary: "The witness search of a oneOf ran out of its step budget before it decided every pair of branches; the oneOf may still be ambiguous."},
	{ID: RuleSchemaUnchecked, Level: rules.Warning, Summary: "A schema was not compiled because the schema engine failed (panicked) on these documents too often, so what uses it is not checked."},
	{ID: RuleContractInvalid, Level: rules.Error, Summary: "A contract file cannot be loaded."},
	{ID: RuleContractMismatch, Level: rules.Error, Summary: "The validator's verdict on a contract's exchange differs from the verdict the contract expects."},
	{ID: RuleContractUnmatched, Level: rules.Warning, Summary: "A contract names a spec that is not among the documents linted, so it was not checked."},
	{ID: RulePathParamInBody, Level: rules.Warning, Summary: "A request body requires a property that repeats a path parameter, which clients that send it in the path only never send."},
}

// Input is a set of root documents read through one specs.Sources.
type Input struct {
	Sources *specs.Sources
	Roots   []string
}

// Embedded is the specs embedded in specgate.
func Embedded() Input {
	display := func(p string) string { return "specs/" + p }
	return Input{
		Sources: specs.NewSources(specs.Embedded(), display),
		Roots:   append([]string(nil), specs.DefaultNames...),
	}
}

// Files is spec files of the operating system's file system, shown relative to the working
// directory when they are under it (as specs.LoadFiles shows them).
func Files(names ...string) (Input, error) {
	src, roots, err := specs.OSFiles(names...)
	if err != nil {
		return Input{}, err
	}
	return Input{Sources: src, Roots: roots}, nil
}

// Options says what else to check besides the documents.
type Options struct {
	// Contracts holds contract files (<spec>/<operationId>/<kind>-<name>.yaml, see package
	// contracts) to check against the documents; nil checks none.
	Contracts fs.FS
	// ContractsName is the folder the contracts are shown under ("contracts").
	ContractsName string
	// OneOfBudget is the number of steps the witness search of one oneOf may take (see
	// RuleOneOfUndecided); zero means DefaultOneOfBudget.
	OneOfBudget int
}

// Result is what Lint found.
type Result struct {
	// Inputs are the display names of the files checked.
	Inputs []string
	// Findings are sorted by file, line and rule.
	Findings []report.Finding

	// docs and loadErr are the one load of the documents that every check used.
	docs    []*specs.Document
	loadErr error
}

// Documents returns the documents as Lint loaded them for its checks, one per root in order,
// as specs.Load returns them: when a root did not load (a lint.oas.invalid finding), nil and
// the first such error. A caller that needs the documents too (--strict, a validator) uses
// these rather than reading and parsing the files again.
func (r *Result) Documents() ([]*specs.Document, error) {
	if r.loadErr != nil {
		return nil, r.loadErr
	}
	return r.docs, nil
}

// Lint checks the documents of in and, when opts has them, the contracts. Findings are never
// errors: Lint returns an error only when a root file cannot be read or parsed at all, when it
// is no OpenAPI document, or when ctx is done (then promptly, with ctx's error).
func Lint(ctx context.Context, in Input, opts Options) (*Result, error) {
	res := &Result{}
	for _, root := range in.Roots {
		f, err := in.Sources.File(root)
		if err != nil {
			return nil, err
		}
		if err := CheckOpenAPI(f); err != nil {
			return nil, err
		}
	}
	// Every document is loaded before the Checker is built: the load inlines what Redocly-style
	// references stand for (DigitalOcean's operations, each a $ref to a file), and the Checker
	// must see the documents as the validator of validate --spec does.
	type loaded struct {
		doc *specs.Document
		err error
	}
	var loads []loaded
	for _, root := range in.Roots {
		doc, err := loadDocument(ctx, in.Sources, root)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		loads = append(loads, loaded{doc, err})
	}
	// The document schema check needs neither the load nor the Checker: on GitHub's 12 MB spec
	// it takes as long as building the Checker, on the other core.
	schemaChecks := make([]metaCheck, len(in.Roots))
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		checkRoots(ctx, in.Sources, in.Roots, schemaChecks)
	}()
	// Lint returns no sooner than the check: nothing of it outlives the call.
	defer func() { <-checked }()
	// The Checker reads the same Sources: the validator compiles only Schema objects, so a
	// Parameter file's boolean required or map of examples is never taken for a schema.
	checker := &checker{src: in.Sources, roots: in.Roots}
	if err := checker.build(); err != nil {
		return nil, err
	}
	// What the validator cannot check in the schemas (a pattern no engine compiles, a schema
	// that does not compile) is what validate, proxy, mock and replay report at load.
	for _, f := range checker.c.SpecFindings() {
		res.Findings = append(res.Findings, fromSpecs(f))
	}
	budget := opts.OneOfBudget
	if budget <= 0 {
		budget = DefaultOneOfBudget
	}
	var docs []*specs.Document
	allLoaded := true
	// Documents of one tree share files (OpenSearch's namespaces share its schemas): what is
	// checked in a shared file is checked, and reported, once per Lint call.
	seen := map[string]bool{}
	for i, root := range in.Roots {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := in.Sources.File(root)
		if err != nil {
			return nil, err
		}
		res.Inputs = append(res.Inputs, f.Name)
		l := &linter{ctx: ctx, src: in.Sources, checker: checker, root: root, file: f, oneOfBudget: budget, seen: seen}
		var found []specs.Finding
		if doc, err := loads[i].doc, loads[i].err; err != nil {
			allLoaded = false
			if res.loadErr == nil {
				res.loadErr = err
			}
			l.add(report.Finding{Rule: RuleOpenAPIInvalid, Level: report.LevelError, File: f.Name, Message: err.Error()})
		} else {
			docs = append(docs, doc)
			found = specs.Findings([]*specs.Document{doc})
		}
		<-checked
		if err := l.document(found, schemaChecks[i]); err != nil {
			return nil, err
		}
		l.checkObjects()
		l.pathParamsInBody()
		if l.err != nil {
			return nil, l.err
		}
		res.Findings = append(res.Findings, l.findings...)
	}
	if opts.Contracts != nil {
		cf, err := checkContracts(ctx, docs, allLoaded, opts)
		if err != nil {
			return nil, err
		}
		res.Findings = append(res.Findings, cf...)
	}
	if allLoaded {
		res.docs = docs
	}
	report.SortFindings(res.Findings)
	return res, nil
}

// CheckOpenAPI refuses a root file that is no OpenAPI document (nor a Swagger 2.0 one): lint
// and diff would otherwise find nothing wrong in an empty file or in {"foo": 1}, and a CI gate
// pointed at the wrong file would pass. The error names the file.
func CheckOpenAPI(f *specs.File) error {
	m, ok := f.Value.(map[string]any)
	if !ok {
		if f.Value == nil {
			return fmt.Errorf("%s is no OpenAPI document: it is empty", f.Name)
		}
		return fmt.Errorf("%s is no OpenAPI document: it holds %s, not an object with an openapi (or swagger) version", f.Name, kindOf(f.Value))
	}
	for _, k := range []string{"openapi", "swagger"} {
		if v, ok := m[k]; ok {
			switch t := v.(type) {
			case string:
				if t != "" {
					return nil
				}
			case int, float64:
				return nil // 3.1 unquoted: kin-openapi and the document schema say what is wrong
			}
			return fmt.Errorf("%s is no OpenAPI document: its %s field is not a version", f.Name, k)
		}
	}
	return fmt.Errorf("%s is no OpenAPI document: it has no openapi (or swagger) field naming its version", f.Name)
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	}
	return "a number"
}

// loadDocument loads one document with package specs, which repairs the defects it knows and
// validates the rest with kin-openapi.
func loadDocument(ctx context.Context, src *specs.Sources, root string) (doc *specs.Document, err error) {
	// kin-openapi is third-party code reading a user's file: a panic in it is an error here.
	defer func() {
		if v := recover(); v != nil {
			doc, err = nil, fmt.Errorf("spec %s: kin-openapi failed loading it: %v", src.DisplayName(root), v)
		}
	}()
	docs, err := specs.Load(ctx, src, root)
	if err != nil {
		return nil, err
	}
	return docs[0], nil
}

// linter checks one root document.
type linter struct {
	ctx         context.Context
	src         *specs.Sources
	checker     *checker
	oneOfBudget int
	// err is the first error that stops the linter (ctx done); the walks check it and return.
	err      error
	root     string
	file     *specs.File
	findings []report.Finding
	// seen dedupes checks of places reached twice (a component used by two operations, a
	// schema file shared by two documents).
	seen map[string]bool
}

func (l *linter) add(f report.Finding) {
	l.findings = append(l.findings, f)
}

// once reports whether key is seen for the first time.
func (l *linter) once(key string) bool {
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if l.seen[key] {
		return false
	}
	l.seen[key] = true
	return true
}

// finding builds a finding at ptr of the file at path p, with its line and operation.
func (l *linter) finding(rule string, p, ptr, msg string) report.Finding {
	f := report.Finding{Rule: rule, Level: levelOf(rule), Pointer: ptr, Message: msg}
	if sf, err := l.src.File(p); err == nil {
		f.File, f.Line = sf.Name, sf.Line(ptr)
		f.Operation = operationAt(sf.Value, ptr)
	} else {
		f.File = l.src.DisplayName(p)
	}
	return f
}

// fromSpecs turns a finding of package specs or of the validator's load into lint's, with its
// level.
func fromSpecs(f specs.Finding) report.Finding {
	out := report.Finding{Rule: f.Rule, Level: levelOf(f.Rule), File: f.File, Pointer: f.Pointer, Line: f.Line, Message: f.Message}
	if f.Level != "" {
		out.Level = f.Level
	}
	return out
}

func levelOf(rule string) report.Level {
	return rules.LevelOf(Rules, rule, rules.Error)
}

// document reports what the document schema check of the root found (schemaCheck, see
// checkRoots) and every finding of package specs' lenient load (found, of the root and of
// every file it reaches; once per Lint call, since roots share files).
func (l *linter) document(found []specs.Finding, schemaCheck metaCheck) error {
	problems, err := schemaCheck.problems, schemaCheck.err
	if err != nil {
		return err
	}
	// A repair or an inlined Redocly-style $ref replaces the schema finding at the same place of
	// the root, since it says more; an unknown field is said better by the schema finding ("not a field ... allows in an
	// Operation object"), which only the root has.
	// A component name outside [a-zA-Z0-9._-] is spec.component.name; the document schema's
	// pattern on the components' keys says the same, so that one schema finding gives way.
	repaired, problemAt, misnamed := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, p := range problems {
		problemAt[p.pointer] = true
	}
	for _, r := range found {
		inRoot := r.File == l.file.Name
		switch {
		case !inRoot:
		case strings.HasPrefix(r.Rule, "spec.repair."):
			repaired[r.Pointer] = true
		case r.Rule == specs.RuleComponentName:
			misnamed[r.Pointer] = true
		case r.Rule == specs.RuleRefText || r.Rule == specs.RuleRefMisplaced:
			// The $ref is inlined as Redocly does: the schema finding on the object holding it
			// ("expected string, but got object") is the same defect in other words.
			repaired[strings.TrimSuffix(r.Pointer, "/$ref")] = true
		}
		if inRoot && r.Rule == specs.RuleFieldUnknown && problemAt[r.Pointer] {
			continue
		}
		if !l.once("spec " + r.Rule + " " + r.File + "#" + r.Pointer + " " + r.Message) {
			continue
		}
		f := fromSpecs(r)
		if inRoot {
			f.Operation = operationAt(l.file.Value, r.Pointer)
		}
		l.add(f)
	}
	for _, p := range problems {
		if repaired[p.pointer] || repaired[strings.TrimSuffix(p.pointer, "/$ref")] {
			continue
		}
		if misnamed[p.pointer] && strings.Contains(p.message, "does not match pattern") {
			continue
		}
		l.add(l.finding(RuleDocumentSchema, l.root, p.pointer, p.message))
	}
	return nil
}

// metaCheck is what the document schema check of one root found.
type metaCheck struct {
	problems []metaProblem
	err      error
}

// checkRoots runs the document schema check of each root in turn, into out. It reads only the
// files as written (their parse, never what the load or the Checker make of them), so Lint
// runs it on the other core while the Checker is built; it stops at the first root after ctx
// is done, whose error it gives.
func checkRoots(ctx context.Context, src *specs.Sources, roots []string, out []metaCheck) {
	for i, root := range roots {
		if err := ctx.Err(); err != nil {
			out[i].err = err
			continue
		}
		f, err := src.File(root)
		if err != nil {
			out[i].err = err
			continue
		}
		out[i].problems, out[i].err = documentProblems(f)
	}
}

// documentProblems validates the root file f as written against the OpenAPI document schema
// of its version. It runs on a goroutine of its own, so a panic (of a parser, of the schema
// engine) is an error naming the file here, not the end of the process.
func documentProblems(f *specs.File) (problems []metaProblem, err error) {
	defer func() {
		if v := recover(); v != nil {
			problems, err = nil, fmt.Errorf("spec file %s: the OpenAPI document schema check failed: %v", f.Name, v)
		}
	}()
	raw, err := f.Written()
	if err != nil {
		return nil, fmt.Errorf("spec file %s: %w", f.Name, err)
	}
	// Only 3.0.x and 3.1.x have a document schema here: a Swagger 2.0 document is checked as
	// converted (spec.converted.*), a 3.2 one as read with 3.1's rules (spec.version.read_as_3_1);
	// checking either against another version's schema would call every difference a defect.
	if m, ok := raw.(map[string]any); ok {
		if ver, ok := m["openapi"].(string); ok && (strings.HasPrefix(ver, "3.0") || strings.HasPrefix(ver, "3.1")) || !ok && m["swagger"] == nil {
			return guardedCheckDocument(f.Name, raw, strings.HasPrefix(ver, "3.1"))
		}
	}
	return nil, nil
}

// guardedCheckDocument runs checkDocument, turning a panic of the schema engine into an error
// naming the file.
func guardedCheckDocument(name string, raw any, v31 bool) (problems []metaProblem, err error) {
	defer func() {
		if v := recover(); v != nil {
			problems, err = nil, fmt.Errorf("spec file %s: the OpenAPI document schema check failed: %v", name, v)
		}
	}()
	return checkDocument(raw, v31)
}

// methods are the operation keys of a path item.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// operationAt names the operation a pointer lies in: "PATCH /users/{id} (patchUser)", or "".
func operationAt(doc any, ptr string) string {
	toks := strings.Split(ptr, "/")
	if len(toks) < 4 || toks[0] != "" || toks[1] != "paths" {
		return ""
	}
	p, method := jsonptr.Unescape(toks[2]), toks[3]
	isMethod := false
	for _, m := range methods {
		if m == method {
			isMethod = true
		}
	}
	if !isMethod {
		return ""
	}
	name := strings.ToUpper(method) + " " + p
	if op, ok := jsonptr.Lookup(doc, jsonptr.Join("", "paths", p, method)); ok {
		if m, ok := op.(map[string]any); ok {
			if id, ok := m["operationId"].(string); ok && id != "" {
				name += " (" + id + ")"
			}
		}
	}
	return name
}
