package proxy

import (
	"bufio"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStreamedResponsesReachTheClientAsSent: a server-sent event stream is passed on event by
// event, not held until it ends: the upstream sends its second event only once the client has
// the first.
func TestStreamedResponsesReachTheClientAsSent(t *testing.T) {
	firstRead := make(chan struct{})
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: one\n\n"))
		http.NewResponseController(w).Flush()
		select {
		case <-firstRead:
		case <-time.After(3 * time.Second): // a proxy that holds the stream fails the test
			return
		}
		_, _ = w.Write([]byte("data: two\n\n"))
	}), Options{})
	resp, err := http.Get(h.url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	start := time.Now()
	line, err := br.ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("first event: %q, %v", line, err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Fatalf("the first event took %v to arrive", waited)
	}
	close(firstRead)
	rest, _ := br.ReadString(0)
	if rest != "\ndata: two\n\n" {
		t.Errorf("the rest of the stream: %q", rest)
	}
}

// TestBrokenOffResponseIsNotValidated: a response whose body breaks off midway reaches the client
// as it came, and is reported unvalidated, not as malformed JSON.
func TestBrokenOffResponseIsNotValidated(t *testing.T) {
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"user\": {\"id\": ")
		_ = rw.Flush()
		_ = conn.(*net.TCPConn).CloseWrite()
		time.Sleep(50 * time.Millisecond)
		conn.Close()
	}), Options{})
	req, _ := http.NewRequest("PATCH", h.url+"/api/users/"+docID, strings.NewReader(`{"user": {"id": "`+docID+`"}}`))
	req.Header.Set("Content-Type", "application/json")
	before := h.proxy.Exchanges()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_, err = bufio.NewReader(resp.Body).ReadString(0)
		resp.Body.Close()
		if err == nil {
			t.Fatal("the client read a whole body")
		}
	}
	l := h.logged(t, before)
	if !strings.Contains(l.ResponseBodyUnvalidated, "did not arrive whole") || slices.Contains(l.rules(), "response.body.malformed") {
		t.Errorf("logged %+v", l)
	}
}
