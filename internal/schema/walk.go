package schema

import (
	"slices"
	"strconv"
	"strings"

	jsonschema "github.com/specgate/specgate/internal/third_party/jsonschema"

	"github.com/specgate/specgate/internal/jsonptr"
)

// Schema is a compiled schema. It is immutable and safe for concurrent use.
type Schema struct {
	e    *engine
	root *node
	// walk is false when some schema it reaches has a keyword without a check in the table:
	// jsonschema/v5 then evaluates the whole of it.
	walk bool
}

// Failure is one way an instance breaks a schema, located in the instance and in the spec.
type Failure struct {
	Instance string // JSON pointer into the instance
	Keyword  string // as evaluated: KeywordForbidReadOnly, not readOnly
	Schema   string // display file#pointer of the keyword
	Line     int
	Message  string
	Branches []Branch // a failed oneOf or anyOf, branch by branch
}

// Branch tells what one branch of a oneOf or anyOf made of an instance.
type Branch struct {
	// Index is the branch's position in the oneOf or anyOf.
	Index int `json:"index"`
	// Name is the component name of the branch ("JobStatusResult") or its pointer.
	Name string `json:"name"`
	// Matched reports whether the instance is valid against the branch.
	Matched bool `json:"matched"`
	// Errors are the branch's own failures when it did not match.
	Errors []BranchError `json:"errors,omitempty"`
}

// BranchError is one failure inside a branch.
type BranchError struct {
	Instance string `json:"instance"`
	Keyword  string `json:"keyword,omitempty"`
	Schema   string `json:"schema,omitempty"`
	Line     int    `json:"line,omitempty"`
	Message  string `json:"message"`
}

// Choice is the branch of one oneOf or anyOf that a valid instance matched.
type Choice struct {
	Location        // of the oneOf or anyOf keyword
	Index    int    // of the branch
	Name     string // of the branch, as Branch.Name
}

// Location is the absolute location of the compiled schema (a resource URL and a fragment).
func (s *Schema) Location() string { return s.root.loc }

// Walked reports whether the engine's walk evaluates s; false when jsonschema/v5 does, because a
// keyword s reaches has no check in the keyword table.
func (s *Schema) Walked() bool { return s.walk }

// Valid reports whether v (a value as Decode returns it) is valid against s. On the walk the
// keywords' own checks do not allocate; what does is the exact arithmetic (big.Rat) on numbers
// that are not int64 integers, some formats (email) and ECMA-262 patterns (regexp2).
func (s *Schema) Valid(v any) bool {
	if !s.walk {
		return s.root.src.Validate(v) == nil
	}
	return s.root.eval(v, nil, 0)
}

// Check returns nil when v is valid against s, else every way it is not, ordered by instance
// location. label names the whole instance in messages ("the request body").
func (s *Schema) Check(v any, label string) []Failure {
	var out []Failure
	if !s.walk {
		s.e.reference(s.root.src, v, "", label, &out)
	} else if s.root.eval(v, nil, 0) {
		return nil
	} else {
		w := &walker{e: s.e, label: label, out: make([]Failure, 0, 4)}
		w.path = w.buf[:0]
		s.root.eval(v, w, 0)
		out = w.out
	}
	sortByInstance(out)
	return out
}

// Choices appends, for every oneOf and anyOf the valid instance v went through, the branch it
// matched (the first, for anyOf). Schemas jsonschema/v5 evaluates give none.
func (s *Schema) Choices(v any, out []Choice) []Choice {
	if !s.walk {
		return out
	}
	w := &walker{e: s.e, choices: &out}
	s.root.eval(v, w, 0)
	return out
}

// node is one compiled schema: its checks, one per keyword it has, in jsonschema/v5's order
// of evaluation, from the keyword table.
type node struct {
	src    *jsonschema.Schema
	loc    string // absolute location
	always *bool  // a boolean schema
	checks []check
	kids   []*node // the subschemas its keywords apply
	known  bool    // every keyword has a check
}

// check is one keyword of one schema, compiled from its entry of the keyword table.
type check struct {
	kw string   // the keyword as reported
	at Location // of the keyword, when it can fail or explains
	// valid answers whether v passes the keyword. With w nil it only answers, and must not
	// allocate; with w it also records every failure below the keyword (its subschemas' and
	// its own oneOf explanation), while the walk records the keyword's own failure with why.
	// nil: the engine has no check for the keyword, and jsonschema/v5 evaluates the schema.
	valid func(c *check, v any, w *walker, depth int) bool
	// why says how v, the instance at, fails the keyword; nil for keywords whose failures are
	// their subschemas'.
	why func(v any, at subject) string
	// stop: once the keyword fails, nothing else of the schema is evaluated (type).
	stop bool
	// subs and names are the branches of a oneOf or anyOf and their names.
	subs  []*node
	names []string
}

// find returns n's check of the keyword kw, nil when n has none.
func (n *node) find(kw string) *check {
	for i := range n.checks {
		if n.checks[i].kw == kw {
			return &n.checks[i]
		}
	}
	return nil
}

// supported reports whether n and every node it reaches is known to the walk.
func (n *node) supported(seen map[*node]bool) bool {
	if n == nil || seen[n] {
		return true
	}
	seen[n] = true
	if !n.known {
		return false
	}
	for _, k := range n.kids {
		if !k.supported(seen) {
			return false
		}
	}
	return true
}

// eval reports whether v is valid against n. With w nil it returns on the first failure and
// allocates nothing; with w it explains (or, observing, records branch choices). depth guards
// against reference cycles that consume no input.
func (n *node) eval(v any, w *walker, depth int) bool {
	if w != nil {
		return n.explain(v, w, depth)
	}
	if depth > 256 {
		return false // let jsonschema/v5 find the loop and say so
	}
	if n.always != nil {
		return *n.always
	}
	for i := range n.checks {
		c := &n.checks[i]
		if !c.valid(c, v, nil, depth) {
			return false
		}
	}
	return true
}

// explain is eval with a walker: every check runs, and each failure is recorded once. Very
// deep nesting is left to jsonschema/v5, on that part of the instance only.
func (n *node) explain(v any, w *walker, depth int) bool {
	if n.always != nil && *n.always {
		return true
	}
	if n.always != nil && depth < 128 {
		if w.choices == nil {
			inst := w.at()
			w.out = append(w.out, w.e.falseFailure(n.loc, v, inst, w.label))
		}
		return false
	}
	if depth >= 128 || !n.known {
		if w.choices != nil {
			return true
		}
		w.e.handedOver.Add(1)
		before := len(w.out)
		w.e.reference(n.src, v, w.at(), w.label, &w.out)
		return len(w.out) == before
	}
	ok := true
	for i := range n.checks {
		c := &n.checks[i]
		if c.valid(c, v, w, depth) {
			continue
		}
		ok = false
		if c.why != nil {
			w.fail(c, v)
		}
		if c.stop {
			break
		}
	}
	return ok
}

// walker carries an explanation through the walk. It allocates only for the failures it
// returns: the JSON pointer of the part being visited is kept as a stack of tokens and joined
// only for a failure.
type walker struct {
	e     *engine
	label string   // names the whole instance in messages: "the request body"
	path  []string // escaped JSON pointer tokens of the part being visited
	out   []Failure
	buf   [16]string // path's first tokens
	// choices, when not nil, says the instance is valid: the walk records the branches it
	// matched, and nothing else.
	choices *[]Choice
}

// push and pop follow the walk into a property or an item.
func (w *walker) push(tok string) { w.path = append(w.path, tok) }
func (w *walker) pop()            { w.path = w.path[:len(w.path)-1] }

// at is the JSON pointer of the part being visited.
func (w *walker) at() string {
	switch len(w.path) {
	case 0:
		return ""
	case 1:
		return "/" + w.path[0]
	}
	return "/" + strings.Join(w.path, "/")
}

// fail records that v, the part being visited, breaks the keyword c.
func (w *walker) fail(c *check, v any) {
	inst := w.at()
	w.out = append(w.out, Failure{Instance: inst, Keyword: c.kw, Schema: c.at.Schema, Line: c.at.Line, Message: c.why(v, subject{inst, w.label})})
}

// branchOutcome is what one branch of a oneOf or anyOf made of an instance.
type branchOutcome struct {
	matched  bool
	failures []Failure
}

// explanation turns the outcomes of a failed oneOf or anyOf (located at at) into one failure
// that names the deepest relevant instance and tells, for each branch, whether it matched and
// why not.
func explanation(at Location, kw, inst, label string, names []string, outcomes []branchOutcome) Failure {
	f := Failure{Instance: inst, Keyword: kw, Schema: at.Schema, Line: at.Line}
	var matched []string
	best, bestDepth := -1, -1
	var bestFailure Failure
	for i, o := range outcomes {
		br := Branch{Index: i, Name: names[i]}
		if o.matched {
			br.Matched = true
			matched = append(matched, br.Name)
		} else {
			sortByInstance(o.failures)
			for _, x := range o.failures {
				br.Errors = append(br.Errors, BranchError{Instance: x.Instance, Keyword: SpecKeyword(x.Keyword), Schema: x.Schema, Line: x.Line, Message: x.Message})
				if d := jsonptr.Depth(x.Instance); d > bestDepth {
					best, bestDepth, bestFailure = i, d, x
				}
			}
		}
		f.Branches = append(f.Branches, br)
	}
	what := subject{inst, label}.String()
	switch {
	case len(matched) > 1:
		f.Message = what + " matches " + strconv.Itoa(len(matched)) + " branches of " + kw + " (" + strings.Join(matched, ", ") + "); exactly one must match"
	case best >= 0:
		f.Instance = bestFailure.Instance
		f.Message = what + " matches no branch of " + kw + "; closest is " + f.Branches[best].Name + ": " + bestFailure.Message
	default:
		f.Message = what + " matches no branch of " + kw
	}
	return f
}

func sortByInstance(fs []Failure) {
	if len(fs) > 1 {
		slices.SortStableFunc(fs, func(a, b Failure) int { return strings.Compare(a.Instance, b.Instance) })
	}
}

// subject is the instance a message is about: at its pointer inst, or the whole value, which
// label names. Messages start with its String, which the compiler keeps off the heap when short.
type subject struct{ inst, label string }

func (s subject) String() string {
	if s.inst == "" {
		return s.label
	}
	return "`" + s.inst + "`"
}
