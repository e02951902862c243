package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The workflow in docs/ci.md's pipeline is valid YAML, runs the gate, and every specgate command
// line in it is one specgate accepts.
func TestCIWorkflow(t *testing.T) {
	data, err := os.ReadFile("../../docs/github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("docs/github-actions.yml: %v", err)
	}
	var runs []string
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			runs = append(runs, strings.Split(s.Run, "\n")...)
		}
	}
	sawGate := false
	for _, line := range runs {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "make gate ") {
			sawGate = true
		}
		cmd, ok := strings.CutPrefix(line, "go run ./cmd/specgate ")
		if !ok {
			continue
		}
		cmd, _, _ = strings.Cut(cmd, " >")
		args := strings.Fields(cmd)
		// Every command's flags must parse: ask for its help after them.
		res := run(t, "", nil, append(args, "-h")...)
		if res.code != 0 {
			t.Errorf("%q: exit %d\n%s", line, res.code, res.stderr)
		}
	}
	if !sawGate {
		t.Error("the workflow does not run make gate")
	}
	// The SARIF logs it uploads are the ones make gate writes.
	sarifDir := regexp.MustCompile(`GATE_SARIF=(\S+)`).FindStringSubmatch(string(data))
	uploads := regexp.MustCompile(`sarif_file: (\S+)`).FindAllStringSubmatch(string(data), -1)
	if sarifDir == nil || len(uploads) != 2 {
		t.Errorf("the workflow does not upload make gate's SARIF logs (GATE_SARIF %v, uploads %v)", sarifDir, uploads)
	}
	for _, u := range uploads {
		if sarifDir != nil && u[1] != sarifDir[1]+"/lint.sarif" && u[1] != sarifDir[1]+"/diff.sarif" {
			t.Errorf("the workflow uploads %s, which make gate does not write", u[1])
		}
	}
	doc, err := os.ReadFile("../../docs/ci.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "\ngate:\n") {
		t.Error("docs/ci.md does not show the gate target")
	}
}
