package harrecord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/specgate/specgate/internal/cli"
)

// The recordings committed for the other packages' tests; make har-fixtures writes them with
// this package's command.
const (
	fixture          = "../../internal/traffic/testdata/browser/chromium.har"
	mitmproxyFixture = "../../internal/traffic/testdata/browser/mitmproxy.har"
)

// TestRecordSite records the site with Chromium and checks that the recording has the shape of
// Chrome's export and the same entries, with the same verdicts, as the committed fixture: what
// make har-fixtures would write reads as the fixture does. Chromium is required: without it the
// test fails and says how to install it.
func TestRecordSite(t *testing.T) {
	if _, err := FindBrowser(""); err != nil {
		t.Fatalf("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	h, err := RecordSite(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := h.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "chromium.har")
	if err := os.WriteFile(fresh, data, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("same entries and verdicts as the fixture", func(t *testing.T) {
		got, want := verdicts(t, fresh), verdicts(t, fixture)
		if len(got) != len(want) {
			t.Fatalf("%d entries recorded, the fixture has %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("entry %d: %s\n    the fixture: %s", i, got[i], want[i])
			}
		}
	})

	t.Run("chrome's export shape", func(t *testing.T) {
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		log := doc["log"].(map[string]any)
		if log["version"] != "1.2" || !strings.HasPrefix(log["creator"].(map[string]any)["version"].(string), "Chrome/") {
			t.Errorf("version %v, creator %v", log["version"], log["creator"])
		}
		pages := log["pages"].([]any)
		if len(pages) != 1 || pages[0].(map[string]any)["pageTimings"].(map[string]any)["onLoad"].(float64) <= 0 {
			t.Errorf("pages %v", pages)
		}
		for i, e := range log["entries"].([]any) {
			e := e.(map[string]any)
			for _, k := range []string{"_initiator", "_priority", "_resourceType", "cache", "pageref", "request", "response", "startedDateTime", "time", "timings"} {
				if _, ok := e[k]; !ok {
					t.Errorf("entry %d lacks %s", i, k)
				}
			}
			if _, err := time.Parse(time.RFC3339Nano, e["startedDateTime"].(string)); err != nil {
				t.Errorf("entry %d: startedDateTime: %v", i, err)
			}
			for _, k := range []string{"blocked", "dns", "ssl", "connect", "send", "wait", "receive"} {
				if v, ok := e["timings"].(map[string]any)[k].(float64); !ok || v < -1 {
					t.Errorf("entry %d: timings.%s = %v", i, k, e["timings"].(map[string]any)[k])
				}
			}
			resp := e["response"].(map[string]any)
			if _, ok := resp["_transferSize"]; !ok {
				t.Errorf("entry %d: response lacks _transferSize", i)
			}
		}
	})

	t.Run("what the browser did", func(t *testing.T) {
		find := func(method, path string, preflight bool) Entry {
			t.Helper()
			for _, e := range h.Log.Entries {
				u, _ := url.Parse(e.Request.URL)
				if e.Request.Method == method && u.RequestURI() == path && (e.ResourceType == "preflight") == preflight {
					return e
				}
			}
			t.Fatalf("no %s %s (preflight %v) recorded", method, path, preflight)
			return Entry{}
		}
		pre := find("OPTIONS", oigUsers, true)
		if headerValue(pre.Request.Headers, "Access-Control-Request-Method") != "PATCH" || pre.Initiator["type"] != "preflight" {
			t.Errorf("preflight: headers %v, initiator %v", pre.Request.Headers, pre.Initiator)
		}
		patch := find("PATCH", oigUsers, false)
		if headerValue(patch.Request.Headers, "Authorization") != secretBasic || headerValue(patch.Request.Headers, "X-Requested-By") == "" {
			t.Errorf("OIG PATCH request headers %v", patch.Request.Headers)
		}
		if patch.Response.Content.Compression == nil || headerValue(patch.Response.Headers, "Content-Encoding") != "gzip" || !json.Valid([]byte(patch.Response.Content.Text)) {
			t.Errorf("OIG PATCH reply: the gzip-encoded body is not recorded decoded: %+v", patch.Response.Content)
		}
		if patch.Request.PostData == nil || !json.Valid([]byte(patch.Request.PostData.Text)) || patch.Initiator["type"] != "script" {
			t.Errorf("OIG PATCH: postData %v, initiator %v", patch.Request.PostData, patch.Initiator)
		}
		logo := find("GET", "/static/logo.png", false)
		if logo.Response.Content.Encoding != "base64" || logo.ResourceType != "image" {
			t.Errorf("logo: content %+v, resource type %s", logo.Response.Content, logo.ResourceType)
		}
		if f := find("GET", "/favicon.ico", false); f.Response.Status != 200 {
			t.Errorf("favicon status %d", f.Response.Status)
		}
		aborted := find("PATCH", nermBase+"/user_profiles?wait=1", false)
		if aborted.Response.Status != 0 || aborted.Response.Error == nil || *aborted.Response.Error != "net::ERR_ABORTED" {
			t.Errorf("aborted call: status %d, error %v", aborted.Response.Status, aborted.Response.Error)
		}
		page := find("GET", "/", false)
		if len(page.Response.Cookies) != 1 || page.Response.Cookies[0].Value != secretPageCookie {
			t.Errorf("page cookies %+v", page.Response.Cookies)
		}
		script := find("GET", "/static/app.js?v=1&token="+secretAssetToken, false)
		if len(script.Request.Cookies) != 1 || script.Request.Cookies[0].Value != secretPageCookie {
			t.Errorf("script request cookies %+v", script.Request.Cookies)
		}
	})
}

// TestRecordSiteThroughMitmproxy records the site through mitmproxy and checks that the HAR its
// export addon writes has the same entries, with the same verdicts, as the committed fixture.
// mitmproxy is required: without it the test fails and says how to install it.
func TestRecordSiteThroughMitmproxy(t *testing.T) {
	if _, err := FindBrowser(""); err != nil {
		t.Fatalf("%v", err)
	}
	if _, _, err := (Mitmproxy{}).find(); err != nil {
		t.Fatalf("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	data, err := RecordSiteThroughMitmproxy(ctx, Options{}, Mitmproxy{})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Creator struct{ Name, Comment string }
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.Log.Creator.Name != "mitmproxy har_dump" || !strings.HasPrefix(doc.Log.Creator.Comment, "mitmproxy version") {
		t.Fatalf("not mitmproxy's HAR: creator %+v, error %v", doc.Log.Creator, err)
	}
	fresh := filepath.Join(t.TempDir(), "mitmproxy.har")
	if err := os.WriteFile(fresh, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, want := verdicts(t, fresh), verdicts(t, mitmproxyFixture)
	if !slices.Equal(got, want) {
		t.Errorf("recorded:\n%s\nthe fixture:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// verdicts validates a recording and returns one line per entry: the request (path without
// query or host, whose ports change from run to run) and its verdict.
func verdicts(t *testing.T, path string) []string {
	t.Helper()
	var out, errOut bytes.Buffer
	cli.Run(context.Background(), []string{"validate", "--format", "json", "--verbose", path}, &out, &errOut)
	var rep struct {
		Exchanges []struct {
			Index                                                int
			Method, URL, Operation, Preflight, OutOfScope, Error string
			Valid                                                bool
			Violations                                           []struct{ Rule, Instance string }
		} `json:"exchanges"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, errOut.String())
	}
	var lines []string
	for _, x := range rep.Exchanges {
		target, _, _ := strings.Cut(x.URL, "?")
		line := fmt.Sprintf("%d %s %s -> %s valid=%v preflight=%s error=%q", x.Index, x.Method, target, x.Operation, x.Valid, x.Preflight, x.Error)
		for _, v := range x.Violations {
			line += " " + v.Rule + " " + v.Instance
		}
		lines = append(lines, line)
	}
	return lines
}

func TestFindBrowser(t *testing.T) {
	_, err := FindBrowser("no-such-browser-" + t.Name())
	if !errors.Is(err, ErrNoBrowser) || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("error %v, want ErrNoBrowser telling to run make setup", err)
	}
}

func TestFindMitmproxy(t *testing.T) {
	for _, m := range []Mitmproxy{{Mitmdump: "no-such-mitmdump-" + t.Name()}, {HarDump: filepath.Join(t.TempDir(), "har_dump.py")}} {
		if _, _, err := m.find(); !errors.Is(err, ErrNoMitmproxy) || !strings.Contains(err.Error(), "make setup") {
			t.Errorf("%+v: error %v, want ErrNoMitmproxy telling to run make setup", m, err)
		}
	}
}

// TestOrdered checks that a preflight goes right after the request that caused it, however the
// browser's events arrived.
func TestOrdered(t *testing.T) {
	x := func(id, method, preflightOf string) *exchange {
		e := &exchange{id: network.RequestID(id), sent: &network.EventRequestWillBeSent{RequestID: network.RequestID(id), Request: &network.Request{Method: method}}}
		if preflightOf != "" {
			e.sent.Initiator = &network.Initiator{Type: network.InitiatorTypePreflight, RequestID: network.RequestID(preflightOf)}
		} else {
			e.sent.Initiator = &network.Initiator{Type: network.InitiatorTypeScript}
		}
		return e
	}
	page, p1, a, p2, b, orphan := x("1", "GET", ""), x("2.p", "OPTIONS", "2"), x("2", "PATCH", ""), x("3.p", "OPTIONS", "3"), x("3", "PUT", ""), x("9.p", "OPTIONS", "9")
	got := ordered([]*exchange{page, p1, a, b, p2, orphan})
	var ids []string
	for _, e := range got {
		ids = append(ids, string(e.id))
	}
	if want := []string{"1", "2", "2.p", "3", "3.p", "9.p"}; !slices.Equal(ids, want) {
		t.Errorf("order %v, want %v", ids, want)
	}
}

func TestHeaders(t *testing.T) {
	got := headerList(map[string]any{"set-cookie": "a=1\nb=2", "Content-Type": "application/json"})
	want := []NameValue{{"Content-Type", "application/json"}, {"set-cookie", "a=1"}, {"set-cookie", "b=2"}}
	if !slices.Equal(got, want) {
		t.Errorf("headerList = %v, want %v", got, want)
	}
	version, raw := rawHeaderList("HTTP/1.1 200 OK\r\nVary: Origin\r\nvary: Accept-Encoding\r\nContent-Length: 3\r\n\r\n")
	if version != "HTTP/1.1" || !slices.Equal(raw, []NameValue{{"Vary", "Origin"}, {"vary", "Accept-Encoding"}, {"Content-Length", "3"}}) {
		t.Errorf("rawHeaderList = %q, %v", version, raw)
	}
	q := queryList("http://x/a?token=t%20k&v=1&flag")
	if !slices.Equal(q, []NameValue{{"token", "t k"}, {"v", "1"}, {"flag", ""}}) {
		t.Errorf("queryList = %v", q)
	}
}
