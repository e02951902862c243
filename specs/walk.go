package specs

import (
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/specgate/specgate/internal/jsonptr"
)

// Kind is the kind of OpenAPI object at a place, as its position in the document says: the
// same object (a map with name, in and required) is a Parameter under parameters and would be a
// broken Schema under properties.
type Kind int

// The kinds of object a Walker reaches.
const (
	KindDocument Kind = iota
	KindPathItem
	KindOperation
	KindParameter
	KindHeader
	KindRequestBody
	KindResponse
	KindMediaType
	KindExample
	KindCallback
	KindSchema
	// kindContent is a content map (media type → Media Type object), which Redocly lets a
	// $ref stand for.
	kindContent
	// kindExamples is an Example object the walk goes into only when asked (Walker.Examples).
	kindExamples
)

var kindNames = [...]string{"document", "path item", "operation", "parameter", "header", "request body", "response", "media type", "example", "callback", "schema", "content", "example"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Dialect is the dialect of a document's Schema objects.
type Dialect int

const (
	// DialectOpenAPI30 is the schema dialect of OpenAPI 3.0 and Swagger 2.0, a subset of JSON
	// Schema draft 4: the siblings of a $ref are ignored, $id is no keyword, and subschemas sit
	// under allOf, anyOf, oneOf, not, items, properties and additionalProperties only.
	DialectOpenAPI30 Dialect = iota
	// Dialect2020 is JSON Schema 2020-12, the dialect of OpenAPI 3.1 and 3.2: a $ref's
	// siblings apply, $id starts a schema resource, and every applicator holds subschemas.
	Dialect2020
)

// DialectOf is the schema dialect of an OpenAPI document of version openapi ("3.0.3",
// "3.1.0", "2.0").
func DialectOf(openapi string) Dialect {
	if strings.HasPrefix(openapi, "3.") && !strings.HasPrefix(openapi, "3.0") {
		return Dialect2020
	}
	return DialectOpenAPI30
}

// Subschema keywords, by the shape of their value: one schema, a list of schemas, a map of
// names to schemas.
type subschemaKeywords struct {
	single, list, named []string
}

var (
	keywords30 = subschemaKeywords{
		single: []string{"items", "additionalProperties", "not"},
		list:   []string{"allOf", "anyOf", "oneOf"},
		named:  []string{"properties"},
	}
	// keywords2020 also has what 3.1 documents still write from the drafts before 2020-12
	// (items as a list, additionalItems, definitions), which JSON Schema compilers still read.
	keywords2020 = subschemaKeywords{
		single: []string{"items", "additionalProperties", "not", "propertyNames", "contains", "if", "then", "else",
			"unevaluatedProperties", "unevaluatedItems", "additionalItems", "contentSchema"},
		list:  []string{"allOf", "anyOf", "oneOf", "prefixItems", "items"},
		named: []string{"properties", "patternProperties", "dependentSchemas", "$defs", "definitions"},
	}
)

// IsDataKeyword reports whether the value of the field k of a Schema, Parameter, Header,
// Media Type or Example object is data, an instance a schema describes, rather than spec
// objects: example, examples (a schema's list of instances), default, enum, const, and
// extensions (x-*). A walk over spec objects never goes into data: an example may hold a field
// named $ref or properties that means nothing. The Example objects of a Parameter's or Media
// Type's examples map are spec objects; only their value is data.
func IsDataKeyword(k string) bool {
	switch k {
	case "example", "examples", "default", "enum", "const":
		return true
	}
	return strings.HasPrefix(k, "x-")
}

// Node is one object a Walker reaches.
type Node struct {
	Kind Kind
	// Place is where the object is written: for an object other than a schema, after its
	// $refs; a schema with a $ref is reached itself (its siblings may apply) and so is where it
	// points.
	Place Place
	// Value is the object; nil for a boolean schema.
	Value map[string]any
	// Boolean, for a boolean schema of 2020-12 (true accepts everything, false nothing), is
	// its value.
	Boolean *bool
	// Root, for a schema, says it is reached from outside a schema (a Parameter's, a Media
	// Type's, a component) or as the target of a $ref, rather than as a subschema.
	Root bool
	// Response says the object is part of a response: reached through a Response object, or
	// a header of components.
	Response bool
	// InResource, for a schema of a 2020-12 document, says it is inside (or is) a schema
	// resource with its own $id: its $refs to "#..." are the resource's, not the file's, and
	// are the JSON Schema compiler's to resolve; the walk does not follow them.
	InResource bool
	// Target, when HasTarget, is where the schema's $ref points: the walk goes there next.
	Target    Place
	HasTarget bool
}

// Walker walks OpenAPI documents by their structure: document, path items, operations,
// parameters, request bodies, responses, headers, media types, examples, callbacks,
// components, and the Schema objects in them with their subschemas, following every $ref (into
// other files too) as the kind of object its position holds. It never walks data (see
// IsDataKeyword) or extensions. A Walker visits each place once over all its walks, so that
// documents sharing files walk the shared objects once; it is not safe for concurrent use.
type Walker struct {
	// Sources reads the files.
	Sources *Sources
	// Dialect is the documents' schema dialect (see DialectOf).
	Dialect Dialect
	// Compiled walks, in an OpenAPI 3.0 document too, every keyword a JSON Schema 2020-12
	// compiler reads as a subschema: for code that hands the schemas, converted, to one.
	Compiled bool
	// Examples walks Example objects too (components' and those of parameters, headers and
	// media types), through their $refs; without it the walk never reads the files they are
	// in, which can be the largest of a tree.
	Examples bool
	// Read, when set, returns the value of the file at path in place of its File.Value: for
	// a caller that rewrites copies of the files as it walks (the validator's converter). The
	// values it returns are the ones walked, after Visit changed them.
	Read func(file string) (any, error)
	// Visit is called for every object reached, before the walk goes into it. It may change
	// the object (Read's copies); the walk reads what is in it afterwards. Returning false
	// keeps the walk out of the object: neither what it holds nor where its $ref points.
	Visit func(n *Node) bool

	seen  map[Place]bool
	queue []pending
}

type pending struct {
	at       Place
	kind     Kind
	response bool
}

func (w *Walker) reader() reader {
	r := w.Sources.reader()
	if w.Read != nil {
		r.value = w.Read
	}
	return r
}

// Walk walks the object of kind k at root and everything it leads to. The error is for a
// root file that cannot be read; a $ref that does not resolve is skipped (the load reports
// it).
func (w *Walker) Walk(root Place, k Kind) error {
	if w.seen == nil {
		w.seen = map[Place]bool{}
	}
	r := w.reader()
	if _, err := r.value(root.File); err != nil {
		return err
	}
	w.queue = append(w.queue, pending{at: root, kind: k})
	for len(w.queue) > 0 {
		p := w.queue[0]
		w.queue = w.queue[1:]
		v, ok := w.lookup(r, p.at)
		if !ok {
			continue
		}
		if p.kind == KindSchema {
			w.schema(r, p.at, v, true, false, p.response)
			continue
		}
		w.object(r, p.kind, p.at, v, p.response)
	}
	return nil
}

func (w *Walker) lookup(r reader, p Place) (any, bool) {
	root, err := r.value(p.File)
	if err != nil {
		return nil, false
	}
	return jsonptr.Lookup(root, p.Pointer)
}

// follow queues where the $ref written at p points, as an object of kind k.
func (w *Walker) follow(p Place, ref string, k Kind, response bool) (Place, bool) {
	target, ok := RefTarget(p.File, ref)
	if ok {
		w.queue = append(w.queue, pending{at: target, kind: k, response: response})
	}
	return target, ok
}

func (w *Walker) once(p Place) bool {
	if w.seen[p] {
		return false
	}
	w.seen[p] = true
	return true
}

// object walks the object v of kind k (no schema) at p.
func (w *Walker) object(r reader, k Kind, p Place, v any, response bool) {
	if k == kindExamples {
		if !w.Examples {
			return
		}
		k = KindExample
	}
	m, ok := v.(map[string]any)
	if !ok || !w.once(p) {
		return
	}
	if k == kindContent {
		w.content(r, p, m, response)
		return
	}
	if ref, ok := m["$ref"].(string); ok {
		w.follow(p, ref, k, response)
		if k != KindPathItem {
			return // a Reference object's siblings are a summary and a description
		}
	}
	if k == KindResponse || (k == KindHeader && p.Pointer != "" && strings.HasPrefix(p.Pointer, "/components/headers/")) {
		response = true
	}
	if w.Visit != nil && !w.Visit(&Node{Kind: k, Place: p, Value: m, Response: response}) {
		return
	}
	each := func(key string, k Kind, skipExtensions bool) {
		mm, ok := m[key].(map[string]any)
		if !ok {
			return
		}
		for _, name := range slices.Sorted(maps.Keys(mm)) {
			if skipExtensions && strings.HasPrefix(name, "x-") {
				continue
			}
			w.object(r, k, p.At(key, name), mm[name], response)
		}
	}
	switch k {
	case KindDocument:
		each("paths", KindPathItem, true)
		each("webhooks", KindPathItem, false)
		if _, ok := m["swagger"]; ok {
			defs := mapAt(m, "definitions")
			for _, name := range slices.Sorted(maps.Keys(defs)) {
				w.schema(r, p.At("definitions", name), defs[name], true, false, false)
			}
			each("parameters", KindParameter, false)
			each("responses", KindResponse, false)
		}
		comp, ok := m["components"].(map[string]any)
		if !ok {
			break
		}
		cp := p.At("components")
		schemas := mapAt(comp, "schemas")
		for _, name := range slices.Sorted(maps.Keys(schemas)) {
			w.schema(r, cp.At("schemas", name), schemas[name], true, false, false)
		}
		for _, c := range []struct {
			key  string
			kind Kind
		}{{"parameters", KindParameter}, {"headers", KindHeader}, {"requestBodies", KindRequestBody}, {"responses", KindResponse},
			{"examples", kindExamples}, {"callbacks", KindCallback}, {"pathItems", KindPathItem}} {
			mm := mapAt(comp, c.key)
			for _, name := range slices.Sorted(maps.Keys(mm)) {
				w.object(r, c.kind, cp.At(c.key, name), mm[name], response)
			}
		}
	case KindPathItem:
		w.parameters(r, p, m, response)
		for _, key := range slices.Sorted(maps.Keys(m)) {
			if httpMethods[key] {
				w.object(r, KindOperation, p.At(key), m[key], response)
			}
		}
		each("additionalOperations", KindOperation, false) // OpenAPI 3.2
	case KindOperation:
		w.parameters(r, p, m, response)
		if rb, ok := m["requestBody"]; ok {
			w.object(r, KindRequestBody, p.At("requestBody"), rb, response)
		}
		each("responses", KindResponse, true)
		each("callbacks", KindCallback, false)
	case KindParameter, KindHeader:
		if s, ok := m["schema"]; ok {
			w.schema(r, p.At("schema"), s, true, false, response)
		}
		w.contentOf(r, p, m, response)
		each("examples", kindExamples, false)
	case KindRequestBody:
		w.contentOf(r, p, m, response)
	case KindResponse:
		each("headers", KindHeader, false)
		w.contentOf(r, p, m, response)
		if s, ok := m["schema"]; ok { // Swagger 2.0
			w.schema(r, p.At("schema"), s, true, false, response)
		}
	case KindMediaType:
		if s, ok := m["schema"]; ok {
			w.schema(r, p.At("schema"), s, true, false, response)
		}
		each("examples", kindExamples, false)
		enc := mapAt(m, "encoding")
		for _, name := range slices.Sorted(maps.Keys(enc)) {
			em, _ := enc[name].(map[string]any)
			hs := mapAt(em, "headers")
			for _, h := range slices.Sorted(maps.Keys(hs)) {
				w.object(r, KindHeader, p.At("encoding", name, "headers", h), hs[h], response)
			}
		}
	case KindCallback:
		for _, key := range slices.Sorted(maps.Keys(m)) {
			if !strings.HasPrefix(key, "x-") {
				w.object(r, KindPathItem, p.At(key), m[key], response)
			}
		}
	}
}

func mapAt(m map[string]any, key string) map[string]any {
	mm, _ := m[key].(map[string]any)
	return mm
}

func (w *Walker) parameters(r reader, p Place, m map[string]any, response bool) {
	list, _ := m["parameters"].([]any)
	for i, e := range list {
		w.object(r, KindParameter, p.At("parameters", strconv.Itoa(i)), e, response)
	}
}

// contentOf walks the content map of m (a parameter, header, request body or response).
func (w *Walker) contentOf(r reader, p Place, m map[string]any, response bool) {
	if content, ok := m["content"].(map[string]any); ok {
		w.content(r, p.At("content"), content, response)
	}
}

// content walks a content map at p.
func (w *Walker) content(r reader, p Place, content map[string]any, response bool) {
	if ref, ok := content["$ref"].(string); ok {
		w.follow(p, ref, kindContent, response) // Redocly writes the map in a file of its own
		return
	}
	for _, typ := range slices.Sorted(maps.Keys(content)) {
		w.object(r, KindMediaType, p.At(typ), content[typ], response)
	}
}

// schema walks the Schema object v at p and its subschemas. root says it is reached from
// outside a schema; inResource that an enclosing schema has an $id (2020-12).
func (w *Walker) schema(r reader, p Place, v any, root, inResource, response bool) {
	is2020 := w.Dialect == Dialect2020
	m, ok := v.(map[string]any)
	if b, isBool := v.(bool); isBool && (is2020 || w.Compiled) && w.Visit != nil && w.once(p) {
		w.Visit(&Node{Kind: KindSchema, Place: p, Root: root, Response: response, InResource: inResource, Boolean: &b})
	}
	if !ok || !w.once(p) {
		return
	}
	if _, ok := m["$id"].(string); ok && is2020 {
		inResource = true
	}
	n := &Node{Kind: KindSchema, Place: p, Value: m, Root: root, Response: response, InResource: inResource}
	ref, isRef := m["$ref"].(string)
	if isRef && (!inResource || !strings.HasPrefix(ref, "#")) {
		if target, ok := RefTarget(p.File, ref); ok {
			if _, exists := w.lookup(r, target); exists {
				n.Target, n.HasTarget = target, true
			}
		}
	}
	if w.Visit != nil && !w.Visit(n) {
		return
	}
	if n.HasTarget {
		w.queue = append(w.queue, pending{at: n.Target, kind: KindSchema, response: response})
	}
	if isRef && !is2020 {
		return // OpenAPI 3.0: the siblings of $ref are ignored
	}
	kw := keywords30
	if is2020 || w.Compiled {
		kw = keywords2020
	}
	for _, k := range kw.named {
		props, ok := m[k].(map[string]any)
		if !ok {
			continue
		}
		if ref, ok := props["$ref"].(string); ok && len(props) == 1 && k == "properties" {
			w.propertiesRef(r, p, ref, response)
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(props)) {
			w.schema(r, p.At(k, name), props[name], false, inResource, response)
		}
	}
	for _, k := range kw.single {
		if e, ok := m[k]; ok {
			w.schema(r, p.At(k), e, false, inResource, response)
		}
	}
	for _, k := range kw.list {
		list, _ := m[k].([]any)
		for i, e := range list {
			w.schema(r, p.At(k, strconv.Itoa(i)), e, false, inResource, response)
		}
	}
}

// propertiesRef walks `properties: {$ref: x}` (Redocly resolves a $ref anywhere; JSON Schema
// knows no map of properties by reference) as the map of properties x holds, each property at
// its place in x.
func (w *Walker) propertiesRef(r reader, p Place, ref string, response bool) {
	target, ok := RefTarget(p.File, ref)
	if !ok {
		return
	}
	v, ok := w.lookup(r, target)
	named, isMap := v.(map[string]any)
	if !ok || !isMap {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(named)) {
		w.queue = append(w.queue, pending{at: target.At(name), kind: KindSchema, response: response})
	}
}

// SchemaKeywords lists the keywords under which a Schema object of dialect d holds
// subschemas, sorted.
func SchemaKeywords(d Dialect) []string {
	kw := keywords30
	if d == Dialect2020 {
		kw = keywords2020
	}
	seen := map[string]bool{}
	var out []string
	for _, list := range [][]string{kw.single, kw.list, kw.named} {
		for _, k := range list {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
