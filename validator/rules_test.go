package validator

import (
	"os"
	"regexp"
	"testing"
)

// TestReadmeListsEveryRule keeps the README's rule table and Rules equal, in both directions.
func TestReadmeListsEveryRule(t *testing.T) {
	md, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_.]+)` \\| (request|response|load) \\| (.+) \\|$")
	inReadme := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(md), -1) {
		inReadme[m[1]] = m[2] + " " + m[3]
	}
	seen := map[string]bool{}
	all := Rules[:len(Rules):len(Rules)]
	for _, r := range LoadRules {
		all = append(all, RuleInfo{ID: r.ID, Summary: r.Summary})
	}
	for _, r := range all {
		if seen[r.ID] {
			t.Errorf("rule %s is listed twice in Rules or LoadRules", r.ID)
		}
		seen[r.ID] = true
		got, ok := inReadme[r.ID]
		if !ok {
			t.Errorf("README.md has no row for rule %s", r.ID)
			continue
		}
		part := string(r.Part)
		if part == "" {
			part = "load"
		}
		if want := part + " " + r.Summary; got != want {
			t.Errorf("README.md row for %s says %q, Rules says %q", r.ID, got, want)
		}
	}
	for id := range inReadme {
		if !seen[id] {
			t.Errorf("README.md lists rule %s, which neither Rules nor LoadRules has", id)
		}
	}
}
