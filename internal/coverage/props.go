package coverage

import (
	"sort"
	"strconv"

	"github.com/specgate/specgate/internal/jsonptr"
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

func (n *propNode) child(name string, depth int) *propNode {
	if c := n.props[name]; c != nil {
		return c
	}
	if depth < maxLinks {
		for _, l := range n.links {
			if c := l.child(name, depth+1); c != nil {
				return c
			}
		}
	}
	return nil
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

func (n *propNode) itemsNode(depth int) *propNode {
	if n.items != nil || depth >= maxLinks {
		return n.items
	}
	for _, l := range n.links {
		if c := l.itemsNode(depth + 1); c != nil {
			return c
		}
	}
	return nil
}

func (n *propNode) additionalNode(depth int) *propNode {
	if n.additional != nil || depth >= maxLinks {
		return n.additional
	}
	for _, l := range n.links {
		if c := l.additionalNode(depth + 1); c != nil {
			return c
		}
	}
	return nil
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

// buildTree reads the property tree of the schema at l.
func buildTree(r reader, l loc) (*propNode, error) {
	root := &propNode{path: ""}
	return root, mergeSchema(r, root, l, map[loc]*propNode{})
}

// mergeSchema adds what the schema at l documents to n. building maps the schemas being merged
// on the way down to their nodes, to detect recursion.
func mergeSchema(r reader, n *propNode, l loc, building map[loc]*propNode) error {
	l, v, _, err := r.follow(l)
	if err != nil {
		return err
	}
	if anc, ok := building[l]; ok {
		if anc != n {
			n.links = append(n.links, anc)
		}
		return nil
	}
	s, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	building[l] = n
	defer delete(building, l)
	for _, kw := range subschemaKeys {
		list, _ := s[kw].([]any)
		for i := range list {
			if err := mergeSchema(r, n, loc{l.file, jsonptr.Join(l.ptr, kw) + "/" + strconv.Itoa(i)}, building); err != nil {
				return err
			}
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		names := make([]string, 0, len(props))
		for name := range props {
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
			if err := mergeSchema(r, c, loc{l.file, jsonptr.Join(l.ptr, "properties", name)}, building); err != nil {
				return err
			}
		}
	}
	if _, ok := s["items"].(map[string]any); ok {
		if n.items == nil {
			n.items = &propNode{path: n.path + "/*"}
		}
		if err := mergeSchema(r, n.items, loc{l.file, l.ptr + "/items"}, building); err != nil {
			return err
		}
	}
	if b, ok := s["additionalProperties"].(bool); ok && b {
		n.free = true
	}
	if _, ok := s["additionalProperties"].(map[string]any); ok {
		if n.additional == nil {
			n.additional = &propNode{path: n.path + "/*"}
		}
		if err := mergeSchema(r, n.additional, loc{l.file, l.ptr + "/additionalProperties"}, building); err != nil {
			return err
		}
	}
	return nil
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
			if c := n.child(name, 0); c != nil {
				documented(c.path)
				walkBody(c, val, depth+1, documented, undocumented)
				continue
			}
			if add := n.additionalNode(0); add != nil {
				walkBody(add, val, depth+1, documented, undocumented)
				continue
			}
			if n.namesKeys(0) {
				undocumented(jsonptr.Join(n.path, name))
			}
		}
	case []any:
		items := n.itemsNode(0)
		for _, item := range t {
			walkBody(items, item, depth+1, documented, undocumented)
		}
	}
}
