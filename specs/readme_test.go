package specs

import (
	"os"
	"regexp"
	"testing"
)

// TestReadmeListsEveryFinding keeps the README's spec.* table and Rules equal, both ways.
func TestReadmeListsEveryFinding(t *testing.T) {
	md, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// Level first, so that the rows are not taken for lint's (whose table lists the repairs).
	row := regexp.MustCompile("(?m)^\\| (error|warning|info) \\| `(spec\\.[a-z0-9_.]+)` \\| (.+) \\|$")
	inReadme := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(md), -1) {
		inReadme[m[2]] = m[1] + " " + m[3]
	}
	seen := map[string]bool{}
	for _, r := range Rules {
		if seen[r.ID] {
			t.Errorf("rule %s is listed twice in Rules", r.ID)
		}
		seen[r.ID] = true
		if got, want := inReadme[r.ID], r.Level+" "+r.Summary; got != want {
			t.Errorf("README.md row for %s says %q, Rules says %q", r.ID, got, want)
		}
	}
	for id := range inReadme {
		if !seen[id] {
			t.Errorf("README.md lists %s, which specs.Rules does not have", id)
		}
	}
}
