package specs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	yaml4 "go.yaml.in/yaml/v4"
	"gopkg.in/yaml.v3"

	"github.com/specgate/specgate/internal/jsonnum"
)

// One parse for both: a root YAML file is parsed once, by go.yaml.in/yaml/v4, the parser
// kin-openapi's loader reads YAML (and JSON) with; specgate's own node tree (yaml.v3's, which
// knows lines and builds the plain values) is converted from it, and kin-openapi decodes its
// model from the very nodes it would have parsed from the same bytes. A JSON root, and a root
// whose repairs kin-openapi reads re-encoded as JSON, hand kin-openapi the nodes the YAML
// parser makes of that JSON, built from the value. Whatever this cannot vouch for goes the
// old way: kin-openapi's loader reading the bytes.

// parseYAMLRoot parses a root YAML file with yaml v4 and keeps its document node for
// kin-openapi (the returned *yaml4.Node); the rest is parseYAML's, from the converted tree.
func parseYAMLRoot(data []byte) (any, *yaml.Node, []dupKey, *yaml4.Node, bool, error) {
	var doc4 yaml4.Node
	if err := yaml4.Unmarshal(data, &doc4); err != nil || doc4.Kind != yaml4.DocumentNode || len(doc4.Content) != 1 {
		// yaml.v3's words for the error, and its reading of whatever v4 does not compose
		// into one document.
		value, root, dups, nulls, err := parseYAMLNulls(data)
		return value, root, dups, nil, nulls, err
	}
	var c nodeConverter
	doc := c.node(&doc4)
	if c.failed {
		value, root, dups, nulls, err := parseYAMLNulls(data)
		return value, root, dups, nil, nulls, err
	}
	value, root, dups, nulls, err := yamlValue(doc)
	if err != nil {
		return nil, nil, nil, nil, true, err
	}
	return value, root, dups, &doc4, nulls, nil
}

// nodeConverter turns a yaml v4 node tree into the tree yaml.v3's parser makes of the same
// text: the same kinds, styles, values, anchors and positions, and the tags yaml.v3 resolves
// (the two libraries resolve a few plain scalars differently). TestCorpusConvertedNodesEqualV3
// compares the two on every YAML file of the corpus.
type nodeConverter struct {
	slab    []yaml.Node
	slabs   int
	anchors map[*yaml4.Node]*yaml.Node
	failed  bool
}

const quotedStyles4 = yaml4.DoubleQuotedStyle | yaml4.SingleQuotedStyle | yaml4.LiteralStyle | yaml4.FoldedStyle

func (c *nodeConverter) node(n *yaml4.Node) *yaml.Node {
	if len(c.slab) == 0 {
		c.slab = make([]yaml.Node, slabSize(&c.slabs))
	}
	m := &c.slab[0]
	c.slab = c.slab[1:]
	m.Kind = yaml.Kind(n.Kind)
	m.Style = yaml.Style(n.Style & (yaml4.TaggedStyle | quotedStyles4 | yaml4.FlowStyle))
	m.Value, m.Anchor, m.Line, m.Column = n.Value, n.Anchor, n.Line, n.Column
	tagged := n.Style&yaml4.TaggedStyle != 0
	switch n.Kind {
	case yaml4.ScalarNode:
		switch {
		case tagged:
			m.Tag = n.Tag
		case n.Style&quotedStyles4 != 0:
			m.Tag = "!!str"
		case n.Value == "<<":
			m.Tag = "!!merge"
		default:
			// yaml.v3's own resolution of a plain scalar.
			scratch := yaml.Node{Kind: yaml.ScalarNode, Value: n.Value}
			m.Tag = scratch.ShortTag()
		}
	case yaml4.MappingNode, yaml4.SequenceNode:
		m.Tag = n.Tag
		if !tagged {
			m.Tag = "!!map"
			if n.Kind == yaml4.SequenceNode {
				m.Tag = "!!seq"
			}
		}
	case yaml4.AliasNode:
		m.Alias = c.anchors[n.Alias]
		if m.Alias == nil {
			c.failed = true
		}
	case yaml4.DocumentNode:
	default:
		c.failed = true
	}
	if n.Anchor != "" {
		if c.anchors == nil {
			c.anchors = map[*yaml4.Node]*yaml.Node{}
		}
		c.anchors[n] = m
	}
	if len(n.Content) > 0 {
		m.Content = make([]*yaml.Node, len(n.Content))
		for i, e := range n.Content {
			m.Content[i] = c.node(e)
		}
	}
	return m
}

// takeKinNodes returns the document node kin-openapi's loader would parse from the file's
// loader data, or nil when it cannot be vouched for (see kinValueNode); the parsed tree of a
// YAML file is handed over once.
func (f *File) takeKinNodes() *yaml4.Node {
	f.loadMu.Lock()
	defer f.loadMu.Unlock()
	doc := f.kin4
	f.kin4 = nil
	if !f.modified && !f.isJSON {
		return doc
	}
	v := f.Value
	if f.kin != nil {
		v = f.kin
	}
	n, ok := kinValueNode(v)
	if !ok {
		return nil
	}
	return &yaml4.Node{Kind: yaml4.DocumentNode, Content: []*yaml4.Node{n}}
}

// kinValueNode builds the yaml v4 nodes the YAML parser makes of json.Marshal(v) (loaderData):
// keys in encoding/json's order, scalars in its notation with the tags yaml v4 resolves for
// them. It reports false for what it cannot vouch for: a value that is not a plain JSON value,
// a number the JSON would write as an integer beyond int64, and a string the YAML parser does
// not read back as it is (see yamlQuotable).
func kinValueNode(v any) (*yaml4.Node, bool) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		n := &yaml4.Node{Kind: yaml4.MappingNode, Style: yaml4.FlowStyle, Tag: "!!map", Content: make([]*yaml4.Node, 0, 2*len(t))}
		for _, k := range keys {
			kn, ok := kinValueNode(k)
			if !ok {
				return nil, false
			}
			vn, ok := kinValueNode(t[k])
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content, kn, vn)
		}
		return n, true
	case []any:
		n := &yaml4.Node{Kind: yaml4.SequenceNode, Style: yaml4.FlowStyle, Tag: "!!seq", Content: make([]*yaml4.Node, len(t))}
		for i, e := range t {
			en, ok := kinValueNode(e)
			if !ok {
				return nil, false
			}
			n.Content[i] = en
		}
		return n, true
	case string:
		if !yamlQuotable(t) {
			return nil, false
		}
		return &yaml4.Node{Kind: yaml4.ScalarNode, Style: yaml4.DoubleQuotedStyle, Tag: "!!str", Value: t}, true
	case bool:
		return &yaml4.Node{Kind: yaml4.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, true
	case nil:
		return &yaml4.Node{Kind: yaml4.ScalarNode, Tag: "!!null", Value: "null"}, true
	case int:
		return &yaml4.Node{Kind: yaml4.ScalarNode, Tag: "!!int", Value: strconv.Itoa(t)}, true
	case float64:
		text, ok := jsonnum.FloatText(t)
		if !ok {
			return nil, false
		}
		tag := "!!float"
		if strings.Trim(text, "-0123456789") == "" && text != "-0" {
			// Digits only: yaml v4 reads an integer if it fits 64 bits.
			if _, err := strconv.ParseInt(text, 10, 64); err == nil {
				tag = "!!int"
			} else if _, err := strconv.ParseUint(text, 10, 64); err == nil {
				return nil, false
			}
		}
		return &yaml4.Node{Kind: yaml4.ScalarNode, Tag: tag, Value: text}, true
	}
	return nil, false
}

// yamlQuotable reports whether s, written by encoding/json, reads back unchanged as a YAML
// double-quoted scalar: everything but U+0085, which YAML reads as a line break (kin-openapi
// reads a document holding one as JSON instead), and U+FFFE and U+FFFF, which it refuses.
// TestKinValueNodeEveryCharacter checks this for every character.
func yamlQuotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == 0x85 || r == 0xfffe || r == 0xffff || size == 1 {
			return false
		}
		i += size - 1
	}
	return true
}

// prepareKinNodes does to the tree what kin-openapi's unmarshal does before decoding
// (openapi3.prepareScalars): an application's own tag and a timestamp read as strings, and
// mapping keys as strings. It reports false for what it leaves to kin-openapi's own reading:
// aliases, merge keys, null keys, infinities and NaN.
func prepareKinNodes(n *yaml4.Node) bool {
	switch n.Kind {
	case yaml4.AliasNode:
		return false
	case yaml4.ScalarNode:
		if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
			n.Tag = "!!str"
		}
		if n.Tag == "!!timestamp" {
			n.Tag = "!!str"
		}
		if n.Tag == "!!float" {
			switch strings.ToLower(strings.TrimLeft(n.Value, "+-")) {
			case ".inf", ".nan":
				return false
			}
		}
	case yaml4.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml4.ScalarNode || k.Tag == "!!merge" || k.Tag == "!!null" || (k.Tag != "!!str" && k.Value == "<<") {
				return false
			}
			if k.Tag != "!!str" {
				k.Tag = "!!str"
			}
		}
	}
	for _, c := range n.Content {
		if !prepareKinNodes(c) {
			return false
		}
	}
	return true
}

// errNotHandedOver is why kinFromNodes declines; the caller loads from the bytes instead.
var errNotHandedOver = errors.New("not handed over")

// kinFromNodes builds kin-openapi's model of the document at root from the nodes of its root
// file f, as LoadFromDataWithPath would from the file's loader data: the same decode
// (T.UnmarshalYAML on the same nodes, after the same preparation), then the loader's
// ResolveRefsIn. A loader handed a model keeps no record of the root's location: it takes the
// first other file it reads for the root, and would read the root file again as a document of
// its own. So a document that refers to other files is handed over only when no file it
// reaches refers back to the root file and no discriminator in it maps to a "#/..." pointer
// (the one thing the loader does otherwise in the root than elsewhere); a one-file document is
// resolved as a document read from memory. A root whose decode or resolution fails goes the
// old way, so the error, and the repairs kinLoad makes from it, are the loader's own.
func kinFromNodes(ctx context.Context, src *Sources, f *File, root string) (*openapi3.T, error) {
	doc4 := f.takeKinNodes()
	if doc4 == nil || bytes.Contains(f.Data, []byte("\u0085")) {
		return nil, errNotHandedOver
	}
	oneFile := true
	for _, ref := range f.refs {
		if !strings.HasPrefix(ref, "#") {
			oneFile = false
		}
	}
	for _, ref := range f.kept {
		if !strings.HasPrefix(ref, "#") {
			oneFile = false
		}
	}
	if !oneFile && !handOverTree(src, f, root) {
		return nil, errNotHandedOver
	}
	if !prepareKinNodes(doc4) || (!oneFile && localMapping(doc4)) {
		return nil, errNotHandedOver
	}
	spec := &openapi3.T{}
	if err := doc4.Decode(spec); err != nil {
		return nil, errNotHandedOver
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	loader.IsExternalRefsAllowed = true
	declined := false
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		p := path.Clean(strings.TrimPrefix(u.Path, "/"))
		if oneFile || u.Scheme != "" || u.Host != "" || p == root {
			declined = true
			return nil, fmt.Errorf("%s is not read here", u)
		}
		ref, err := src.File(p)
		if err != nil {
			declined = true
			return nil, err
		}
		return ref.loaderData()
	}
	// A one-file document has an empty location, not nil: a reference the model cannot answer
	// is then asked of ReadFromURIFunc, and so declined, rather than refused.
	location := &url.URL{}
	if !oneFile {
		location = &url.URL{Path: "/" + root}
	}
	if err := loader.ResolveRefsIn(spec, location); err != nil || declined {
		return nil, errNotHandedOver
	}
	return spec, nil
}

// handOverTree reports whether the files the document rooted at f reaches (through the $refs
// kin-openapi follows) allow its model to be handed over: none refers to the root file, and
// none has a discriminator mapping to a "#/..." pointer.
func handOverTree(src *Sources, f *File, root string) bool {
	seen := map[string]bool{root: true}
	queue := []*File{f}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		if g != f && valueLocalMapping(g) {
			return false
		}
		for _, ref := range g.kept {
			to, ok := RefTarget(g.Path, ref)
			if !ok || to.File == g.Path && g != f {
				continue
			}
			if to.File == root && (g != f || !strings.HasPrefix(ref, "#")) {
				return false
			}
			if seen[to.File] {
				continue
			}
			seen[to.File] = true
			tf, err := src.File(to.File)
			if err != nil {
				return false
			}
			if !tf.text {
				queue = append(queue, tf)
			}
		}
	}
	return true
}

// localMapping reports whether a discriminator in the tree maps to a "#/..." pointer.
func localMapping(n *yaml4.Node) bool {
	if n.Kind == yaml4.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if d := n.Content[i+1]; n.Content[i].Value == "discriminator" && d.Kind == yaml4.MappingNode {
				for j := 0; j+1 < len(d.Content); j += 2 {
					if d.Content[j].Value != "mapping" {
						continue
					}
					for _, v := range d.Content[j+1].Content {
						if strings.HasPrefix(v.Value, "#") && strings.Contains(v.Value, "/") {
							return true
						}
					}
				}
			}
		}
	}
	for _, c := range n.Content {
		if localMapping(c) {
			return true
		}
	}
	return false
}

// valueLocalMapping is localMapping of the file's value as kin-openapi reads it.
func valueLocalMapping(f *File) bool {
	if !bytes.Contains(f.Data, []byte("discriminator")) || !bytes.Contains(f.Data, []byte("mapping")) {
		return false
	}
	v := f.Value
	if f.kin != nil {
		v = f.kin
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch t := v.(type) {
		case map[string]any:
			if d, ok := t["discriminator"].(map[string]any); ok {
				if m, ok := d["mapping"].(map[string]any); ok {
					for _, x := range m {
						if s, ok := x.(string); ok && strings.HasPrefix(s, "#") && strings.Contains(s, "/") {
							return true
						}
					}
				}
			}
			for _, e := range t {
				if walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range t {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}
