package validator

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"sync"

	"github.com/specgate/specgate/internal/schema"
	"github.com/specgate/specgate/specs"
)

// Checker checks values against the schema at any place of a set of spec files, the way a
// request or a response carries them: lint uses it for examples and oneOf witnesses. It compiles
// each place on first use, one at a time, so it is safe for concurrent use but not meant for the
// hot path of exchanges, which is Validator.Validate.
type Checker struct {
	mu  sync.Mutex
	set *schemaSet
}

// Schema is a compiled schema of a Checker.
type Schema struct {
	c   *Checker
	sch *schema.Schema
	dir direction
}

// NewChecker returns a Checker for the documents rooted at roots (paths of src) and every file
// they refer to. The documents need not load with kin-openapi: a Checker works on the files
// as written (repaired by package specs), so that a linter can check what a loader refuses.
func NewChecker(src *specs.Sources, roots ...string) (*Checker, error) {
	c := &Checker{set: newSchemaSet(toNeither)}
	for _, r := range roots {
		f, err := src.File(r)
		if err != nil {
			return nil, err
		}
		m, _ := f.Value.(map[string]any)
		version, _ := m["openapi"].(string)
		if err := c.set.addRoot(src, r, schemasAre2020(version)); err != nil {
			return nil, err
		}
	}
	if err := c.set.addResources(); err != nil {
		return nil, err
	}
	return c, nil
}

// SpecFindings lists what the Checker found in the documents' schemas and cannot check (rule ids
// in LoadRules), as (*Validator).SpecFindings does.
func (c *Checker) SpecFindings() []specs.Finding {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.set.findings()
}

// Compile compiles the schema at the JSON pointer ptr of the file at path (a path of src, one of
// the Checker's documents' Sources) as part carries it: PartRequest rejects readOnly properties
// and exempts them from required, PartResponse does the same for writeOnly, and "" applies
// neither rule.
func (c *Checker) Compile(part Part, src *specs.Sources, path, ptr string) (*Schema, error) {
	dir := toNeither
	switch part {
	case PartRequest:
		dir = toRequest
	case PartResponse:
		dir = toResponse
	case "":
	default:
		return nil, errors.New("part must be request, response or empty")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	sch, err := c.set.compile(src, dir, path, ptr)
	if err != nil {
		return nil, err
	}
	return &Schema{c: c, sch: sch, dir: dir}, nil
}

// UncompilableFinding returns the spec.schema.uncompilable finding (file, pointer, line, why) of
// an error of Compile that is a schema the engine cannot compile, as the Validator reports it at
// load, so that lint reports the same defect with the same id and words.
func UncompilableFinding(err error) (specs.Finding, bool) {
	var ce *compileError
	if errors.As(err, &ce) {
		return ce.at, true
	}
	return specs.Finding{}, false
}

// Accepts reports whether v (a value as encoding/json decodes it with UseNumber, or as a YAML
// decoder gives it) is valid against s.
func (s *Schema) Accepts(v any) bool {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.sch.Valid(normalizeNumbers(v))
}

// Check returns every way v breaks s, as violations without an operation; nil when v is valid.
func (s *Schema) Check(v any) []Violation {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	var out []Violation
	for _, f := range s.sch.Check(normalizeNumbers(v), "the value") {
		x := Violation{Instance: f.Instance, Keyword: f.Keyword, Schema: f.Schema, Line: f.Line, Message: f.Message, Branches: f.Branches}
		switch s.dir {
		case toRequest:
			x.Part, x.Rule = PartRequest, RuleRequestBodySchema
			if f.Keyword == kwForbidReadOnly {
				x.Rule = RuleRequestBodyReadOnly
			}
		case toResponse:
			x.Part, x.Rule = PartResponse, RuleResponseBodySchema
			if f.Keyword == kwForbidWriteOnly {
				x.Rule = RuleResponseBodyWriteOnly
			}
		}
		out = append(out, x)
	}
	bound(out)
	return out
}

// normalizeNumbers returns v with the numbers a YAML decoder gives (int, float64, ...) turned
// into json.Number, as the JSON decoder gives them.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = normalizeNumbers(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = normalizeNumbers(e)
		}
		return s
	case int:
		return json.Number(strconv.Itoa(t))
	case int64:
		return json.Number(strconv.FormatInt(t, 10))
	case uint64:
		return json.Number(strconv.FormatUint(t, 10))
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return strconv.FormatFloat(t, 'g', -1, 64) // not a JSON number: reported as a string
		}
		return json.Number(strconv.FormatFloat(t, 'g', -1, 64))
	}
	return v
}

// CheckPattern returns nil when p is a pattern the validator checks (ECMA-262, as JSON Schema
// defines patterns, or RE2), and otherwise why it is not: what the format "regex" means to
// every check of specgate, lint's OpenAPI document-schema check included.
func CheckPattern(p string) error { return schema.CheckPattern(p) }
