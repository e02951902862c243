package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// TestOutOfScopeListing checks that out-of-scope exchanges are counted by reason in every
// summary, and listed one by one only when the report is verbose.
func TestOutOfScopeListing(t *testing.T) {
	es := entries()
	es = append(es, Entry{
		Record: traffic.Record{File: "a.har", Index: 9, Exchange: validator.Exchange{Request: &validator.Request{Method: "GET", URL: mustURL("https://acme.nonemployee.com/favicon.ico")}}},
		Result: validator.Result{OutOfScope: "/favicon.ico is outside the base paths"},
	})

	t.Run("text", func(t *testing.T) {
		out, s := writeReport(t, "text", false, es)
		if strings.Contains(out, "OUT OF SCOPE") || strings.Contains(out, "/app.js") || strings.Contains(out, "favicon") {
			t.Errorf("out-of-scope exchanges listed without verbose:\n%s", out)
		}
		for _, want := range []string{
			"\n7 exchanges: 3 valid, 1 invalid, 1 error, 2 out of scope\n",
			"1 CORS preflight, each checked against the method it announced\n",
			"2 out of scope, not checked (--verbose lists them):\n      2  outside the base paths\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("text report lacks %q:\n%s", want, out)
			}
		}
		if s.OutOfScope != 2 || s.OutOfScopeReasons["outside the base paths"] != 2 || s.Preflights != 1 {
			t.Errorf("summary %+v", s)
		}

		out, _ = writeReport(t, "text", true, es)
		for _, want := range []string{
			"a.har entry 2: GET /app.js: OUT OF SCOPE\n  out of scope: /app.js is outside the base paths\n",
			"a.har entry 9: GET /favicon.ico: OUT OF SCOPE\n",
			"2 out of scope, not checked:\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("verbose text report lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		var doc struct {
			Exchanges []struct {
				Index      int    `json:"index"`
				OutOfScope string `json:"out_of_scope"`
			} `json:"exchanges"`
			Summary struct {
				OutOfScope        int            `json:"out_of_scope"`
				OutOfScopeReasons map[string]int `json:"out_of_scope_reasons"`
				Preflights        int            `json:"preflights"`
			} `json:"summary"`
		}
		out, _ := writeReport(t, "json", false, es)
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Exchanges) != 5 {
			t.Errorf("%d exchanges listed, want the 5 in scope", len(doc.Exchanges))
		}
		for _, x := range doc.Exchanges {
			if x.OutOfScope != "" {
				t.Errorf("exchange %d out of scope listed without verbose", x.Index)
			}
		}
		if s := doc.Summary; s.OutOfScope != 2 || len(s.OutOfScopeReasons) != 1 || s.OutOfScopeReasons["outside the base paths"] != 2 || s.Preflights != 1 {
			t.Errorf("summary %+v", s)
		}

		out, _ = writeReport(t, "json", true, es)
		doc.Exchanges = nil
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Exchanges) != 7 || doc.Exchanges[4].Index != 2 || doc.Exchanges[4].OutOfScope == "" {
			t.Errorf("verbose exchanges %+v", doc.Exchanges)
		}
	})

	t.Run("empty summary", func(t *testing.T) {
		out, _ := writeReport(t, "json", false, nil)
		if !strings.Contains(out, `"out_of_scope_reasons": {}`) || !strings.Contains(out, `"preflights": 0`) {
			t.Errorf("empty report:\n%s", out)
		}
	})
}
