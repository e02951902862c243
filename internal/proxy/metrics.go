package proxy

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/specgate/specgate/validator"
)

// metrics are a Proxy's Prometheus metrics, in a registry of its own (no global state: two
// proxies in one process, as in the tests, count apart).
type metrics struct {
	exchanges      *prometheus.CounterVec
	violations     *prometheus.CounterVec
	validation     *prometheus.HistogramVec
	upstreamErrors *prometheus.CounterVec
	enforced       *prometheus.CounterVec
	unvalidated    *prometheus.CounterVec
	recordErrors   prometheus.Counter
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		exchanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "specgate_proxy_exchanges_total",
			Help: "Exchanges proxied, by operationId (none when the request matched no operation) and verdict (valid, invalid, out_of_scope).",
		}, []string{"operation", "verdict"}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "specgate_proxy_violations_total",
			Help: "Violations found, by operationId (none when the request matched no operation) and rule id.",
		}, []string{"operation", "rule"}),
		validation: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "specgate_proxy_validation_duration_seconds",
			Help:    "Time spent validating one request or one response, by part.",
			Buckets: []float64{10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3},
		}, []string{"part"}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "specgate_proxy_upstream_errors_total",
			Help: "Exchanges the upstream did not answer, by kind (timeout, unreachable, error); each was answered 502.",
		}, []string{"kind"}),
		enforced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "specgate_proxy_enforced_total",
			Help: "Enforce mode's interventions, by part: requests answered 400, responses replaced by 502.",
		}, []string{"part"}),
		unvalidated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "specgate_proxy_unvalidated_bodies_total",
			Help: "Bodies passed through unvalidated (larger than the limit, or compressed with an encoding specgate does not decode), by part.",
		}, []string{"part"}),
		recordErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "specgate_proxy_recording_errors_total",
			Help: "Exchanges that could not be written to the recording.",
		}),
	}
	reg.MustRegister(m.exchanges, m.violations, m.validation, m.upstreamErrors, m.enforced, m.unvalidated, m.recordErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that exist from the start, so that dashboards and alerts see zeros, not gaps.
	for _, part := range []validator.Part{validator.PartRequest, validator.PartResponse} {
		m.validation.WithLabelValues(string(part))
		m.enforced.WithLabelValues(string(part))
		m.unvalidated.WithLabelValues(string(part))
	}
	for _, kind := range []string{"timeout", "unreachable", "error"} {
		m.upstreamErrors.WithLabelValues(kind)
	}
	return m
}

// AdminHandler serves /metrics (Prometheus text format) and /healthz (200 "ok" while the proxy
// serves).
func (p *Proxy) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}
