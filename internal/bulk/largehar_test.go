package bulk_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/specgate/specgate/internal/cli"
)

// writeHAR streams a HAR of about size bytes to w: a browser-like mix of page assets, CORS
// preflights and the four operations' exchanges, valid and invalid, some bodies base64-encoded.
func writeHAR(w io.Writer, size int64) (entries int, err error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	const uuid = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	type ex struct {
		method, url, reqBody string
		reqHeaders           [][2]string
		status               int
		respBody             string
	}
	mix := []ex{
		{"GET", "https://acme.nonemployee.com/static/app.js", "", nil, 200, "console.log('app')"},
		{"OPTIONS", "https://acme.nonemployee.com/api/users/" + uuid, "", [][2]string{{"Access-Control-Request-Method", "PATCH"}, {"Origin", "https://app.example"}}, 204, ""},
		{"PATCH", "https://acme.nonemployee.com/api/users/" + uuid, `{"user":{"id":"` + uuid + `","name":"bob","email":"bob@example.com","type":"NeprofileUser","status":"Active","admin":false}}`, [][2]string{{"Content-Type", "application/json"}},
			200, `{"user":{"id":"` + uuid + `","uid":"db6f8e8b65c247d5a0db90bcc4e9df9e","name":"bob","email":"bob@example.com","type":"NeprofileUser","status":"Active","last_login":"2023-05-01T09:12:28Z"}}`},
		{"PATCH", "https://acme.nonemployee.com/api/users/" + uuid, `{"user":{"id":"` + uuid + `","name":"bob"}}`, [][2]string{{"Content-Type", "application/json"}},
			200, `{"user":{"id":"` + uuid + `","uid":"` + uuid + `","name":"bob"}}`},
		{"PATCH", "https://acme.nonemployee.com/api/user_profiles", `{"user_profiles":[{"id":"` + uuid + `","user_id":"` + uuid + `","profile_id":"` + uuid + `","relationship_type":"owner"}]}`, [][2]string{{"Content-Type", "application/json"}},
			200, `{"info":"job has started","job_status":{"job_id":"3ce88e47ad6dba2ddf349d21","status":"queued"},"status":200}`},
		{"PATCH", "https://pseudo.com/iam/governance/selfservice/api/v1/users", `{"users":[{"id":"18008","add":[{"name":"Last Name","value":"x"}],"delete":[{"name":"First Name"}],"update":[{"name":"Display Name","value":"y"}]}]}`,
			[][2]string{{"Content-Type", "application/json"}, {"Authorization", "Basic dXNlcm5hbWU6cGFzc3dvcmQ="}, {"X-Requested-By", "bench"}},
			200, `{"users":[{"links":[{"rel":"self","href":"http://pseudo.com/iam/governance/selfservice/api/v1/users/18008"}],"id":"18008","status":" SUCCESS","request":{"links":[],"requestId":"10073"}}]}`},
		{"PUT", "https://pseudo.com/iam/governance/selfservice/api/v1/users", `{"users":[{"requestId":"123","id":"5025","fields":[{"name":"First Name","value":"UpdatedFN"}]}]}`,
			[][2]string{{"Content-Type", "application/json"}, {"Authorization", "Basic dXNlcm5hbWU6cGFzc3dvcmQ="}},
			200, `{"users":[{"requestId":"123","status":" FAIL","reason":"IAM-2040028:User does not exists:","id":"505","fields":[]}]}`},
	}
	header := func(name, value string) string {
		n, _ := json.Marshal(name)
		v, _ := json.Marshal(value)
		return `{"name":` + string(n) + `,"value":` + string(v) + `}`
	}
	if _, err := bw.WriteString(`{"log":{"version":"1.2","creator":{"name":"specgate bench","version":"1"},"entries":[`); err != nil {
		return 0, err
	}
	var written int64
	for i := 0; written < size; i++ {
		e := mix[i%len(mix)]
		var b bytes.Buffer
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"startedDateTime":"2026-11-25T10:00:00.000Z","time":12.5,"_resourceType":"fetch","request":{"method":%q,"url":%q,"httpVersion":"HTTP/1.1","headers":[`, e.method, e.url)
		for j, h := range e.reqHeaders {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(header(h[0], h[1]))
		}
		b.WriteString(`],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":` + strconv.Itoa(len(e.reqBody)))
		if e.reqBody != "" {
			t, _ := json.Marshal(e.reqBody)
			b.WriteString(`,"postData":{"mimeType":"application/json","text":` + string(t) + `}`)
		}
		fmt.Fprintf(&b, `},"response":{"status":%d,"statusText":"","httpVersion":"HTTP/1.1","headers":[%s,%s],"cookies":[],"content":{"size":%d,"mimeType":"application/json"`,
			e.status, header("Content-Type", "application/json"), header("ResponseTime", "12"), len(e.respBody))
		if e.respBody != "" {
			if i%5 == 0 {
				b.WriteString(`,"encoding":"base64","text":"` + base64.StdEncoding.EncodeToString([]byte(e.respBody)) + `"`)
			} else {
				t, _ := json.Marshal(e.respBody)
				b.WriteString(`,"text":` + string(t))
			}
		}
		b.WriteString(`},"redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0.1,"wait":10,"receive":2.4}}`)
		n, err := bw.Write(b.Bytes())
		if err != nil {
			return 0, err
		}
		written += int64(n)
		entries++
	}
	if _, err := bw.WriteString(`]}}`); err != nil {
		return 0, err
	}
	return entries, bw.Flush()
}

// BenchmarkValidateLargeHAR runs `specgate validate --format json` on a generated HAR of
// SPECGATE_BENCH_HAR_MB megabytes (64 by default; `make bench-bulk` uses 1024) and reports
// exchanges per second, MB per second and the process's peak resident memory.
func BenchmarkValidateLargeHAR(b *testing.B) {
	mb := int64(64)
	if s := os.Getenv("SPECGATE_BENCH_HAR_MB"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatalf("SPECGATE_BENCH_HAR_MB: %v", err)
		}
		mb = n
	}
	path := filepath.Join(b.TempDir(), "large.har")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	entries, err := writeHAR(f, mb<<20)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		var errOut bytes.Buffer
		code := cli.Run(context.Background(), []string{"validate", "--format", "json", path}, io.Discard, &errOut)
		elapsed := time.Since(start)
		if code != 1 { // the mix holds invalid exchanges on purpose
			b.Fatalf("exit %d: %s", code, errOut.String())
		}
		b.ReportMetric(float64(entries)/elapsed.Seconds(), "exchanges/s")
		b.ReportMetric(float64(mb)/elapsed.Seconds(), "MB/s")
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
	b.ReportMetric(float64(entries), "exchanges")
}

func TestGeneratedHARIsValidJSON(t *testing.T) {
	var buf bytes.Buffer
	n, err := writeHAR(&buf, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Log struct {
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil || len(v.Log.Entries) != n || n < 20 {
		t.Fatalf("err = %v, %d entries decoded of %d", err, len(v.Log.Entries), n)
	}
	var errOut, out bytes.Buffer
	path := filepath.Join(t.TempDir(), "t.har")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	code := cli.Run(context.Background(), []string{"validate", "--format", "json", path}, &out, &errOut)
	var rep struct {
		Summary struct {
			Exchanges, Valid, Invalid, Errors, OutOfScope int
		}
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	s := rep.Summary
	if code != 1 || s.Exchanges != n || s.Errors != 0 || s.Invalid == 0 || s.Valid == 0 {
		t.Fatalf("exit %d, summary %+v: %s", code, s, errOut.String())
	}
}
