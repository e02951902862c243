package fuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// TestJSONBodyEqualsMarshal keeps jsonBody equal to json.Marshal of the resolved tree: on every
// body the plans of several seeds generate against the embedded specs (positives and
// negatives), and on the values that take encoding/json's special paths.
func TestJSONBodyEqualsMarshal(t *testing.T) {
	f := mockFuzzer(t)
	f.state["k"] = []string{"a<b>&c", "d"}
	ref := stateRef{key: "k", unknown: "none\u2028"}
	special := []any{
		nil, true, false, "", "plain", "<tag> & \"q\" \\ \b\f\n\r\t\x01\x1f\x7f", "\xff\xfe bad utf-8 \xe2\x82",
		"line\u2028para\u2029", "ünïcödé 日本", json.Number(""), json.Number("-0.5e+10"), json.Number("12"),
		json.Number("01"), json.Number("1."), json.Number("Inf"), 1.5, 3, int64(-7), []any(nil), []any{},
		map[string]any(nil), map[string]any{}, ref,
		map[string]any{"b": []any{ref, map[string]any{"z": 1, "a": json.Number("2")}}, "a": nil, "<": "&"},
		[]any{map[string]any{"x": []any{[]any{"y", ref}}}, json.Number("bad")},
	}
	check := func(what string, v any, pick int) {
		t.Helper()
		got, err := f.jsonBody(v, pick)
		want, wantErr := json.Marshal(f.resolve(v, pick))
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Errorf("%s: jsonBody(%#v) = %q, %v; json.Marshal gives %q, %v", what, v, got, err, want, wantErr)
		}
	}
	for _, v := range special {
		for _, pick := range []int{0, 1, unknownPick} {
			check("special value", v, pick)
		}
	}
	bodies := 0
	for _, seed := range []int64{1, 2, 3, 11} {
		f.opts.Seed = seed
		plan, _ := f.plan(context.Background(), &Result{}, map[string]bool{}, f.ops, false)
		for _, s := range plan {
			if s.tc.hasBody && bodyKind(s.tc.media) == "json" {
				check(s.tc.op.id+" "+s.tc.mutation, s.tc.body, s.tc.choice())
				bodies++
			}
		}
	}
	if bodies < 100 {
		t.Fatalf("the plans had %d JSON bodies; the embedded specs' operations should give hundreds", bodies)
	}
}
