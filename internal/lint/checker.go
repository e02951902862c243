package lint

import (
	"errors"
	"fmt"
	"strings"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// checker is lint's boundary around validator.Checker, and through it the schema engine and the
// third-party code under it: every compile and every check runs under recover, so that a panic
// in third-party code becomes an error naming the file and pointer instead of ending the
// process. (The
// validator compiles only Schema objects and checks patterns as ECMA-262 itself, so no known
// input panics any more; the boundary stays for the unknown ones.)
//
// A panic in the middle of a compile leaves the compiler with a schema half built, which later
// compiles of the same file would return as if complete. So after a panic the Checker is thrown
// away and built again before the next compile; maxRebuilds bounds what that costs.
type checker struct {
	src   *specs.Sources
	roots []string
	c     *validator.Checker
	// rebuilds counts the Checkers thrown away after a panic.
	rebuilds int
}

// maxRebuilds bounds the Checkers built again after panics, across one Lint call: each costs
// about as much as converting the documents once.
const maxRebuilds = 16

// panicError is a panic of third-party code, turned into an error.
type panicError struct {
	at    string // file#pointer
	value any
}

func (e *panicError) Error() string {
	return fmt.Sprintf("the schema engine failed on %s: %v", e.at, e.value)
}

// errUnchecked says the schema was not compiled because the engine failed too often.
var errUnchecked = errors.New("not compiled: the schema engine failed on these documents too often")

func (c *checker) build() (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("reading the schemas of %s: the schema engine failed: %v", strings.Join(c.roots, ", "), v)
		}
	}()
	c.c, err = validator.NewChecker(c.src, c.roots...)
	return err
}

// compile compiles the schema at ptr of file for part.
func (c *checker) compile(part validator.Part, file, ptr string) (sch *validator.Schema, err error) {
	if c.c == nil {
		if c.rebuilds >= maxRebuilds {
			return nil, errUnchecked
		}
		c.rebuilds++
		if err := c.build(); err != nil {
			return nil, err
		}
	}
	defer func() {
		if v := recover(); v != nil {
			c.c = nil
			sch, err = nil, &panicError{at: c.src.DisplayName(file) + "#" + ptr, value: v}
		}
	}()
	return c.c.Compile(part, c.src, file, ptr)
}

// accepts reports whether sch accepts v.
func accepts(sch *validator.Schema, v any) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, &panicError{at: "a compiled schema", value: r}
		}
	}()
	return sch.Accepts(v), nil
}

// check returns every way v breaks sch.
func check(sch *validator.Schema, v any) (out []validator.Violation, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &panicError{at: "a compiled schema", value: r}
		}
	}()
	return sch.Check(v), nil
}
