package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/specgate/specgate/internal/traffic"
)

func TestProgressIsSilentOffATerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf) // a buffer is not a terminal
	p.expect(100)
	io.Copy(io.Discard, p.count(strings.NewReader("abc")))
	for range 3 {
		p.add(traffic.Record{})
	}
	p.done()
	if buf.Len() != 0 {
		t.Errorf("progress wrote %q off a terminal", buf.String())
	}
}

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, on: true, start: time.Now().Add(-2 * time.Second), last: time.Now().Add(-time.Second)}
	p.expect(4000)
	if _, err := io.Copy(io.Discard, p.count(strings.NewReader(strings.Repeat("x", 1000)))); err != nil {
		t.Fatal(err)
	}
	p.add(traffic.Record{})
	line := buf.String()
	for _, want := range []string{"1 exchanges", "/s", "MB/s", "25%", "left"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %q", line, want)
		}
	}
	buf.Reset()
	p.add(traffic.Record{}) // within half a second of the last line: not redrawn
	if buf.Len() != 0 {
		t.Errorf("redrawn too soon: %q", buf.String())
	}
	p.done()
	if !strings.Contains(buf.String(), "\r\033[K") {
		t.Errorf("done does not clear the line: %q", buf.String())
	}
}
