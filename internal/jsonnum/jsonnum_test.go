package jsonnum

import (
	"encoding/json"
	"math"
	"testing"
)

// FloatText is json.Marshal's text, at the edges of its two formats and of float64.
func TestFloatTextIsMarshals(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1.5, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 123456789e13, 1e-100, 5e-324, math.MaxFloat64, -math.SmallestNonzeroFloat64, 0.1 + 0.2} {
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := FloatText(f); !ok || got != string(want) {
			t.Errorf("FloatText(%v) = %q, %v; json.Marshal writes %s", f, got, ok, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got, ok := FloatText(f); ok {
			t.Errorf("FloatText(%v) = %q, want none: json.Marshal refuses it", f, got)
		}
	}
}

// RoundTrip reads numbers as json.Number in the text JSON writes, and gives json.Marshal's
// error for what it refuses.
func TestRoundTrip(t *testing.T) {
	got, err := RoundTrip(map[string]any{"a": []any{1.0, 2.5, "x"}})
	if err != nil {
		t.Fatal(err)
	}
	a := got.(map[string]any)["a"].([]any)
	if a[0] != json.Number("1") || a[1] != json.Number("2.5") || a[2] != "x" {
		t.Errorf("RoundTrip = %#v", got)
	}
	if _, err := RoundTrip(math.NaN()); err == nil {
		t.Error("RoundTrip(NaN): no error")
	}
}
