package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/specgate/specgate/internal/coverage"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// hostile is an exchange whose every user-controlled field carries markup and secrets.
func hostile() Entry {
	req := &validator.Request{
		Method: "PATCH", URL: mustURL("https://acme.nonemployee.com/api/users/1?access_token=t0ps3cret&q=%3Cscript%3E"),
		Header: map[string][]string{"Content-Type": {"application/json"}, "Authorization": {"Bearer s3cr3t-b3ar3r"}},
		Body:   []byte(`{"user": {"name": "</script><script>alert(1)</script>", "password": "hunter2", "uid": "<img src=x onerror=alert(2)>"}}`),
	}
	resp := &validator.Response{Status: 200, Header: map[string][]string{"Content-Type": {"application/json"}},
		Body: []byte(`{"user": {"id": "1", "uid": "<b>bold</b>", "token": "r3sp0ns3-t0k3n"}}`)}
	return Entry{
		Record: traffic.Record{File: "<evil>.har", Index: 4, Comment: `<script>alert("comment")</script>`, Exchange: validator.Exchange{Request: req, Response: resp}},
		Result: validator.Result{Operation: "patchUser", Spec: "specs/nerm-lifecycle.yaml", Violations: []validator.Violation{
			{Rule: "request.body.schema", Part: "request", Operation: "patchUser", Instance: "/user/uid", Keyword: "maxLength",
				Schema: "specs/nerm-lifecycle.yaml#/components/schemas/Uid/maxLength", Line: 224, Message: "`/user/uid` <must> be short"},
			{Rule: "response.body.schema", Part: "response", Operation: "patchUser", Instance: "/user/uid", Keyword: "oneOf",
				Schema: "specs/nerm-lifecycle.yaml#/x/oneOf", Line: 56, Message: "no branch matches",
				Branches: []validator.Branch{
					{Index: 0, Name: "UserProfilesResult", Errors: []validator.BranchError{{Instance: "/user", Message: "<needs> user_profiles", Schema: "specs/nerm-lifecycle.yaml#/y", Line: 3}}},
					{Index: 1, Name: "JobStatusResult"},
				}},
		}},
	}
}

func writeHTML(t *testing.T, es []Entry, cov *coverage.Report) string {
	t.Helper()
	var buf bytes.Buffer
	r, err := New(&buf, "html")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if err := r.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if cov != nil {
		r.SetCoverage(cov)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// Markup in bodies, comments, file names, URLs and messages is shown as text: the page has
// exactly the one script it ships, and no element the traffic made up.
func TestHTMLEscapesTraffic(t *testing.T) {
	out := writeHTML(t, []Entry{hostile()}, nil)
	if n := strings.Count(out, "<script"); n != 1 {
		t.Errorf("%d <script elements, want the report's own only", n)
	}
	for _, bad := range []string{"<img", "<b>bold", "<evil>", "<must>", "<needs>", `alert("comment")</script>`} {
		if strings.Contains(out, bad) {
			t.Errorf("page holds raw %q", bad)
		}
	}
	for _, shown := range []string{"&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&lt;evil&gt;.har entry 4", "&lt;must&gt;"} {
		if !strings.Contains(out, shown) {
			t.Errorf("page does not show %q as text", shown)
		}
	}
}

// Credentials never reach the page: not from the query, the headers or the bodies.
func TestHTMLRedactsCredentials(t *testing.T) {
	out := writeHTML(t, []Entry{hostile()}, nil)
	for _, secret := range []string{"t0ps3cret", "s3cr3t-b3ar3r", "hunter2", "r3sp0ns3-t0k3n"} {
		if strings.Contains(out, secret) {
			t.Errorf("page shows the secret %q", secret)
		}
	}
	if !strings.Contains(out, "REDACTED") {
		t.Error("page shows no REDACTED mark")
	}
}

// The offending value is highlighted in the pretty-printed body, and the violation links to
// its line; the schema location shows as file:line; a failed oneOf is explained per branch.
func TestHTMLPointsIntoTheBody(t *testing.T) {
	out := writeHTML(t, []Entry{hostile()}, nil)
	link := regexp.MustCompile(`<a class="inst" href="#(x1-request-l\d+)">/user/uid</a>`).FindStringSubmatch(out)
	if link == nil {
		t.Fatalf("no link from the request violation to its body line\n%s", out)
	}
	line := regexp.MustCompile(`<span class="line hit" id="` + link[1] + `">(.*?)</span>(<span class="line|</pre>)`).FindStringSubmatch(out)
	if line == nil || !strings.Contains(html.UnescapeString(line[1]), `"uid"`) {
		t.Fatalf("line %s is not the highlighted uid line: %v", link[1], line)
	}
	if got := strings.Count(out, `class="line hit"`); got != 2 {
		t.Errorf("%d highlighted lines, want 2 (the uid of the request and of the response)", got)
	}
	for _, want := range []string{
		`specs/nerm-lifecycle.yaml:224</code>`,
		`<span class="ptr">#/components/schemas/Uid/maxLength</span>`,
		`<td>UserProfilesResult</td><td>does not match</td>`,
		`specs/nerm-lifecycle.yaml:3`,
		`data-testid="count-invalid">1<`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// The body is indented, keeps the order of its keys and shows the secret's key, not its value.
	text := html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(out, ""))
	if !strings.Contains(text, "{  \"user\": {    \"name\": \"</script><script>alert(1)</script>\",    \"password\": \"REDACTED\",    \"uid\"") {
		t.Errorf("the request body is not pretty-printed in order:\n%s", text)
	}
}

// Groups keep counts of everything and the details of the first maxSamples exchanges only.
func TestHTMLBoundsSamples(t *testing.T) {
	var es []Entry
	for i := range 20 {
		e := hostile()
		e.Index = i
		es = append(es, e)
	}
	out := writeHTML(t, es, nil)
	if got := strings.Count(out, `<details class="sample"`); got != 2*maxSamples {
		t.Errorf("%d samples, want %d per group", got, maxSamples)
	}
	if !strings.Contains(out, "and 12 more not shown here") {
		t.Error("the page does not say how many more exchanges a group has")
	}
	if !strings.Contains(out, `<td class="num">20</td><td class="num">20</td>`) {
		t.Error("the overview does not count all 20 violations of a group")
	}
}

// The page loads nothing: no link, no external script, style, font or image.
func TestHTMLIsSelfContained(t *testing.T) {
	out := writeHTML(t, append(entries(), hostile()), nil)
	for _, re := range []string{`<link\b`, `<script[^>]+src=`, `<img\b`, `@import`, `url\(`, `<iframe\b`} {
		if regexp.MustCompile(re).MatchString(out) {
			t.Errorf("page matches %s", re)
		}
	}
	if !strings.Contains(out, "default-src 'none'") {
		t.Error("page has no content security policy forbidding loads")
	}
}

func sampleCoverage() *coverage.Report {
	return &coverage.Report{
		Totals: coverage.Totals{
			Operations: coverage.Metric{Covered: 2, Total: 2, Percent: 100},
			Responses:  coverage.Metric{Covered: 3, Total: 4, Percent: 75},
			Branches:   coverage.Metric{Covered: 1, Total: 2, Percent: 50},
			Parameters: coverage.Metric{Percent: 100}, Properties: coverage.Metric{Percent: 100},
		},
		Operations: []coverage.Operation{
			{ID: "patchUserProfiles", Method: "PATCH", Path: "/user_profiles", Spec: "specs/nerm-lifecycle.yaml", Exchanges: 3,
				Responses: []coverage.Count{{Name: "200", Exchanges: 2}, {Name: "400", Exchanges: 0}},
				Choices: []coverage.Choice{{Schema: "specs/nerm-lifecycle.yaml#/paths/~1user_profiles/patch/responses/200/content/application~1json/schema/oneOf", Line: 56,
					Keyword: "oneOf", Part: "response", Statuses: []string{"200"},
					Branches: []coverage.BranchCount{{Index: 0, Name: "UserProfilesResult"}, {Index: 1, Name: "JobStatusResult", Matches: 2}}}},
				Undocumented: coverage.Undocumented{Statuses: []coverage.Count{{Name: "418", Exchanges: 1}}, RequestProperties: []coverage.Count{{Name: "/<x>", Exchanges: 1}}}},
			{ID: "patchUsers", Method: "PATCH", Path: "/users", Spec: "specs/oig-selfservice.yaml", Exchanges: 1,
				Responses:  []coverage.Count{{Name: "200", Exchanges: 1}, {Name: "401", Exchanges: 1}},
				Parameters: []coverage.Count{{Name: "header:X-Requested-By", Exchanges: 1}}},
		},
	}
}

// The coverage view: totals, the operations × statuses grid (– where a status is not
// documented) and every branch of every oneOf, seen or not.
func TestHTMLCoverage(t *testing.T) {
	out := writeHTML(t, entries(), sampleCoverage())
	for _, want := range []string{
		`data-testid="coverage-responses">75%<`,
		`data-testid="coverage-branches">50%<`,
		`<th class="num">200</th><th class="num">400</th><th class="num">401</th>`,
		`<td class="cell seen" data-status="200">2</td><td class="cell unseen" data-status="400">0</td><td class="cell na" data-status="401">–</td>`,
		`<td class="cell seen" data-status="200">1</td><td class="cell na" data-status="400">–</td><td class="cell seen" data-status="401">1</td>`,
		`class="chip branch unseen" data-branch="UserProfilesResult"`,
		`class="chip branch seen" data-branch="JobStatusResult"`,
		`specs/nerm-lifecycle.yaml:56`,
		`<span class="chip undoc">418 ×1</span>`,
		`request property <code>/&lt;x&gt;</code>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("coverage view lacks %s", want)
		}
	}
	if strings.Contains(writeHTML(t, entries(), nil), `id="coverage"`) {
		t.Error("a page without coverage shows a coverage section")
	}
}

// Text and JSON show coverage only when it is set.
func TestCoverageInTextAndJSON(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		r, _ := New(&buf, format)
		for _, e := range entries() {
			_ = r.Add(e)
		}
		r.SetCoverage(sampleCoverage())
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		switch format {
		case "text":
			for _, want := range []string{
				"coverage: operations 2/2 100%, responses 3/4 75%, branches 1/2 50%",
				"  operation         exchanges   200   400   401  branches\n",
				"  patchUserProfiles         3     2     0     -  1/2\n",
				"  patchUsers                1     1     -     1  -\n",
				"undocumented in traffic: patchUserProfiles status 418 (1), patchUserProfiles request property /<x> (1)",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("text lacks %q\n%s", want, out)
				}
			}
		case "json":
			doc := decodeJSON(t, out)
			cov, ok := doc["coverage"].(map[string]any)
			if !ok {
				t.Fatalf("json has no coverage object\n%s", out)
			}
			if p := cov["totals"].(map[string]any)["responses"].(map[string]any)["percent"]; p != float64(75) {
				t.Errorf("coverage.totals.responses.percent = %v", p)
			}
			if _, ok := doc["summary"]; !ok {
				t.Error("json lost its summary")
			}
		}
	}
}

// A lint or diff page groups findings by operation and rule, shows their levels, file:line,
// witness and violations, and escapes them.
func TestFindingsHTML(t *testing.T) {
	f := sampleFindings()
	f.Findings = append(f.Findings, Finding{Rule: "lint.example.invalid", Level: LevelWarning, File: "specs/<x>.yaml", Line: 9,
		Operation: "PATCH /users (patchUsers)", Message: "example <b>breaks</b>", Witness: map[string]any{"html": "</script>"},
		Violations: []validator.Violation{{Rule: "request.body.schema", Part: "request", Instance: "/users", Message: "bad"}}})
	var b bytes.Buffer
	if err := WriteFindings(&b, "html", f); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if n := strings.Count(out, "<script"); n != 1 {
		t.Errorf("%d <script elements, want 1", n)
	}
	for _, want := range []string{`specs/&lt;x&gt;.yaml:9`, `example &lt;b&gt;breaks&lt;/b&gt;`, `&#34;&lt;/script&gt;&#34;`, `data-verdict="warning"`, `<option>lint.example.invalid</option>`, `request.body.schema`} {
		if !strings.Contains(out, want) {
			t.Errorf("findings page lacks %s", want)
		}
	}
	if err := CheckFormat("html"); err != nil {
		t.Error(err)
	}
}

// A run of 100,000 invalid exchanges makes a page well under 10 MB, quickly: details are
// sampled, counts are complete.
func TestHTMLLargeRunStaysSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 exchanges")
	}
	var buf bytes.Buffer
	r, _ := New(&buf, "html")
	ops := []string{"patchUserProfiles", "patchUser", "patchUsers", "putUsers"}
	rules := []string{"response.body.schema", "request.body.schema", "response.status", "request.param.missing"}
	body := []byte(`{"user": {"id": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "uid": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "name": "` + strings.Repeat("x", 400) + `"}}`)
	start := time.Now()
	const n = 100_000
	for i := range n {
		e := hostile()
		e.Index = i
		e.Exchange.Request.Body, e.Exchange.Response.Body = body, body
		e.Result.Operation = ops[i%len(ops)]
		e.Result.Violations = []validator.Violation{{Rule: rules[i%7%len(rules)], Part: "response", Instance: "/user/uid", Message: "too long"}}
		if i%3 == 0 {
			e.Result.Violations = nil
		}
		if err := r.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	r.SetCoverage(sampleCoverage())
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	size := buf.Len()
	t.Logf("%d exchanges: %d bytes of html in %v", n, size, time.Since(start))
	if size > 10<<20 {
		t.Errorf("page is %d bytes, want under 10 MB", size)
	}
	if !strings.Contains(buf.String(), fmt.Sprintf(`data-testid="count-exchanges">%d<`, n)) {
		t.Error("the summary does not count every exchange")
	}
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return doc
}

// The worst a run can do to the page: every operation × rule group filled with exchanges whose
// bodies are large, quote-heavy and break a rule a thousand times. Budgets keep it under 10 MB.
func TestHTMLWorstCaseStaysSmall(t *testing.T) {
	var items []string
	for i := range 2000 {
		items = append(items, fmt.Sprintf(`{"name": "\"<&>\" %d", "value": "%s"}`, i, strings.Repeat(`"`, 40)))
	}
	body := []byte(`{"users": [` + strings.Join(items, ",") + `]}`)
	var vs []validator.Violation
	for i := range 1000 {
		vs = append(vs, validator.Violation{Rule: "", Part: "request", Instance: fmt.Sprintf("/users/%d/value", i), Message: strings.Repeat("<x>", 30),
			Branches: []validator.Branch{{Index: 0, Name: "A", Errors: make([]validator.BranchError, 50)}}})
	}
	var buf bytes.Buffer
	r, _ := New(&buf, "html")
	n := 0
	for op := range 6 {
		for rule := range len(validator.Rules) {
			for range maxSamples + 2 {
				e := hostile()
				e.Index = n
				n++
				e.Exchange.Request.Body = body
				e.Result.Operation = fmt.Sprintf("op%d", op)
				e.Result.Violations = make([]validator.Violation, len(vs))
				for i, v := range vs {
					v.Rule = validator.Rules[rule].ID
					e.Result.Violations[i] = v
				}
				if err := r.Add(e); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d exchanges in %d groups: %d bytes", n, 6*len(validator.Rules), buf.Len())
	if buf.Len() > 10<<20 {
		t.Errorf("page is %d bytes, want under 10 MB", buf.Len())
	}
	if !strings.Contains(buf.String(), "and 990 more violations of this rule in this exchange") {
		t.Error("a sample does not say how many violations it leaves out")
	}
}

// Past maxGroups, further operation × rule groups are counted, not shown.
func TestHTMLBoundsGroups(t *testing.T) {
	var es []Entry
	for i := range maxGroups + 5 {
		e := hostile()
		e.Index = i
		e.Result.Operation = fmt.Sprintf("op%04d", i)
		e.Result.Violations = e.Result.Violations[:1]
		es = append(es, e)
	}
	out := writeHTML(t, es, nil)
	if got := strings.Count(out, `<section class="group"`); got != maxGroups {
		t.Errorf("%d groups shown, want %d", got, maxGroups)
	}
	if !strings.Contains(out, "and 5 more in further groups, not shown") {
		t.Error("the page does not count the groups it leaves out")
	}
}
