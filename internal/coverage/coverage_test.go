package coverage

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// embedded builds a tracker and an observing validator over the embedded specs.
func embedded(t *testing.T) (*Tracker, *validator.Validator) {
	t.Helper()
	docs, err := specs.Default(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return build(t, docs)
}

func build(t *testing.T, docs []*specs.Document) (*Tracker, *validator.Validator) {
	t.Helper()
	v, err := validator.New(docs, validator.Options{Observe: true})
	if err != nil {
		t.Fatal(err)
	}
	return New(v.Operations()), v
}

// feedContracts validates every embedded contract for which keep returns true.
func feedContracts(t *testing.T, tr *Tracker, v *validator.Validator, keep func(path string) bool) int {
	t.Helper()
	cs, exs, err := contracts.Exchanges(contracts.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, ex := range exs {
		if !keep(cs[i].Path) {
			continue
		}
		tr.Add(ex, v.Validate(context.Background(), ex))
		n++
	}
	return n
}

func operation(t *testing.T, r *Report, id string) Operation {
	t.Helper()
	for _, o := range r.Operations {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("no operation %s in the report", id)
	return Operation{}
}

// The contracts of the four endpoints exercise every operation, every documented response and
// both branches of every oneOf.
func TestContractsCoverEveryOperationResponseAndBranch(t *testing.T) {
	tr, v := embedded(t)
	feedContracts(t, tr, v, func(string) bool { return true })
	r := tr.Report()

	if len(r.Operations) != 4 {
		t.Fatalf("operations = %d, want the 4 of the embedded specs", len(r.Operations))
	}
	gate, err := ParseThresholds("operations=100,responses=100,branches=100")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Check(gate) {
		t.Errorf("%s", s)
	}
	for _, o := range r.Operations {
		for _, c := range o.Responses {
			if c.Exchanges == 0 {
				t.Errorf("%s: documented response %s not seen", o.ID, c.Name)
			}
		}
		for _, ch := range o.Choices {
			if len(ch.Branches) < 2 {
				t.Errorf("%s: %s has %d branches, want 2", o.ID, ch.Schema, len(ch.Branches))
			}
			for _, b := range ch.Branches {
				if b.Matches == 0 {
					t.Errorf("%s: branch %d (%s) of %s not matched", o.ID, b.Index, b.Name, ch.Schema)
				}
			}
		}
	}

	profiles := operation(t, r, "patchUserProfiles")
	var job *BranchCount
	for _, ch := range profiles.Choices {
		if strings.HasSuffix(ch.Schema, "#/paths/~1user_profiles/patch/responses/200/content/application~1json/schema/oneOf") {
			for i := range ch.Branches {
				if ch.Branches[i].Name == "JobStatusResult" {
					job = &ch.Branches[i]
				}
			}
			if ch.Line == 0 || ch.Part != validator.PartResponse || strings.Join(ch.Statuses, ",") != "200" {
				t.Errorf("200 oneOf = %+v, want its line, part response and status 200", ch)
			}
		}
	}
	if job == nil || job.Matches == 0 {
		t.Errorf("the job-status branch of PATCH /user_profiles: %+v, want seen", job)
	}
	if got := len(profiles.Choices); got != 2 {
		t.Errorf("patchUserProfiles has %d oneOfs, want 2 (200 and the shared 400)", got)
	}
	if n, ok := operation(t, r, "patchUsers").Response("500"); !ok || n == 0 {
		t.Errorf("patchUsers 500 = %d, %v; want documented and seen", n, ok)
	}
}

// Leaving out the only contract of one response drops the responses metric below 100 and fails
// a gate on it, naming the metric.
func TestMissingResponseFailsTheGate(t *testing.T) {
	tr, v := embedded(t)
	feedContracts(t, tr, v, func(p string) bool { return p != "oig-selfservice/putUsers/valid-500-no-body.yaml" })
	r := tr.Report()
	if n, ok := operation(t, r, "putUsers").Response("500"); !ok || n != 0 {
		t.Fatalf("putUsers 500 = %d, %v; want documented and unseen", n, ok)
	}
	if r.Totals.Responses.Covered != r.Totals.Responses.Total-1 || r.Totals.Responses.Percent >= 100 {
		t.Errorf("responses = %+v, want one short of all", r.Totals.Responses)
	}
	gate, _ := ParseThresholds("operations=100,responses=100")
	short := r.Check(gate)
	if len(short) != 1 || short[0].Metric != "responses" {
		t.Fatalf("shortfalls = %v, want responses alone", short)
	}
	if !strings.Contains(short[0].String(), "responses") {
		t.Errorf("message %q does not name the metric", short[0])
	}
}

func exchange(method, rawURL, contentType, body string, status int, respType, respBody string) validator.Exchange {
	u, _ := url.Parse(rawURL)
	ex := validator.Exchange{Request: &validator.Request{Method: method, URL: u, Header: http.Header{}, Body: []byte(body)}}
	if contentType != "" {
		ex.Request.Header.Set("Content-Type", contentType)
	}
	if status > 0 {
		ex.Response = &validator.Response{Status: status, Header: http.Header{}, Body: []byte(respBody)}
		if respType != "" {
			ex.Response.Header.Set("Content-Type", respType)
		}
	}
	return ex
}

func treeSpec(t *testing.T) (*Tracker, *validator.Validator) {
	t.Helper()
	docs, err := specs.LoadFiles(context.Background(), "testdata/tree.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return build(t, docs)
}

// Parameters, properties (through arrays, maps and a recursive schema), statuses (a range and
// default) and anyOf branches are counted, and what the spec does not document is listed.
func TestCountsDocumentedAndUndocumented(t *testing.T) {
	tr, v := treeSpec(t)
	add := func(ex validator.Exchange) validator.Result {
		res := v.Validate(context.Background(), ex)
		tr.Add(ex, res)
		return res
	}
	add(exchange("PUT", "https://example.test/api/nodes/1?dry_run=true", "application/json",
		`{"name": "a", "meta": {"anything": 1}, "labels": {"env": {"value": "x", "color": "red"}}, "children": [{"name": "b", "children": [{"name": "c", "extra": 1}]}]}`,
		200, "application/json", `{"name": "a", "owner": "z"}`))
	add(exchange("PUT", "https://example.test/api/nodes/2", "text/plain", "hello", 404, "", ""))
	add(exchange("PUT", "https://example.test/api/nodes/3", "application/json", `{"name": "n"}`, 503, "text/html", "<p>down</p>"))
	add(exchange("PUT", "https://example.test/api/nodes/4", "application/json", `{"name": "n"}`, 200, "application/json", `{"queued": true}`))
	add(exchange("DELETE", "https://example.test/api/nodes/4", "", "", 0, "", ""))
	add(exchange("GET", "https://example.test/elsewhere", "", "", 200, "", ""))

	r := tr.Report()
	o := operation(t, r, "putNode")
	if o.Exchanges != 4 {
		t.Errorf("exchanges = %d, want 4", o.Exchanges)
	}
	if r.Unrouted != 1 || r.OutOfScope != 1 {
		t.Errorf("unrouted, out of scope = %d, %d; want 1, 1", r.Unrouted, r.OutOfScope)
	}
	want := map[string]int{"200": 2, "4XX": 1, "default": 1}
	for _, c := range o.Responses {
		if c.Exchanges != want[c.Name] {
			t.Errorf("response %s = %d, want %d", c.Name, c.Exchanges, want[c.Name])
		}
		delete(want, c.Name)
	}
	if len(want) > 0 {
		t.Errorf("responses missing from the report: %v", want)
	}
	params := map[string]int{}
	for _, c := range o.Parameters {
		params[c.Name] = c.Exchanges
	}
	if fmt.Sprint(params) != "map[header:X-Trace:0 path:id:4 query:dry_run:1]" {
		t.Errorf("parameters = %v", params)
	}
	props := map[string]int{}
	for _, c := range o.Properties {
		props[c.Name] = c.Exchanges
	}
	wantProps := map[string]int{"/name": 3, "/meta": 1, "/labels": 1, "/labels/*/value": 1, "/children": 1}
	if fmt.Sprint(props) != fmt.Sprint(wantProps) {
		t.Errorf("properties = %v, want %v", props, wantProps)
	}
	if r.Totals.Properties != (Metric{Covered: 5, Total: 5, Percent: 100}) {
		t.Errorf("properties metric = %+v", r.Totals.Properties)
	}
	if r.Totals.Parameters.Covered != 2 || r.Totals.Parameters.Total != 3 || r.Totals.Parameters.Percent != 66.6 {
		t.Errorf("parameters metric = %+v, want 2 of 3, 66.6%%", r.Totals.Parameters)
	}

	if len(o.Choices) != 1 || o.Choices[0].Keyword != "anyOf" {
		t.Fatalf("choices = %+v, want the 200 anyOf", o.Choices)
	}
	br := o.Choices[0].Branches
	if br[0].Name != "Node" || br[0].Matches != 1 || br[1].Matches != 1 || !strings.HasSuffix(br[1].Name, "/anyOf/1") {
		t.Errorf("anyOf branches = %+v, want Node and the inline branch, once each", br)
	}

	u := o.Undocumented
	check := func(what string, got []Count, want string) {
		t.Helper()
		var names []string
		for _, c := range got {
			names = append(names, c.Name)
		}
		if strings.Join(names, " ") != want {
			t.Errorf("undocumented %s = %v, want %s", what, names, want)
		}
	}
	// A recursive schema folds: the grandchild's extra key is named at the child's path.
	check("request properties", u.RequestProperties, "/children/*/extra /labels/*/color")
	check("response properties", u.ResponseProperties, "/owner")
	check("request media", u.RequestMedia, "text/plain")
	check("response media", u.ResponseMedia, "text/html")
	check("statuses", u.Statuses, "")
}

// Statuses no response key documents are listed as undocumented.
func TestUndocumentedStatus(t *testing.T) {
	tr, v := embedded(t)
	ex := exchange("PATCH", "https://acme.nonemployee.com/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "", "", 418, "", "")
	tr.Add(ex, v.Validate(context.Background(), ex))
	u := operation(t, tr.Report(), "patchUser").Undocumented
	if len(u.Statuses) != 1 || u.Statuses[0] != (Count{Name: "418", Exchanges: 1}) {
		t.Errorf("undocumented statuses = %v, want 418 once", u.Statuses)
	}
}

// A validator built without Observe still counts exchanges per operation, and nothing else.
func TestWithoutObservationCountsExchangesOnly(t *testing.T) {
	tr, _ := embedded(t)
	plain, err := validator.Default(context.Background(), validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := feedContracts(t, tr, plain, func(p string) bool { return strings.Contains(p, "/patchUser/") })
	r := tr.Report()
	o := operation(t, r, "patchUser")
	if o.Exchanges == 0 || o.Exchanges > n {
		t.Errorf("exchanges = %d of %d contracts", o.Exchanges, n)
	}
	if r.Totals.Responses.Covered != 0 || r.Totals.Operations.Covered != 1 {
		t.Errorf("totals = %+v, want one operation and no response", r.Totals)
	}
}

// Add is safe for concurrent use.
func TestConcurrentAdd(t *testing.T) {
	tr, v := treeSpec(t)
	ex := exchange("PUT", "https://example.test/api/nodes/1", "application/json", `{"name": "a", "x": 1}`, 200, "application/json", `{"name": "a"}`)
	res := v.Validate(context.Background(), ex)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				tr.Add(ex, res)
				_ = tr.Report()
			}
		}()
	}
	wg.Wait()
	o := operation(t, tr.Report(), "putNode")
	if o.Exchanges != 400 || o.Undocumented.RequestProperties[0].Exchanges != 400 {
		t.Errorf("exchanges = %d, undocumented = %v; want 400 each", o.Exchanges, o.Undocumented.RequestProperties)
	}
}

// Free-form undocumented keys are listed up to MaxUndocumented and counted beyond.
func TestUndocumentedPropertiesAreBounded(t *testing.T) {
	tr, v := treeSpec(t)
	for i := range MaxUndocumented + 5 {
		ex := exchange("PUT", "https://example.test/api/nodes/1", "application/json", fmt.Sprintf(`{"name": "a", "k%d": 1}`, i), 0, "", "")
		tr.Add(ex, v.Validate(context.Background(), ex))
	}
	u := operation(t, tr.Report(), "putNode").Undocumented
	if len(u.RequestProperties) != MaxUndocumented || u.Dropped != 5 {
		t.Errorf("listed %d, dropped %d; want %d and 5", len(u.RequestProperties), u.Dropped, MaxUndocumented)
	}
}

// The report is plain data: it survives a JSON round trip.
func TestReportIsJSON(t *testing.T) {
	tr, v := embedded(t)
	feedContracts(t, tr, v, func(p string) bool { return strings.Contains(p, "documented") })
	r := tr.Report()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Totals != r.Totals || len(back.Operations) != len(r.Operations) {
		t.Errorf("round trip changed the report: %+v", back.Totals)
	}
	if got := strings.Join(r.Statuses(), " "); got != "200 400 401 403 404 500" {
		t.Errorf("grid columns = %s", got)
	}
}

func TestParseThresholds(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{in: "operations=100,responses=80", want: "operations=100,responses=80"},
		{in: " Responses = 80% , branches=50.5", want: "responses=80,branches=50.5"},
		{in: "responses=80,responses=90", want: "responses=90"},
		{in: "responses", err: true},
		{in: "lines=80", err: true},
		{in: "responses=eighty", err: true},
		{in: "responses=101", err: true},
		{in: "responses=-1", err: true},
		{in: "", err: true},
		{in: ",", err: true},
	} {
		got, err := ParseThresholds(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseThresholds(%q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && got.String() != tc.want {
			t.Errorf("ParseThresholds(%q) = %s, want %s", tc.in, got, tc.want)
		}
		if err != nil && tc.in != "" && tc.in != "," && !strings.Contains(err.Error(), strings.TrimSpace(strings.Split(tc.in, ",")[0])) {
			t.Errorf("ParseThresholds(%q) error %q does not name the entry", tc.in, err)
		}
	}
}

// A spec without oneOfs, parameters or properties has nothing to cover there: 100%.
func TestNothingToCoverIsFull(t *testing.T) {
	var m Metric
	m.finish()
	if m.Percent != 100 {
		t.Errorf("empty metric = %v%%, want 100", m.Percent)
	}
}

// Coverage reads the schemas as the validator compiled them: the properties of a
// `properties: {$ref}` are the referenced map's, and a branch that refers to a component
// that is another name of one is named as the spec writes it, as the validator's violations
// and observations name it.
func TestCoverageReadsTheValidatorsModel(t *testing.T) {
	docs, err := specs.LoadFiles(context.Background(), "testdata/refs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tr, v := build(t, docs)
	ex := exchange("POST", "https://example.test/pets", "application/json", `{"name": "Tom"}`, 201, "application/json", `{"purrs": true}`)
	res := v.Validate(context.Background(), ex)
	if !res.Valid() {
		t.Fatalf("exchange invalid: %v", res.Violations)
	}
	tr.Add(ex, res)
	o := operation(t, tr.Report(), "addPet")
	if got := fmt.Sprint(o.Properties); got != "[{/name 1} {/tag 0}]" {
		t.Errorf("properties = %s, want /name sent and /tag not", got)
	}
	if len(o.Choices) != 1 {
		t.Fatalf("choices = %+v, want the 201 oneOf", o.Choices)
	}
	if got := fmt.Sprint(o.Choices[0].Branches); got != "[{0 Cat 1} {1 Dog 0}]" {
		t.Errorf("branches = %s, want Cat matched once, Dog never", got)
	}
	if b := res.Observed.Branches; len(b) != 1 || b[0].Name != o.Choices[0].Branches[0].Name || b[0].Schema != o.Choices[0].Schema {
		t.Errorf("observed %+v, the report has %+v", b, o.Choices[0])
	}
}
