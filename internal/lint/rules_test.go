package lint

import (
	"os"
	"regexp"
	"testing"
)

// TestReadmeListsEveryRule keeps the README's lint rule table and Rules equal, in both
// directions and word for word, and docs/ci.md's shorter table listing the same ids.
func TestReadmeListsEveryRule(t *testing.T) {
	row := regexp.MustCompile("(?m)^\\| `((?:lint|spec)\\.[a-z0-9_.]+)` \\| (error|warning|info) \\| (.+) \\|$")
	rows := func(file string) map[string]string {
		md, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, m := range row.FindAllStringSubmatch(string(md), -1) {
			out[m[1]] = m[2] + " " + m[3]
		}
		return out
	}
	readme, ci := rows("../../README.md"), rows("../../docs/ci.md")
	seen := map[string]bool{}
	for _, r := range Rules {
		if seen[r.ID] {
			t.Errorf("rule %s is listed twice in Rules", r.ID)
		}
		seen[r.ID] = true
		if got, want := readme[r.ID], string(r.Level)+" "+r.Summary; got != want {
			t.Errorf("README.md row for %s says %q, Rules says %q", r.ID, got, want)
		}
		if _, ok := ci[r.ID]; !ok {
			t.Errorf("docs/ci.md has no row for rule %s", r.ID)
		}
	}
	for _, table := range []struct {
		name string
		rows map[string]string
	}{{"README.md", readme}, {"docs/ci.md", ci}} {
		for id := range table.rows {
			if !seen[id] {
				t.Errorf("%s lists lint rule %s, which Rules does not have", table.name, id)
			}
		}
	}
}
