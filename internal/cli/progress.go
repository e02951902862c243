package cli

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/specgate/specgate/internal/traffic"
)

// progress shows, on a terminal only, how a long validation run advances: exchanges and bytes
// per second and, when the input sizes are known, the time left. In CI and when stderr is not a
// terminal it stays silent.
type progress struct {
	w       io.Writer
	on      bool
	start   time.Time
	last    time.Time
	records int
	read    atomic.Int64 // bytes read, updated by the reading goroutine
	total   atomic.Int64 // bytes expected, 0 when unknown
	shown   bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now()}
	// A terminal, not any character device: /dev/null is one too, and a CI log is not a screen.
	p.on = isTerminal(w) && os.Getenv("CI") == "" && os.Getenv("TERM") != "dumb"
	p.last = p.start
	return p
}

// expect adds n bytes to the input size.
func (p *progress) expect(n int64) { p.total.Add(n) }

// count wraps r so that the bytes read from it are counted.
func (p *progress) count(r io.Reader) io.Reader {
	if !p.on {
		return r
	}
	return &countingReader{r: r, n: &p.read}
}

// add counts one emitted record and redraws the line at most twice a second.
func (p *progress) add(traffic.Record) {
	p.records++
	if !p.on {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 500*time.Millisecond {
		return
	}
	p.last = now
	secs := now.Sub(p.start).Seconds()
	read, total := p.read.Load(), p.total.Load()
	line := fmt.Sprintf("%d exchanges, %.0f/s, %.1f MB/s", p.records, float64(p.records)/secs, float64(read)/secs/1e6)
	if total > 0 && read > 0 && read <= total {
		left := time.Duration(float64(total-read) / (float64(read) / secs) * float64(time.Second))
		line += fmt.Sprintf(", %d%%, about %s left", read*100/total, left.Round(time.Second))
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.shown = true
}

// done clears the progress line.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}
