//go:build !race

package htmlreport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/specgate/specgate/validator"
)

// The race detector slows validation tenfold and adds nothing to a measure of the page, so this
// test runs in the builds without it (make report-browser): in testkit/,
// `go test -run LargeRun ./htmlreport/`.

// A 100,000-exchange run: the page stays under 10 MB and opens in under 2 s.
func TestHTMLReportLargeRunInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("validates 100,000 exchanges")
	}
	ctx := reportBrowser(t)
	const n = 100_000
	dir := t.TempDir()
	har := filepath.Join(dir, "large.har")
	if err := os.WriteFile(har, largeReportHAR(t, n), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := run(t, "validate", "--coverage", "--format", "html", har)
	if res.code != exitFindings {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	took := time.Since(start)
	page := filepath.Join(reportOutDir(t), "report-large.html")
	if err := os.WriteFile(page, []byte(res.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	size := len(res.stdout)
	start = time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(reportFileURL(page))); err != nil {
		t.Fatal(err)
	}
	open := time.Since(start)
	load := reportEval[float64](t, ctx, `(() => { const n = performance.getEntriesByType("navigation")[0]; return n.loadEventEnd - n.startTime; })()`)
	t.Logf("%d exchanges validated in %v; page %d bytes; Navigate returned after %v, load event at %.0f ms", n, took, size, open, load)
	if size >= 10<<20 {
		t.Errorf("page is %d bytes, want under 10 MB", size)
	}
	if open >= 2*time.Second {
		t.Errorf("the page took %v to open, want under 2 s", open)
	}
	if r := renderReport(t, ctx); r.Cards["exchanges"] != fmt.Sprint(n) {
		t.Errorf("the page counts %s exchanges, want %d", r.Cards["exchanges"], n)
	}
	reportScreenshot(t, ctx, "report-large.png")
}

// largeHAR records n exchanges of the four operations: valid ones, 200s whose uid breaks the
// schema, job-status replies, 403s and undocumented properties, in a fixed rotation.
func largeReportHAR(t *testing.T, n int) []byte {
	t.Helper()
	valid, invalid := patchUser(t, uid32), patchUser(t, userID)
	job := validator.Exchange{
		Request: &validator.Request{Method: "PATCH", URL: mustURL(t, "https://acme.nonemployee.com/api/user_profiles"),
			Header: header("Content-Type", "application/json"), Body: []byte(`{"user_profiles": [{"id": "` + userID + `", "relationship_type": "owner"}]}`)},
		Response: &validator.Response{Status: 200, Header: header("Content-Type", "application/json"), Body: []byte(`{"job_status": {"job_id": "3ce88e47ad6dba2ddf349d21", "status": "queued"}}`)},
	}
	forbidden := patchUsers(t)
	forbidden.Response = &validator.Response{Status: 403, Header: http.Header{}}
	extra := patchUsers(t)
	extra.Request.Body = []byte(`{"users": [{"id": "18008", "nickname": "x"}]}`)
	rotation := []validator.Exchange{valid, invalid, job, patchUsers(t), forbidden, extra}
	// Each distinct entry is encoded once and repeated: encoding 100,000 maps would cost more
	// than validating them.
	var doc struct {
		Log struct {
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(harOf(t, rotation...), &doc); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(`{"log": {"version": "1.2", "creator": {"name": "specgate tests", "version": "1"}, "entries": [`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(doc.Log.Entries[i%len(rotation)])
	}
	b.WriteString("]}}")
	return b.Bytes()
}
