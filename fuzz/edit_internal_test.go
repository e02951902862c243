package fuzz

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestEditLeavesRootAlone: edit copies the objects and arrays on its path and no more, so the
// valid request a negative is made of, which the negatives share, never changes.
func TestEditLeavesRootAlone(t *testing.T) {
	tree := func() any {
		return map[string]any{"a": map[string]any{"b": []any{"x", "y", "z"}, "c": "keep"}, "d": []any{map[string]any{"e": json.Number("1")}}}
	}
	for _, c := range []struct {
		ptr  string
		fn   func(any) (any, bool)
		want any
	}{
		{"/a/b/1", func(any) (any, bool) { return nil, false }, map[string]any{"a": map[string]any{"b": []any{"x", "z"}, "c": "keep"}, "d": []any{map[string]any{"e": json.Number("1")}}}},
		{"/a/b/0", func(any) (any, bool) { return 7, true }, map[string]any{"a": map[string]any{"b": []any{7, "y", "z"}, "c": "keep"}, "d": []any{map[string]any{"e": json.Number("1")}}}},
		{"/d/0/e", func(any) (any, bool) { return "s", true }, map[string]any{"a": map[string]any{"b": []any{"x", "y", "z"}, "c": "keep"}, "d": []any{map[string]any{"e": "s"}}}},
		{"/a/c", func(any) (any, bool) { return nil, false }, map[string]any{"a": map[string]any{"b": []any{"x", "y", "z"}}, "d": []any{map[string]any{"e": json.Number("1")}}}},
		{"/a/missing/x", func(any) (any, bool) { return 1, true }, tree()},
		{"/d/5", func(any) (any, bool) { return 1, true }, tree()},
		{"", func(any) (any, bool) { return "whole", true }, "whole"},
	} {
		root := tree()
		got := edit(root, c.ptr, c.fn)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("edit(%s) = %v, want %v", c.ptr, got, c.want)
		}
		if !reflect.DeepEqual(root, tree()) {
			t.Errorf("edit(%s) changed its root: %v", c.ptr, root)
		}
	}
}
