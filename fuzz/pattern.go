package fuzz

import (
	"math/rand"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"
	"unicode"

	"github.com/dlclark/regexp2"
)

// Strings for a pattern are made from the pattern itself when Go's regexp/syntax parses it (an
// RE2 pattern: most published ones): the syntax tree is walked, each repetition taken at its
// fewest, one more, and its most (capped at maxRepeat), each alternative in turn, each class's
// first and a random member. A pattern only ECMA-262 reads (lookarounds, backreferences) has
// only its example and default, and the run says so. Either way the validator judges every
// request, so a string the two engines read differently is a rejected positive, never a request
// sent as valid.

// maxRepeat caps an unbounded repetition (*, +, {n,}) in a generated string.
const maxRepeat = 8

// maxPatternStrings bounds the strings made for one pattern.
const maxPatternStrings = 6

// compiledPattern is a pattern compiled once per run: its RE2 syntax tree and matcher (nil when
// RE2 does not read it) and its ECMA-262 matcher (nil when that does not compile).
type compiledPattern struct {
	tree  *syntax.Regexp
	check *regexp.Regexp
	ecma  *regexp2.Regexp
}

// patterns caches compiled patterns; generation runs one operation at a time, so it needs no
// lock. Compiling is all it keeps: the strings depend on each operation's seed.
type patterns map[string]*compiledPattern

func (ps patterns) get(p string) *compiledPattern {
	if c, ok := ps[p]; ok {
		return c
	}
	c := &compiledPattern{}
	if tree, err := syntax.Parse(p, syntax.Perl); err == nil {
		if check, err := regexp.Compile(p); err == nil {
			c.tree, c.check = tree.Simplify(), check
		}
	}
	if re, err := regexp2.Compile(p, regexp2.ECMAScript|regexp2.Unicode); err == nil {
		re.MatchTimeout = 100 * time.Millisecond
		c.ecma = re
	}
	if ps != nil {
		ps[p] = c
	}
	return c
}

// patternSamples returns strings that match p and fit the lengths [lo, hi] (hi < 0: no maximum),
// and false when p is no RE2 pattern.
func patternSamples(rnd *rand.Rand, p string, lo, hi int) ([]string, bool) {
	return patterns(nil).get(p).samples(rnd, lo, hi)
}

func (c *compiledPattern) samples(rnd *rand.Rand, lo, hi int) ([]string, bool) {
	if c.tree == nil {
		return nil, false
	}
	re, check := c.tree, c.check
	var out []string
	seen := map[string]bool{}
	for _, mode := range []genMode{modeFewest, modeOneMore, modeMost, modeRandom, modeRandom} {
		for alt := 0; alt < 4 && len(out) < maxPatternStrings; alt++ {
			var b strings.Builder
			w := &patternWalk{rnd: rnd, mode: mode, alt: alt}
			w.emit(&b, re)
			s := b.String()
			n := len([]rune(s))
			if seen[s] || n < lo || (hi >= 0 && n > hi) || !check.MatchString(s) {
				continue
			}
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, true
}

type genMode int

const (
	modeFewest genMode = iota
	modeOneMore
	modeMost
	modeRandom
)

// patternWalk writes one string a syntax tree matches.
type patternWalk struct {
	rnd  *rand.Rand
	mode genMode
	alt  int // which alternative of each alternation, in turn
}

func (w *patternWalk) emit(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && w.mode == modeRandom && w.rnd.Intn(2) == 0 {
				r = unicode.SimpleFold(r)
			}
			b.WriteRune(r)
		}
	case syntax.OpCharClass:
		b.WriteRune(w.classRune(re.Rune))
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		b.WriteRune('a' + rune(w.rnd.Intn(26)))
	case syntax.OpCapture:
		w.emit(b, re.Sub[0])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			w.emit(b, s)
		}
	case syntax.OpAlternate:
		i := w.alt % len(re.Sub)
		if w.mode == modeRandom {
			i = w.rnd.Intn(len(re.Sub))
		}
		w.emit(b, re.Sub[i])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := re.Min, re.Max
		switch re.Op {
		case syntax.OpStar:
			lo, hi = 0, -1
		case syntax.OpPlus:
			lo, hi = 1, -1
		case syntax.OpQuest:
			lo, hi = 0, 1
		}
		if hi < 0 || hi > lo+maxRepeat {
			hi = lo + maxRepeat
		}
		n := lo
		switch w.mode {
		case modeOneMore:
			n = min(lo+1, hi)
		case modeMost:
			n = hi
		case modeRandom:
			n = lo + w.rnd.Intn(hi-lo+1)
		}
		for i := 0; i < n; i++ {
			w.emit(b, re.Sub[0])
		}
	}
	// Anchors, word boundaries and empty matches write nothing.
}

// classRune picks a member of a class (pairs of range bounds): the first range's low end, or
// in random mode a random member, preferring printable ASCII ones.
func (w *patternWalk) classRune(ranges []rune) rune {
	if len(ranges) == 0 {
		return 'a'
	}
	var ascii [][2]rune
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		if lo <= '~' && hi >= ' ' {
			ascii = append(ascii, [2]rune{max(lo, ' '), min(hi, '~')})
		}
	}
	if len(ascii) == 0 {
		return ranges[0]
	}
	if w.mode != modeRandom {
		r := ascii[w.alt%len(ascii)]
		return r[0]
	}
	r := ascii[w.rnd.Intn(len(ascii))]
	return r[0] + rune(w.rnd.Intn(int(r[1]-r[0]+1)))
}

// patternViolation returns a string of a length in [lo, hi] that p does not match, so that a
// negative breaks the pattern and nothing else; false when none of the tries is one.
func patternViolation(p string, sample string, lo, hi int) (string, bool) {
	re, err := regexp.Compile(p)
	if err != nil {
		return "", false
	}
	n := max(len([]rune(sample)), lo, 1)
	if hi >= 0 && n > hi {
		n = hi
	}
	for _, c := range []string{"~", "!", " ", "0", "a", "Z", "é"} {
		s := strings.Repeat(c, n)
		if !re.MatchString(s) {
			return s, true
		}
	}
	if n := len([]rune(sample)); sample != "" && (hi < 0 || n < hi) {
		if s := sample + "~"; !re.MatchString(s) {
			return s, true
		}
	}
	if lo == 0 && !re.MatchString("") {
		return "", true
	}
	return "", false
}

// matchesECMA reports whether s matches the pattern as ECMA-262 reads it, as JSON Schema reads
// patterns; a pattern that does not compile, or a match that takes too long, is no match.
func (c *compiledPattern) matchesECMA(s string) bool {
	if c.ecma == nil {
		return false
	}
	ok, err := c.ecma.MatchString(s)
	return err == nil && ok
}
