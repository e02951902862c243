package coverage

import (
	"sort"

	"github.com/specgate/specgate/internal/jsonptr"
	"github.com/specgate/specgate/validator"
)

// propNode is one place in a body that a schema documents. Its path names it: JSON pointer
// tokens for properties and "*" for the items of an array and the values of a map
// ("/user_profiles/*/id"). The properties of every allOf, oneOf and anyOf branch are merged, since
// each is documented; a schema that refers to one of its ancestors (a recursive schema) links to
// the ancestor's node instead of being expanded again.
type propNode struct {
	path  string
	props map[string]*propNode
	// items documents the items of an array; additional the values of a map
	// (additionalProperties given as a schema).
	items, additional *propNode
	links             []*propNode
	// free is set by additionalProperties: true, which allows keys the schema does not name.
	free bool
}

// maxLinks bounds how far lookups follow the links of recursive schemas.
const maxLinks = 8

// find returns what get finds at n or, failing that, at the nodes n links to (recursive schemas),
// following links at most maxLinks deep.
func (n *propNode) find(depth int, get func(*propNode) *propNode) *propNode {
	if c := get(n); c != nil || depth >= maxLinks {
		return c
	}
	for _, l := range n.links {
		if c := l.find(depth+1, get); c != nil {
			return c
		}
	}
	return nil
}

func (n *propNode) child(name string) *propNode {
	return n.find(0, func(m *propNode) *propNode { return m.props[name] })
}

func (n *propNode) itemsNode() *propNode {
	return n.find(0, func(m *propNode) *propNode { return m.items })
}

func (n *propNode) additionalNode() *propNode {
	return n.find(0, func(m *propNode) *propNode { return m.additional })
}

// namesKeys reports whether the schema names the keys an object may have, so that any other key
// is undocumented: it lists properties and does not allow others with additionalProperties:
// true. An object schema without properties is a free-form map, whose keys are all documented.
func (n *propNode) namesKeys(depth int) bool {
	if n.free {
		return false
	}
	if len(n.props) > 0 {
		return true
	}
	if depth < maxLinks {
		for _, l := range n.links {
			if l.namesKeys(depth + 1) {
				return true
			}
		}
	}
	return false
}

// paths appends the documented property paths under n, each once: items and map values are
// walked through but are not properties themselves.
func (n *propNode) paths(seen map[string]bool, out *[]string) {
	names := make([]string, 0, len(n.props))
	for name := range n.props {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := n.props[name]
		if !seen[c.path] {
			seen[c.path] = true
			*out = append(*out, c.path)
			c.paths(seen, out)
		}
	}
	for _, c := range []*propNode{n.items, n.additional} {
		if c != nil && !seen[c.path+"\x00"] {
			seen[c.path+"\x00"] = true
			c.paths(seen, out)
		}
	}
}

// buildTree reads the property tree of a body's schema.
func buildTree(s *validator.Shape) *propNode {
	root := &propNode{path: ""}
	mergeSchema(root, s, map[*validator.Shape]*propNode{})
	return root
}

// mergeSchema adds what the schema s documents to n. building maps the schemas being merged
// on the way down to their nodes, to detect recursion.
func mergeSchema(n *propNode, s *validator.Shape, building map[*validator.Shape]*propNode) {
	if s == nil {
		return
	}
	if anc, ok := building[s]; ok {
		if anc != n {
			n.links = append(n.links, anc)
		}
		return
	}
	building[s] = n
	defer delete(building, s)
	mergeSchema(n, s.Ref, building)
	for _, x := range s.AllOf {
		mergeSchema(n, x, building)
	}
	for _, c := range []*validator.Choice{s.OneOf, s.AnyOf} {
		if c != nil {
			for _, x := range c.Branches {
				mergeSchema(n, x, building)
			}
		}
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if n.props == nil {
			n.props = map[string]*propNode{}
		}
		c := n.props[name]
		if c == nil {
			c = &propNode{path: jsonptr.Join(n.path, name)}
			n.props[name] = c
		}
		mergeSchema(c, s.Properties[name], building)
	}
	// The items of a tuple (prefixItems) and of a list are all "*": a path names where a
	// property is documented, not which position holds it.
	for _, x := range append([]*validator.Shape{s.Items}, s.PrefixItems...) {
		if x == nil {
			continue
		}
		if n.items == nil {
			n.items = &propNode{path: n.path + "/*"}
		}
		mergeSchema(n.items, x, building)
	}
	if s.AnyAdditional {
		n.free = true
	}
	if s.AdditionalProperties != nil {
		if n.additional == nil {
			n.additional = &propNode{path: n.path + "/*"}
		}
		mergeSchema(n.additional, s.AdditionalProperties, building)
	}
}

// maxBodyDepth bounds the walk of a body, as the validator's decoder bounds nesting.
const maxBodyDepth = 128

// walkBody calls documented with the path of every documented property v holds, and
// undocumented with the path of every key of an object whose schema names its properties and
// not that one (its value is not walked further). Keys of free-form maps are not reported,
// nor are keys of an object where the schema expects another type: the validator reports that.
func walkBody(n *propNode, v any, depth int, documented, undocumented func(path string)) {
	if n == nil || depth > maxBodyDepth {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		for name, val := range t {
			if c := n.child(name); c != nil {
				documented(c.path)
				walkBody(c, val, depth+1, documented, undocumented)
				continue
			}
			if add := n.additionalNode(); add != nil {
				walkBody(add, val, depth+1, documented, undocumented)
				continue
			}
			if n.namesKeys(0) {
				undocumented(jsonptr.Join(n.path, name))
			}
		}
	case []any:
		items := n.itemsNode()
		for _, item := range t {
			walkBody(items, item, depth+1, documented, undocumented)
		}
	}
}
