package schema

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/specgate/specgate/internal/jsonnum"
)

// JSONValue is the encoding/json round trip it replaces, value for value: numbers at the edges
// of json.Marshal's formats, strings that are not UTF-8, Go types it has no shortcut for.
func TestJSONValueIsTheRoundTrip(t *testing.T) {
	values := []any{
		nil, true, "", "ü<&>", "\xff\xfeab", json.Number("1.50"), 0, -7, math.MaxInt64,
		0.0, math.Copysign(0, -1), 1.0, 1.5, 100000000.0, 1e20, 1e21, 1.5e21, 1e-6, 9.99e-7, 1e-7, 1.234e-10, -3e-8, math.MaxFloat64, math.SmallestNonzeroFloat64,
		[]any{1, 2.5, "x", nil, []any{}}, map[string]any{"a": 1e-9, "\xffk": 1, "b": map[string]any{}},
		map[string]any{"nested": []any{map[string]any{"minimum": 1e300, "enum": []any{0.1, 2}}}},
		[]string{"a", "b"}, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), map[string]int{"n": 1}, int64(3), float32(0.1),
	}
	for _, v := range values {
		want, werr := jsonnum.RoundTrip(v)
		got, err := JSONValue(v)
		if (err != nil) != (werr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("JSONValue(%#v) = %#v, %v; the round trip gives %#v, %v", v, got, err, want, werr)
		}
	}
	for _, v := range []any{math.NaN(), math.Inf(1), []any{math.Inf(-1)}} {
		if _, err := JSONValue(v); err == nil {
			t.Errorf("JSONValue(%v) has no error; json.Marshal refuses it", v)
		}
	}
	// A copy: the caller's value is not the one returned.
	in := map[string]any{"a": []any{1}}
	out, _ := JSONValue(in)
	out.(map[string]any)["a"].([]any)[0] = "changed"
	if in["a"].([]any)[0] != 1 {
		t.Error("JSONValue shares the caller's values")
	}
}

// FuzzJSONValue holds JSONValue to the round trip on the values decoding fuzzed JSON gives, with
// its numbers as int and float64 as the spec files have them.
func FuzzJSONValue(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5e-7, 1e21, -0.0, "x"]}`, `[1e308, 123456789012345678901234567890]`, `"\ud800"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		v = withInts(v)
		want, werr := jsonnum.RoundTrip(v)
		got, err := JSONValue(v)
		if (err != nil) != (werr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("JSONValue(%#v) = %#v, %v; the round trip gives %#v, %v", v, got, err, want, werr)
		}
	})
}

func withInts(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = withInts(e)
		}
	case []any:
		for i, e := range t {
			t[i] = withInts(e)
		}
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int(t)
		}
	}
	return v
}
