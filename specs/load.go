package specs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specgate/specgate/internal/jsonptr"
)

// InputError is a file that cannot be used as an OpenAPI document at all: unreadable, not
// YAML or JSON, not an OpenAPI document, a version specgate does not read, or a document
// kin-openapi cannot build. Every command exits 2 on it.
type InputError struct {
	File    string
	Pointer string
	Err     error
}

func (e *InputError) Error() string {
	if e.Pointer != "" {
		return fmt.Sprintf("spec %s (at #%s): %v", e.File, e.Pointer, e.Err)
	}
	return fmt.Sprintf("spec %s: %v", e.File, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

func loadOne(ctx context.Context, src *Sources, root string) (doc *Document, err error) {
	name := src.DisplayName(root)
	// kin-openapi and the parsers are third-party code fed untrusted files: a panic in them is
	// an input error naming the file, never a crash.
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, &InputError{File: name, Err: fmt.Errorf("specgate could not read it (a parser failed: %v)", r)}
		}
	}()
	f, err := src.rootFile(root)
	if err != nil {
		return nil, err
	}
	version, err := versionOf(f)
	if err != nil {
		return nil, &InputError{File: f.Name, Err: err}
	}
	if version == "2.0" {
		return loadSwagger2(ctx, src, f)
	}
	if _, _, err := Reach(src, root); err != nil {
		return nil, err
	}
	spec, err := kinLoad(ctx, src, root)
	if err != nil {
		return nil, &InputError{File: f.Name, Err: err}
	}
	doc = &Document{Path: root, Spec: spec, Sources: src}
	if m, _ := f.Value.(map[string]any); m["openapi"] == "3" {
		doc.Findings = append(doc.Findings, Finding{Rule: RuleInvalid, Level: LevelOf(RuleInvalid), File: f.Name, Pointer: "/openapi", Line: f.Line("/openapi"),
			Message: `openapi "3" names no minor version; read as OpenAPI 3.0`})
	}
	if strings.HasPrefix(version, "3.2") {
		doc.Findings = append(doc.Findings, Finding{Rule: RuleVersion32, Level: LevelInfo, File: f.Name, Pointer: "/openapi", Line: f.Line("/openapi"),
			Message: fmt.Sprintf("OpenAPI %s is read with OpenAPI 3.1's rules; what 3.2 adds is not checked", version)})
	}
	doc.Findings = append(doc.Findings, validate(ctx, doc)...)
	if strings.HasPrefix(version, "3.2") {
		// Read as 3.1 means used as 3.1: what reads Spec.OpenAPI (the validator's JSON Schema
		// dialect) sees 3.1; the finding keeps the version declared.
		spec.OpenAPI = "3.1.1"
	}
	return doc, nil
}

// versionOf returns the OpenAPI version a root file declares ("2.0" for Swagger 2.0), or why it
// is not an OpenAPI document specgate reads.
func versionOf(f *File) (string, error) {
	m, ok := f.Value.(map[string]any)
	if !ok {
		what := "empty"
		switch f.Value.(type) {
		case nil:
		case []any:
			what = "a list"
		default:
			what = fmt.Sprintf("a single value (%T)", f.Value)
		}
		return "", fmt.Errorf("no OpenAPI document: the file is %s, not an object with an openapi (3.x) or swagger (2.0) field", what)
	}
	if sw, ok := m["swagger"]; ok {
		if fmt.Sprint(sw) == "2.0" || fmt.Sprint(sw) == "2" {
			return "2.0", nil
		}
		return "", fmt.Errorf("swagger %v is not supported: specgate reads Swagger 2.0 (converted to OpenAPI 3.0), OpenAPI 3.0.x, 3.1.x and 3.2.x", sw)
	}
	v, ok := m["openapi"]
	if !ok {
		hint := ""
		if _, js := m["$schema"]; js {
			hint = " (it looks like a JSON Schema; name the OpenAPI document that uses it)"
		}
		return "", fmt.Errorf("no OpenAPI document: it has no openapi (3.x) or swagger (2.0) field%s", hint)
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("openapi must be a version string such as \"3.0.3\", not %v", v)
	}
	if s == "3" {
		// No minor version: read as 3.0, as Redocly reads it (loadOne reports it).
		return "3.0", nil
	}
	for _, p := range []string{"3.0", "3.1", "3.2"} {
		if s == p || strings.HasPrefix(s, p+".") {
			return s, nil
		}
	}
	return "", fmt.Errorf("OpenAPI %s is not supported: specgate reads Swagger 2.0 (converted to OpenAPI 3.0), OpenAPI 3.0.x, 3.1.x and 3.2.x", s)
}

// maxKeywordRounds bounds how often kinLoad reads a document again after repairing keywords of
// a wrong type: each round repairs every such keyword kin-openapi reported in one file.
const maxKeywordRounds = 64

// kinLoad builds kin-openapi's model of the document at root from the files' loader data. A
// keyword whose value kin-openapi cannot unmarshal (minimum: zero) would refuse the whole
// document: each one it names is repaired in the file (see repairKeyword), reported, and the
// document read again.
func kinLoad(ctx context.Context, src *Sources, root string) (*openapi3.T, error) {
	load, apart := kinLoadOnce, false
	for round := 0; ; round++ {
		spec, failed, err := load(ctx, src, root)
		if err != nil && !apart && refersBackToRoot(src, root) {
			// A root the files it reaches refer back to: see backref.go.
			load, apart = kinLoadRootApart, true
			spec, failed, err = load(ctx, src, root)
		}
		if err == nil || round == maxKeywordRounds {
			return spec, err
		}
		// kin-openapi joins the decoder's errors with "; " or puts each on a line of its own.
		bad := keywordErrRE.FindAllStringSubmatch(strings.ReplaceAll(err.Error(), "; line ", "\nline "), -1)
		if failed == nil {
			return nil, err
		}
		src.fixMu.Lock()
		repaired := 0
		for _, b := range bad {
			if failed.repairKeyword(b[2], b[1]) {
				repaired++
			}
		}
		// A $ref into a file that is no OpenAPI document (a file of schemas) is decoded from
		// plain values, and kin-openapi names only the reference: the schema there is checked
		// keyword by keyword.
		if m := badDataRE.FindStringSubmatch(err.Error()); m != nil && len(bad) == 0 {
			if _, frag, ok := strings.Cut(m[1], "#"); ok {
				repaired += failed.repairSchemaTypes(frag)
			}
		}
		src.fixMu.Unlock()
		if repaired == 0 {
			return nil, err
		}
	}
}

// keywordErrRE finds, in kin-openapi's error, each value its YAML decoder could not construct
// and the JSON pointer kin-openapi names for it.
var keywordErrRE = regexp.MustCompile(`(?m)line \d+: (cannot (?:construct|unmarshal) .*?) in (/.*)$`)

// badDataRE finds kin-openapi's error on a referenced schema that is plain data it cannot read.
var badDataRE = regexp.MustCompile(`bad data in "([^"]*)" \(expecting (?:ref to )?schema`)

// kinLoadOnce runs kin-openapi's loader once, from the nodes of the root file's own parse when
// it can (kinFromNodes); failed is the file it read last, the one an unmarshal error is about
// (kin-openapi decodes each file as soon as it has read it).
func kinLoadOnce(ctx context.Context, src *Sources, root string) (*openapi3.T, *File, error) {
	f, err := src.File(root)
	if err != nil {
		return nil, nil, err
	}
	if spec, err := kinFromNodes(ctx, src, f, root); err == nil {
		return spec, f, nil
	}
	return kinLoadData(ctx, src, f, &url.URL{Path: "/" + root})
}

// kinLoadOnceAt is kinLoadOnce by the loader reading the bytes, with the root read from
// location, the URL kin-openapi resolves the root's relative references against.
func kinLoadOnceAt(ctx context.Context, src *Sources, root string, location *url.URL) (*openapi3.T, *File, error) {
	f, err := src.File(root)
	if err != nil {
		return nil, nil, err
	}
	return kinLoadData(ctx, src, f, location)
}

// kinLoadData runs kin-openapi's loader once on the files' loader data, the root file f read
// from location.
func kinLoadData(ctx context.Context, src *Sources, f *File, location *url.URL) (*openapi3.T, *File, error) {
	data, err := f.loaderData()
	if err != nil {
		return nil, nil, err
	}
	failed := f
	loader := openapi3.NewLoader()
	loader.Context = ctx
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		if u.Scheme != "" || u.Host != "" {
			return nil, fmt.Errorf("only relative file references are followed, not %s", u)
		}
		ref, err := src.File(path.Clean(strings.TrimPrefix(u.Path, "/")))
		if err != nil {
			return nil, err
		}
		failed = ref
		return ref.loaderData()
	}
	spec, err := loader.LoadFromDataWithPath(data, location)
	return spec, failed, err
}

// validate runs kin-openapi's validation of the document, collecting every error it reports,
// and turns each into a finding located in the files. Examples are lint's to check. Patterns
// are JSON Schema's, ECMA-262, which kin-openapi's RE2 refuses in part: the validator checks
// them with an ECMA-262 engine and reports those it cannot (its spec.pattern.unsupported), so
// kin-openapi's check is off and a pattern never refuses a document.
func validate(ctx context.Context, doc *Document) []Finding {
	err := doc.Spec.Validate(ctx, openapi3.EnableMultiError(), openapi3.DisableExamplesValidation(), openapi3.DisableSchemaPatternValidation())
	if err == nil {
		return nil
	}
	var out []Finding
	seen := map[string]bool{}
	for _, it := range flatten(err, scope{}, nil) {
		fd := doc.finding(it)
		key := fd.Rule + "\x00" + fd.File + "\x00" + fd.Pointer + "\x00" + fd.Message
		if !seen[key] {
			seen[key] = true
			out = append(out, fd)
		}
	}
	return out
}

// scope is where in the document a kin-openapi validation error happened, as its context
// wrappers tell.
type scope struct {
	section, path, method, component, name, tag, webhook string
}

type item struct {
	scope scope
	err   error
}

// flatten splits kin-openapi's error tree into single errors with their scope.
func flatten(err error, sc scope, out []item) []item {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, x := range e {
			out = flatten(x, sc, out)
		}
		return out
	case *openapi3.SectionValidationError:
		sc.section = e.Section
		return flatten(e.Cause, sc, out)
	case *openapi3.PathValidationError:
		sc.path = e.Path
		return flatten(e.Cause, sc, out)
	case *openapi3.OperationValidationError:
		sc.method = e.Method
		return flatten(e.Cause, sc, out)
	case *openapi3.ComponentValidationError:
		if sc.component == "" {
			sc.component, sc.name = e.Section, e.Name
		}
		return flatten(e.Cause, sc, out)
	case *openapi3.TagValidationError:
		sc.tag = e.Name
		return flatten(e.Cause, sc, out)
	case *openapi3.WebhookValidationError:
		sc.webhook = e.Name
		return flatten(e.Cause, sc, out)
	}
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		for _, x := range u.Unwrap() {
			out = flatten(x, sc, out)
		}
		return out
	}
	return append(out, item{sc, err})
}

// componentKeys maps kin-openapi's component labels to the keys of components.
var componentKeys = map[string]string{
	"schema": "schemas", "parameter": "parameters", "request body": "requestBodies", "response": "responses",
	"header": "headers", "security scheme": "securitySchemes", "example": "examples", "link": "links",
	"callback": "callbacks", "path item": "pathItems",
}

var identifierRE = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// finding turns one kin-openapi validation error into a finding.
func (d *Document) finding(it item) Finding {
	sc, err := it.scope, it.err
	ptr := ""
	switch {
	case sc.component != "":
		ptr = jsonptr.Join("", "components", componentKeys[sc.component], sc.name)
	case sc.path != "":
		ptr = jsonptr.Join("", "paths", sc.path)
		if sc.method != "" {
			ptr = jsonptr.Join(ptr, strings.ToLower(sc.method))
		}
	case sc.webhook != "":
		ptr = jsonptr.Join("", "webhooks", sc.webhook)
	case sc.tag != "":
		ptr = "/tags"
		for i, t := range d.Spec.Tags {
			if t != nil && t.Name == sc.tag {
				ptr = fmt.Sprintf("/tags/%d", i)
			}
		}
	case sc.section != "":
		ptr = "/" + sc.section
	}
	rule, code := RuleInvalid, ""
	var coded openapi3.CodedError
	if errors.As(err, &coded) {
		code = coded.Code()
	}
	var dup *openapi3.DuplicateOperationIDError
	var pp *openapi3.PathParametersError
	var extra *openapi3.ExtraSiblingFieldsError
	switch {
	case errors.As(err, &dup):
		rule = RuleOperationIDDuplicate
		if method, p, ok := strings.Cut(dup.Endpoint2, " "); ok {
			ptr = jsonptr.Join("", "paths", p, strings.ToLower(method), "operationId")
		}
	case errors.As(err, &pp):
		rule = RulePathParameters
		ptr = jsonptr.Join("", "paths", pp.Path, strings.ToLower(pp.Method))
	case errors.As(err, &extra):
		rule = RuleFieldUnknown
	case code == "default-violates-schema":
		rule = RuleDefaultInvalid
	case code == "schema-items-required":
		rule = RuleItemsMissing
	case code == "" && sc.component != "" && !identifierRE.MatchString(sc.name):
		rule = RuleComponentName
	}
	// kin-openapi's schema errors go on with the schema and the value over many lines.
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if rule == RuleInvalid && code != "" {
		msg += " (kin-openapi: " + code + ")"
	}
	file, fptr := d.locate(ptr)
	// kin-openapi names the object (an operation, a component) but not the schema inside it
	// that holds the defect: find the first place in it that fits.
	switch rule {
	case RuleFieldUnknown:
		if len(extra.Fields) == 1 {
			file, fptr = d.search(file, fptr, func(m map[string]any) bool { _, ok := m[extra.Fields[0]]; return ok }, extra.Fields[0])
		}
	case RuleDefaultInvalid:
		file, fptr = d.search(file, fptr, func(m map[string]any) bool { _, ok := m["default"]; return ok }, "default")
	case RuleItemsMissing:
		file, fptr = d.search(file, fptr, func(m map[string]any) bool { _, ok := m["items"]; return !ok && m["type"] == "array" }, "type")
	}
	fd := Finding{Rule: rule, Level: LevelOf(rule), Pointer: fptr, Message: msg}
	if f, err := d.Sources.File(file); err == nil {
		fd.File, fd.Line = f.Name, f.Line(fptr)
	} else {
		fd.File = d.Sources.DisplayName(file)
	}
	return fd
}

// locate follows ptr of the document through $refs to the file and pointer where it is
// written; it stops at the deepest part of ptr that exists.
func (d *Document) locate(ptr string) (string, string) {
	file, at := d.Path, ""
	if ptr == "" {
		return file, ""
	}
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for _, tok := range toks {
		// A $ref that cannot be followed leaves the place at the last Reference object reached.
		to, _, err := d.Sources.Resolve(Place{file, at})
		var re *ResolveError
		if errors.As(err, &re) {
			to = re.At
		}
		file, at = to.File, to.Pointer
		next := at + "/" + tok
		if _, err := d.Sources.Value(Place{file, next}); err != nil {
			return file, at
		}
		at = next
	}
	return file, at
}

// searchBudget bounds how many objects search visits for one finding.
const searchBudget = 20000

// search looks, depth first through $refs, in the object at ptr of file for the first object
// (not in data such as examples) that fits, and returns where its key is; it returns file and
// ptr themselves when nothing fits.
func (d *Document) search(file, ptr string, fits func(map[string]any) bool, key string) (string, string) {
	seen := map[string]bool{}
	budget := searchBudget
	var found, foundPtr string
	var walk func(file, ptr string, v any, keys []string) bool
	walk = func(file, ptr string, v any, keys []string) bool {
		if budget--; budget < 0 {
			return false
		}
		switch t := v.(type) {
		case map[string]any:
			isNames := len(keys) > 0 && nameMap(keys[len(keys)-1])
			if ref, ok := t["$ref"].(string); ok && !isNames {
				target, ok := RefTarget(file, ref)
				if !ok || seen[target.String()] {
					return false
				}
				seen[target.String()] = true
				tv, err := d.Sources.Value(target)
				return err == nil && walk(target.File, target.Pointer, tv, nil)
			}
			if !isNames && fits(t) {
				found, foundPtr = file, jsonptr.Join(ptr, key)
				return true
			}
			names := make([]string, 0, len(t))
			for k := range t {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				if !isNames && dataKey(k, keys) {
					continue
				}
				if walk(file, jsonptr.Join(ptr, k), t[k], append(keys[:len(keys):len(keys)], k)) {
					return true
				}
			}
		case []any:
			for i, e := range t {
				if walk(file, jsonptr.Join(ptr, fmt.Sprint(i)), e, append(keys[:len(keys):len(keys)], fmt.Sprint(i))) {
					return true
				}
			}
		}
		return false
	}
	f, err := d.Sources.File(file)
	if err != nil {
		return file, ptr
	}
	v, ok := jsonptr.Lookup(f.Value, ptr)
	if ok && walk(file, ptr, v, nil) {
		return found, foundPtr
	}
	return file, ptr
}

// CheckDocument reads and parses the root file at root of src and returns an *InputError when
// it is no OpenAPI document specgate reads (empty, a list, a JSON Schema, an unsupported
// version), without loading the document: for commands that read specs their own way.
func CheckDocument(src *Sources, root string) error {
	f, err := src.rootFile(root)
	if err != nil {
		return err
	}
	if _, err := versionOf(f); err != nil {
		return &InputError{File: f.Name, Err: err}
	}
	return nil
}
