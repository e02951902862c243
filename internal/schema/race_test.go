//go:build race

package schema

// raceDetector is on: sync.Pool drops items at random under the race detector, so regexp's
// pooled matchers allocate now and then, and an allocation count of a pattern check says nothing.
const raceDetector = true
