package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs a serving command until the returned stop is called; it returns the address the
// command logged it listens on, and stop returns the exit code.
func start(t *testing.T, args ...string) (addr string, stderr *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	code := make(chan int, 1)
	go func() { code <- Run(ctx, args, io.Discard, stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for addr == "" {
		select {
		case c := <-code:
			cancel()
			t.Fatalf("%s exited %d: %s", args[0], c, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("%s never said where it listens: %s", args[0], stderr.String())
		}
		for _, line := range strings.Split(stderr.String(), "\n") {
			var l struct{ Msg, Listen string }
			if json.Unmarshal([]byte(line), &l) == nil && strings.HasSuffix(l.Msg, "listening") {
				addr = l.Listen
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return addr, stderr, func() int {
		cancel()
		select {
		case c := <-code:
			return c
		case <-time.After(10 * time.Second):
			t.Fatalf("%s did not stop", args[0])
			return -1
		}
	}
}

// TestProxyAndMockCommands runs `specgate mock` and `specgate proxy --record` in-process, sends
// a valid and an invalid exchange, stops both as SIGINT would, and validates the recording with
// `specgate validate`.
func TestProxyAndMockCommands(t *testing.T) {
	mockAddr, _, stopMock := start(t, "mock", "--listen", "127.0.0.1:0")
	defer stopMock()
	record := filepath.Join(t.TempDir(), "traffic.har")
	proxyAddr, logs, stopProxy := start(t, "proxy", "--upstream", "http://"+mockAddr, "--listen", "127.0.0.1:0",
		"--admin", "off", "--record", record)

	const id = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	for _, body := range []string{`{"user": {"id": "` + id + `"}}`, `{"user": {"id": "` + id + `", "status": "Gone"}}`} {
		req, _ := http.NewRequest("PATCH", "http://"+proxyAddr+"/api/users/"+id, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if code := stopProxy(); code != exitOK {
		t.Fatalf("proxy exited %d: %s", code, logs.String())
	}
	out := logs.String()
	if !strings.Contains(out, `"verdict":"valid"`) || !strings.Contains(out, `"verdict":"invalid"`) || !strings.Contains(out, `"rule":"request.body.schema"`) {
		t.Errorf("the log lacks the verdicts:\n%s", out)
	}
	if !strings.Contains(out, `"exchanges":2,"recorded":2`) {
		t.Errorf("the proxy did not record what it proxied:\n%s", out)
	}
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"validate", "--format", "json", record}, &stdout, &stderr); code != exitFindings {
		t.Fatalf("validate exited %d, want 1: %s", code, stderr.String())
	}
	var rep struct {
		Summary struct{ Exchanges, Valid, Invalid int } `json:"summary"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || rep.Summary.Exchanges != 2 || rep.Summary.Valid != 1 || rep.Summary.Invalid != 1 {
		t.Errorf("validate on the recording: %+v (%v)", rep.Summary, err)
	}
}

func TestProxyUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"proxy"},
		{"proxy", "--upstream", "acme.example"},
		{"proxy", "--upstream", "http://127.0.0.1:1", "--mode", "block"},
		{"proxy", "--upstream", "http://127.0.0.1:1", "--mode", "report", "--enforce", "request"},
		{"proxy", "--upstream", "http://127.0.0.1:1", "--enforce", "headers"},
		{"proxy", "--upstream", "http://127.0.0.1:1", "--max-body", "lots"},
		{"proxy", "--upstream", "http://127.0.0.1:1", "extra"},
		{"mock", "--job-threshold", "0"},
	} {
		var stderr bytes.Buffer
		if code := Run(context.Background(), args, io.Discard, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if stderr.Len() == 0 {
			t.Errorf("%v: no message", args)
		}
	}
}

func TestEnforcementFlags(t *testing.T) {
	for _, tc := range []struct {
		mode, parts string
		req, resp   bool
	}{
		{"", "", false, false},
		{"report", "", false, false},
		{"enforce", "", true, true},
		{"", "request", true, false},
		{"enforce", "response", false, true},
		{"enforce", "request, response", true, true},
	} {
		req, resp, err := enforcement(tc.mode, tc.parts)
		if err != nil || req != tc.req || resp != tc.resp {
			t.Errorf("--mode %q --enforce %q: %t %t %v", tc.mode, tc.parts, req, resp, err)
		}
	}
	var b byteFlag
	if err := b.Set("4MiB"); err != nil || b != 4<<20 {
		t.Errorf("4MiB = %d (%v)", b, err)
	}
}

func TestHelpProxyAndMock(t *testing.T) {
	for _, name := range []string{"proxy", "mock"} {
		var stdout bytes.Buffer
		if code := Run(context.Background(), []string{"help", name}, &stdout, io.Discard); code != exitOK || !strings.Contains(stdout.String(), "Usage: specgate "+name) {
			t.Errorf("help %s: %d %s", name, code, stdout.String())
		}
	}
}

// TestProxyEnforceRefusesWhatItCannotCheck runs `specgate proxy --mode enforce` in front of
// `specgate mock`: a body over --max-body is refused 413 unless
// --forward-unvalidated-large-bodies, and a disguised path is refused 400.
func TestProxyEnforceRefusesWhatItCannotCheck(t *testing.T) {
	mockAddr, _, stopMock := start(t, "mock", "--listen", "127.0.0.1:0")
	defer stopMock()
	const id = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	padded := `{"user": {"id": "` + id + `"}}` + strings.Repeat(" ", 2048)
	for _, tc := range []struct {
		flags  []string
		path   string
		body   string
		status int
	}{
		{nil, "/api/users/" + id, padded, http.StatusRequestEntityTooLarge},
		{[]string{"--forward-unvalidated-large-bodies"}, "/api/users/" + id, padded, http.StatusOK},
		{nil, "/x/../api/users/" + id, `{"user": {"id": "` + id + `"}}`, http.StatusBadRequest},
		{nil, "/api/users/" + id, `{"user": {"id": "` + id + `"}}`, http.StatusOK},
	} {
		args := append([]string{"proxy", "--upstream", "http://" + mockAddr, "--listen", "127.0.0.1:0", "--admin", "off",
			"--mode", "enforce", "--max-body", "1KiB"}, tc.flags...)
		proxyAddr, logs, stop := start(t, args...)
		conn, err := net.Dial("tcp", proxyAddr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", tc.path, len(tc.body), tc.body)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		conn.Close()
		if code := stop(); code != exitOK {
			t.Fatalf("proxy exited %d: %s", code, logs.String())
		}
		if resp.StatusCode != tc.status {
			t.Errorf("%v %s: %d, want %d\n%s", tc.flags, tc.path, resp.StatusCode, tc.status, logs.String())
		}
	}
}
