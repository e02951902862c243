package validator

import (
	"mime"
	"strings"
	"testing"
)

// TestMediaTypeAgreesWithMime checks the shortcut for plain media types against
// mime.ParseMediaType, which mediaType uses for everything else.
func TestMediaTypeAgreesWithMime(t *testing.T) {
	for _, ct := range []string{
		"application/json", "application/problem+json", "application/vnd.pets+json", "text/plain", "application/x-www-form-urlencoded",
		"application/json; charset=utf-8", "Application/JSON", "application/json ", " application/json", "application/", "/json",
		"application", "application/json/x", "application/*", "*/*", "application/json;", "text/json", "a/b",
	} {
		t.Run(ct, func(t *testing.T) {
			want, _, err := mime.ParseMediaType(ct)
			if err != nil {
				want = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
			}
			if got := mediaType(ct); got != want {
				t.Errorf("mediaType(%q) = %q, mime says %q", ct, got, want)
			}
		})
	}
}

// FuzzMediaTypeAgreesWithMime looks for a plain media type the shortcut gets wrong.
func FuzzMediaTypeAgreesWithMime(f *testing.F) {
	f.Add("application/json")
	f.Fuzz(func(t *testing.T, ct string) {
		if !plainMediaType(ct) {
			return
		}
		if want, _, err := mime.ParseMediaType(ct); err != nil || want != ct {
			t.Fatalf("%q taken as plain; mime.ParseMediaType gives %q, %v", ct, want, err)
		}
	})
}
