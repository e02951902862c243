package jsonptr

import "testing"

func TestRoundTrips(t *testing.T) {
	doc := map[string]any{"paths": map[string]any{"/users/{id}": map[string]any{"a~b": []any{"x", "y"}}}}
	ptr := Join("", "paths", "/users/{id}", "a~b", "1")
	if ptr != "/paths/~1users~1{id}/a~0b/1" {
		t.Fatalf("Join = %q", ptr)
	}
	if v, ok := Lookup(doc, ptr); !ok || v != "y" {
		t.Errorf("Lookup = %v, %v", v, ok)
	}
	frag := Fragment(ptr)
	if frag != "#/paths/~1users~1%7Bid%7D/a~0b/1" || Unfragment(frag[1:]) != ptr {
		t.Errorf("Fragment = %q, back = %q", frag, Unfragment(frag[1:]))
	}
	for _, bad := range []string{"/paths/nope", "/paths/~1users~1{id}/a~0b/2", "/paths/~1users~1{id}/a~0b/-1", "paths"} {
		if _, ok := Lookup(doc, bad); ok {
			t.Errorf("Lookup(%q) found something", bad)
		}
	}
}

func TestSplitRef(t *testing.T) {
	tests := []struct{ file, ref, target, ptr string }{
		{"paths/pet.yaml", "../schemas/pet.yaml#/Pet", "schemas/pet.yaml", "/Pet"},
		{"openapi.yaml", "#/components/schemas/X", "openapi.yaml", "/components/schemas/X"},
		{"a/b.yaml", "c.json", "a/c.json", ""},
		{"a/b.yaml", "#/paths/~1users~1%7Bid%7D", "a/b.yaml", "/paths/~1users~1{id}"},
	}
	for _, tt := range tests {
		target, ptr, ok := SplitRef(tt.file, tt.ref)
		if !ok || target != tt.target || ptr != tt.ptr {
			t.Errorf("SplitRef(%q, %q) = %q, %q, %v", tt.file, tt.ref, target, ptr, ok)
		}
	}
	if _, _, ok := SplitRef("a.yaml", "https://example.com/x.yaml#/A"); ok {
		t.Error("a reference to another host must not be followed")
	}
}
