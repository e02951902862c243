package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// action is the part of action.yml a runner reads.
type action struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name  string            `yaml:"name"`
			ID    string            `yaml:"id"`
			Uses  string            `yaml:"uses"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			Run   string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// actionRun is what running the action's steps left: each step's exit code and outputs, and
// the log.
type actionRun struct {
	codes   map[string]int
	outputs map[string]map[string]string
	log     string
}

// runAction runs the run: steps of action.yml in bash as a GitHub runner does (bash --noprofile
// --norc -eo pipefail), in workspace, with ${{ inputs.x }} replaced by inputs or the defaults and
// the runner's files (GITHUB_OUTPUT, GITHUB_PATH) honoured. uses: steps are what the runner
// brings (setup-go: Go is installed here; upload-sarif: the test checks the files instead).
func runAction(t *testing.T, actionPath, workspace string, inputs map[string]string) actionRun {
	t.Helper()
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using is %q, want composite", a.Runs.Using)
	}
	for k := range inputs {
		if _, ok := a.Inputs[k]; !ok {
			t.Fatalf("action.yml has no input %q", k)
		}
	}
	expr := regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)
	subst := func(s string) string {
		return expr.ReplaceAllStringFunc(s, func(m string) string {
			e := expr.FindStringSubmatch(m)[1]
			switch {
			case strings.HasPrefix(e, "inputs."):
				name := strings.TrimPrefix(e, "inputs.")
				in, ok := a.Inputs[name]
				if !ok {
					t.Fatalf("action.yml uses the undeclared input %s", name)
				}
				if v, ok := inputs[name]; ok {
					return v
				}
				return in.Default
			case e == "github.action_path":
				return actionPath
			case e == "github.base_ref":
				return "" // not a pull request
			}
			t.Fatalf("action.yml uses %s, which the test does not provide", m)
			return ""
		})
	}
	tmp := t.TempDir()
	path := filepath.Join(tmp, "path")
	run := actionRun{codes: map[string]int{}, outputs: map[string]map[string]string{}}
	for i, step := range a.Runs.Steps {
		switch {
		case strings.HasPrefix(step.Uses, "actions/setup-go@"), strings.HasPrefix(step.Uses, "github/codeql-action/upload-sarif@"):
			continue
		case step.Uses != "":
			t.Fatalf("step %d uses %s, which the test cannot stand in for", i, step.Uses)
		case step.Shell != "bash":
			t.Fatalf("step %q: shell %q, want bash", step.Name, step.Shell)
		}
		id := step.ID
		if id == "" {
			id = step.Name
		}
		script := filepath.Join(tmp, "step.sh")
		if err := os.WriteFile(script, []byte(subst(step.Run)), 0o644); err != nil {
			t.Fatal(err)
		}
		output := filepath.Join(tmp, "output-"+id)
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = workspace
		env := append(os.Environ(), "GITHUB_ACTION_PATH="+actionPath, "GITHUB_WORKSPACE="+workspace,
			"RUNNER_TEMP="+tmp, "GITHUB_OUTPUT="+output, "GITHUB_PATH="+path, "CI=true")
		if dirs, err := os.ReadFile(path); err == nil {
			env = append(env, "PATH="+strings.Join(strings.Fields(string(dirs)), ":")+":"+os.Getenv("PATH"))
		}
		for k, v := range step.Env {
			env = append(env, k+"="+subst(v))
		}
		cmd.Env = env
		out, _ := cmd.CombinedOutput()
		run.log += "== " + step.Name + "\n" + string(out)
		run.codes[id] = cmd.ProcessState.ExitCode()
		run.outputs[id] = map[string]string{}
		if data, err := os.ReadFile(output); err == nil {
			for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if k, v, ok := strings.Cut(l, "="); ok {
					run.outputs[id][k] = v
				}
			}
		}
	}
	return run
}

// checkSARIFRules checks that every result's ruleIndex points at its rule.
func checkSARIFRules(t *testing.T, name string, doc map[string]any) []string {
	t.Helper()
	r := doc["runs"].([]any)[0].(map[string]any)
	rules := r["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any)
	var ids []string
	for _, x := range r["results"].([]any) {
		res := x.(map[string]any)
		i := int(res["ruleIndex"].(float64))
		if i >= len(rules) || rules[i].(map[string]any)["id"] != res["ruleId"] {
			t.Errorf("%s: result %v has ruleIndex %d, not its rule", name, res["ruleId"], i)
		}
		ids = append(ids, res["ruleId"].(string))
	}
	return ids
}

// TestGitHubAction runs action.yml's steps on a checkout whose NERM spec breaks its own example
// and its clients: the gate step fails with both findings, lint.sarif and diff.sarif are valid
// SARIF 2.1.0 (diff's merged from one diff per spec), and fail-on none reports without failing.
func TestGitHubAction(t *testing.T) {
	repo := scratchCheckout(t)
	sarifOf := func(t *testing.T, dir, name string) map[string]any {
		data, err := os.ReadFile(filepath.Join(repo, dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return validSARIF(t, string(data))
	}
	t.Run("the repository's own specs", func(t *testing.T) {
		run := runAction(t, repo, repo, map[string]string{"base-ref": "HEAD", "sarif-dir": "out/sarif-own"})
		if run.codes["Install specgate"] != 0 {
			t.Fatalf("install: exit %d\n%s", run.codes["Install specgate"], run.log)
		}
		if run.codes["gate"] != exitFindings || run.outputs["gate"]["lint-exit"] != "1" || run.outputs["gate"]["diff-exit"] != "1" {
			t.Fatalf("gate: exit %d, outputs %v\n%s", run.codes["gate"], run.outputs["gate"], run.log)
		}
		if !strings.Contains(run.log, "::error ") || !strings.Contains(run.log, "title=diff.request.enum.narrowed") {
			t.Errorf("no annotations in the log:\n%s", run.log)
		}
		checkSARIFRules(t, "lint.sarif", sarifOf(t, "out/sarif-own", "lint.sarif"))
		if ids := checkSARIFRules(t, "diff.sarif", sarifOf(t, "out/sarif-own", "diff.sarif")); !strings.Contains(strings.Join(ids, " "), "diff.request.enum.narrowed") {
			t.Errorf("diff.sarif results %v", ids)
		}
	})
	t.Run("spec files given, fail-on none", func(t *testing.T) {
		inputs := map[string]string{"specs": "specs/nerm-lifecycle.yaml specs/oig-selfservice.yaml", "base-ref": "HEAD", "sarif-dir": "out/sarif-files", "format": "text"}
		run := runAction(t, repo, repo, inputs)
		if run.codes["gate"] != exitFindings {
			t.Fatalf("gate: exit %d\n%s", run.codes["gate"], run.log)
		}
		ids := checkSARIFRules(t, "diff.sarif", sarifOf(t, "out/sarif-files", "diff.sarif"))
		if !strings.Contains(strings.Join(ids, " "), "diff.request.enum.narrowed") {
			t.Errorf("diff.sarif results %v", ids)
		}
		inputs["fail-on"] = "none"
		run = runAction(t, repo, repo, inputs)
		if run.codes["gate"] != exitOK || run.outputs["gate"]["lint-exit"] != "0" || run.outputs["gate"]["diff-exit"] != "0" {
			t.Errorf("fail-on none: exit %d, outputs %v\n%s", run.codes["gate"], run.outputs["gate"], run.log)
		}
		sarifOf(t, "out/sarif-files", "lint.sarif")
	})
	t.Run("a base ref that does not exist", func(t *testing.T) {
		run := runAction(t, repo, repo, map[string]string{"base-ref": "no-such-ref", "sarif-dir": "out/sarif-none"})
		if run.codes["gate"] != exitUsage || run.outputs["gate"]["diff-exit"] != "2" {
			t.Errorf("gate: exit %d, outputs %v\n%s", run.codes["gate"], run.outputs["gate"], run.log)
		}
	})
}
