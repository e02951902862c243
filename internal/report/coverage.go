package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/message"
)

// The formats that show coverage take it from Report.Close.

func (t *textFormatter) setCoverage(c *coverage.Report) { t.cov = c }
func (j *jsonFormatter) setCoverage(c *coverage.Report) { j.cov = c }

// writeCoverage writes the "coverage" member of the JSON report, after the summary.
func (j *jsonFormatter) writeCoverage() error {
	b, err := marshal(j.cov, "  ")
	if err != nil {
		return fmt.Errorf("report: coverage: %w", err)
	}
	if _, err := io.WriteString(j.w, ",\n  \"coverage\": "); err != nil {
		return err
	}
	_, err = j.w.Write(b)
	return err
}

// percent shows a coverage percentage without trailing zeros: "100%", "62.5%".
func percent(m coverage.Metric) string {
	return strconv.FormatFloat(m.Percent, 'f', -1, 64) + "%"
}

// coverageTable writes the compact coverage table of the text report:
//
//	coverage: operations 4/4 100%, responses 10/16 62.5%, branches 6/6 100%, ...
//	  operation          exchanges  200  400  401  500  branches
//	  patchUserProfiles         33   14    5    -    2  4/4
//
// a status a cell does not document shows "-"; then one line per undocumented kind.
func (t *textFormatter) coverageTable(c *coverage.Report) {
	tot := c.Totals
	t.printf("\ncoverage: operations %d/%d %s, responses %d/%d %s, branches %d/%d %s, parameters %d/%d %s, properties %d/%d %s\n",
		tot.Operations.Covered, tot.Operations.Total, percent(tot.Operations),
		tot.Responses.Covered, tot.Responses.Total, percent(tot.Responses),
		tot.Branches.Covered, tot.Branches.Total, percent(tot.Branches),
		tot.Parameters.Covered, tot.Parameters.Total, percent(tot.Parameters),
		tot.Properties.Covered, tot.Properties.Total, percent(tot.Properties))
	statuses := c.Statuses()
	width := len("operation")
	for _, o := range c.Operations {
		width = max(width, len(o.ID))
	}
	t.printf("  %-*s %9s", width, "operation", "exchanges")
	for _, s := range statuses {
		t.printf(" %5s", s)
	}
	t.printf("  branches\n")
	for _, o := range c.Operations {
		t.printf("  %-*s %9d", width, o.ID, o.Exchanges)
		for _, s := range statuses {
			if n, ok := o.Response(s); ok {
				t.printf(" %5d", n)
			} else {
				t.printf(" %5s", "-")
			}
		}
		seen, total := 0, 0
		for _, ch := range o.Choices {
			for _, b := range ch.Branches {
				total++
				if b.Matches > 0 {
					seen++
				}
			}
		}
		if total == 0 {
			t.printf("  -\n")
		} else {
			t.printf("  %d/%d\n", seen, total)
		}
	}
	var undoc []string
	for _, o := range c.Operations {
		u := o.Undocumented
		for _, k := range []struct {
			what string
			list []coverage.Count
		}{
			{"status", u.Statuses}, {"request media type", u.RequestMedia}, {"response media type", u.ResponseMedia},
			{"request property", u.RequestProperties}, {"response property", u.ResponseProperties},
		} {
			for _, x := range k.list {
				undoc = append(undoc, fmt.Sprintf("%s %s %s (%d)", o.ID, k.what, x.Name, x.Exchanges))
			}
		}
	}
	if len(undoc) > 0 {
		const shown = 10
		t.printf("  undocumented in traffic: %s", strings.Join(undoc[:min(shown, len(undoc))], ", "))
		if len(undoc) > shown {
			t.printf(", and %d more (the json and html reports list them all)", len(undoc)-shown)
		}
		t.printf("\n")
	}
	if c.Unrouted > 0 {
		t.printf("  %d %s matched no documented operation\n", c.Unrouted, message.Plural(c.Unrouted, "exchange", "exchanges"))
	}
}
