package htmlreport

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// These tests open specgate's html report in headless Chromium (Debian's package) over the
// DevTools protocol, as a person opening the CI artifact would, and leave screenshots in out/.

// chromium finds the browser; its absence fails the test, since the report's rendering is
// only tested here.
func reportChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("headless Chromium is not installed: run `make setup` (it installs Debian's chromium package)")
	return ""
}

// browser starts a fresh headless Chromium that reaches no network.
func reportBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(reportChromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	// Start the browser now, so that page timings do not include its start-up.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", reportChromium(t), err)
	}
	return ctx
}

// reportOutDir is the repository's out/ folder (gitignored), where screenshots are left for
// people: two levels up from this package's folder, testkit/htmlreport.
func reportOutDir(t *testing.T) string {
	t.Helper()
	out, err := filepath.Abs(filepath.Join("..", "..", "out"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

func reportFileURL(path string) string {
	abs, _ := filepath.Abs(path)
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

func reportEval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return v
}

// openReport saves the page html as name in the out/ folder, for people to open too, and opens
// it in the browser; it returns the file's path.
func openReport(t *testing.T, ctx context.Context, name, html string) string {
	t.Helper()
	page := filepath.Join(reportOutDir(t), name)
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(reportFileURL(page))); err != nil {
		t.Fatal(err)
	}
	return page
}

func reportScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(reportOutDir(t), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// renderedReport reads what the page shows: the summary counts, the filter counters and what is
// visible, from the renderedReport DOM (innerText is empty for hidden elements).
const renderedReportJS = `(() => {
  const text = (sel) => { const e = document.querySelector(sel); return e ? e.innerText.trim() : null; };
  const visible = (sel) => Array.from(document.querySelectorAll(sel)).filter(e => e.offsetParent !== null);
  const cards = {};
  document.querySelectorAll('[data-testid^="count-"]').forEach(e => { cards[e.dataset.testid.slice(6)] = e.innerText.trim(); });
  const coverage = {};
  document.querySelectorAll('[data-testid^="coverage-"]').forEach(e => { coverage[e.dataset.testid.slice(9)] = e.innerText.trim(); });
  const branches = {};
  visible('#coverage-branches .chip.branch').forEach(e => {
    const op = e.closest('tr').dataset.op, where = e.closest('tr').children[2].innerText.trim();
    branches[op + ' ' + where + ' ' + e.dataset.branch] = e.classList.contains('seen') ? 'seen' : 'unseen';
  });
  const grid = {};
  visible('#coverage-grid tbody tr').forEach(tr => {
    grid[tr.dataset.op] = Array.from(tr.querySelectorAll('td.cell')).map(td => td.dataset.status + '=' + td.innerText.trim()).join(' ');
  });
  return {
    cards, coverage, branches, grid,
    shownGroups: text('#shown-groups'), shownExchanges: text('#shown-exchanges'),
    groups: visible('section.group').map(g => g.dataset.op + ' ' + g.dataset.rule),
    exchangeOps: visible('table.exchanges tbody tr').map(tr => tr.dataset.op),
    scripts: document.scripts.length,
    title: document.title,
  };
})()`

type renderedReport struct {
	Cards          map[string]string
	Coverage       map[string]string
	Branches       map[string]string
	Grid           map[string]string
	ShownGroups    string
	ShownExchanges string
	Groups         []string
	ExchangeOps    []string
	Scripts        int
	Title          string
}

func renderReport(t *testing.T, ctx context.Context) renderedReport {
	t.Helper()
	raw := reportEval[json.RawMessage](t, ctx, renderedReportJS)
	var r renderedReport
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return r
}

func reportSelect(t *testing.T, ctx context.Context, id, value string) {
	t.Helper()
	// As a person's choice does: the select's value changes, then a change event fires.
	js := fmt.Sprintf(`(() => { const s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return s.value; })()`, id, value)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err == nil && got != value {
		err = fmt.Errorf("the select has no option %q", value)
	}
	if err != nil {
		t.Fatalf("selecting %s in #%s: %v", value, id, err)
	}
}

// specgate validate --coverage --format html on a HAR of the documented examples, opened in
// Chromium: the counts it renders, a filter that hides the other operations, and a coverage
// grid with both branches of the 200 oneOf of PATCH /user_profiles.
func TestHTMLReportInBrowser(t *testing.T) {
	ctx := reportBrowser(t)
	exs := documentedExchanges(t)
	// One body carries markup: the page must show it as text and run no script of its own.
	hostile := patchUser(t, "<script>document.title='pwned'</script>")
	exs = append(exs, hostile)
	har := writeFile(t, t.TempDir(), "documented.har", harOf(t, exs...))
	res := run(t, "validate", "--coverage", "--format", "html", har)
	if res.code != exitFindings {
		t.Fatalf("exit %d, want 1 (findings)\n%s", res.code, res.stderr)
	}
	page := openReport(t, ctx, "report-validate.html", res.stdout)
	r := renderReport(t, ctx)
	wantCards := map[string]string{"exchanges": "12", "valid": "9", "invalid": "3", "errors": "0", "out-of-scope": "0", "violations": "3"}
	for k, v := range wantCards {
		if r.Cards[k] != v {
			t.Errorf("card %s shows %q, want %s (all: %v)", k, r.Cards[k], v, r.Cards)
		}
	}
	if r.Title != "specgate report" || r.Scripts != 1 {
		t.Errorf("title %q and %d scripts: the body's markup ran or was inserted", r.Title, r.Scripts)
	}
	if r.ShownGroups != "2" || r.ShownExchanges != "12" {
		t.Errorf("counters show %s groups and %s exchanges, want 2 and 12", r.ShownGroups, r.ShownExchanges)
	}
	if r.Coverage["operations"] != "100%" || r.Coverage["responses"] != "50%" || r.Coverage["branches"] != "83.3%" {
		t.Errorf("coverage totals %v", r.Coverage)
	}
	const oneOf200 = "patchUserProfiles specs/nerm-lifecycle.yaml:56 "
	if r.Branches[oneOf200+"JobStatusResult"] != "seen" || r.Branches[oneOf200+"UserProfilesResult"] != "unseen" {
		t.Errorf("the 200 oneOf of PATCH /user_profiles does not show both branches, job status seen: %v", r.Branches)
	}
	if got := r.Grid["putUsers"]; got != "200=1 400=– 401=0 403=0 404=0 500=0" {
		t.Errorf("grid row of putUsers: %s", got)
	}
	if got := r.Grid["patchUser"]; got != "200=2 400=2 401=– 403=– 404=– 500=1" {
		t.Errorf("grid row of patchUser: %s", got)
	}
	reportScreenshot(t, ctx, "report-validate.png")

	// The operation filter hides the other operations' violations, exchanges and coverage.
	reportSelect(t, ctx, "filter-op", "patchUser")
	f := renderReport(t, ctx)
	if f.ShownGroups != "1" || len(f.Groups) != 1 || f.Groups[0] != "patchUser response.body.schema" {
		t.Errorf("filtered groups: counter %s, visible %v; want patchUser's one", f.ShownGroups, f.Groups)
	}
	for _, op := range f.ExchangeOps {
		if op != "patchUser" {
			t.Errorf("the filter left an exchange of %s visible", op)
		}
	}
	if f.ShownExchanges != "5" || len(f.ExchangeOps) != 5 {
		t.Errorf("filtered exchanges: counter %s, visible %d; want 5", f.ShownExchanges, len(f.ExchangeOps))
	}
	if len(f.Grid) != 1 || f.Grid["patchUser"] == "" {
		t.Errorf("filtered coverage grid rows: %v", f.Grid)
	}
	// The verdict filter then narrows to the valid ones, which have no violation group.
	reportSelect(t, ctx, "filter-verdict", "valid")
	if v := renderReport(t, ctx); v.ShownExchanges != "3" || v.ShownGroups != "0" {
		t.Errorf("valid exchanges of patchUser: %s exchanges, %s groups; want 3 and 0", v.ShownExchanges, v.ShownGroups)
	}
	reportSelect(t, ctx, "filter-verdict", "")
	reportSelect(t, ctx, "filter-op", "")
	reportSelect(t, ctx, "filter-rule", "response.body.schema")
	if v := renderReport(t, ctx); v.ShownExchanges != "3" || v.ShownGroups != "2" {
		t.Errorf("rule filter: %s exchanges, %s groups; want 3 and 2", v.ShownExchanges, v.ShownGroups)
	}

	// A violation's link opens its exchange and lands on the highlighted line of the body.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(reportFileURL(page)+"#x1")); err != nil {
		t.Fatal(err)
	}
	open := reportEval[bool](t, ctx, `document.getElementById("x1").open`)
	hit := reportEval[string](t, ctx, `(document.querySelector("#x1 .line.hit") || {innerText: ""}).innerText`)
	if !open || !strings.Contains(hit, `"uid"`) {
		t.Errorf("#x1 open %v, highlighted line %q; want open on the uid line", open, hit)
	}
	reportScreenshot(t, ctx, "report-validate-detail.png")
}

// specgate lint --format html on the faithful copies of the NERM pages, opened in Chromium: the
// counts it renders, and a rule filter that leaves only the ambiguous oneOfs, with the
// documented job-status reply as the witness of the 200.
func TestHTMLFindingsInBrowser(t *testing.T) {
	ctx := reportBrowser(t)
	res := run(t, "lint", "--format", "html", faithfulProfiles, faithfulUser)
	if res.code != exitFindings {
		t.Fatalf("exit %d, want 1 (findings)\n%s", res.code, res.stderr)
	}
	openReport(t, ctx, "report-lint.html", res.stdout)
	r := renderReport(t, ctx)
	if r.Cards["findings"] != "10" || r.Cards["warning"] != "1" || r.Cards["inputs"] != "2" {
		t.Errorf("cards %v, want 10 findings (one a warning) in 2 inputs", r.Cards)
	}
	reportSelect(t, ctx, "filter-rule", "lint.oneof.ambiguous")
	f := renderReport(t, ctx)
	if f.ShownGroups != "2" || len(f.Groups) != 2 {
		t.Errorf("rule filter: counter %s, visible groups %v; want the two operations' oneOf groups", f.ShownGroups, f.Groups)
	}
	for _, g := range f.Groups {
		if !strings.HasSuffix(g, " lint.oneof.ambiguous") {
			t.Errorf("the rule filter left %q visible", g)
		}
	}
	text := reportEval[string](t, ctx, `document.body.innerText`)
	if !strings.Contains(text, `"job_status"`) || !strings.Contains(text, `3ce88e47ad6dba2ddf349d21`) {
		t.Errorf("the page does not show the job-status witness")
	}
	reportScreenshot(t, ctx, "report-lint.png")
}
