package proxy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/specgate/specgate/internal/mock"
)

// Load benchmark settings: bounded in count, loopback only.
const (
	loadConcurrency = 16
	loadRounds      = 3
	loadPerRound    = 4000 // requests per target per round
)

// loadRequest is one request of the mix.
type loadRequest struct {
	method, path, body string
	header             http.Header
}

// loadMix is the request mix: the four operations, valid, plus two invalid requests the mock
// answers 400 and 403.
func loadMix() []loadRequest {
	oig := http.Header{"Content-Type": {"application/json"}, "Authorization": {basicAuth}, "X-Requested-By": {"bench"}}
	var mix []loadRequest
	for i, id := range mock.SeededNERMUsers {
		mix = append(mix,
			loadRequest{"PATCH", "/api/users/" + id, `{"user": {"id": "` + id + `", "title": "t` + fmt.Sprint(i) + `", "status": "Active"}}`, jsonCT},
			loadRequest{"PATCH", "/api/user_profiles", `{"user_profiles": [{"id": "` + mock.SeededProfiles[i+1] + `", "relationship_type": "contributor"}]}`, jsonCT},
		)
	}
	mix = append(mix,
		loadRequest{"PATCH", mock.OIGBase + "/users", `{"users": [{"id": "18008", "update": [{"name": "Display Name", "value": "S"}]}, {"id": "505"}]}`, oig},
		loadRequest{"PUT", mock.OIGBase + "/users", `{"users": [{"requestId": "1", "id": "5025", "fields": [{"name": "First Name", "value": "F"}]}]}`, oig},
		loadRequest{"PATCH", "/api/users/" + docID, `{"user": {"id": "` + docID + `", "status": "Gone"}}`, jsonCT},
		loadRequest{"PATCH", mock.OIGBase + "/users", `{"users": []}`, http.Header{"Content-Type": {"application/json"}, "Authorization": {basicAuth}}},
	)
	return mix
}

// loadResult is one target's measurements.
type loadResult struct {
	name      string
	requests  int
	elapsed   time.Duration
	latencies []time.Duration
	failures  int64
}

func (r *loadResult) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r *loadResult) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[int(q*float64(len(r.latencies)-1))]
}

// drive sends n requests of the mix to base at loadConcurrency and adds the measurements to r.
func drive(client *http.Client, base string, mix []loadRequest, n int, r *loadResult) {
	var next atomic.Int64
	lat := make([][]time.Duration, loadConcurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < loadConcurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				m := mix[i%len(mix)]
				req, _ := http.NewRequest(m.method, base+m.path, strings.NewReader(m.body))
				for k, vs := range m.header {
					req.Header[k] = vs
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					atomic.AddInt64(&r.failures, 1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[w] = append(lat[w], time.Since(t0))
				if resp.StatusCode >= 500 {
					atomic.AddInt64(&r.failures, 1)
				}
			}
		}(w)
	}
	wg.Wait()
	r.elapsed += time.Since(start)
	r.requests += n
	for _, l := range lat {
		r.latencies = append(r.latencies, l...)
	}
}

// serve serves h on a loopback port until the test ends.
func serve(tb testing.TB, h http.Handler) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return "http://" + ln.Addr().String()
}

// BenchmarkProxyLoad sends the same request mix at fixed concurrency to the mock directly,
// through a plain httputil.ReverseProxy (as it comes, and with pooled copy buffers) and through
// specgate's proxy in report mode (logging
// every verdict as JSON, to nowhere), interleaving the four in rounds so that they share the
// machine's conditions, and prints req/s, p50 and p99 for each.
//
//	go test -run XXX -bench ProxyLoad ./internal/proxy
func BenchmarkProxyLoad(b *testing.B) {
	if b.N > 1 {
		b.Skip("one fixed-size run is the measurement")
	}
	mockURL := serve(b, mock.New(mock.Options{}))
	up, _ := url.Parse(mockURL)
	// The plain proxy is httputil.ReverseProxy as it comes, with specgate's transport. A second
	// one also borrows specgate's copy buffers, so that the difference measured against it is
	// validation, logging and metrics alone.
	plain := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(up) },
		Transport: NewTransport(0),
	}
	plainURL := serve(b, plain)
	pooledURL := serve(b, &httputil.ReverseProxy{
		Rewrite:    func(pr *httputil.ProxyRequest) { pr.SetURL(up) },
		Transport:  NewTransport(0),
		BufferPool: copyBuffers{},
	})
	p, err := New(Options{Upstream: up, Validator: testValidator(b), Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	specgateURL := serve(b, p)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadConcurrency * 2, DisableCompression: true}}
	mix := loadMix()
	results := []*loadResult{{name: "mock, directly"}, {name: "plain httputil.ReverseProxy"}, {name: "plain, with pooled copy buffers"}, {name: "specgate proxy, report mode"}}
	urls := []string{mockURL, plainURL, pooledURL, specgateURL}
	for i, u := range urls { // warm up connections and caches
		drive(client, u, mix, 500, &loadResult{name: results[i].name})
	}
	b.ResetTimer()
	for round := 0; round < loadRounds; round++ {
		for i, u := range urls {
			drive(client, u, mix, loadPerRound, results[i])
		}
	}
	b.StopTimer()

	w := os.Stdout
	fmt.Fprintf(w, "\n%d requests per target (%d rounds), concurrency %d, mix of %d requests (4 operations, 2 invalid)\n\n",
		loadRounds*loadPerRound, loadRounds, loadConcurrency, len(mix))
	fmt.Fprintf(w, "| Target | req/s | p50 | p99 |\n|---|---|---|---|\n")
	for _, r := range results {
		sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
		if r.failures > 0 {
			b.Errorf("%s: %d requests failed", r.name, r.failures)
		}
		fmt.Fprintf(w, "| %s | %.0f | %.3f ms | %.3f ms |\n", r.name, r.rps(), msf(r.quantile(0.50)), msf(r.quantile(0.99)))
	}
	plainR, pooled, sg := results[1], results[2], results[3]
	ratio := sg.rps() / plainR.rps()
	added := msf(sg.quantile(0.99)) - msf(plainR.quantile(0.99))
	fmt.Fprintf(w, "\nspecgate proxy: %.1f%% of the plain proxy's throughput (target ≥ 80%%), p99 %+.3f ms (target < 1 ms)\n", 100*ratio, added)
	fmt.Fprintf(w, "against the plain proxy with pooled copy buffers: %.1f%% of its throughput, p99 %+.3f ms\n",
		100*sg.rps()/pooled.rps(), msf(sg.quantile(0.99))-msf(pooled.quantile(0.99)))
	b.ReportMetric(sg.rps(), "specgate-req/s")
	b.ReportMetric(plainR.rps(), "plain-req/s")
	b.ReportMetric(100*ratio, "throughput-%")
	b.ReportMetric(100*sg.rps()/pooled.rps(), "vs-pooled-%")
	b.ReportMetric(added, "added-p99-ms")
	if p.Exchanges() != uint64(loadRounds*loadPerRound+500) {
		b.Errorf("the proxy finished %d exchanges, want %d", p.Exchanges(), loadRounds*loadPerRound+500)
	}
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
