package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/cli"
	"github.com/specgate/specgate/internal/mock"
	"github.com/specgate/specgate/internal/proxy"
	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

var (
	v *validator.Validator

	mockTap   *tap // the mock, behind a tap
	mockURL   string
	script    *scripted // an upstream that answers what a contract says
	scriptURL string

	reportMock     *stack // report mode, in front of the mock
	enforceMock    *stack // enforce mode (both parts), in front of the mock
	reportScript   *stack // report mode, in front of the scripted upstream
	enforceScript  *stack // enforce mode (responses), in front of the scripted upstream
	stopUpstreams  []func()
	validRequests  = map[string]*validator.Request{}  // operation → a request the specs accept
	validResponses = map[string]*validator.Response{} // operation → a response the specs accept
)

var _ = BeforeSuite(func(ctx SpecContext) {
	docs, err := specs.Default(ctx)
	Expect(err).NotTo(HaveOccurred())
	v, err = validator.New(docs, validator.Options{})
	Expect(err).NotTo(HaveOccurred())

	mockTap = &tap{h: mock.New(mock.Options{})}
	script = &scripted{}
	var stop func()
	mockURL, stop = serveUpstream(mockTap)
	stopUpstreams = append(stopUpstreams, stop)
	scriptURL, stop = serveUpstream(script)
	stopUpstreams = append(stopUpstreams, stop)

	reportMock = startProxy(mockURL, proxy.Options{})
	enforceMock = startProxy(mockURL, proxy.Options{EnforceRequest: true, EnforceResponse: true})
	reportScript = startProxy(scriptURL, proxy.Options{})
	enforceScript = startProxy(scriptURL, proxy.Options{EnforceResponse: true})

	for _, c := range loadContracts() {
		ex, err := c.Exchange()
		Expect(err).NotTo(HaveOccurred())
		if !*c.Expect.Valid || c.Kind == contracts.KindInvalid {
			continue
		}
		if r := ex.Request; r != nil && !r.BodyNotRecorded && r.Header.Get("Access-Control-Request-Method") == "" && validRequests[c.Operation] == nil {
			validRequests[c.Operation] = r
		}
		if r := ex.Response; r != nil && !r.BodyNotRecorded && validResponses[c.Operation] == nil {
			validResponses[c.Operation] = r
		}
	}
})

var _ = AfterSuite(func() {
	for _, s := range []*stack{reportMock, enforceMock, reportScript, enforceScript} {
		if s != nil {
			Expect(s.stop()).To(Succeed())
		}
	}
	for _, stop := range stopUpstreams {
		stop()
	}
})

func loadContracts() []*contracts.Contract {
	paths, err := contracts.Glob(contracts.Embedded())
	Expect(err).NotTo(HaveOccurred())
	var out []*contracts.Contract
	for _, p := range paths {
		c, err := contracts.Load(contracts.Embedded(), p)
		Expect(err).NotTo(HaveOccurred())
		out = append(out, c)
	}
	return out
}

// contractEntries makes one table entry per contract file, labelled live and by spec,
// operation and kind; the file is parsed inside the entry.
func contractEntries() []TableEntry {
	paths, err := contracts.Glob(contracts.Embedded())
	if err != nil {
		return nil
	}
	var entries []TableEntry
	for _, p := range paths {
		labels := Label("live")
		if loc, err := contracts.ParsePath(p); err == nil {
			labels = Label("live", loc.Spec, loc.Operation, string(loc.Kind))
		}
		entries = append(entries, Entry("contracts/"+p, labels, p))
	}
	return entries
}

func loadContract(path string) (*contracts.Contract, validator.Exchange) {
	c, err := contracts.Load(contracts.Embedded(), path)
	Expect(err).NotTo(HaveOccurred())
	ex, err := c.Exchange()
	Expect(err).NotTo(HaveOccurred())
	return c, ex
}

// notRecorded reports whether the contract says a body was sent but not recorded.
func notRecorded(ex validator.Exchange) bool {
	return ex.Request != nil && ex.Request.BodyNotRecorded || ex.Response != nil && ex.Response.BodyNotRecorded
}

// onTheWire replays a contract whose body was "not recorded" as the wire carries it: with no
// body at all. The proxy sees every byte, so it never reports a body as not recorded; it reports
// the body missing. (A body larger than the limit, the live case of an unvalidated body, has a
// spec of its own.)
func onTheWire(c *contracts.Contract, ex validator.Exchange) {
	req, resp := ex.Request, ex.Response
	if req == nil {
		req = validRequests[c.Operation]
	}
	if resp == nil {
		resp = validResponses[c.Operation]
	}
	wireReq, wireResp := *req, *resp
	wireReq.BodyNotRecorded, wireResp.BodyNotRecorded = false, false
	script.resp.Store(&wireResp)
	_, _, line := reportScript.send(requestTo(reportScript.url, &wireReq))
	var rules []string
	for _, v := range line.result().Violations {
		rules = append(rules, v.Rule)
	}
	Expect(rules).NotTo(ContainElement(validator.RuleRequestBodyNotRecorded))
	Expect(rules).NotTo(ContainElement(validator.RuleResponseBodyNotRecorded))
	if ex.Request != nil && ex.Request.BodyNotRecorded {
		Expect(rules).To(ContainElement(validator.RuleRequestBodyMissing))
	}
	if ex.Response != nil && ex.Response.BodyNotRecorded {
		Expect(rules).To(ContainElement(validator.RuleResponseBodyMissing))
	}
}

// ids lists violations as "rule at instance", sorted, to compare them as multisets.
func ids(vs []validator.Violation, part validator.Part) []string {
	var out []string
	for _, x := range vs {
		if part == "" || x.Part == part {
			out = append(out, fmt.Sprintf("%s at %q", x.Rule, x.Instance))
		}
	}
	sort.Strings(out)
	return out
}

// expectedIDs lists a contract's expected violations of one part the same way.
func expectedIDs(c *contracts.Contract, part validator.Part) []string {
	var out []string
	for _, e := range c.Expect.Violations {
		isResponse := strings.HasPrefix(e.Rule, "response.")
		if part == "" || isResponse == (part == validator.PartResponse) {
			out = append(out, e.String())
		}
	}
	sort.Strings(out)
	return out
}

var _ = Describe("specgate proxy", Label("live"), func() {
	DescribeTable("each contract, replayed through the proxy in report and enforce mode",
		func(path string) {
			c, ex := loadContract(path)
			if notRecorded(ex) {
				By("a body the contract did not record travels as no body at all")
				onTheWire(c, ex)
				return
			}
			By("report mode, in front of an upstream that answers as the contract says: the contract's verdict, the answer unchanged")
			reportScripted(c, ex)
			if ex.Request != nil {
				By("report mode, in front of the mock: the request's verdict, a valid answer, bytes unchanged both ways")
				reportMocked(c, ex)
				By("enforce mode, in front of the mock: an invalid request answered 400, a valid one let through")
				enforceRequest(c, ex)
			}
			if ex.Response != nil {
				By("enforce mode, in front of the scripted upstream: an invalid response replaced by 502")
				enforceResponse(c, ex)
			}
		},
		contractEntries(),
	)
})

// reportScripted sends the contract's exchange through the report proxy to the scripted
// upstream (a valid request or response of the operation standing in for a missing half).
func reportScripted(c *contracts.Contract, ex validator.Exchange) {
	req, resp := ex.Request, ex.Response
	if req == nil {
		req = validRequests[c.Operation]
		Expect(req).NotTo(BeNil(), "no valid request for %s", c.Operation)
	}
	if resp == nil {
		resp = validResponses[c.Operation]
		Expect(resp).NotTo(BeNil(), "no valid response for %s", c.Operation)
	}
	script.resp.Store(resp)
	got, body, line := reportScript.send(requestTo(reportScript.url, req))

	if err := c.Check(line.result()); err != nil {
		Fail(err.Error())
	}
	Expect(line.Outcome).To(Equal("forwarded"))
	Expect(got.StatusCode).To(Equal(resp.Status))
	Expect(body).To(Equal(resp.Body))
	for name, vals := range resp.Header {
		Expect(got.Header.Values(name)).To(Equal(vals), "header %s", name)
	}
	if _, has := resp.Header["Content-Type"]; !has {
		Expect(got.Header).NotTo(HaveKey("Content-Type"))
	}
}

// reportMocked sends the contract's request through the report proxy to the mock.
func reportMocked(c *contracts.Contract, ex validator.Exchange) {
	req := requestTo(reportMock.url, ex.Request)
	sentHeader := req.Header.Clone()
	got, body, line := reportMock.send(req)

	Expect(ids(line.Violations, validator.PartRequest)).To(Equal(expectedIDs(c, validator.PartRequest)), "request violations")
	Expect(ids(line.Violations, validator.PartResponse)).To(BeEmpty(), "the mock's answer must validate")

	up := mockTap.got()
	Expect(up.method).To(Equal(ex.Request.Method))
	Expect(up.uri).To(Equal(ex.Request.URL.RequestURI()))
	Expect(up.body).To(Equal([]byte(ex.Request.Body)), "request body")
	for name, vals := range sentHeader {
		Expect(up.header.Values(name)).To(Equal(vals), "request header %s", name)
	}
	for name := range up.header {
		if _, sent := sentHeader[name]; !sent {
			Expect([]string{"User-Agent", "Content-Length"}).To(ContainElement(name), "the upstream got a header the client did not send")
		}
	}
	Expect(got.StatusCode).To(Equal(up.status))
	Expect(body).To(Equal(up.respBody), "response body")
	for name, vals := range up.respHeader {
		Expect(got.Header.Values(name)).To(Equal(vals), "response header %s", name)
	}
	for name := range got.Header {
		if _, sent := up.respHeader[name]; !sent {
			Expect([]string{"Date", "Content-Length", "Content-Type"}).To(ContainElement(name), "the client got a header the upstream did not set")
		}
	}
}

var _ = Describe("specgate proxy with large bodies", Label("live"), func() {
	It("refuses an enforced request whose body is larger than the limit: 413, as it cannot be checked", func(ctx SpecContext) {
		s := startProxy(scriptURL, proxy.Options{MaxBody: 512, EnforceRequest: true, EnforceResponse: true})
		defer func() { Expect(s.stop()).To(Succeed()) }()
		big := []byte(`{"users": [` + strings.Repeat(`{"id": "18008"},`, 200) + `{"id": "1"}]}`)
		req := requestTo(s.url, &validator.Request{Method: "PUT", URL: mustURL("/iam/governance/selfservice/api/v1/users"),
			Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Basic dXNlcm5hbWU6cGFzc3dvcmQ="}}, Body: big})
		got, _, line := s.send(req)
		Expect(got.StatusCode).To(Equal(http.StatusRequestEntityTooLarge))
		Expect(got.Header.Get("Content-Type")).To(Equal("application/problem+json"))
		Expect(ids(line.Violations, "")).To(ConsistOf(`request.body.not_recorded at ""`))
		Expect(line.Outcome).To(Equal("rejected"))
	})

	It("streams a body larger than the limit through unvalidated, whole, and says so, when told to", func(ctx SpecContext) {
		s := startProxy(scriptURL, proxy.Options{MaxBody: 512, EnforceRequest: true, EnforceResponse: true, ForwardUnvalidatedLargeBodies: true})
		defer func() { Expect(s.stop()).To(Succeed()) }()
		big := []byte(`{"users": [` + strings.Repeat(`{"id": "18008"},`, 200) + `{"id": "1"}]}`)
		script.resp.Store(&validator.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: big})
		req := requestTo(s.url, &validator.Request{Method: "PUT", URL: mustURL("/iam/governance/selfservice/api/v1/users"),
			Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Basic dXNlcm5hbWU6cGFzc3dvcmQ="}}, Body: big})
		got, body, line := s.send(req)
		Expect(got.StatusCode).To(Equal(200))
		Expect(body).To(Equal(big))
		Expect(ids(line.Violations, "")).To(ConsistOf(
			`request.body.not_recorded at ""`, `response.body.not_recorded at ""`))
		Expect(line.Outcome).To(Equal("forwarded"), "ForwardUnvalidatedLargeBodies lets a body it did not read through")
	})
})

func mustURL(path string) *url.URL {
	u, err := url.Parse("http://127.0.0.1" + path)
	Expect(err).NotTo(HaveOccurred())
	return u
}

// enforceRequest sends the contract's request through the enforcing proxy to the mock.
func enforceRequest(c *contracts.Contract, ex validator.Exchange) {
	want := expectedIDs(c, validator.PartRequest)
	before := mockTap.count.Load()
	got, body, line := enforceMock.send(requestTo(enforceMock.url, ex.Request))
	if len(want) == 0 {
		Expect(mockTap.count.Load()).To(Equal(before+1), "the valid request must reach the upstream")
		Expect(got.Header.Get("Content-Type")).NotTo(Equal("application/problem+json"))
		Expect(line.Outcome).To(Equal("forwarded"))
		return
	}
	Expect(mockTap.count.Load()).To(Equal(before), "the invalid request reached the upstream")
	Expect(got.StatusCode).To(Equal(http.StatusBadRequest))
	Expect(got.Header.Get("Content-Type")).To(Equal("application/problem+json"))
	var p proxy.Problem
	Expect(json.Unmarshal(body, &p)).To(Succeed())
	Expect(p.Status).To(Equal(400))
	Expect(ids(p.Violations, "")).To(Equal(want))
	Expect(line.Outcome).To(Equal("rejected"))
}

// enforceResponse sends the contract's exchange through the proxy enforcing responses, to the
// scripted upstream.
func enforceResponse(c *contracts.Contract, ex validator.Exchange) {
	req := ex.Request
	if req == nil {
		req = validRequests[c.Operation]
	}
	if len(expectedIDs(c, validator.PartRequest)) > 0 && strings.HasPrefix(c.Expect.Violations[0].Rule, "route.") {
		return // the request routes to no operation, so its response is not checked
	}
	script.resp.Store(ex.Response)
	got, body, line := enforceScript.send(requestTo(enforceScript.url, req))
	want := expectedIDs(c, validator.PartResponse)
	if len(want) == 0 {
		Expect(got.StatusCode).To(Equal(ex.Response.Status))
		Expect(body).To(Equal(ex.Response.Body))
		return
	}
	Expect(got.StatusCode).To(Equal(http.StatusBadGateway))
	Expect(got.Header.Get("Content-Type")).To(Equal("application/problem+json"))
	var p proxy.Problem
	Expect(json.Unmarshal(body, &p)).To(Succeed())
	Expect(ids(p.Violations, "")).To(Equal(want))
	Expect(line.Outcome).To(Equal("replaced"))
}

var _ = Describe("the proxy's admin listener", Label("live"), func() {
	It("counts every exchange by operation and verdict and every violation by rule", func() {
		for _, c := range loadContracts() {
			ex, err := c.Exchange()
			Expect(err).NotTo(HaveOccurred())
			if ex.Request != nil && !ex.Request.BodyNotRecorded {
				reportMock.send(requestTo(reportMock.url, ex.Request))
			}
		}
		lines := reportMock.log.exchanges()
		wantExchanges := map[string]int{}
		wantRules := map[string]int{}
		for _, l := range lines {
			op := l.Operation
			if op == "" {
				op = "none"
			}
			wantExchanges[fmt.Sprintf(`specgate_proxy_exchanges_total{operation=%q,verdict=%q}`, op, l.Verdict)]++
			for _, x := range l.Violations {
				wantRules[fmt.Sprintf(`specgate_proxy_violations_total{operation=%q,rule=%q}`, op, x.Rule)]++
			}
		}
		metrics := get(reportMock.admin + "/metrics")
		for series, n := range wantExchanges {
			Expect(metrics).To(ContainSubstring(fmt.Sprintf("%s %d\n", series, n)))
		}
		for series, n := range wantRules {
			Expect(metrics).To(ContainSubstring(fmt.Sprintf("%s %d\n", series, n)))
		}
		Expect(metrics).To(ContainSubstring(fmt.Sprintf("specgate_proxy_validation_duration_seconds_count{part=\"request\"} %d\n", len(lines))))
		Expect(get(reportMock.admin + "/healthz")).To(Equal("ok\n"))
	})

	It("reports an unreachable upstream as 502 problem+json, counts it, and keeps serving", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		dead := "http://" + ln.Addr().String()
		Expect(ln.Close()).To(Succeed())
		s := startProxy(dead, proxy.Options{})
		defer func() { Expect(s.stop()).To(Succeed()) }()
		req := validRequests["patchUser"]
		for i := 0; i < 3; i++ {
			got, body, line := s.send(requestTo(s.url, req))
			Expect(got.StatusCode).To(Equal(http.StatusBadGateway))
			Expect(got.Header.Get("Content-Type")).To(Equal("application/problem+json"))
			Expect(string(body)).To(ContainSubstring("upstream-unavailable"))
			Expect(line.Outcome).To(Equal("upstream_error"))
		}
		Expect(get(s.admin + "/metrics")).To(ContainSubstring(`specgate_proxy_upstream_errors_total{kind="unreachable"} 3`))
		Expect(get(s.admin + "/healthz")).To(Equal("ok\n"))
	})
})

var _ = Describe("the proxy's recording", Label("live"), func() {
	DescribeTable("holds every exchange proxied, and specgate validate reads it back with the proxy's verdicts",
		func(name string) {
			dir := GinkgoT().TempDir()
			file := filepath.Join(dir, name)
			f, err := os.Create(file)
			Expect(err).NotTo(HaveOccurred())
			defer f.Close()
			w, err := traffic.NewWriter(f, traffic.FormatOf(name), "specgate live suite")
			Expect(err).NotTo(HaveOccurred())
			s := startProxy(mockURL, proxy.Options{Recording: w, EnforceRequest: true})
			sent := 0
			for _, c := range loadContracts() {
				ex, err := c.Exchange()
				Expect(err).NotTo(HaveOccurred())
				if ex.Request != nil && !ex.Request.BodyNotRecorded {
					s.send(requestTo(s.url, ex.Request))
					sent++
				}
			}
			Expect(s.stop()).To(Succeed()) // as on SIGINT: the recording is completed
			Expect(s.proxy.Exchanges()).To(BeEquivalentTo(sent))
			Expect(s.proxy.Recorded()).To(Equal(sent))
			Expect(f.Close()).To(Succeed())

			var out, errOut bytes.Buffer
			code := cli.Run(context.Background(), []string{"validate", "--format", "json", file}, &out, &errOut)
			Expect(code).To(Equal(1), errOut.String())
			var rep struct {
				Exchanges []struct {
					Operation  string                `json:"operation"`
					Valid      bool                  `json:"valid"`
					Violations []validator.Violation `json:"violations"`
				} `json:"exchanges"`
			}
			Expect(json.Unmarshal(out.Bytes(), &rep)).To(Succeed())
			lines := s.log.exchanges()
			Expect(rep.Exchanges).To(HaveLen(len(lines)))
			for i, l := range lines {
				Expect(rep.Exchanges[i].Operation).To(Equal(l.Operation), "exchange %d", i)
				Expect(rep.Exchanges[i].Valid).To(Equal(l.Verdict == "valid"), "exchange %d", i)
				Expect(ids(rep.Exchanges[i].Violations, "")).To(Equal(ids(l.Violations, "")), "exchange %d", i)
			}
			raw, err := os.ReadFile(file)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(raw)).NotTo(ContainSubstring("dXNlcm5hbWU6cGFzc3dvcmQ"), "basic credentials kept")
		},
		Entry("HAR 1.2", Label("live"), "traffic.har"),
		Entry("JSON Lines", Label("live"), "traffic.jsonl"),
	)
})

func get(u string) string {
	resp, err := client.Get(u)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(200))
	return string(b)
}
