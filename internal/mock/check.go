package mock

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"

	"github.com/specgate/specgate/validator"
)

// Checked wraps h (a Mock) so that every exchange it serves is validated against v and each
// verdict with violations is logged as a warning: `specgate mock --spec` uses it to show how the
// mock's behaviour departs from a spec, such as a vendor's newer revision. The exchange passes
// unchanged.
func Checked(h http.Handler, v *validator.Validator, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "reading the request body failed", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		cw := &capture{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(cw, r)
		req := &validator.Request{Method: r.Method, URL: r.URL, Header: r.Header, Body: body}
		resp := &validator.Response{Status: cw.status, Header: w.Header(), Body: cw.body.Bytes()}
		res := v.Validate(r.Context(), validator.Exchange{Request: req, Response: resp})
		if len(res.Violations) == 0 {
			return
		}
		log.LogAttrs(r.Context(), slog.LevelWarn, "exchange breaks the spec",
			slog.String("method", r.Method), slog.String("path", r.URL.EscapedPath()),
			slog.String("operation", res.Operation), slog.Int("status", cw.status),
			slog.Any("violations", res.Violations))
	})
}

// capture passes a response through and keeps a copy of its status and body.
type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *capture) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *capture) Write(b []byte) (int, error) {
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}
