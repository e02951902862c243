package specs

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/rules"
)

// Finding rule ids. Published specs carry defects that would make kin-openapi refuse the whole
// document. specgate loads what it can understand and reports each defect as a Finding, never
// silently; Strict refuses every finding that is not a mere note (LevelInfo).
const (
	// RepairBooleanRequired: a property schema says "required": true (Swagger 1 / JSON Schema
	// draft 3 style). OpenAPI 3 lists required properties in the parent's required array.
	RepairBooleanRequired = "spec.repair.boolean_required"
	// RepairLowercaseAccess: "readonly" or "writeonly" instead of readOnly or writeOnly.
	RepairLowercaseAccess = "spec.repair.access_spelling"
	// RuleRefUnresolved: a $ref whose file or pointer does not exist, or an absolute URL. The
	// reference is read as an empty object (a schema that accepts anything), or dropped from a
	// parameter list.
	RuleRefUnresolved = "spec.ref.unresolved"
	// RuleRefText: a $ref standing for text (a Markdown file, or a string in another file), as
	// Redocly allows in descriptions; the text is inlined.
	RuleRefText = "spec.ref.text"
	// RuleRefMisplaced: a $ref where OpenAPI allows none (the value of content, a media type,
	// properties); the object it points to is inlined.
	RuleRefMisplaced = "spec.ref.misplaced"
	// RuleItemsMissing: "type": "array" without items; read as items that accept anything, as
	// JSON Schema does.
	RuleItemsMissing = "spec.schema.items_missing"
	// RuleDefaultInvalid: a schema's default breaks the schema.
	RuleDefaultInvalid = "spec.default.invalid"
	// RulePathParameters: a path template and the path parameters of its operations disagree.
	RulePathParameters = "spec.path.parameters"
	// RuleComponentName: a component name outside [a-zA-Z0-9._-].
	RuleComponentName = "spec.component.name"
	// RuleOperationIDDuplicate: two operations share an operationId.
	RuleOperationIDDuplicate = "spec.operation_id.duplicate"
	// RuleFieldUnknown: a field the object does not have in OpenAPI (summary in a schema, kind
	// in a 3.1 tag); ignored.
	RuleFieldUnknown = "spec.field.unknown"
	// RuleInvalid: anything else kin-openapi's validation of the document refuses; the message
	// carries kin-openapi's own code.
	RuleInvalid = "spec.invalid"
	// RuleConvertedSwagger2: a Swagger 2.0 document, converted to OpenAPI 3.0 to be used.
	RuleConvertedSwagger2 = "spec.converted.swagger2"
	// RuleConversionDropped: something of a Swagger 2.0 document the conversion to OpenAPI 3.0
	// does not carry over.
	RuleConversionDropped = "spec.converted.dropped"
	// RuleKeyDuplicate: a mapping repeats a key; the last value is read.
	RuleKeyDuplicate = "spec.key.duplicate"
	// RuleKeywordType: a keyword's value has a type kin-openapi cannot read (minimum: zero, enum:
	// foo, maxLength: "10", tags: pets); a number written as a string is read as the number, a
	// string where a list of strings belongs as the list of it, anything else is dropped.
	RuleKeywordType = "spec.keyword.type"
	// RuleVersion32: an OpenAPI 3.2 document, read with OpenAPI 3.1's rules.
	RuleVersion32 = "spec.version.read_as_3_1"
	// RuleObjectType: a path item, operation, parameter, response, header, component or schema
	// that is null (a YAML key left empty), a string, a number or a list; a response is read as
	// one without content, a named schema as one that accepts anything, anything else is
	// dropped.
	RuleObjectType = "spec.object.type"
	// RuleParameterSchemaContent: a parameter with both schema and content; its schema is
	// checked.
	RuleParameterSchemaContent = "spec.parameter.schema_and_content"
)

// Finding levels.
const (
	LevelError   = rules.Error
	LevelWarning = rules.Warning
	// LevelInfo marks a note about how a document was read, not a defect: Strict accepts it.
	LevelInfo = rules.Info
)

// Rules lists every finding rule of package specs, with its level, in a stable order.
var Rules = []rules.Rule{
	{ID: RepairBooleanRequired, Level: LevelError, Summary: `A property says "required": true (not OpenAPI 3); read as an entry of its parent's required list.`},
	{ID: RepairLowercaseAccess, Level: LevelError, Summary: `A property spells readOnly or writeOnly in lower case; read as readOnly or writeOnly.`},
	{ID: RuleRefUnresolved, Level: LevelError, Summary: `A $ref does not resolve (no such file or pointer, or an absolute URL); read as an empty object, or dropped from a parameter list.`},
	{ID: RuleRefText, Level: LevelWarning, Summary: `A $ref stands for text (a Markdown file, or a string elsewhere), as Redocly allows in descriptions; the text is inlined.`},
	{ID: RuleRefMisplaced, Level: LevelWarning, Summary: `A $ref where OpenAPI allows none (the value of content, a media type, properties); what it points to is inlined.`},
	{ID: RuleItemsMissing, Level: LevelError, Summary: `A schema of type array has no items; read as items that accept anything.`},
	{ID: RuleDefaultInvalid, Level: LevelError, Summary: `A schema's default breaks the schema.`},
	{ID: RulePathParameters, Level: LevelError, Summary: `A path template and the path parameters of an operation on it disagree.`},
	{ID: RuleComponentName, Level: LevelError, Summary: `A component name has characters outside [a-zA-Z0-9._-].`},
	{ID: RuleOperationIDDuplicate, Level: LevelError, Summary: `Two operations share an operationId.`},
	{ID: RuleFieldUnknown, Level: LevelWarning, Summary: `A field the object does not have in OpenAPI (summary in a schema, kind in a 3.1 tag); ignored.`},
	{ID: RuleInvalid, Level: LevelError, Summary: `Anything else kin-openapi's validation of the document refuses; the message names kin-openapi's code.`},
	{ID: RuleConvertedSwagger2, Level: LevelInfo, Summary: `A Swagger 2.0 document, converted to OpenAPI 3.0 (kin-openapi's openapi2conv) to be used.`},
	{ID: RuleConversionDropped, Level: LevelWarning, Summary: `Something of a Swagger 2.0 document the conversion does not carry over (an operation, a parameter, a response, a second body, formData beside a body, a collectionFormat it has no style for, allowEmptyValue, a formData extension); it is not checked.`},
	{ID: RuleKeyDuplicate, Level: LevelError, Summary: `A YAML or JSON mapping repeats a key; the last value is read (as JSON parsers do; yaml.v3, kin-openapi and Redocly refuse a YAML file that does this).`},
	{ID: RuleKeywordType, Level: LevelError, Summary: `A keyword's value has a type kin-openapi cannot read (minimum: zero, enum: foo, maxLength: "10"); a number written as a string is read as that number, a string where a list of strings belongs (tags: pets) as the list of it, anything else is dropped and not checked.`},
	{ID: RuleVersion32, Level: LevelInfo, Summary: `An OpenAPI 3.2 document, read with OpenAPI 3.1's rules.`},
	{ID: RuleObjectType, Level: LevelError, Summary: `A path item, operation, parameter, response, header, component or schema is null (a YAML key left empty), a string, a number or a list, or a parameter list is no list; a response is read as one without content, a named schema as one that accepts anything, anything else is dropped.`},
	{ID: RuleParameterSchemaContent, Level: LevelError, Summary: `A parameter has both schema and content (OpenAPI allows one); its schema is checked, its content is not.`},
}

// LevelOf returns the level of a rule id of Rules, LevelError for any other.
func LevelOf(rule string) rules.Level {
	return rules.LevelOf(Rules, rule, LevelError)
}

// Finding is one defect found in a spec, or a note on how it was read, and what was done
// about it.
type Finding struct {
	Rule    string      `json:"rule"`
	Level   rules.Level `json:"level"`
	File    string      `json:"file"`
	Pointer string      `json:"pointer"`
	Line    int         `json:"line"`
	Message string      `json:"message"`
}

func (r Finding) String() string {
	return fmt.Sprintf("%s:%d: %s (%s at #%s)", r.File, r.Line, r.Message, r.Rule, r.Pointer)
}

// add records a finding at ptr of f.
func (f *File) add(rule, ptr, msg string) {
	f.Findings = append(f.Findings, Finding{Rule: rule, Level: LevelOf(rule), File: f.Name, Pointer: ptr, Line: f.Line(ptr), Message: msg})
}

// repair walks the file once, at parse: it fixes the defects of schemas' properties it knows
// and notes the file's $refs (for reading the files they reach early), so that no later pass
// walks the whole file again for them.
func (f *File) repair() {
	f.walkRepair(f.Value, make([]string, 0, 16), "")
	sortFindings(f.Findings)
}

// pointerOf is the JSON pointer of the escaped tokens path.
func pointerOf(path []string) string {
	if len(path) == 0 {
		return ""
	}
	return "/" + strings.Join(path, "/")
}

// walkRepair visits v at the pointer of path (escaped tokens, written out only for a finding),
// whose key in its parent is key.
func (f *File) walkRepair(v any, path []string, key string) {
	switch t := v.(type) {
	case map[string]any:
		if nameMap(key) {
			for _, name := range slices.Sorted(maps.Keys(t)) {
				f.walkRepair(t[name], append(path, jsonptr.Escape(name)), "")
			}
			return
		}
		f.repairAccess(t, path)
		if ref, ok := t["$ref"].(string); ok {
			f.refs = append(f.refs, ref)
		}
		if props, ok := t["properties"].(map[string]any); ok && booleanRequired(props) {
			ptr := pointerOf(path)
			for _, name := range slices.Sorted(maps.Keys(props)) {
				if p, ok := props[name].(map[string]any); ok {
					f.repairRequired(t, name, p, ptr+"/properties/"+jsonptr.Escape(name))
				}
			}
		}
		// Map order is enough here: the findings are sorted by line, and the refs are only
		// read ahead of the load.
		for k, e := range t {
			switch e := e.(type) {
			case string:
				continue
			case map[string]any:
				if k == "examples" {
					// Example objects, or references to them; their values are data.
					for _, x := range e {
						if ex, ok := x.(map[string]any); ok {
							if ref, ok := ex["$ref"].(string); ok {
								f.refs = append(f.refs, ref)
							}
						}
					}
					continue
				}
			}
			if k == "examples" || dataKey(k, []string{key}) {
				continue
			}
			f.walkRepair(t[k], append(path, jsonptr.Escape(k)), k)
		}
	case []any:
		for i, e := range t {
			f.walkRepair(e, append(path, strconv.Itoa(i)), "")
		}
	}
}

// booleanRequired reports whether a property of props has a boolean "required", which
// repairRequired repairs.
func booleanRequired(props map[string]any) bool {
	for _, p := range props {
		if p, ok := p.(map[string]any); ok {
			if _, ok := p["required"].(bool); ok {
				return true
			}
		}
	}
	return false
}

// repairRequired reads a boolean "required" on the property schema p (named name, inside the
// schema parent) as an entry in parent's required list. Only property schemas are repaired:
// elsewhere (parameters, headers, request bodies) a boolean required is correct OpenAPI.
func (f *File) repairRequired(parent map[string]any, name string, p map[string]any, ptr string) {
	if b, ok := p["required"].(bool); ok {
		delete(p, "required")
		f.modified = true
		msg := fmt.Sprintf("property %q has \"required\": false, which OpenAPI 3 does not allow on a property; removed", name)
		if b {
			req, _ := parent["required"].([]any)
			found := false
			for _, r := range req {
				if r == name {
					found = true
				}
			}
			if !found {
				parent["required"] = append(req, name)
			}
			msg = fmt.Sprintf("property %q has \"required\": true, which OpenAPI 3 does not allow on a property; read as an entry %q in its parent's required list", name, name)
		}
		f.add(RepairBooleanRequired, ptr+"/required", msg)
	}
}

// repairAccess reads "readonly" and "writeonly" with a boolean value as readOnly and writeOnly.
// No OpenAPI object has such keys, so they are misspellings wherever they are (a property named
// readonly is a map, not a boolean, and is left alone).
func (f *File) repairAccess(p map[string]any, path []string) {
	for _, kw := range [...][2]string{{"readOnly", "readonly"}, {"writeOnly", "writeonly"}} {
		kw, lower := kw[0], kw[1]
		val, ok := p[lower].(bool)
		if !ok {
			continue
		}
		ptr := pointerOf(path)
		delete(p, lower)
		f.modified = true
		existing, has := p[kw]
		msg := fmt.Sprintf("%q is not an OpenAPI keyword; read as %s", lower, kw)
		switch {
		case has && existing != val:
			msg = fmt.Sprintf("%q: %v stands next to %s: %v; %s wins", lower, val, kw, existing, kw)
		case has:
			msg = fmt.Sprintf("%q stands next to %s with the same value; removed", lower, kw)
		default:
			p[kw] = val
		}
		f.add(RepairLowercaseAccess, ptr+"/"+lower, msg)
	}
}

// Findings lists every finding of the documents: those of the files they were read from and
// those of the documents as a whole, by file and line.
func Findings(docs []*Document) []Finding {
	var out []Finding
	seen := map[*Sources]bool{}
	for _, d := range docs {
		out = append(out, d.Findings...)
		if seen[d.Sources] {
			continue
		}
		seen[d.Sources] = true
		d.Sources.mu.Lock()
		for _, f := range d.Sources.files {
			out = append(out, f.Findings...)
		}
		d.Sources.mu.Unlock()
	}
	sortFindings(out)
	return out
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].File != fs[j].File {
			return fs[i].File < fs[j].File
		}
		if fs[i].Line != fs[j].Line {
			return fs[i].Line < fs[j].Line
		}
		return fs[i].Rule < fs[j].Rule
	})
}

// DefectsError is returned in strict mode when the documents have defects. It names every one.
type DefectsError struct {
	Findings []Finding
}

func (e *DefectsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the specs have %d defect(s) that strict mode refuses:", len(e.Findings))
	for _, r := range e.Findings {
		b.WriteString("\n  ")
		b.WriteString(r.String())
	}
	return b.String()
}

// Strict returns a *DefectsError naming every finding of the documents that is a defect (every
// level but LevelInfo), or nil.
func Strict(docs []*Document) error {
	var bad []Finding
	for _, f := range Findings(docs) {
		if f.Level != LevelInfo {
			bad = append(bad, f)
		}
	}
	if len(bad) > 0 {
		return &DefectsError{Findings: bad}
	}
	return nil
}
