// Package jsonnum writes and reads numbers as encoding/json does, for the packages that build
// JSON values without encoding them (internal/schema's JSONValue, specs' YAML nodes and JSON
// instances) and must give the very value the encoding would.
package jsonnum

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// FloatText is encoding/json's text for a float64 (its floatEncoder): 'f' format between 1e-6
// and 1e21, 'e' outside with a one-digit negative exponent unpadded. NaN and infinities have
// none.
func FloatText(f float64) (string, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(nil, f, format, -1, 64)
	if format == 'e' {
		// e-09 is written e-9.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return string(b), true
}

// RoundTrip encodes v with json.Marshal and decodes it with UseNumber: objects as
// map[string]any, arrays as []any, numbers as json.Number written as JSON writes them (1.0
// is 1).
func RoundTrip(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}
