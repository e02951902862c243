package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateHostileRecordings runs `specgate validate` on recordings built to hide
// exchanges or to exhaust memory: each is reported, naming the file and the entry or line, and
// none passes as clean.
func TestValidateHostileRecordings(t *testing.T) {
	const id = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	entry := func(body string) string {
		return `{"request": {"method": "PATCH", "url": "https://acme.nonemployee.com/api/users/` + id +
			`", "headers": [{"name": "Content-Type", "value": "application/json"}], "postData": {"mimeType": "application/json", "text": "` + body + `"}}}`
	}
	har := func(entries ...string) string { return `{"log": {"entries": [` + strings.Join(entries, ",") + `]}}` }
	good := entry(`{\"user\": {\"id\": \"` + id + `\"}}`)
	tests := []struct {
		name, file, data string
		args             []string
		code             int
		rule             string // a rule the json report must hold, at entry 0
		note, stderr     string // what the entry's note and stderr must say
	}{
		{"invalid UTF-8 in a body", "utf8.har", har(entry(`{\"user\": {\"name\": \"b` + "\xff" + `ob\"}}`)), nil, exitFindings, "request.body.malformed", "", ""},
		{"a body over --max-body", "big.har", har(entry(`{\"user\": {\"name\": \"`+strings.Repeat("x", 65<<20)+`\"}}`), good), nil, exitFindings, "request.body.not_recorded",
			"the request body (68157462 bytes) is larger than the 4 MiB limit", ""},
		{"--max-body 16", "small.har", har(good), []string{"--max-body", "16"}, exitFindings, "request.body.not_recorded", "is larger than the 16-byte limit", ""},
		{"entries twice", "twice.har", `{"log": {"entries": [` + good + "],\n\"entries\": [" + good + `]}}`, nil, exitUsage, "", "",
			"twice.har: log.entries: the key appears again at line 2"},
		{"log twice", "log.har", har(good) + `, "log": {"entries": []}}`, nil, exitUsage, "", "", "log.har: not valid JSON at line 1"},
		{"64 KiB of whitespace first", "ws.har", strings.Repeat(" \r\n", 30<<10) + har(good), nil, exitOK, "", "", ""},
		{"a JSON Lines line over 64 MiB", "long.jsonl", `{"request": {"method": "PATCH", "url": "https://acme.nonemployee.com/api/users/` + id + `", "headers": {"Content-Type": "application/json"}, "bodyText": "` + strings.Repeat("x", 65<<20) + `"}}` + "\n" +
			`{"request": {"method": "PATCH", "url": "https://acme.nonemployee.com/api/users/` + id + `", "headers": {"Content-Type": "application/json"}, "body": {"user": {"id": 1}}}}` + "\n", nil, exitFindings, "request.body.not_recorded", "larger than the 4 MiB limit", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(path, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			args := append(append([]string{"validate", "--format", "json"}, tt.args...), path)
			code := Run(context.Background(), args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, stderr.String())
			}
			if tt.stderr != "" && !strings.Contains(stderr.String(), strings.Replace(tt.stderr, tt.file, path, 1)) {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.stderr)
			}
			if tt.rule == "" {
				return
			}
			var rep struct {
				Exchanges []struct {
					File       string
					Index      int
					Note       string
					Violations []struct{ Rule string }
				}
			}
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || len(rep.Exchanges) == 0 {
				t.Fatalf("report: %v\n%.2000s", err, stdout.String())
			}
			first := rep.Exchanges[0]
			var rules []string
			for _, v := range first.Violations {
				rules = append(rules, v.Rule)
			}
			if first.File != path || first.Index != 0 || !strings.Contains(strings.Join(rules, " "), tt.rule) {
				t.Errorf("first exchange %s entry %d, rules %v; want %s at entry 0", first.File, first.Index, rules, tt.rule)
			}
			if !strings.Contains(first.Note, tt.note) {
				t.Errorf("note %q, want %q", first.Note, tt.note)
			}
			if len(rep.Exchanges) > 1 && len(rep.Exchanges[1].Violations) == 0 && strings.HasSuffix(tt.file, ".jsonl") {
				t.Errorf("the line after the long one was not validated: %+v", rep.Exchanges[1])
			}
		})
	}
}
