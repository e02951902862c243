package coverage

import (
	"slices"
	"sort"

	"github.com/specgate/specgate/validator"
)

// opModel is what one documented operation offers to be covered, read from the validator's
// model of it, so that every name here is the name an Observation gives.
type opModel struct {
	op         validator.Operation
	params     []string // "in:name", as validator.Observation.Params names them
	request    map[string]*propNode
	responses  map[string]map[string]*propNode // status key → media type → property tree
	choices    []*choiceModel
	properties []string // documented request property paths, sorted
}

// choiceModel is one oneOf or anyOf an operation's bodies go through.
type choiceModel struct {
	schema   string // "file#/pointer/oneOf", as validator.BranchChoice.Schema names it
	line     int
	keyword  string
	part     validator.Part
	statuses []string // the response statuses whose bodies reach it; empty for the request
	branches []string // branch names
}

// buildOp reads what op documents: parameters, request and response bodies, and the oneOfs
// and anyOfs in them.
func buildOp(op validator.Operation) *opModel {
	m := &opModel{op: op, request: map[string]*propNode{}, responses: map[string]map[string]*propNode{}}
	for _, p := range op.Parameters {
		m.params = append(m.params, p.Key())
	}
	sort.Strings(m.params)

	choices := map[string]*choiceModel{}
	addChoices := func(s *validator.Shape, part validator.Part, status string) {
		s.Walk(func(s *validator.Shape) bool {
			for _, c := range []*validator.Choice{s.OneOf, s.AnyOf} {
				if c == nil {
					continue
				}
				prev, ok := choices[c.Location]
				if !ok {
					prev = &choiceModel{schema: c.Location, line: c.Line, keyword: c.Keyword, part: part}
					for _, b := range c.Branches {
						prev.branches = append(prev.branches, b.Name)
					}
					choices[c.Location] = prev
					m.choices = append(m.choices, prev)
				}
				if status != "" && !slices.Contains(prev.statuses, status) {
					prev.statuses = append(prev.statuses, status)
				}
			}
			return true
		})
	}
	if op.RequestBody != nil {
		for _, mt := range op.RequestBody.Content {
			if mt.Schema != nil {
				m.request[mt.Type] = buildTree(mt.Schema)
				addChoices(mt.Schema, validator.PartRequest, "")
			}
		}
	}
	for _, r := range op.Responses {
		for _, mt := range r.Content {
			if mt.Schema == nil {
				continue
			}
			if m.responses[r.Status] == nil {
				m.responses[r.Status] = map[string]*propNode{}
			}
			m.responses[r.Status][mt.Type] = buildTree(mt.Schema)
			addChoices(mt.Schema, validator.PartResponse, statusName(r.Status))
		}
	}
	for _, c := range m.choices {
		sort.Strings(c.statuses)
	}
	sort.SliceStable(m.choices, func(i, j int) bool { return m.choices[i].part < m.choices[j].part })
	seen := map[string]bool{}
	for _, tree := range m.request {
		tree.paths(seen, &m.properties)
	}
	sort.Strings(m.properties)
	return m
}

// statusName shows a validator status key as the spec writes it: "default" in lower case.
func statusName(key string) string {
	if key == "DEFAULT" {
		return "default"
	}
	return key
}
