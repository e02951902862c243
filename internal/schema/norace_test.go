//go:build !race

package schema

// raceDetector is off: allocation counts are exact.
const raceDetector = false
