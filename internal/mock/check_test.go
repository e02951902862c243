package mock

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

func checkedServer(t *testing.T, docs []*specs.Document) (*httptest.Server, *bytes.Buffer) {
	t.Helper()
	v, err := validator.New(docs, validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	srv := httptest.NewServer(Checked(New(Options{}), v, slog.New(slog.NewJSONHandler(&logs, nil))))
	t.Cleanup(srv.Close)
	return srv, &logs
}

const patchUserBody = `{"user":{"id":"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e","name":"bob"}}`

func patchUser(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	req, _ := http.NewRequest("PATCH", srv.URL+NERMBase+"/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", strings.NewReader(patchUserBody))
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(b.String(), `"uid"`) {
		t.Fatalf("status %d: %s", resp.StatusCode, b.String())
	}
	return b.String()
}

// Against the specs it implements, the mock's exchanges log nothing; against a revision whose
// uid is 16 characters (split over files, as vendors keep specs), each reply is logged with the
// violation, and the client still gets it unchanged.
func TestCheckedLogsWhatBreaksASpec(t *testing.T) {
	docs, err := specs.Default(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv, logs := checkedServer(t, docs)
	patchUser(t, srv)
	if logs.Len() != 0 {
		t.Fatalf("the mock breaks its own specs: %s", logs.String())
	}

	dir := t.TempDir()
	src, err := os.ReadFile("../../specs/nerm-lifecycle.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rev := strings.Replace(string(src), "    Uid:\n", "    Uid:\n      $ref: 'uid.yaml'\n    UidOld:\n", 1)
	if rev == string(src) {
		t.Fatal("could not split the Uid schema out")
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("nerm.yaml", rev)
	write("uid.yaml", "type: string\nminLength: 16\nmaxLength: 16\n")
	revised, err := specs.LoadFiles(context.Background(), filepath.Join(dir, "nerm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	srv, logs = checkedServer(t, revised)
	body := patchUser(t, srv)
	if !strings.Contains(logs.String(), `"rule":"response.body.schema"`) || !strings.Contains(logs.String(), `"instance":"/user/uid"`) {
		t.Fatalf("no uid violation logged: %s", logs.String())
	}
	if strings.Contains(logs.String(), patchUserBody) || strings.Contains(logs.String(), body) {
		t.Error("the log repeats a body")
	}
}
