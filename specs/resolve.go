package specs

import (
	"errors"
	"fmt"

	"github.com/specgate/specgate/internal/jsonptr"
)

// Place is a place in a document's files: a file's path in its Sources and a JSON pointer
// ("" for the whole file, "/paths/~1users/get") into its Value.
type Place struct {
	File    string
	Pointer string
}

// At is the place of the value under the tokens (unescaped) below p.
func (p Place) At(toks ...string) Place { return Place{p.File, jsonptr.Join(p.Pointer, toks...)} }

// String is "file#/pointer".
func (p Place) String() string { return p.File + "#" + p.Pointer }

// maxRefHops bounds a chain of $refs that never comes back to a place (a cycle is detected as
// such): longer chains are not written by people.
const maxRefHops = 64

// ErrRefCycle is wrapped by a ResolveError for $refs that lead back to a place of their chain.
var ErrRefCycle = errors.New("the $refs form a cycle")

// ResolveError is a place whose $refs cannot be followed to a value.
type ResolveError struct {
	// At is where resolving stopped: the Reference object whose $ref cannot be followed, or
	// the place that holds nothing.
	At Place
	// Name is At's file as users see it.
	Name string
	// Ref is the $ref at At, "" when At itself holds nothing.
	Ref string
	// Err says why: ErrRefCycle, a file that cannot be read, a pointer with nothing at it.
	Err error
}

func (e *ResolveError) Error() string {
	if e.Ref == "" {
		return fmt.Sprintf("%s#%s: %v", e.Name, e.At.Pointer, e.Err)
	}
	return fmt.Sprintf("%s#%s: $ref %q: %v", e.Name, e.At.Pointer, e.Ref, e.Err)
}

func (e *ResolveError) Unwrap() error { return e.Err }

// Resolve follows the $refs at p, from file to file, until it reaches a value that is no
// Reference object (an object whose $ref is a string), and returns where that value is written
// and the value. A $ref is read against the file it is written in (relative file paths, JSON
// pointers as URI fragments, escaped tokens); references to other hosts are never followed.
// Resolve reads the files' Values, in which the load already replaced the references Redocly
// resolves (a Markdown file, a string, a misplaced $ref) by what they stand for, so those
// resolve as Redocly does. The error is a *ResolveError at the $ref that cannot be followed
// (wrapping ErrRefCycle for a cycle), or at p when nothing is there. Resolve is safe for
// concurrent use.
func (s *Sources) Resolve(p Place) (Place, any, error) {
	return resolve(s.reader(), p, nil)
}

// ResolveWhile is Resolve that follows a Reference object only while follow, given it, says
// so: it returns the first one refused as the value. The validator stops at a 3.1 $ref whose
// siblings constrain, which is a schema of its own.
func (s *Sources) ResolveWhile(p Place, follow func(ref map[string]any) bool) (Place, any, error) {
	return resolve(s.reader(), p, follow)
}

// ResolveRef resolves the $ref ref written in the file at path from, as Resolve does the
// place of a Reference object: for a $ref read from a copy of a file rather than from a place.
func (s *Sources) ResolveRef(from, ref string) (Place, any, error) {
	return chase(s.reader(), Place{File: from}, map[string]any{"$ref": ref}, nil)
}

// Value returns the value at p, without following a $ref there.
func (s *Sources) Value(p Place) (any, error) { return s.reader().lookup(p) }

var errRemote = errors.New("it is an absolute URL; specgate follows only references to files beside the spec, and never fetches")

// RefTarget is the place a $ref written in the file at path from points to. ok is false for a
// reference to another host, which specgate never follows.
func RefTarget(from, ref string) (Place, bool) {
	file, ptr, ok := jsonptr.SplitRef(from, ref)
	return Place{file, ptr}, ok
}

// reader reads the values of files, and names them for errors: Sources' own Values, or a
// caller's copies of them (the validator's converted files).
type reader struct {
	value func(file string) (any, error)
	name  func(file string) string
}

func (s *Sources) reader() reader {
	return reader{
		value: func(p string) (any, error) {
			f, err := s.File(p)
			if err != nil {
				return nil, err
			}
			return f.Value, nil
		},
		name: s.DisplayName,
	}
}

func (r reader) lookup(p Place) (any, error) {
	root, err := r.value(p.File)
	if err != nil {
		return nil, err
	}
	v, ok := jsonptr.Lookup(root, p.Pointer)
	if !ok {
		return nil, fmt.Errorf("%s has nothing at #%s", r.name(p.File), p.Pointer)
	}
	return v, nil
}

// resolve is Resolve over the values r reads.
func resolve(r reader, p Place, follow func(map[string]any) bool) (Place, any, error) {
	v, err := r.lookup(p)
	if err != nil {
		return p, nil, &ResolveError{At: p, Name: r.name(p.File), Err: err}
	}
	return chase(r, p, v, follow)
}

// chase follows the $refs from the value v at p.
func chase(r reader, p Place, v any, follow func(map[string]any) bool) (Place, any, error) {
	fail := func(ref string, err error) (Place, any, error) {
		return p, nil, &ResolveError{At: p, Name: r.name(p.File), Ref: ref, Err: err}
	}
	var chain []Place
	for {
		m, _ := v.(map[string]any)
		ref, isRef := m["$ref"].(string)
		if !isRef || (follow != nil && !follow(m)) {
			return p, v, nil
		}
		for _, c := range chain {
			if c == p {
				return fail(ref, ErrRefCycle)
			}
		}
		if len(chain) == maxRefHops {
			return fail(ref, errChainLong)
		}
		chain = append(chain, p)
		next, ok := RefTarget(p.File, ref)
		if !ok {
			return fail(ref, errRemote)
		}
		nv, err := r.lookup(next)
		if err != nil {
			return fail(ref, err)
		}
		p, v = next, nv
	}
}

var errChainLong = fmt.Errorf("the chain of $refs is longer than %d", maxRefHops)
