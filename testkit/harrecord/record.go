// Package harrecord records what a real browser loads into a HAR file, so that specgate's HAR
// reading is tested on recordings a browser made rather than on files written by hand.
//
// Record drives Chromium (or Chrome) headless over the DevTools protocol with chromedp, loads a
// page, waits until the page says it is done and the network is quiet, and builds the HAR from
// the browser's Network events (requestWillBeSent and its ExtraInfo, responseReceived and its
// ExtraInfo, loadingFinished, loadingFailed) with the bodies from Network.getResponseBody and
// Network.getRequestPostData: what headless-browser tooling does to export a HAR, written in the
// shape of Chrome's own "Save all as HAR with content" export.
//
// Site is the page recorded for specgate's fixtures: assets on one loopback origin and the four
// endpoints, called cross-origin with fetch() so that CORS preflights occur, on another.
// RecordSite records it; the harrecord command (testkit/cmd/harrecord, make har-fixtures) writes
// the fixtures. The package is in the testkit module, beside the tests, so that the library's
// module does not require chromedp.
package harrecord

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ErrNoBrowser is returned when no Chromium or Chrome executable can be found.
var ErrNoBrowser = errors.New("no Chromium or Chrome found on PATH (looked for chromium, chromium-browser, google-chrome, google-chrome-stable): run make setup, which installs Debian's chromium")

// browserNames are the executables FindBrowser looks for, in order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// FindBrowser returns the path of the browser executable: name when it is given (a path or a
// name on PATH), otherwise the first of chromium, chromium-browser, google-chrome and
// google-chrome-stable on PATH. It returns an error wrapping ErrNoBrowser when there is none.
func FindBrowser(name string) (string, error) {
	if name != "" {
		p, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrNoBrowser, err)
		}
		return p, nil
	}
	for _, n := range browserNames {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// Options configures Record. The zero value finds the browser on PATH, waits for the page's load
// event and then for half a second without network activity, and gives up after a minute.
type Options struct {
	// Browser is the executable to run; empty means FindBrowser("").
	Browser string
	// Act is a JavaScript expression evaluated once the page has loaded and its network is
	// quiet, as a person would act on the page (click a button, say) once it has settled: what
	// the page then requests comes after everything it loaded on its own, the browser's favicon
	// request included, so the entries come in the same order on every run. Empty means none.
	Act string
	// Done is a JavaScript expression polled after Act until it is true, for a page that goes on
	// making requests after its load event. Empty means the load event is enough.
	Done string
	// Quiet is how long the network must be idle, with no request outstanding, before the
	// recording ends. Zero means 500ms.
	Quiet time.Duration
	// Timeout bounds the whole recording, browser start included. Zero means one minute.
	Timeout time.Duration
	// Proxy is an HTTP proxy (host:port) the browser sends every request through, loopback
	// ones included. Empty means none.
	Proxy string
}

// Record loads pageURL in a fresh headless browser (a new, temporary profile) and returns
// everything the page loaded as a HAR, entries in the order the page issued the requests, each
// CORS preflight right after the request that caused it.
func Record(ctx context.Context, pageURL string, opts Options) (*HAR, error) {
	exe, err := FindBrowser(opts.Browser)
	if err != nil {
		return nil, err
	}
	if opts.Quiet <= 0 {
		opts.Quiet = 500 * time.Millisecond
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	profile, err := os.MkdirTemp("", "harrecord-profile-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)

	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	if opts.Proxy != "" {
		// "<-loopback>" removes Chromium's implicit bypass of loopback addresses.
		allocOpts = append(allocOpts, chromedp.ProxyServer("http://"+opts.Proxy), chromedp.Flag("proxy-bypass-list", "<-loopback>"))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocOpts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	if err := chromedp.Do(bctx); err != nil {
		return nil, fmt.Errorf("starting %s: %w", exe, err)
	}
	version, err := chromedp.CallBrowser(bctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return nil, fmt.Errorf("%s: Browser.getVersion: %w", exe, err)
	}
	c := newCollector()
	if err := chromedp.Listen(bctx, c.event); err != nil {
		return nil, fmt.Errorf("%s: listening to network events: %w", exe, err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(pageURL)); err != nil {
		return nil, fmt.Errorf("loading %s: %w", pageURL, err)
	}
	if opts.Act != "" {
		if err := c.waitQuiet(ctx, opts.Quiet); err != nil {
			return nil, fmt.Errorf("waiting for the network of %s to fall quiet: %w", pageURL, err)
		}
		if _, err := chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void](opts.Act)); err != nil {
			return nil, fmt.Errorf("running %s on %s: %w", opts.Act, pageURL, err)
		}
	}
	if opts.Done != "" {
		deadline, _ := ctx.Deadline()
		poll := chromedp.Poll[chromedp.Void](opts.Done, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Until(deadline)))
		if _, err := chromedp.Run(bctx, poll); err != nil {
			return nil, fmt.Errorf("waiting for %s on %s: %w", opts.Done, pageURL, err)
		}
	}
	if err := c.waitQuiet(ctx, opts.Quiet); err != nil {
		return nil, fmt.Errorf("waiting for the network of %s to fall quiet: %w", pageURL, err)
	}
	c.fetchBodies(bctx)
	return c.har(pageURL, version), nil
}

// RecordSite starts a Site, records its page until the page has made all its calls, and stops
// the site.
func RecordSite(ctx context.Context, opts Options) (*HAR, error) {
	site, err := StartSite(PageHost, APIHost)
	if err != nil {
		return nil, err
	}
	defer site.Close()
	return Record(ctx, site.PageURL, siteOptions(opts))
}

// siteOptions completes opts with how the site's page is driven: its Run button makes the calls,
// and the body is marked done after the last.
func siteOptions(opts Options) Options {
	opts.Act = `document.getElementById("run").click()`
	opts.Done = `document.body.dataset.done === "true"`
	return opts
}

// exchange gathers the events of one request.
type exchange struct {
	id        network.RequestID
	sent      *network.EventRequestWillBeSent
	sentExtra *network.EventRequestWillBeSentExtraInfo
	resp      *network.Response
	respExtra *network.EventResponseReceivedExtraInfo
	finished  *network.EventLoadingFinished
	failed    *network.EventLoadingFailed
	endTime   cdp.MonotonicTime

	// isRedir marks a hop that ended in a redirect; the request id goes on with the next hop.
	isRedir bool

	// Bodies, fetched once the page is done.
	postData                 []byte
	postDataRecorded         bool
	body                     []byte
	bodyBase64, bodyRecorded bool
}

func (x *exchange) done() bool { return x.finished != nil || x.failed != nil || x.isRedir }

// collector keeps the network events of a page. event runs on chromedp's reading goroutine, so
// it only stores; everything else runs after the page is done.
type collector struct {
	mu        sync.Mutex
	byID      map[network.RequestID]*exchange
	order     []*exchange
	last      time.Time
	domLoaded cdp.MonotonicTime
	loaded    cdp.MonotonicTime
}

func newCollector() *collector {
	return &collector{byID: map[network.RequestID]*exchange{}, last: time.Now()}
}

// get returns the exchange of id, creating it: ExtraInfo events may come before the request.
func (c *collector) get(id network.RequestID) *exchange {
	x := c.byID[id]
	if x == nil {
		x = &exchange{id: id}
		c.byID[id] = x
	}
	return x
}

func (c *collector) event(ev any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		x := c.get(e.RequestID)
		if e.RedirectResponse != nil && x.sent != nil {
			// A redirect reuses the request id: the hop that ended becomes an entry of its own.
			hop := *x
			hop.resp, hop.isRedir, hop.endTime = e.RedirectResponse, true, e.Timestamp
			for i, o := range c.order {
				if o == x {
					c.order[i] = &hop
				}
			}
			x = &exchange{id: e.RequestID}
			c.byID[e.RequestID] = x
		}
		x.sent = e
		c.order = append(c.order, x)
	case *network.EventRequestWillBeSentExtraInfo:
		c.get(e.RequestID).sentExtra = e
	case *network.EventResponseReceived:
		c.get(e.RequestID).resp = e.Response
	case *network.EventResponseReceivedExtraInfo:
		c.get(e.RequestID).respExtra = e
	case *network.EventLoadingFinished:
		x := c.get(e.RequestID)
		x.finished, x.endTime = e, e.Timestamp
	case *network.EventLoadingFailed:
		x := c.get(e.RequestID)
		x.failed, x.endTime = e, e.Timestamp
	case *page.EventDomContentEventFired:
		c.domLoaded = e.Timestamp
	case *page.EventLoadEventFired:
		c.loaded = e.Timestamp
	default:
		return
	}
	c.last = time.Now()
}

// waitQuiet returns once no request is outstanding and no network event has come for quiet.
func (c *collector) waitQuiet(ctx context.Context, quiet time.Duration) error {
	tick := time.NewTicker(quiet / 5)
	defer tick.Stop()
	for {
		c.mu.Lock()
		idle := time.Since(c.last) >= quiet
		for _, x := range c.order {
			idle = idle && x.done()
		}
		c.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-tick.C:
		}
	}
}

// fetchBodies asks the browser for the request and response bodies. A body the browser no
// longer holds is left out, as Chrome's export leaves it out.
func (c *collector) fetchBodies(ctx context.Context) {
	type want struct {
		x              *exchange
		post, response bool
	}
	c.mu.Lock()
	wants := make([]want, 0, len(c.order))
	for _, x := range c.order {
		wants = append(wants, want{x, x.sent.Request.HasPostData, x.finished != nil && !x.isRedir && x.resp != nil})
	}
	c.mu.Unlock()
	for _, w := range wants {
		var post *network.GetRequestPostDataResult
		var body *network.GetResponseBodyResult
		if w.post {
			if res, err := chromedp.Call(ctx, network.GetRequestPostData, network.GetRequestPostDataParams{RequestID: w.x.id}); err == nil {
				post = &res
			}
		}
		if w.response {
			if res, err := chromedp.Call(ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: w.x.id}); err == nil {
				body = &res
			}
		}
		c.mu.Lock()
		if post != nil {
			w.x.postData, w.x.postDataRecorded = post.PostData, true
		}
		if body != nil {
			w.x.body, w.x.bodyBase64, w.x.bodyRecorded = body.Body, body.Base64encoded, true
		}
		c.mu.Unlock()
	}
}

// har assembles the HAR from the collected events.
func (c *collector) har(pageURL string, version browser.GetVersionResult) *HAR {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := &HAR{Log: Log{
		Version: "1.2",
		Creator: Creator{Name: "specgate harrecord", Version: version.Product},
		Comment: "Recorded by specgate's harrecord from the DevTools Network events of " + version.Product +
			" (headless, driven by chromedp), in the shape of Chrome's \"Save all as HAR with content\" export.",
		Entries: []Entry{},
	}}
	var first *exchange
	for _, x := range ordered(c.order) {
		if first == nil {
			first = x
		}
		h.Log.Entries = append(h.Log.Entries, entryOf(x))
	}
	if first != nil {
		since := func(t cdp.MonotonicTime) float64 {
			if t == 0 {
				return -1
			}
			return ms(float64(t - first.sent.Timestamp))
		}
		h.Log.Pages = []Page{{
			StartedDateTime: harTime(wallTime(first.sent.WallTime)),
			ID:              "page_1",
			Title:           pageURL,
			PageTimings:     PageTimings{OnContentLoad: since(c.domLoaded), OnLoad: since(c.loaded)},
		}}
	}
	return h
}

// ordered returns the exchanges in the order the page issued them, each CORS preflight right
// after the request that caused it. The browser sends the preflight first but issues it after
// the request, and its events race with the request's, so neither their arrival nor their
// timestamps give the same order on every run.
func ordered(xs []*exchange) []*exchange {
	issued := map[network.RequestID]bool{}
	for _, x := range xs {
		if !x.isRedir {
			issued[x.id] = true
		}
	}
	// cause returns the request that caused x when x is a preflight of a recorded request.
	cause := func(x *exchange) (network.RequestID, bool) {
		in := x.sent.Initiator
		if in == nil || in.Type != network.InitiatorTypePreflight || !issued[in.RequestID] {
			return "", false
		}
		return in.RequestID, true
	}
	after := map[network.RequestID][]*exchange{}
	for _, x := range xs {
		if id, ok := cause(x); ok {
			after[id] = append(after[id], x)
		}
	}
	out := make([]*exchange, 0, len(xs))
	for _, x := range xs {
		if _, ok := cause(x); ok {
			continue
		}
		out = append(out, x)
		if !x.isRedir {
			out = append(out, after[x.id]...)
		}
	}
	return out
}

func wallTime(t cdp.TimeSinceEpoch) time.Time {
	sec, frac := math.Modf(float64(t))
	return time.Unix(int64(sec), int64(frac*1e9))
}

// ms converts seconds to milliseconds, rounded to microseconds.
func ms(seconds float64) float64 { return round(seconds * 1000) }

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

func entryOf(x *exchange) Entry {
	req := x.sent.Request
	e := Entry{
		Priority:        string(req.InitialPriority),
		ResourceType:    strings.ToLower(string(x.sent.Type)),
		PageRef:         "page_1",
		StartedDateTime: harTime(wallTime(x.sent.WallTime)),
	}
	if e.ResourceType == "" {
		e.ResourceType = "other"
	}
	if x.sent.Initiator != nil && x.sent.Initiator.Type == network.InitiatorTypePreflight {
		// DevTools shows a preflight as its own resource type, although the event says Other.
		e.ResourceType = "preflight"
	}
	if x.sent.Initiator != nil {
		// The initiator goes into the HAR as DevTools reported it, as Chrome's export does.
		if b, err := json.Marshal(x.sent.Initiator); err == nil {
			_ = json.Unmarshal(b, &e.Initiator)
		}
	}
	e.Request = requestOf(x)
	e.Response = responseOf(x)
	e.Request.HTTPVersion = e.Response.HTTPVersion
	if x.resp != nil {
		e.ServerIPAddress = x.resp.RemoteIPAddress
		e.Connection = strconv.FormatFloat(x.resp.ConnectionID, 'f', -1, 64)
		e.ConnectionID = e.Connection
	}
	e.Timings, e.Time = timingsOf(x)
	return e
}

func requestOf(x *exchange) Request {
	req := x.sent.Request
	headers := headerList(req.Headers)
	if x.sentExtra != nil {
		headers = headerList(x.sentExtra.Headers)
	}
	r := Request{
		Method:      req.Method,
		URL:         req.URL,
		Headers:     headers,
		QueryString: queryList(req.URL),
		Cookies:     requestCookies(headers),
		HeadersSize: -1,
	}
	if x.postDataRecorded {
		r.BodySize = len(x.postData)
		r.PostData = &PostData{MimeType: headerValue(headers, "Content-Type"), Text: string(x.postData)}
	}
	return r
}

func responseOf(x *exchange) Response {
	if x.resp == nil {
		r := Response{Headers: []NameValue{}, Cookies: []Cookie{}, Content: Content{MimeType: "x-unknown"}, HeadersSize: -1, BodySize: -1}
		if x.failed != nil {
			msg := x.failed.ErrorText
			r.Error = &msg
		}
		return r
	}
	resp := x.resp
	r := Response{
		Status:      int(resp.Status),
		StatusText:  resp.StatusText,
		HTTPVersion: resp.Protocol,
		Headers:     headerList(resp.Headers),
		HeadersSize: -1,
		Content:     Content{MimeType: resp.MimeType},
	}
	if r.Content.MimeType == "" {
		r.Content.MimeType = "x-unknown"
	}
	if x.respExtra != nil {
		if x.respExtra.HeadersText != "" {
			version, list := rawHeaderList(x.respExtra.HeadersText)
			r.Headers, r.HTTPVersion, r.HeadersSize = list, version, len(x.respExtra.HeadersText)
		} else {
			r.Headers = headerList(x.respExtra.Headers)
		}
	}
	if r.HTTPVersion == "" {
		r.HTTPVersion = "http/1.1"
	}
	r.Cookies = responseCookies(r.Headers)
	if x.isRedir {
		r.RedirectURL = headerValue(r.Headers, "Location")
	}
	if x.bodyRecorded {
		r.Content.Size = len(x.body)
		if x.bodyBase64 {
			r.Content.Text, r.Content.Encoding = base64.StdEncoding.EncodeToString(x.body), "base64"
		} else {
			r.Content.Text = string(x.body)
		}
	}
	if x.finished != nil {
		// As in Chrome's export: the body's size on the wire is what was transferred less the
		// headers, and compression is what the content coding saved (negative when it cost).
		r.TransferSize = int(x.finished.EncodedDataLength)
		r.BodySize = int(x.finished.EncodedBodyLength)
		if r.BodySize == 0 && r.HeadersSize >= 0 && r.TransferSize > r.HeadersSize {
			r.BodySize = r.TransferSize - r.HeadersSize
		}
		if !x.bodyRecorded {
			r.Content.Size = r.BodySize
		}
		if headerValue(r.Headers, "Content-Encoding") != "" && x.bodyRecorded {
			saved := r.Content.Size - r.BodySize
			r.Content.Compression = &saved
		}
	}
	if x.failed != nil {
		msg := x.failed.ErrorText
		r.Error = &msg
	}
	return r
}

// timingsOf computes the HAR timings as Chrome's export does, from the response's resource
// timing (milliseconds from its requestTime) and the request's issue and end times.
func timingsOf(x *exchange) (Timings, float64) {
	issued := float64(x.sent.Timestamp)
	end := float64(x.endTime)
	if end == 0 {
		end = issued
	}
	if x.resp == nil || x.resp.Timing == nil {
		total := ms(end - issued)
		return Timings{Blocked: total, DNS: -1, SSL: -1, Connect: -1, BlockedQueueing: total}, total
	}
	t := x.resp.Timing
	// The request's issue time and its timing come from different processes of the browser, so
	// the queueing they imply can come out a little below zero.
	queued := math.Max(0, ms(t.RequestTime-issued))
	phase := func(start, stop float64) float64 {
		if start < 0 {
			return -1
		}
		return round(stop - start)
	}
	blocked := queued
	for _, s := range []float64{t.DNSStart, t.ConnectStart, t.SendStart} {
		if s >= 0 {
			blocked = round(queued + s)
			break
		}
	}
	tm := Timings{
		Blocked:         blocked,
		DNS:             phase(t.DNSStart, t.DNSEnd),
		Connect:         phase(t.ConnectStart, t.ConnectEnd),
		SSL:             phase(t.SslStart, t.SslEnd),
		Send:            round(t.SendEnd - t.SendStart),
		Wait:            round(t.ReceiveHeadersEnd - t.SendEnd),
		Receive:         math.Max(0, round(ms(end-t.RequestTime)-t.ReceiveHeadersEnd)),
		BlockedQueueing: queued,
	}
	total := tm.Blocked + math.Max(tm.DNS, 0) + math.Max(tm.Connect, 0) + tm.Send + tm.Wait + tm.Receive
	return tm, round(total)
}
