package schema

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// JSONValue returns a copy of v as encoding/json would decode its encoding with UseNumber
// (map[string]any, []any, string, json.Number, bool, nil), without encoding it: a number is
// the text json.Marshal writes for it. What it has no shortcut for (a string that is not
// UTF-8, a NaN, a value of another Go type) goes through json.Marshal and the decoder, so the
// result, and the error, are theirs. A spec's converted documents are tens of megabytes: their
// round trip through JSON was a quarter of building lint's schema set on GitHub's REST spec.
func JSONValue(v any) (any, error) {
	switch t := v.(type) {
	case nil, bool, json.Number:
		return t, nil
	case string:
		if utf8.ValidString(t) {
			return t, nil
		}
	case int:
		return json.Number(strconv.Itoa(t)), nil
	case float64:
		if n, ok := floatText(t); ok {
			return json.Number(n), nil
		}
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			if !utf8.ValidString(k) {
				return roundTrip(v)
			}
			c, err := JSONValue(e)
			if err != nil {
				return nil, err
			}
			m[k] = c
		}
		return m, nil
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			c, err := JSONValue(e)
			if err != nil {
				return nil, err
			}
			s[i] = c
		}
		return s, nil
	}
	return roundTrip(v)
}

// floatText is encoding/json's text for a float64 (its floatEncoder): 'f' format between 1e-6
// and 1e21, 'e' outside with a one-digit negative exponent unpadded. NaN and infinities have
// none.
func floatText(f float64) (string, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(nil, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return string(b), true
}

// roundTrip encodes v and decodes it with UseNumber.
func roundTrip(v any) (any, error) {
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
