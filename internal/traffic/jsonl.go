package traffic

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/specgate/specgate/validator"
)

// linesReader reads JSON Lines, one exchange per non-blank line.
type linesReader struct {
	name  string
	sc    *bufio.Scanner
	line  int
	index int
}

func (l *linesReader) next() (Record, error) {
	for l.sc.Scan() {
		l.line++
		text := bytes.TrimSpace(l.sc.Bytes())
		if len(text) == 0 {
			continue
		}
		rec := Record{File: l.name, Index: l.index, Line: l.line}
		l.index++
		if err := lineRecord(text, &rec); err != nil {
			rec.Err = &Error{File: l.name, Index: rec.Index, Line: rec.Line, Err: err}
		}
		return rec, nil
	}
	if err := l.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("longer than %d MiB", MaxLineSize>>20)
		}
		return Record{}, &Error{File: l.name, Index: l.index, Line: l.line + 1, Err: err}
	}
	return Record{}, io.EOF
}

type lineExchange struct {
	Request   *lineRequest  `json:"request"`
	Response  *lineResponse `json:"response"`
	Operation string        `json:"operation"`
	Comment   string        `json:"comment"`
}

type lineRequest struct {
	Method          string                     `json:"method"`
	URL             string                     `json:"url"`
	Headers         map[string]json.RawMessage `json:"headers"`
	Body            json.RawMessage            `json:"body"`
	BodyText        *string                    `json:"bodyText"`
	BodyNotRecorded bool                       `json:"bodyNotRecorded"`
}

type lineResponse struct {
	Status          int                        `json:"status"`
	Headers         map[string]json.RawMessage `json:"headers"`
	Body            json.RawMessage            `json:"body"`
	BodyText        *string                    `json:"bodyText"`
	BodyNotRecorded bool                       `json:"bodyNotRecorded"`
}

// lineRecord fills rec from one JSON Lines line.
func lineRecord(text []byte, rec *Record) error {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	var x lineExchange
	if err := dec.Decode(&x); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("more than one JSON value on the line (at byte %d); put one exchange object per line", dec.InputOffset())
	}
	rec.Comment = x.Comment
	rec.Exchange.Operation = x.Operation
	if x.Request == nil && x.Response == nil {
		return errors.New("neither request nor response: an exchange needs at least one")
	}
	if x.Request == nil && x.Operation == "" {
		return errors.New("operation: missing; a response without a request needs the operationId it answers")
	}
	if r := x.Request; r != nil {
		if r.Method == "" {
			return errors.New("request.method: missing")
		}
		u, err := parseURL(r.URL)
		if err != nil {
			return fmt.Errorf("request.url: %w", err)
		}
		h, err := lineHeaders("request", r.Headers)
		if err != nil {
			return err
		}
		body, err := lineBody("request", r.Body, r.BodyText)
		if err != nil {
			return err
		}
		if r.BodyNotRecorded && body != nil {
			return errors.New("request: bodyNotRecorded goes with no body or bodyText")
		}
		rec.Exchange.Request = &validator.Request{Method: r.Method, URL: u, Header: h, Body: body, BodyNotRecorded: r.BodyNotRecorded}
	}
	if r := x.Response; r != nil {
		if r.Status < 100 || r.Status > 999 {
			if r.Status == 0 {
				return errors.New("response.status: missing")
			}
			return fmt.Errorf("response.status: %d is not an HTTP status code", r.Status)
		}
		h, err := lineHeaders("response", r.Headers)
		if err != nil {
			return err
		}
		body, err := lineBody("response", r.Body, r.BodyText)
		if err != nil {
			return err
		}
		if r.BodyNotRecorded && body != nil {
			return errors.New("response: bodyNotRecorded goes with no body or bodyText")
		}
		rec.Exchange.Response = &validator.Response{Status: r.Status, Header: h, Body: body, BodyNotRecorded: r.BodyNotRecorded}
	}
	return nil
}

// lineHeaders builds a header from {"Name": "value" | ["value", ...]}, in name order so that
// names differing only in case merge the same way every time.
func lineHeaders(part string, m map[string]json.RawMessage) (http.Header, error) {
	h := make(http.Header, len(m))
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		raw := m[name]
		var one string
		if err := json.Unmarshal(raw, &one); err == nil {
			h.Add(name, one)
			continue
		}
		var many []string
		if err := json.Unmarshal(raw, &many); err != nil || many == nil {
			return nil, fmt.Errorf("%s.headers.%s: want a string or a list of strings", part, name)
		}
		for _, v := range many {
			h.Add(name, v)
		}
	}
	return h, nil
}

func lineBody(part string, body json.RawMessage, text *string) ([]byte, error) {
	hasBody := len(body) > 0 && !bytes.Equal(body, []byte("null"))
	switch {
	case hasBody && text != nil:
		return nil, fmt.Errorf("%s: both body and bodyText; give one", part)
	case hasBody:
		return []byte(body), nil
	case text != nil:
		return []byte(*text), nil
	}
	return nil, nil
}
