package harrecord

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/specgate/specgate/contracts"
)

// The credentials the site's page sends and receives. They are made up, and distinct, so that a
// test can look for each of them in specgate's output and find none.
const (
	// secretBearer is the Authorization header the page sends to the NERM endpoints.
	secretBearer = "Bearer eyJhbGciOiJIUzI1NiJ9.aGFycmVjb3JkLWJlYXJlcg.c2lnLWJlYXJlcg"
	// secretBasic is the Authorization header the page sends to the OIG endpoints
	// (harrecord:oig-s3cret-pw).
	secretBasic = "Basic aGFycmVjb3JkOm9pZy1zM2NyZXQtcHc="
	// secretAPIKey is the X-API-Key header of the call whose reply breaks the spec.
	secretAPIKey = "hr-apikey-5d1f0a77"
	// secretQueryToken is the access_token query parameter of that call.
	secretQueryToken = "hr-query-token-c0ffee42"
	// secretAssetToken is the token query parameter of the page's script.
	secretAssetToken = "hr-asset-token-beef1234"
	// secretPageCookie is the value of the cookie the page's origin sets.
	secretPageCookie = "hr-page-cookie-9a8b7c6d"
	// secretAPICookie is the value of the cookie the API's origin sets.
	secretAPICookie = "hr-api-cookie-1f2e3d4c"
)

// documentedUserID is the user id of the pages' examples; the API answers PATCH /users/{id} for it
// with the page's own 200 example, whose 36-character uid breaks the spec.
const documentedUserID = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"

// otherUserID is a user the API answers with a reply that keeps to the spec.
const otherUserID = "0f3c9a2e-5b7d-4e1f-8a6c-2d4b9e7f1a03"

const (
	nermBase = "/api"
	oigUsers = "/iam/governance/selfservice/api/v1/users"
)

// call is one fetch() the page makes, in order, each awaited before the next.
type call struct {
	Name        string            `json:"name"`
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	Headers     map[string]string `json:"headers"`
	Body        string            `json:"body,omitempty"`
	Credentials string            `json:"credentials,omitempty"`
	// AbortAfter aborts the call that many milliseconds after it starts.
	AbortAfter int `json:"abortAfter,omitempty"`
}

// Site is the page the fixtures record: a page origin that serves an HTML page, its stylesheet,
// script, image and favicon, and a second origin (another port) serving the API the page calls
// cross-origin with fetch(). The API answers CORS preflights, and answers the four endpoints with
// the responses of the contracts (the vendors' documented examples where there is one), and
// everything else with 404. Both listen on loopback only.
type Site struct {
	// PageURL is the page to record, APIURL the origin of the API it calls.
	PageURL, APIURL string

	page, api *http.Server
}

// The host names the browser reaches the site by when it connects itself: Chromium resolves
// *.localhost to loopback without asking DNS.
const (
	PageHost = "app.localhost"
	APIHost  = "api.localhost"
)

// StartSite starts the two origins on free loopback ports, reached by the browser as pageHost and
// apiHost, names that must lead to 127.0.0.1 (PageHost and APIHost for Chromium; 127.0.0.1 itself
// through a proxy, which resolves names its own way). Close stops them.
func StartSite(pageHost, apiHost string) (*Site, error) {
	responses, err := loadResponses()
	if err != nil {
		return nil, err
	}
	pageLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("page origin: %w", err)
	}
	apiLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		pageLn.Close()
		return nil, fmt.Errorf("api origin: %w", err)
	}
	s := &Site{
		PageURL: fmt.Sprintf("http://%s/", net.JoinHostPort(pageHost, strconv.Itoa(pageLn.Addr().(*net.TCPAddr).Port))),
		APIURL:  fmt.Sprintf("http://%s", net.JoinHostPort(apiHost, strconv.Itoa(apiLn.Addr().(*net.TCPAddr).Port))),
	}
	pageOrigin := strings.TrimSuffix(s.PageURL, "/")
	pageHandler, err := newPage(s.APIURL)
	if err != nil {
		pageLn.Close()
		apiLn.Close()
		return nil, err
	}
	s.page = &http.Server{Handler: pageHandler, ReadHeaderTimeout: 5 * time.Second}
	s.api = &http.Server{Handler: &api{origin: pageOrigin, responses: responses}, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.page.Serve(pageLn) }()
	go func() { _ = s.api.Serve(apiLn) }()
	return s, nil
}

// Close stops both origins, cutting open connections.
func (s *Site) Close() error {
	return errors.Join(s.page.Close(), s.api.Close())
}

// calls are the page's fetch() calls, in order: the four endpoints with their documented request
// bodies, the documented user whose documented reply breaks the spec, a path under the base path
// that no template matches, a method the path does not document, a path outside every base path
// on the API's origin, and a call the page aborts before its reply.
func calls() ([]call, error) {
	body := func(p string) (string, error) {
		c, err := contracts.Load(contracts.Embedded(), p)
		if err != nil {
			return "", err
		}
		ex, err := c.Exchange()
		if err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		return string(ex.Request.Body), nil
	}
	user, err := body("nerm-lifecycle/patchUser/documented-request.yaml")
	if err != nil {
		return nil, err
	}
	profiles, err := body("nerm-lifecycle/patchUserProfiles/documented-request.yaml")
	if err != nil {
		return nil, err
	}
	patchOIG, err := body("oig-selfservice/patchUsers/documented-exchange.yaml")
	if err != nil {
		return nil, err
	}
	putOIG, err := body("oig-selfservice/putUsers/documented-exchange.yaml")
	if err != nil {
		return nil, err
	}
	jsonHeaders := func(kv ...string) map[string]string {
		h := map[string]string{"Content-Type": "application/json", "Accept": "application/json"}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}
	return []call{
		{Name: "patchUser", Method: "PATCH", Path: nermBase + "/users/" + otherUserID, Body: user,
			Headers: jsonHeaders("Authorization", secretBearer), Credentials: "include"},
		{Name: "patchUserProfiles", Method: "PATCH", Path: nermBase + "/user_profiles", Body: profiles,
			Headers: jsonHeaders("Authorization", secretBearer), Credentials: "include"},
		{Name: "patchUsers", Method: "PATCH", Path: oigUsers, Body: patchOIG,
			Headers: jsonHeaders("Authorization", secretBasic, "X-Requested-By", "specgate-harrecord")},
		{Name: "putUsers", Method: "PUT", Path: oigUsers, Body: putOIG,
			Headers: jsonHeaders("Authorization", secretBasic)},
		{Name: "patchUser with the documented reply", Method: "PATCH", Path: nermBase + "/users/" + documentedUserID + "?access_token=" + secretQueryToken, Body: user,
			Headers: jsonHeaders("X-API-Key", secretAPIKey), Credentials: "include"},
		{Name: "undocumented path", Method: "GET", Path: nermBase + "/user_profiles/export",
			Headers: map[string]string{"Accept": "application/json"}},
		{Name: "undocumented method", Method: "DELETE", Path: nermBase + "/users/" + otherUserID,
			Headers: map[string]string{"Authorization": secretBearer}},
		{Name: "health check", Method: "GET", Path: "/healthz"},
		{Name: "aborted patchUserProfiles", Method: "PATCH", Path: nermBase + "/user_profiles?wait=1", Body: profiles,
			Headers: jsonHeaders("Authorization", secretBearer), AbortAfter: 300},
	}, nil
}

// newPage serves the page origin.
func newPage(apiURL string) (http.Handler, error) {
	cs, err := calls()
	if err != nil {
		return nil, err
	}
	callsJSON, err := json.Marshal(cs)
	if err != nil {
		return nil, err
	}
	var page bytes.Buffer
	if err := pageTemplate.Execute(&page, map[string]any{"API": apiURL, "Token": secretAssetToken}); err != nil {
		return nil, err
	}
	script := strings.Replace(appJS, "/*CALLS*/[]", string(callsJSON), 1)
	logo, err := pngImage(16, color.RGBA{R: 0x1f, G: 0x6f, B: 0xb4, A: 0xff})
	if err != nil {
		return nil, err
	}
	icon, err := pngImage(32, color.RGBA{R: 0xd9, G: 0x48, B: 0x2b, A: 0xff})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: secretPageCookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		_, _ = w.Write(page.Bytes())
	})
	// The browser loads the stylesheet, image and script in parallel. Answering them a little
	// apart makes them finish in the same order on every run, and a proxy lists entries in the
	// order their responses end.
	static := func(path, contentType string, body []byte, delay time.Duration) {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(delay)
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(body)
		})
	}
	static("/static/app.css", "text/css; charset=utf-8", []byte(appCSS), 0)
	static("/static/logo.png", "image/png", logo, 60*time.Millisecond)
	static("/static/app.js", "text/javascript; charset=utf-8", []byte(script), 120*time.Millisecond)
	static("/favicon.ico", "image/png", icon, 0)
	return mux, nil
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Users - specgate recording</title>
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/static/app.css">
</head>
<body data-api="{{.API}}">
<h1><img src="/static/logo.png" width="16" height="16" alt=""> Users</h1>
<button id="run" type="button">Run the calls</button>
<ol id="log"></ol>
<script src="/static/app.js?v=1&token={{.Token}}"></script>
</body>
</html>
`))

const appCSS = `body { font: 14px/1.4 sans-serif; margin: 2em; }
h1 img { vertical-align: middle; }
#log li.failed { color: #b00; }
`

// appJS makes the calls one after another when the Run button is clicked, logs each outcome,
// and marks the body done at the end.
const appJS = `"use strict";
const calls = /*CALLS*/[];
const api = document.body.dataset.api;

function log(text, failed) {
  const li = document.createElement("li");
  li.textContent = text;
  if (failed) li.className = "failed";
  document.getElementById("log").appendChild(li);
}

async function send(c) {
  const init = { method: c.method, headers: c.headers || {}, mode: "cors" };
  if (c.body) init.body = c.body;
  if (c.credentials) init.credentials = c.credentials;
  let timer;
  if (c.abortAfter) {
    const ctl = new AbortController();
    init.signal = ctl.signal;
    timer = setTimeout(() => ctl.abort(), c.abortAfter);
  }
  try {
    const res = await fetch(api + c.path, init);
    await res.text();
    log(c.name + ": " + res.status, !res.ok);
  } catch (err) {
    log(c.name + ": " + err.name, true);
  } finally {
    clearTimeout(timer);
  }
}

document.getElementById("run").addEventListener("click", async (ev) => {
  ev.target.disabled = true;
  for (const c of calls) {
    await send(c);
  }
  document.body.dataset.done = "true";
});
`

func pngImage(size int, c color.Color) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// response is one canned reply of the API.
type response struct {
	status int
	header http.Header
	body   []byte
}

// responses are the API's replies, by name.
type responses map[string]response

// loadResponses reads the replies from the contracts: the vendors' documented examples, and a
// specgate case where the page of PATCH /users/{id} documents no reply that keeps to its spec.
func loadResponses() (responses, error) {
	out := responses{}
	for name, p := range map[string]string{
		"patchUser":            "nerm-lifecycle/patchUser/valid-exchange.yaml",
		"patchUser documented": "nerm-lifecycle/patchUser/documented-200.yaml",
		"patchUserProfiles":    "nerm-lifecycle/patchUserProfiles/documented-200-job-status.yaml",
		"patchUsers":           "oig-selfservice/patchUsers/documented-exchange.yaml",
		"putUsers":             "oig-selfservice/putUsers/documented-exchange.yaml",
	} {
		c, err := contracts.Load(contracts.Embedded(), p)
		if err != nil {
			return nil, err
		}
		ex, err := c.Exchange()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if ex.Response == nil {
			return nil, fmt.Errorf("%s: the contract has no response", p)
		}
		out[name] = response{status: ex.Response.Status, header: ex.Response.Header, body: ex.Response.Body}
	}
	return out, nil
}

// api serves the API origin.
type api struct {
	origin    string
	responses responses
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if r.Header.Get("Origin") == a.origin {
		h.Set("Access-Control-Allow-Origin", a.origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Vary", "Origin")
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		// Allowing only the announced method keeps a cached preflight from covering the next
		// method to the same URL, so that every call the page makes is preflighted afresh.
		h.Set("Access-Control-Allow-Methods", r.Header.Get("Access-Control-Request-Method"))
		if hs := r.Header.Get("Access-Control-Request-Headers"); hs != "" {
			h.Set("Access-Control-Allow-Headers", hs)
		}
		h.Set("Access-Control-Max-Age", "0")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.Set("Access-Control-Expose-Headers", "ResponseTime")
	h.Set("Cache-Control", "no-store")
	path := r.URL.Path
	userID, isUser := strings.CutPrefix(path, nermBase+"/users/")
	isUser = isUser && userID != "" && !strings.Contains(userID, "/")
	switch {
	case r.Method == http.MethodPatch && isUser && userID == documentedUserID:
		a.reply(w, r, a.responses["patchUser documented"], false)
	case r.Method == http.MethodPatch && isUser:
		http.SetCookie(w, &http.Cookie{Name: "api_session", Value: secretAPICookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		a.reply(w, r, a.responses["patchUser"], false)
	case isUser:
		h.Set("Allow", http.MethodPatch)
		jsonError(w, http.StatusMethodNotAllowed, "method not allowed")
	case r.Method == http.MethodPatch && path == nermBase+"/user_profiles":
		if r.URL.Query().Has("wait") {
			// The page gives up on this call before it is answered.
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		a.reply(w, r, a.responses["patchUserProfiles"], false)
	case r.Method == http.MethodPatch && path == oigUsers:
		a.reply(w, r, a.responses["patchUsers"], true)
	case r.Method == http.MethodPut && path == oigUsers:
		a.reply(w, r, a.responses["putUsers"], false)
	case r.Method == http.MethodGet && path == "/healthz":
		h.Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	default:
		jsonError(w, http.StatusNotFound, "not found")
	}
}

// reply writes res, gzip-compressed when compress is set and the client accepts it, so that the
// recording holds a body the browser decoded.
func (a *api) reply(w http.ResponseWriter, r *http.Request, res response, compress bool) {
	for k, vs := range res.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := res.body
	if compress && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = buf.Bytes()
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(body)
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "{\"error\": %q}\n", msg)
}
