package validator

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Request is one HTTP request as it was sent: the shape shared by recorded traffic, the proxy and
// the tests. Body holds the raw bytes; BodyRecorded is false when the recording had no body text
// for a request that may have carried one (a HAR without postData.text), so that the missing bytes
// are reported as such rather than as an empty body.
type Request struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
	// BodyNotRecorded marks a body that existed but was not recorded.
	BodyNotRecorded bool
}

// Response is one HTTP response as it was received.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// BodyNotRecorded marks a body that existed but was not recorded.
	BodyNotRecorded bool
}

// Exchange is a request and, when known, its response. Either may be nil: a nil Response
// validates the request alone and a nil Request validates the response alone, which then needs
// Operation to be found (see Validator.ValidateResponse).
type Exchange struct {
	Request  *Request
	Response *Response
	// Operation is the operationId a Response alone answers. It is ignored when Request is set.
	Operation string
}

// Key identifies the request by method, URL, headers and body: two requests with the same Key
// would be sent as the same bytes. Callers use it to send each distinct request once.
func (r *Request) Key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
	names := make([]string, 0, len(r.Header))
	for n := range r.Header {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s: %q\n", n, r.Header[n])
	}
	b.Write(r.Body)
	return b.String()
}
