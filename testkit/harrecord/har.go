package harrecord

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// HAR is a HAR 1.2 document in the shape Chrome's DevTools write with "Save all as HAR with
// content": Chrome's underscore fields (_initiator, _priority, _resourceType, _transferSize,
// _error, ...) included, bodies that are not text base64-encoded, credentials left as they were
// sent. It is what Record returns; Marshal writes it.
type HAR struct {
	Log Log `json:"log"`
}

// Log is the HAR log.
type Log struct {
	Version string  `json:"version"`
	Creator Creator `json:"creator"`
	Pages   []Page  `json:"pages"`
	Entries []Entry `json:"entries"`
	Comment string  `json:"comment,omitempty"`
}

// Creator names the program that wrote the HAR.
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Page is the page the entries were loaded for.
type Page struct {
	StartedDateTime string      `json:"startedDateTime"`
	ID              string      `json:"id"`
	Title           string      `json:"title"`
	PageTimings     PageTimings `json:"pageTimings"`
}

// PageTimings are the page's DOMContentLoaded and load times, in milliseconds from its start.
type PageTimings struct {
	OnContentLoad float64 `json:"onContentLoad"`
	OnLoad        float64 `json:"onLoad"`
}

// Entry is one request and its response.
type Entry struct {
	ConnectionID    string         `json:"_connectionId,omitempty"`
	Initiator       map[string]any `json:"_initiator"`
	Priority        string         `json:"_priority"`
	ResourceType    string         `json:"_resourceType"`
	Cache           struct{}       `json:"cache"`
	Connection      string         `json:"connection,omitempty"`
	PageRef         string         `json:"pageref"`
	Request         Request        `json:"request"`
	Response        Response       `json:"response"`
	ServerIPAddress string         `json:"serverIPAddress"`
	StartedDateTime string         `json:"startedDateTime"`
	Time            float64        `json:"time"`
	Timings         Timings        `json:"timings"`
}

// Request is an entry's request.
type Request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Headers     []NameValue `json:"headers"`
	QueryString []NameValue `json:"queryString"`
	Cookies     []Cookie    `json:"cookies"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int         `json:"bodySize"`
	PostData    *PostData   `json:"postData,omitempty"`
}

// PostData is a request body.
type PostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

// Response is an entry's response. A request that got none (failed, aborted, blocked) has
// status 0 and _error set, as in Chrome's export.
type Response struct {
	Status       int         `json:"status"`
	StatusText   string      `json:"statusText"`
	HTTPVersion  string      `json:"httpVersion"`
	Headers      []NameValue `json:"headers"`
	Cookies      []Cookie    `json:"cookies"`
	Content      Content     `json:"content"`
	RedirectURL  string      `json:"redirectURL"`
	HeadersSize  int         `json:"headersSize"`
	BodySize     int         `json:"bodySize"`
	TransferSize int         `json:"_transferSize"`
	Error        *string     `json:"_error"`
}

// Content is a response body: decoded (no content coding), base64-encoded when it is not text.
type Content struct {
	Size        int    `json:"size"`
	MimeType    string `json:"mimeType"`
	Compression *int   `json:"compression,omitempty"`
	Text        string `json:"text,omitempty"`
	Encoding    string `json:"encoding,omitempty"`
}

// NameValue is a header or query parameter.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Cookie is a cookie sent or set.
type Cookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Path     string `json:"path,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Expires  string `json:"expires,omitempty"`
	HTTPOnly bool   `json:"httpOnly"`
	Secure   bool   `json:"secure"`
	SameSite string `json:"sameSite,omitempty"`
}

// Timings are the phases of an entry in milliseconds, -1 for a phase that did not happen.
type Timings struct {
	Blocked         float64 `json:"blocked"`
	DNS             float64 `json:"dns"`
	SSL             float64 `json:"ssl"`
	Connect         float64 `json:"connect"`
	Send            float64 `json:"send"`
	Wait            float64 `json:"wait"`
	Receive         float64 `json:"receive"`
	BlockedQueueing float64 `json:"_blocked_queueing"`
}

// Marshal returns the HAR as indented JSON, as Chrome writes it.
func (h *HAR) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(h); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// harTime formats a time as Chrome's export does.
func harTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// headerList turns DevTools headers (one value per name, repeated headers joined by newlines)
// into HAR's list, sorted by name so that the file does not change with map order.
func headerList(h map[string]any) []NameValue {
	list := []NameValue{}
	for name, v := range h {
		s, _ := v.(string)
		for _, line := range strings.Split(s, "\n") {
			list = append(list, NameValue{Name: name, Value: line})
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return strings.ToLower(list[i].Name) < strings.ToLower(list[j].Name) })
	return list
}

// rawHeaderList parses the status line and headers of an HTTP/1 response as they were received,
// keeping their order and spelling; version is the status line's protocol.
func rawHeaderList(text string) (version string, list []NameValue) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(lines) == 0 {
		return "", nil
	}
	version, _, _ = strings.Cut(lines[0], " ")
	list = []NameValue{}
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" {
			continue
		}
		list = append(list, NameValue{Name: name, Value: strings.TrimSpace(value)})
	}
	return version, list
}

func headerValue(list []NameValue, name string) string {
	for _, h := range list {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func queryList(rawURL string) []NameValue {
	list := []NameValue{}
	u, err := url.Parse(rawURL)
	if err != nil || u.RawQuery == "" {
		return list
	}
	for _, part := range strings.Split(u.RawQuery, "&") {
		name, value, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		list = append(list, NameValue{Name: name, Value: value})
	}
	return list
}

// requestCookies lists the cookies of a Cookie header.
func requestCookies(headers []NameValue) []Cookie {
	list := []Cookie{}
	for _, h := range headers {
		if !strings.EqualFold(h.Name, "Cookie") {
			continue
		}
		cs, err := http.ParseCookie(h.Value)
		if err != nil {
			continue
		}
		for _, c := range cs {
			list = append(list, Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return list
}

// responseCookies lists the cookies of Set-Cookie headers.
func responseCookies(headers []NameValue) []Cookie {
	list := []Cookie{}
	for _, h := range headers {
		if !strings.EqualFold(h.Name, "Set-Cookie") {
			continue
		}
		c, err := http.ParseSetCookie(h.Value)
		if err != nil {
			continue
		}
		hc := Cookie{Name: c.Name, Value: c.Value, Path: c.Path, Domain: c.Domain, HTTPOnly: c.HttpOnly, Secure: c.Secure}
		if !c.Expires.IsZero() {
			hc.Expires = harTime(c.Expires)
		}
		switch c.SameSite {
		case http.SameSiteLaxMode:
			hc.SameSite = "Lax"
		case http.SameSiteStrictMode:
			hc.SameSite = "Strict"
		case http.SameSiteNoneMode:
			hc.SameSite = "None"
		}
		list = append(list, hc)
	}
	return list
}
