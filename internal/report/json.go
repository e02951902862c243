package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/validator"
)

// jsonFormatter writes one JSON document,
//
//	{"exchanges": [{...}, ...], "summary": {...}, "coverage": {...}}
//
// with the exchanges in input order, and coverage only when the run measured it. The summary
// and coverage come last so that exchanges can be written as they are validated.
type jsonFormatter struct {
	w       io.Writer
	started bool
	n       int
	cov     *coverage.Report
}

// jsonExchange is one exchange of the JSON report.
type jsonExchange struct {
	File    string `json:"file"`
	Index   int    `json:"index"`
	Line    int    `json:"line,omitempty"`
	Comment string `json:"comment"`
	Method  string `json:"method"`
	// URL is the path and query only, credentials in the query redacted.
	URL       string `json:"url"`
	Operation string `json:"operation"`
	Spec      string `json:"spec,omitempty"`
	// Preflight is the method a CORS preflight announced, when the request was one.
	Preflight string `json:"preflight,omitempty"`
	Valid     bool   `json:"valid"`
	// OutOfScope says why the exchange was not checked, when it was not.
	OutOfScope string          `json:"out_of_scope,omitempty"`
	Note       string          `json:"note,omitempty"`
	Violation  []jsonViolation `json:"violations"`
	Error      string          `json:"error,omitempty"`
}

// jsonViolation is a violation with the level the policy gives it and, when a waiver accepts
// it, the waiver.
type jsonViolation struct {
	validator.Violation
	Level  Level   `json:"level"`
	Waived *Waiver `json:"waived,omitempty"`
}

func (j *jsonFormatter) start() error {
	if j.started {
		return nil
	}
	j.started = true
	_, err := io.WriteString(j.w, "{\n  \"exchanges\": [")
	return err
}

func (j *jsonFormatter) entry(e Entry) error {
	if err := j.start(); err != nil {
		return err
	}
	x := jsonExchange{
		File: e.File, Index: e.Index, Line: e.Line, Comment: e.Comment, Note: e.Note,
		Method: e.method(), URL: e.target(), Operation: e.operation(),
		Violation: []jsonViolation{},
	}
	switch {
	case e.Err != nil:
		x.Error = e.errorMessage()
	default:
		x.Spec, x.Preflight, x.OutOfScope = e.Result.Spec, e.Result.Preflight, e.Result.OutOfScope
		x.Valid = e.Result.OutOfScope == "" && !e.invalid()
		for i, v := range e.Result.Violations {
			m := e.mark(i)
			x.Violation = append(x.Violation, jsonViolation{Violation: v, Level: m.Level, Waived: m.Waived})
		}
	}
	b, err := marshal(x, "    ")
	if err != nil {
		return fmt.Errorf("report: %s: %w", where(e), err)
	}
	sep := ",\n    "
	if j.n == 0 {
		sep = "\n    "
	}
	j.n++
	if _, err := io.WriteString(j.w, sep); err != nil {
		return err
	}
	_, err = j.w.Write(b)
	return err
}

func (j *jsonFormatter) summary(s Summary) error {
	if err := j.start(); err != nil {
		return err
	}
	b, err := marshal(s, "  ")
	if err != nil {
		return fmt.Errorf("report: summary: %w", err)
	}
	end := "\n  ],\n  \"summary\": "
	if j.n == 0 {
		end = "],\n  \"summary\": "
	}
	if _, err := io.WriteString(j.w, end); err != nil {
		return err
	}
	if _, err := j.w.Write(b); err != nil {
		return err
	}
	if j.cov != nil {
		if err := j.writeCoverage(); err != nil {
			return err
		}
	}
	_, err = io.WriteString(j.w, "\n}\n")
	return err
}

// marshal encodes v indented under prefix, leaving <, > and & as they are: the report is not
// meant for HTML, and query strings read better unescaped.
func marshal(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
