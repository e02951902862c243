package schema

// JSON Schema patterns are ECMA-262 regular expressions; Go's regexp is RE2, which refuses
// lookarounds, backreferences and repeat counts over 1000, all of which published specs use. A
// pattern RE2 compiles is checked by RE2 (linear time, and the same meaning for what specs
// write), except one with \s or \S, which RE2 reads as ASCII white space only. Every other
// pattern is checked by regexp2 in ECMAScript mode, its backtracking bounded by patternTimeout
// per string. A pattern neither compiles is reported once, at load (the validator's
// spec.pattern.unsupported), and not checked.

import (
	"errors"
	"fmt"
	"hash/maphash"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dlclark/regexp2"
)

// patternTimeout bounds one match of an ECMA-262 pattern, so that a hostile instance cannot hang
// validation on a pattern that backtracks. A match that runs out of time fails its instance.
const patternTimeout = 100 * time.Millisecond

// patternTimeoutMsg is what a timed-out match reports to jsonschema/v5; the pattern keyword's
// message words it for users.
const patternTimeoutMsg = "the pattern could not be evaluated within the time limit"

// ecmaPattern is a compiled ECMA-262 pattern. It is safe for concurrent use.
type ecmaPattern struct {
	src string
	re  *regexp2.Regexp
	// timedOut remembers (by hash) the strings whose match ran out of time, up to
	// maxTimedOut of them, so that a body repeating a hostile string, and the diagnosis that
	// follows a failed verdict, pay the time limit once per string.
	timedOut sync.Map
	nTimeout atomic.Int32
}

const maxTimedOut = 1024

var timeoutSeed = maphash.MakeSeed()

// compileECMA compiles an ECMA-262 pattern.
func compileECMA(p string) (*ecmaPattern, error) {
	re, err := regexp2.Compile(p, regexp2.ECMAScript|regexp2.Unicode)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = patternTimeout
	return &ecmaPattern{src: p, re: re}, nil
}

// match reports whether s matches; the error is a timeout.
func (p *ecmaPattern) match(s string) (bool, error) {
	var h uint64
	if p.nTimeout.Load() > 0 {
		h = maphash.String(timeoutSeed, s)
		if _, ok := p.timedOut.Load(h); ok {
			return false, errPatternTimeout
		}
	}
	ok, err := p.re.MatchString(s)
	if err != nil {
		if p.nTimeout.Add(1) <= maxTimedOut {
			p.timedOut.Store(maphash.String(timeoutSeed, s), struct{}{})
		}
		return false, errPatternTimeout
	}
	return ok, nil
}

var errPatternTimeout = errors.New(patternTimeoutMsg)

// PatternEngine tells which engine checks the pattern p: "re2", "ecma", or "" when neither
// compiles it, with the reason. A schema's converter moves an "ecma" pattern to
// KeywordECMAPattern and drops a "" one.
func PatternEngine(p string) (string, error) {
	if _, err := regexp.Compile(p); err == nil && !spaceClass(p) {
		return "re2", nil
	}
	if _, err := compileECMA(p); err != nil {
		return "", fmt.Errorf("%v", err)
	}
	return "ecma", nil
}

// spaceClass reports whether p uses \s or \S, which RE2 reads as ASCII white space only and
// ECMA-262 as every Unicode space and line terminator.
func spaceClass(p string) bool {
	for i := 0; i+1 < len(p); i++ {
		if p[i] == '\\' {
			if p[i+1] == 's' || p[i+1] == 'S' {
				return true
			}
			i++ // skip the escaped character: an escaped backslash before s is no class
		}
	}
	return false
}

// CheckPattern returns nil when p is a pattern the engine checks (ECMA-262, as JSON Schema
// defines patterns, or RE2), and otherwise why it is not: what the format "regex" means to
// every check of specgate, lint's OpenAPI document-schema check included.
func CheckPattern(p string) error {
	_, err := PatternEngine(p)
	return err
}

// isECMARegex is the regex format: a string that is an ECMA-262 regular expression.
func isECMARegex(v any) bool {
	s, ok := v.(string)
	if !ok {
		return true
	}
	_, err := compileECMA(s)
	return err == nil
}
