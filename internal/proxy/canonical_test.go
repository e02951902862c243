package proxy

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

func TestCanonicalPath(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/api/users/x", "/api/users/x"},
		{"/", "/"},
		{"/api/users/", "/api/users/"},
		{"/x/../api/users", "/api/users"},
		{"/./api/users", "/api/users"},
		{"/%2e/api", "/api"},
		{"/%2E%2e/api", "/api"},
		{"/../../api", "/api"},
		{"/api/users/..", "/api/"},
		{"/api/users/.", "/api/users/"},
		{"/api;jsessionid=1/users", "/api/users"},
		{"/api/users/x/..;/y", "/api/users/y"},
		{"/api/users;a=1;b=2", "/api/users"},
		{"//api//users//x", "/api/users/x"},
		{"/%61pi/%7Euser", "/api/~user"},
		{"/api%2Fusers%2fx", "/api/users/x"},
		{`/api\users%5Cx`, "/api/users/x"},
		{"/api/users/a%20b%3Bc%zz", "/api/users/a%20b%3Bc%zz"}, // kept as sent: not unreserved, or not an escape
		{"/api/users/.hidden", "/api/users/.hidden"},
	} {
		got, changed := canonicalPath(tt.in)
		if got != tt.want || changed != (tt.in != tt.want) {
			t.Errorf("canonicalPath(%q) = %q, %v; want %q", tt.in, got, changed, tt.want)
		}
	}
}

func TestDecodeCodings(t *testing.T) {
	body := []byte(`{"user": {"id": "x"}}`)
	for _, tt := range []struct {
		name   string
		codes  []string
		data   []byte
		want   []byte
		errMsg string
	}{
		{"gzip", []string{"gzip"}, gzipped(body), body, ""},
		{"deflate zlib", []string{"deflate"}, zlibbed(body), body, ""},
		{"deflate raw", []string{"deflate"}, flated(body), body, ""},
		{"br", []string{"br"}, brotlied(body), body, ""},
		{"zstd", []string{"zstd"}, zstded(body), body, ""},
		{"stacked, applied in order", []string{"gzip", "identity", "zstd", "br"}, brotlied(zstded(gzipped(body))), body, ""},
		{"stacked, wrong order", []string{"br", "gzip"}, brotlied(gzipped(body)), nil, "gzip"},
		{"not gzip", []string{"gzip"}, body, nil, "gzip"},
		{"not br", []string{"br"}, body, nil, "br"},
		{"not zstd", []string{"zstd"}, body, nil, "zstd"},
		{"unknown", []string{"compress"}, body, nil, "compress"},
	} {
		got, err := decodeCodings(tt.data, tt.codes, 1<<20)
		var ee *encodingError
		switch {
		case tt.errMsg != "" && (!errors.As(err, &ee) || !strings.Contains(ee.msg, tt.errMsg)):
			t.Errorf("%s: error %v, want one naming %s", tt.name, err, tt.errMsg)
		case tt.errMsg == "" && (err != nil || !bytes.Equal(got, tt.want)):
			t.Errorf("%s: %q, %v", tt.name, got, err)
		}
	}
	// Bombs stop at the limit, whatever the coding.
	big := bytes.Repeat([]byte(" "), 4<<20)
	for name, data := range map[string][]byte{"gzip": gzipped(big), "br": brotlied(big), "zstd": zstded(big), "deflate": zlibbed(big)} {
		if _, err := decodeCodings(data, []string{name}, 1<<20); !errors.Is(err, errTooLarge) {
			t.Errorf("%s bomb: %v, want errTooLarge", name, err)
		}
	}
}

func TestCodingsIgnoreEmptyElements(t *testing.T) {
	got := codings(http.Header{"Content-Encoding": {"GZIP, ,identity", " br"}})
	if strings.Join(got, "|") != "gzip|identity|br" {
		t.Errorf("codings = %q", got)
	}
}

// TestRepeatedQueryParameterIsCheckedAsServersRead: the validator reads the last value of a
// parameter given twice; an upstream acting on the first must not get an unchecked one.
func TestRepeatedQueryParameterIsCheckedAsServersRead(t *testing.T) {
	docs, err := specs.LoadFiles(context.Background(), "../../validator/testdata/split/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v, err := validator.New(docs, validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	addr, p, lb := proxyOn(t, serve(t, rec.wrap(frameworkLike())), Options{EnforceRequest: true, Validator: v})
	for _, tt := range []struct {
		query  string
		status int
	}{
		{"limit=5", 200},
		{"tag=a&tag=b&limit=5", 200}, // an array, exploded
		{"limit=999&limit=5", 400},   // servers that read the first act on 999
		{"limit=5&limit=999", 400},   // the validator reads the last
	} {
		before := p.Exchanges()
		resp, body := send(t, addr, raw("GET", "/v2/pets/mine?"+tt.query, []string{tagHdr + ": " + tt.query}, nil))
		l := waitLogged(t, p, lb, before)
		if resp.StatusCode != tt.status || (tt.status == 400) != (rec.reached(tt.query) == 0) {
			t.Errorf("?%s: answered %d (%s), reached the upstream %d times; logged %v", tt.query, resp.StatusCode, body, rec.reached(tt.query), l.rules())
		}
	}
}
