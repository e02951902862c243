package validator

// The schema set: the converted copies of the spec files, handed to the schema engine (package
// internal/schema) one compiler per copy, and the places in the spec files that the engine's
// locations stand for.

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/internal/schema"
	"github.com/specgate/specgate/specs"
)

// schemaSet compiles schemas found at locations of spec files. Compiling happens in New only;
// afterwards a schemaSet is read-only and its schemas are safe for concurrent use.
type schemaSet struct {
	dirs      []direction // the directions documents are converted for
	compilers map[convKey]*schema.Compiler
	// uncompilable lists the schemas New could not compile, as findings.
	uncompilable []specs.Finding
	// ids locates the schema resources with an absolute $id, by $id, for Locate.
	ids      map[string]idPlace
	sources  []*specs.Sources
	convs    map[convKey]*converter
	compiled map[string]*schema.Schema
	// located caches Locate's answers by absolute keyword location; it is the only state that
	// changes after New, hence a sync.Map.
	located sync.Map
}

type convKey struct {
	src int
	dir direction
}

func newSchemaSet(extra ...direction) *schemaSet {
	return &schemaSet{
		dirs:      append([]direction{toRequest, toResponse}, extra...),
		compilers: map[convKey]*schema.Compiler{},
		ids:       map[string]idPlace{},
		convs:     map[convKey]*converter{},
		compiled:  map[string]*schema.Schema{},
	}
}

// idPlace is where in the spec files the schema resource with an absolute $id is.
type idPlace struct {
	src  *specs.Sources
	file string
	ptr  string
}

// addDocument converts a document (and the files it refers to) for every direction.
func (s *schemaSet) addDocument(doc *specs.Document) error {
	return s.addRoot(doc.Sources, doc.Path, schemasAre2020(doc.Spec.OpenAPI))
}

// addRoot converts the document rooted at path of src for every direction.
func (s *schemaSet) addRoot(src *specs.Sources, path string, is31 bool) error {
	idx := -1
	for i, x := range s.sources {
		if x == src {
			idx = i
		}
	}
	if idx < 0 {
		idx = len(s.sources)
		s.sources = append(s.sources, src)
	}
	for _, dir := range s.dirs {
		k := convKey{idx, dir}
		conv, ok := s.convs[k]
		if !ok {
			conv = newConverter(src, dir)
			s.convs[k] = conv
		}
		if err := conv.add(path, is31); err != nil {
			return err
		}
	}
	return nil
}

// addResources hands every converted file to the compilers. It is called once, after every
// document was added. A schema resource with an absolute $id inside a file is also handed over
// under its $id, so that a schema elsewhere can refer to it by that URI, as JSON Schema says:
// the engine knows the resources inside a file only once it compiled them.
func (s *schemaSet) addResources() error {
	for k, conv := range s.convs {
		c := schema.NewCompiler(s)
		for p := range conv.out {
			doc, err := schema.JSONValue(conv.resource(p))
			if err != nil {
				return fmt.Errorf("%s: %w", conv.src.DisplayName(p), err)
			}
			if err := c.AddResourceValue(resourceURL(k, p), conv.src.DisplayName(p), doc); err != nil {
				return err
			}
		}
		for _, id := range conv.ids {
			s.ids[id.id] = idPlace{conv.src, id.file, id.ptr}
			if id.ptr == "" {
				continue // the file itself: the engine knows it by its $id too
			}
			v, _ := jsonptr.Lookup(conv.out[id.file], id.ptr)
			doc, err := schema.JSONValue(v)
			if err != nil {
				return fmt.Errorf("%s#%s: %w", conv.src.DisplayName(id.file), id.ptr, err)
			}
			if err := c.AddResourceValue(id.id, fmt.Sprintf("%s#%s: $id %q", conv.src.DisplayName(id.file), id.ptr, id.id), doc); err != nil {
				return err
			}
		}
		s.compilers[k] = c
	}
	return nil
}

// compileError is a schema that could not be compiled.
type compileError struct {
	at  specs.Finding // where, and why, as a finding
	err error
}

func (e *compileError) Error() string { return e.err.Error() }

// resourceURL is the URL the compiler knows the converted file p by. The path is escaped as
// net/url escapes it, since the compiler resolves references with net/url: a file named
// orders_{orderId}.yaml must be found under the name a reference to it resolves to.
func resourceURL(k convKey, p string) string {
	return fmt.Sprintf("file:///s%d/%s", k.src, k.dir) + (&url.URL{Path: "/" + p}).EscapedPath()
}

// compile compiles the schema at ptr of file, for one direction, once.
func (s *schemaSet) compile(src *specs.Sources, dir direction, file, ptr string) (*schema.Schema, error) {
	idx := -1
	for i, x := range s.sources {
		if x == src {
			idx = i
		}
	}
	k := convKey{idx, dir}
	at := ptr
	if conv := s.convs[k]; conv != nil {
		at = conv.compiledPtr(file, ptr)
	}
	u := resourceURL(k, file) + jsonptr.Fragment(at)
	if sch, ok := s.compiled[u]; ok {
		return sch, nil
	}
	c := s.compilers[k]
	var sch *schema.Schema
	err := errors.New("the schema is in no loaded spec")
	if c != nil {
		sch, err = c.Compile(u)
	}
	if err != nil {
		reason := s.cleanURLs(err.Error())
		at := specs.Finding{Rule: RuleSpecSchemaUncompilable, Level: loadLevel(RuleSpecSchemaUncompilable), File: src.DisplayName(file), Pointer: ptr,
			Message: "the schema cannot be compiled (" + reason + "); what it describes is not checked"}
		if f, ferr := src.File(file); ferr == nil {
			at.File, at.Line = f.Name, f.Line(ptr)
		}
		return nil, &compileError{at: at, err: fmt.Errorf("%s#%s: cannot compile schema: %s", src.DisplayName(file), ptr, reason)}
	}
	s.compiled[u] = sch
	return sch, nil
}

// findings lists what the conversion found it cannot check, once each, in file and line order.
func (s *schemaSet) findings() []specs.Finding {
	seen := map[string]bool{}
	var out []specs.Finding
	all := [][]specs.Finding{s.uncompilable}
	for _, conv := range s.convs {
		all = append(all, conv.findings)
	}
	for _, fs := range all {
		for _, f := range fs {
			k := f.File + "#" + f.Pointer + " " + f.Rule
			if !seen[k] {
				seen[k] = true
				out = append(out, f)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Pointer < out[j].Pointer
	})
	return out
}

// cleanURLs replaces internal resource URLs in a message with display names.
func (s *schemaSet) cleanURLs(msg string) string {
	for k, conv := range s.convs {
		for p := range conv.out {
			msg = strings.ReplaceAll(msg, resourceURL(k, p), conv.src.DisplayName(p))
		}
		msg = strings.ReplaceAll(msg, rootKeyPrefix, "")
	}
	return msg
}

// branches appends the oneOf and anyOf branches a valid instance matched.
func (s *schemaSet) branches(sch *schema.Schema, inst any, part Part, out []BranchChoice) []BranchChoice {
	for _, c := range sch.Choices(inst, nil) {
		out = append(out, BranchChoice{Part: part, Schema: c.Schema, Line: c.Line, Index: c.Index, Name: c.Name})
	}
	return out
}

// Locate turns an absolute keyword location into "file#pointer" as users know it, and its line:
// the schema engine's Locator.
func (s *schemaSet) Locate(abs string) (string, int) {
	if l, ok := s.located.Load(abs); ok {
		return l.(schema.Location).Schema, l.(schema.Location).Line
	}
	at, line := s.locateUncached(abs)
	s.located.Store(abs, schema.Location{Schema: at, Line: line})
	return at, line
}

func (s *schemaSet) locateUncached(abs string) (string, int) {
	src, file, ptr, ok := s.place(abs)
	if !ok {
		return abs, 0
	}
	f, err := src.File(file)
	if err != nil {
		return src.DisplayName(file) + "#" + ptr, 0
	}
	return f.Name + "#" + ptr, f.Line(ptr)
}

// place turns an absolute location of the compiler into the spec file and the pointer in it.
func (s *schemaSet) place(abs string) (src *specs.Sources, file, ptr string, ok bool) {
	u, frag, _ := strings.Cut(abs, "#")
	ptr = specPointer(jsonptr.Unfragment(frag))
	if at, ok := s.ids[u]; ok {
		return at.src, at.file, at.ptr + ptr, true
	}
	for k, conv := range s.convs {
		p, ok := strings.CutPrefix(u, resourceURL(k, ""))
		if !ok {
			continue
		}
		if unescaped, err := url.PathUnescape(p); err == nil {
			p = unescaped
		}
		if rest, ok := strings.CutPrefix(ptr, "/"+rootKeyPrefix); ok {
			ptr = "/" + rest
		}
		return conv.src, p, ptr, true
	}
	return nil, "", "", false
}

// Written reports whether the keyword at the absolute location loc is in the spec file.
func (s *schemaSet) Written(loc string) bool {
	src, file, ptr, ok := s.place(loc)
	if !ok {
		return false
	}
	f, err := src.File(file)
	if err != nil {
		return false
	}
	_, ok = jsonptr.Lookup(f.Value, ptr)
	return ok
}
