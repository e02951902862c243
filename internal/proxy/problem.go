package proxy

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/specgate/specgate/validator"
)

// problemType is the media type of the proxy's own answers (RFC 9457).
const problemType = "application/problem+json"

// The problem types the proxy answers with. They are URNs: nothing needs to be served at them.
const (
	problemInvalidRequest  = "urn:specgate:problem:invalid-request"
	problemInvalidResponse = "urn:specgate:problem:invalid-response"
	problemUpstream        = "urn:specgate:problem:upstream-unavailable"
	problemBadBody         = "urn:specgate:problem:unreadable-request"
	problemTooLarge        = "urn:specgate:problem:request-too-large"
	problemEncoding        = "urn:specgate:problem:unsupported-encoding"
)

// Problem is an RFC 9457 problem detail: what the proxy answers when it rejects a request,
// withholds a response or cannot reach the upstream. Violations lists what the validator found,
// in the validator's JSON form; like every violation, they never carry a credential.
type Problem struct {
	Type       string                `json:"type"`
	Title      string                `json:"title"`
	Status     int                   `json:"status"`
	Detail     string                `json:"detail"`
	Operation  string                `json:"operation,omitempty"`
	Violations []validator.Violation `json:"violations,omitempty"`
}

func (p Problem) marshal() []byte {
	b, err := json.Marshal(p)
	if err != nil { // a Problem holds only strings, numbers and slices of them
		return []byte(`{"type":"about:blank","title":"` + http.StatusText(p.Status) + `","status":` + strconv.Itoa(p.Status) + `}`)
	}
	return append(b, '\n')
}

// writeProblem answers with p. The Date header the proxy suppresses for upstream answers is
// allowed back: this answer is the proxy's own.
func writeProblem(w http.ResponseWriter, p Problem) {
	b := p.marshal()
	h := w.Header()
	delete(h, "Date")
	h.Set("Content-Type", problemType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(b)
}
