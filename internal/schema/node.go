package schema

import jsonschema "github.com/specgate/specgate/internal/third_party/jsonschema"

// Node is one schema of a compiled Schema, read-only, for tools that model a spec's schemas (the
// validator's Operations): where it is, how a oneOf branch names it, and the subschemas the walk
// follows into the instance (Ref, AllOf, OneOf, AnyOf) or its parts (Properties, Items,
// PrefixItems, AdditionalProperties). Nodes are comparable, and one schema reached by many paths
// is one Node; the zero Node is no schema.
type Node struct {
	n *node
	e *engine
}

// Root is the node of s; the zero Node when s is nil.
func (s *Schema) Root() Node {
	if s == nil {
		return Node{}
	}
	return Node{s.root, s.e}
}

// IsZero reports whether n is no schema.
func (n Node) IsZero() bool { return n.n == nil }

func (n Node) of(s *jsonschema.Schema) Node {
	if s == nil {
		return Node{}
	}
	return Node{n.e.memo[s], n.e}
}

func (n Node) list(l []*jsonschema.Schema) []Node {
	var out []Node
	for _, s := range l {
		out = append(out, n.of(s))
	}
	return out
}

// Location is where the schema is written, "file#/components/schemas/User", and its line.
func (n Node) Location() (string, int) { return n.e.loc.Locate(n.n.loc) }

// Name is what a failure or a Choice calls the schema as a oneOf or anyOf branch: the name of
// the component it is or refers to, else its location.
func (n Node) Name() string { return n.e.branchName(n.n.src) }

// Ref is the schema $ref refers to.
func (n Node) Ref() Node { return n.of(n.n.src.Ref) }

// AllOf lists the allOf subschemas.
func (n Node) AllOf() []Node { return n.list(n.n.src.AllOf) }

// Branches returns the branches of the oneOf or anyOf (kw) and where the keyword is; no branches
// when the schema has no such keyword.
func (n Node) Branches(kw string) ([]Node, Location) {
	c := n.n.find(kw)
	if c == nil || c.subs == nil {
		return nil, Location{}
	}
	out := make([]Node, len(c.subs))
	for i, s := range c.subs {
		out[i] = Node{s, n.e}
	}
	return out, c.at
}

// Properties maps each property named in properties to its schema; nil when there is none.
func (n Node) Properties() map[string]Node {
	if len(n.n.src.Properties) == 0 {
		return nil
	}
	out := make(map[string]Node, len(n.n.src.Properties))
	for name, s := range n.n.src.Properties {
		out[name] = n.of(s)
	}
	return out
}

// Items is the schema of the items after PrefixItems.
func (n Node) Items() Node { return n.of(n.n.src.Items2020) }

// PrefixItems lists the schemas of the first items.
func (n Node) PrefixItems() []Node { return n.list(n.n.src.PrefixItems) }

// AdditionalProperties is the schema of the properties Properties does not name, when there is
// one; any is true for additionalProperties: true.
func (n Node) AdditionalProperties() (sch Node, any bool) {
	switch a := n.n.src.AdditionalProperties.(type) {
	case bool:
		return Node{}, a
	case *jsonschema.Schema:
		return n.of(a), false
	}
	return Node{}, false
}
