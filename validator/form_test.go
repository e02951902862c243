package validator

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
)

// TestFormBodies: form and multipart bodies are checked against their schema as the object
// they stand for, field texts read as the properties' types say; a body that does not parse is
// malformed; a media type the validator does not check is matched and left alone.
func TestFormBodies(t *testing.T) {
	v := load(t, "testdata", "forms.yaml")
	form := func(body string) Result {
		return v.Validate(t.Context(), Exchange{Request: &Request{Method: "POST", URL: &url.URL{Path: "/messages"},
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(body)}})
	}
	multi := func(fields ...string) Result {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for i := 0; i+1 < len(fields); i += 2 {
			_ = w.WriteField(fields[i], fields[i+1])
		}
		_ = w.Close()
		return v.Validate(t.Context(), Exchange{Request: &Request{Method: "POST", URL: &url.URL{Path: "/uploads"},
			Header: http.Header{"Content-Type": {w.FormDataContentType()}}, Body: b.Bytes()}})
	}
	for _, c := range []struct {
		name string
		res  Result
		rule string // "" for valid
		inst string
	}{
		{"valid form", form("To=%2B15551234567&Body=hi&MaxPrice=0.5&Attempt=2&Force=true&StatusCallbackEvent=sent&StatusCallbackEvent=failed"), "", ""},
		{"one array item", form("To=%2B15551234567&Body=hi&StatusCallbackEvent=sent"), "", ""},
		{"integer field not a number", form("To=%2B15551234567&Body=hi&Attempt=two"), RuleRequestBodySchema, "/Attempt"},
		{"pattern broken", form("To=5551234567&Body=hi"), RuleRequestBodySchema, "/To"},
		{"required field missing", form("To=%2B15551234567"), RuleRequestBodySchema, ""},
		{"array item outside the enum", form("To=%2B15551234567&Body=hi&StatusCallbackEvent=lost"), RuleRequestBodySchema, "/StatusCallbackEvent/0"},
		{"boolean field not a boolean", form("To=%2B15551234567&Body=hi&Force=maybe"), RuleRequestBodySchema, "/Force"},
		{"malformed form", form("To=%zz&Body=hi"), RuleRequestBodyMalformed, ""},
		{"valid multipart", multi("name", "a.txt", "size", "3", "meta", `{"kind":"text"}`), "", ""},
		{"multipart integer above maximum", multi("name", "a.txt", "size", "11"), RuleRequestBodySchema, "/size"},
		{"multipart object field missing a member", multi("name", "a.txt", "meta", `{}`), RuleRequestBodySchema, "/meta"},
		{"multipart required field missing", multi("size", "1"), RuleRequestBodySchema, ""},
	} {
		got := ""
		inst := ""
		if len(c.res.Violations) > 0 {
			got, inst = c.res.Violations[0].Rule, c.res.Violations[0].Instance
		}
		if got != c.rule || inst != c.inst || c.res.OutOfScope != "" {
			t.Errorf("%s: got %q at %q, want %q at %q (%v)", c.name, got, inst, c.rule, c.inst, c.res.Violations)
		}
	}
	// A multipart body cut short is malformed.
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("name", "a.txt")
	res := v.Validate(t.Context(), Exchange{Request: &Request{Method: "POST", URL: &url.URL{Path: "/uploads"},
		Header: http.Header{"Content-Type": {w.FormDataContentType()}}, Body: b.Bytes()}})
	if len(res.Violations) != 1 || res.Violations[0].Rule != RuleRequestBodyMalformed {
		t.Errorf("a multipart body without its closing boundary: %v", res.Violations)
	}
	for typ, want := range map[string]bool{"application/json": true, "application/merge-patch+json": true,
		"application/x-www-form-urlencoded": true, "multipart/form-data; boundary=x": true, "application/xml": false, "text/plain": false} {
		if ChecksMediaType(typ) != want {
			t.Errorf("ChecksMediaType(%q) = %v", typ, !want)
		}
	}
}
