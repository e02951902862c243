package htmlreport

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/cli"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// The exit code of a run with findings, as cli documents it.
const exitFindings = 1

const (
	userID    = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	uid32     = "db6f8e8b65c247d5a0db90bcc4e9df9e"
	nermUsers = "https://acme.nonemployee.com/api/users/" + userID
	oigUsers  = "https://pseudo.com/iam/governance/selfservice/api/v1/users"

	faithfulProfiles = "../../specs/testdata/faithful/nerm-patch-user-profiles.json"
	faithfulUser     = "../../specs/testdata/faithful/nerm-patch-user.json"
)

type result struct {
	code           int
	stdout, stderr string
}

// run runs the specgate command line in-process, as cmd/specgate does.
func run(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// patchUser is a PATCH /users/{id} exchange whose 200 reply carries uid.
func patchUser(t *testing.T, uid string) validator.Exchange {
	return validator.Exchange{
		Request: &validator.Request{
			Method: "PATCH", URL: mustURL(t, nermUsers),
			Header: header("Content-Type", "application/json", "Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2ln"),
			Body:   []byte(`{"user": {"id": "` + userID + `", "name": "myusername", "status": "Active"}}`),
		},
		Response: &validator.Response{
			Status: 200, Header: header("Content-Type", "application/json"),
			Body: []byte(`{"user": {"id": "` + userID + `", "uid": "` + uid + `", "name": "myusername"}}`),
		},
	}
}

// patchUsers is a valid OIG Patch Users exchange.
func patchUsers(t *testing.T) validator.Exchange {
	return validator.Exchange{
		Request: &validator.Request{
			Method: "PATCH", URL: mustURL(t, oigUsers),
			Header: header("Content-Type", "application/json", "X-Requested-By", "specgate", "Authorization", "Basic dXNlcm5hbWU6cGFzc3dvcmQ="),
			Body:   []byte(`{"users": [{"id": "18008", "update": [{"name": "Display Name", "value": "x"}]}]}`),
		},
		Response: &validator.Response{
			Status: 200, Header: header("Content-Type", "application/json", "ResponseTime", "12"),
			Body: []byte(`{"users": [{"id": "18008", "status": "SUCCESS"}]}`),
		},
	}
}

// documentedExchanges are the vendors' documented examples as a browser would record them.
func documentedExchanges(t *testing.T) []validator.Exchange {
	t.Helper()
	exs, err := contracts.Documented(contracts.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

// harOf writes the exchanges as a HAR with the recorder the proxy uses.
func harOf(t *testing.T, exs ...validator.Exchange) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := traffic.NewWriter(&b, traffic.FormatHAR, "specgate tests")
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range exs {
		if err := w.Write(traffic.Entry{Exchange: ex}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeFile writes data to a file named name in dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
