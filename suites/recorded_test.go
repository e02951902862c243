package suites_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sort"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/cli"
	"github.com/specgate/specgate/validator"
)

// The contracts again, this time as users hand them to specgate: recorded in a HAR file (and,
// for the responses that stand alone, in JSON Lines), validated by `specgate validate --format
// json`, with the verdict of every exchange read back from the report.
var _ = Describe("specgate validate on recorded contracts", Label("offline"), func() {
	It("reaches each contract's expected verdict, exchange by exchange, in input order", func(ctx SpecContext) {
		all := loadAll()
		dir := GinkgoT().TempDir()
		var entries []map[string]any
		var lines bytes.Buffer
		var inHAR, inLines []*contracts.Contract
		for i, c := range all {
			ex, err := c.Exchange()
			Expect(err).NotTo(HaveOccurred())
			if ex.Request == nil {
				line, err := json.Marshal(jsonLine(ex, c.Operation))
				Expect(err).NotTo(HaveOccurred())
				lines.Write(append(line, '\n'))
				inLines = append(inLines, c)
				continue
			}
			entries = append(entries, harEntry(ex, i%3 == 0))
			inHAR = append(inHAR, c)
		}
		har, err := json.Marshal(map[string]any{"log": map[string]any{
			"version": "1.2", "creator": map[string]any{"name": "specgate suites", "version": "1"}, "entries": entries}})
		Expect(err).NotTo(HaveOccurred())
		harPath, linesPath := filepath.Join(dir, "contracts.har"), filepath.Join(dir, "responses.jsonl")
		Expect(os.WriteFile(harPath, har, 0o644)).To(Succeed())
		Expect(os.WriteFile(linesPath, lines.Bytes(), 0o644)).To(Succeed())

		var out, errOut bytes.Buffer
		code := cli.Run(context.Background(), []string{"validate", "--format", "json", harPath, linesPath}, &out, &errOut)
		Expect(code).To(Equal(1), "exit code (stderr: %s)", errOut.String())

		var rep struct {
			Exchanges []struct {
				File       string                `json:"file"`
				Index      int                   `json:"index"`
				Operation  string                `json:"operation"`
				Valid      bool                  `json:"valid"`
				Violations []validator.Violation `json:"violations"`
			} `json:"exchanges"`
			Summary struct {
				Exchanges, Valid, Invalid, Errors int
			} `json:"summary"`
		}
		Expect(json.Unmarshal(out.Bytes(), &rep)).To(Succeed())
		Expect(rep.Exchanges).To(HaveLen(len(inHAR) + len(inLines)))
		Expect(rep.Summary.Errors).To(BeZero())
		for i, got := range rep.Exchanges {
			c, file, index := (*contracts.Contract)(nil), harPath, i
			if i < len(inHAR) {
				c = inHAR[i]
			} else {
				c, file, index = inLines[i-len(inHAR)], linesPath, i-len(inHAR)
			}
			Expect(got.File).To(Equal(file))
			Expect(got.Index).To(Equal(index))
			res := validator.Result{Operation: got.Operation, Violations: got.Violations}
			if err := c.Check(res); err != nil {
				Fail(c.Description + ": " + err.Error())
			}
			Expect(got.Valid).To(Equal(*c.Expect.Valid), c.Description)
		}
	})
})

// harEntry records an exchange the way a browser or proxy export does. Response bodies are
// base64-encoded when b64 is set; a body the contract says was not recorded has no text.
func harEntry(ex validator.Exchange, b64 bool) map[string]any {
	req := map[string]any{
		"method": ex.Request.Method, "url": ex.Request.URL.String(), "httpVersion": "HTTP/1.1",
		"headers": harHeaders(ex.Request.Header), "queryString": []any{}, "cookies": []any{},
		"headersSize": -1, "bodySize": len(ex.Request.Body),
	}
	switch {
	case ex.Request.BodyNotRecorded:
		req["postData"] = map[string]any{"mimeType": ex.Request.Header.Get("Content-Type"), "params": []any{map[string]any{"name": "user", "value": "?"}}}
	case len(ex.Request.Body) > 0:
		req["postData"] = map[string]any{"mimeType": ex.Request.Header.Get("Content-Type"), "text": string(ex.Request.Body)}
	}
	e := map[string]any{"startedDateTime": "2026-11-25T10:00:00.000Z", "time": 1, "request": req, "cache": map[string]any{}, "timings": map[string]any{"send": 0, "wait": 1, "receive": 0}}
	if r := ex.Response; r != nil {
		content := map[string]any{"size": len(r.Body), "mimeType": r.Header.Get("Content-Type")}
		switch {
		case r.BodyNotRecorded:
			content["size"] = 123
		case b64 && len(r.Body) > 0:
			content["text"], content["encoding"] = base64.StdEncoding.EncodeToString(r.Body), "base64"
		case len(r.Body) > 0:
			content["text"] = string(r.Body)
		}
		e["response"] = map[string]any{"status": r.Status, "statusText": "", "httpVersion": "HTTP/1.1",
			"headers": harHeaders(r.Header), "cookies": []any{}, "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1}
	} else {
		e["response"] = map[string]any{"status": 0, "statusText": "", "httpVersion": "", "headers": []any{}, "cookies": []any{},
			"content": map[string]any{"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1, "bodySize": -1, "_error": "net::ERR_ABORTED"}
	}
	return e
}

func harHeaders(h http.Header) []any {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []any
	for _, n := range names {
		for _, v := range h[n] {
			out = append(out, map[string]any{"name": n, "value": v})
		}
	}
	return out
}

// jsonLine writes a response-only exchange as one JSON Lines object.
func jsonLine(ex validator.Exchange, operation string) map[string]any {
	r := ex.Response
	resp := map[string]any{"status": r.Status, "headers": map[string][]string(r.Header)}
	switch {
	case r.BodyNotRecorded:
		resp["bodyNotRecorded"] = true
	case len(r.Body) > 0:
		resp["bodyText"] = string(r.Body)
	}
	return map[string]any{"operation": operation, "response": resp}
}
