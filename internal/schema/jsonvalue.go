package schema

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/specgate/specgate/internal/jsonnum"
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
		if n, ok := jsonnum.FloatText(t); ok {
			return json.Number(n), nil
		}
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			if !utf8.ValidString(k) {
				return jsonnum.RoundTrip(v)
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
	return jsonnum.RoundTrip(v)
}
