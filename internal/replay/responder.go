package replay

import (
	"context"
	"io"
	"io/fs"
	"net/http"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/validator"
)

// Responder answers every request with a documented response of the operation the specs route
// it to: the response of the first contract (documented or valid kind, in path order) that the
// validator must accept with a success status. A request that routes nowhere gets 404. It stands
// in for a deployment where none is at hand; it does not look at the request beyond routing.
func Responder(v *validator.Validator, fsys fs.FS) (http.Handler, error) {
	paths, err := contracts.Glob(fsys)
	if err != nil {
		return nil, err
	}
	byOp := map[string]*contracts.Contract{}
	for _, p := range paths {
		c, err := contracts.Load(fsys, p)
		if err != nil {
			return nil, err
		}
		r := c.Response
		if r == nil || !*c.Expect.Valid || c.Kind == contracts.KindInvalid || r.Status < 200 || r.Status > 299 {
			continue
		}
		if _, ok := byOp[c.Operation]; !ok {
			byOp[c.Operation] = c
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		res := v.Validate(context.WithoutCancel(r.Context()), validator.Exchange{Request: &validator.Request{
			Method: r.Method, URL: r.URL, Header: r.Header, Body: body,
		}})
		c, ok := byOp[res.Operation]
		if !ok {
			http.Error(w, `{"error": "no documented operation here"}`, http.StatusNotFound)
			return
		}
		ex, err := c.Exchange()
		if err != nil {
			http.Error(w, `{"error": "the contract cannot be read"}`, http.StatusInternalServerError)
			return
		}
		for k, vs := range ex.Response.Header {
			for _, x := range vs {
				w.Header().Add(k, x)
			}
		}
		w.WriteHeader(ex.Response.Status)
		_, _ = w.Write(ex.Response.Body)
	}), nil
}
