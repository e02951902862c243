package rules_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/specgate/specgate/fuzz"
	"github.com/specgate/specgate/internal/diff"
	"github.com/specgate/specgate/internal/lint"
	"github.com/specgate/specgate/rules"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// docTable is a table of rules as a document shows it: row matches one row, with the groups
// ids (the first cell: one id in backticks, or several), col (the second column, when compared)
// and summary (compared word for word, when the row has it).
type docTable struct {
	file string
	row  *regexp.Regexp
	// col is what the second column says of a rule; nil when the table's rows are not compared,
	// only their ids.
	col func(rules.Rule) string
}

// TestReadmeListsEveryRule keeps every rule table and the documents' tables of it equal, in both
// directions: each rule of the table has a row, each row names a rule of the table, and where
// the document shows the rule's words they are the table's, word for word. Each table has unique
// ids, a summary per rule, and only the levels its command reports.
func TestReadmeListsEveryRule(t *testing.T) {
	level := func(r rules.Rule) string { return string(r.Level) }
	part := func(r rules.Rule) string {
		if p := validator.PartOf(r.ID); p != "" {
			return string(p)
		}
		return "load"
	}
	tables := []struct {
		name   string
		rules  []rules.Rule
		levels []rules.Level
		docs   []docTable
	}{
		{"specs.Rules", specs.Rules, []rules.Level{rules.Error, rules.Warning, rules.Info}, []docTable{
			// Level first, so that the rows are not taken for lint's (whose table lists them too).
			{"README.md", regexp.MustCompile("(?m)^\\| (?P<col>error|warning|info) \\| (?P<ids>`spec\\.[a-z0-9_.]+`) \\| (?P<summary>.+) \\|$"), level},
		}},
		{"validator.Rules and validator.LoadRules", slices.Concat(validator.Rules, validator.LoadRules), []rules.Level{rules.Error, rules.Warning}, []docTable{
			{"README.md", regexp.MustCompile("(?m)^\\| (?P<ids>`[a-z_.]+`) \\| (?P<col>request|response|load) \\| (?P<summary>.+) \\|$"), part},
		}},
		{"lint.Rules", lint.Rules, []rules.Level{rules.Error, rules.Warning, rules.Info}, []docTable{
			{"README.md", regexp.MustCompile("(?m)^\\| (?P<ids>`(?:lint|spec)\\.[a-z0-9_.]+`) \\| (?P<col>error|warning|info) \\| (?P<summary>.+) \\|$"), level},
			// docs/ci.md's table is shorter: it lists the same ids in fewer words.
			{"docs/ci.md", regexp.MustCompile("(?m)^\\| (?P<ids>`(?:lint|spec)\\.[a-z0-9_.]+`) \\| (?:error|warning|info) \\| .+ \\|$"), nil},
		}},
		{"diff.Rules", diff.Rules, []rules.Level{rules.Breaking, rules.Warning, rules.Info}, []docTable{
			// One row may name an id and its opposite: "`diff.spec.removed` / `diff.spec.added`".
			{"docs/ci.md", regexp.MustCompile("(?m)^\\| (?P<ids>`diff\\.[a-z0-9_.]+`(?: / `diff\\.[a-z0-9_.]+`)*) \\| .+ \\| .+ \\|$"), nil},
		}},
		{"fuzz.Rules", fuzz.Rules, []rules.Level{rules.Failure, rules.Warning}, []docTable{
			{"README.md", regexp.MustCompile("(?m)^\\| (?P<ids>`fuzz\\.[a-z0-9_.]+`) \\| (?P<col>failure|warning) \\| (?P<summary>.+) \\|$"), level},
		}},
	}
	quoted := regexp.MustCompile("`([^`]+)`")
	for _, table := range tables {
		seen := map[string]bool{}
		for _, r := range table.rules {
			if seen[r.ID] || r.Summary == "" || !slices.Contains(table.levels, r.Level) {
				t.Errorf("%s: rule %+v is listed twice, or has no summary, or a level other than %v", table.name, r, table.levels)
			}
			seen[r.ID] = true
		}
		for _, doc := range table.docs {
			md, err := os.ReadFile("../" + doc.file)
			if err != nil {
				t.Fatal(err)
			}
			rows := map[string]string{}
			for _, m := range doc.row.FindAllStringSubmatch(string(md), -1) {
				words := strings.TrimSpace(group(doc.row, m, "col") + " " + group(doc.row, m, "summary"))
				for _, id := range quoted.FindAllStringSubmatch(group(doc.row, m, "ids"), -1) {
					rows[id[1]] = words
				}
			}
			for _, r := range table.rules {
				got, ok := rows[r.ID]
				if !ok {
					t.Errorf("%s has no row for %s's %s", doc.file, table.name, r.ID)
					continue
				}
				if doc.col == nil {
					continue
				}
				if want := doc.col(r) + " " + r.Summary; got != want {
					t.Errorf("%s's row for %s says %q, %s says %q", doc.file, r.ID, got, table.name, want)
				}
			}
			for id := range rows {
				if !seen[id] {
					t.Errorf("%s lists %s, which %s does not have", doc.file, id, table.name)
				}
			}
		}
	}
}

// group is the submatch of m named name, "" when the pattern has no such group.
func group(re *regexp.Regexp, m []string, name string) string {
	if i := re.SubexpIndex(name); i >= 0 {
		return m[i]
	}
	return ""
}
