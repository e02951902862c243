package proxy_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specgate/specgate/internal/proxy"
	"github.com/specgate/specgate/validator"
)

// The Grafana dashboard and the Prometheus alerting rules in docs/ query the proxy's metrics;
// these tests hold them to what the proxy exports, by metric name and by label.

// scrapeLabels are the labels Prometheus adds to every series it scrapes.
var scrapeLabels = map[string]bool{"job": true, "instance": true}

// syntheticMetrics are series Prometheus makes itself rather than scrapes.
var syntheticMetrics = map[string]bool{"up": true}

// exported runs one invalid exchange through a proxy, so that every labelled series exists, and
// returns the label names of every sample name on its /metrics.
func exported(t *testing.T) map[string]map[string]bool {
	t.Helper()
	v, err := validator.Default(context.Background(), validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"user": {"uid": "too-short"}}`)
	}))
	t.Cleanup(up.Close)
	target, _ := url.Parse(up.URL)
	p, err := proxy.New(proxy.Options{Upstream: target, Validator: v})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("PATCH", "/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", strings.NewReader(`{"user": {"id": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"}}`))
	req.Header.Set("Content-Type", "application/json")
	p.ServeHTTP(httptest.NewRecorder(), req)
	for deadline := time.Now().Add(5 * time.Second); p.Exchanges() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the exchange was never counted")
		}
	}
	rec := httptest.NewRecorder()
	p.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics answered %d", rec.Code)
	}
	out := map[string]map[string]bool{}
	sample := regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? `)
	label := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="`)
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		m := sample.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(line, "#") {
			continue
		}
		if out[m[1]] == nil {
			out[m[1]] = map[string]bool{}
		}
		for _, l := range label.FindAllStringSubmatch(m[2], -1) {
			out[m[1]][l[1]] = true
		}
	}
	return out
}

// query is one PromQL expression and where it comes from.
type query struct {
	where, expr string
}

func dashboardQueries(t *testing.T) []query {
	t.Helper()
	data, err := os.ReadFile("../../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	if dash.Title == "" || dash.UID == "" || len(dash.Panels) == 0 {
		t.Fatal("docs/grafana-dashboard.json needs a title, a uid and panels")
	}
	var qs []query
	for _, p := range dash.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("docs/grafana-dashboard.json: panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			qs = append(qs, query{"panel " + p.Title, tg.Expr})
		}
	}
	for _, v := range dash.Templating.List {
		qs = append(qs, query{"variable " + v.Name, v.Definition})
	}
	return qs
}

func alertQueries(t *testing.T) []query {
	t.Helper()
	data, err := os.ReadFile("../../docs/prometheus-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("docs/prometheus-alerts.yml: %v", err)
	}
	var qs []query
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" || r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("docs/prometheus-alerts.yml: rule %q needs alert, expr, for, a severity label and a summary", r.Alert)
			}
			if _, err := time.ParseDuration(r.For); err != nil {
				t.Errorf("docs/prometheus-alerts.yml: rule %s: for %q is not a duration", r.Alert, r.For)
			}
			qs = append(qs, query{"alert " + r.Alert, r.Expr})
		}
	}
	if len(qs) == 0 {
		t.Fatal("docs/prometheus-alerts.yml has no rule")
	}
	return qs
}

var (
	// selector matches a metric name with its label matchers, or label_values(name, label).
	selector    = regexp.MustCompile(`\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}`)
	labelValues = regexp.MustCompile(`label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{([^}]*)\})?\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)`)
	matcher     = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
	grouping    = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	metricName  = regexp.MustCompile(`\b(?:specgate|process|go)_[a-zA-Z0-9_]+\b`)
)

// check reports the metrics and labels q uses that the proxy does not export.
func check(t *testing.T, q query, exp map[string]map[string]bool) []string {
	t.Helper()
	var problems []string
	names := map[string]bool{}
	for _, n := range metricName.FindAllString(q.expr, -1) {
		names[n] = true
	}
	hasLabel := func(metric, l string) bool {
		return scrapeLabels[l] || exp[metric][l] || (l == "le" && strings.HasSuffix(metric, "_bucket"))
	}
	for _, m := range selector.FindAllStringSubmatch(q.expr, -1) {
		if m[1] == "label_values" {
			continue
		}
		names[m[1]] = true
		for _, l := range matcher.FindAllStringSubmatch(m[2], -1) {
			if !syntheticMetrics[m[1]] && !hasLabel(m[1], l[1]) {
				problems = append(problems, q.where+": "+m[1]+" has no label "+l[1])
			}
		}
	}
	for _, m := range labelValues.FindAllStringSubmatch(q.expr, -1) {
		names[m[1]] = true
		if !hasLabel(m[1], m[3]) {
			problems = append(problems, q.where+": "+m[1]+" has no label "+m[3])
		}
	}
	if len(names) == 0 {
		problems = append(problems, q.where+": the query names no metric: "+q.expr)
	}
	for n := range names {
		if syntheticMetrics[n] {
			continue
		}
		if exp[n] == nil {
			problems = append(problems, q.where+": the proxy exports no metric "+n)
			continue
		}
		for _, g := range grouping.FindAllStringSubmatch(q.expr, -1) {
			for _, l := range strings.Split(g[1], ",") {
				if l = strings.TrimSpace(l); l != "" && !hasLabel(n, l) {
					problems = append(problems, q.where+": "+n+" has no label "+l+" to group by")
				}
			}
		}
	}
	return problems
}

func TestDashboardQueriesExportedMetrics(t *testing.T) {
	exp := exported(t)
	used := map[string]bool{}
	var problems []string
	for _, q := range dashboardQueries(t) {
		problems = append(problems, check(t, q, exp)...)
		for _, n := range metricName.FindAllString(q.expr, -1) {
			used[n] = true
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Errorf("docs/grafana-dashboard.json: %s", p)
	}
	// The dashboard shows what operators need: traffic and verdicts, violations, validation
	// latency, upstream errors.
	for _, n := range []string{"specgate_proxy_exchanges_total", "specgate_proxy_violations_total", "specgate_proxy_validation_duration_seconds_bucket", "specgate_proxy_upstream_errors_total"} {
		if !used[n] {
			t.Errorf("docs/grafana-dashboard.json does not query %s", n)
		}
	}
}

func TestAlertsQueryExportedMetrics(t *testing.T) {
	exp := exported(t)
	var problems []string
	for _, q := range alertQueries(t) {
		problems = append(problems, check(t, q, exp)...)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Errorf("docs/prometheus-alerts.yml: %s", p)
	}
}

// The checks catch a metric or a label the proxy does not export.
func TestDashboardCheckCatchesUnknownNames(t *testing.T) {
	exp := exported(t)
	for _, q := range []query{
		{"renamed", `sum(rate(specgate_proxy_requests_total[5m]))`},
		{"label", `sum by (status) (rate(specgate_proxy_violations_total[5m]))`},
		{"matcher", `rate(specgate_proxy_upstream_errors_total{reason="x"}[5m])`},
		{"variable", `label_values(specgate_proxy_exchanges_total, status)`},
	} {
		if len(check(t, q, exp)) == 0 {
			t.Errorf("%s: %s passed the check", q.where, q.expr)
		}
	}
}
