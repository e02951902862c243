package clients_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/cli"
	"github.com/specgate/specgate/validator"
)

// The requests SailPoint's generated Go SDK sends, kept as contracts whose descriptions name
// the SDK models they come from.
const (
	sdkPatchUser     = "nerm-lifecycle/patchUser/valid-request-sdk.yaml"
	sdkPatchProfiles = "nerm-lifecycle/patchUserProfiles/valid-request-sdk.yaml"
)

// published is SailPoint's own operation object of PATCH /user_profiles, the page the SDK was
// generated from (specs/testdata/faithful), which has no server of its own.
const published = "../../specs/testdata/faithful/nerm-patch-user-profiles.json"

var _ = Describe("SailPoint's generated NERM client", Label("clients", "live", "sdk"), func() {
	It("gets 200 on both calls through an enforcing, recording proxy, and both exchanges are valid", func(ctx SpecContext) {
		mockAddr, _, stopMock := start("mock", "--listen", "127.0.0.1:0")
		defer stopMock()
		record := filepath.Join(GinkgoT().TempDir(), "sdk.har")
		proxyAddr, logs, stopProxy := start("proxy", "--upstream", "http://"+mockAddr, "--listen", "127.0.0.1:0",
			"--admin", "off", "--enforce", "request,response", "--record", record)

		By("UsersAPI.PatchUser: no user.id in the body, the path names the user")
		status, body := sendContract(proxyAddr, sdkPatchUser)
		Expect(status).To(Equal(http.StatusOK), "%s", body)
		var user struct{ User map[string]any }
		Expect(json.Unmarshal(body, &user)).To(Succeed())
		Expect(user.User).To(HaveKeyWithValue("id", "2c7e1c3a-9a53-4a8e-8f7e-3b0a5d6c1e42"))
		Expect(user.User).To(HaveKeyWithValue("name", "Alice"))
		Expect(user.User).To(HaveKeyWithValue("title", "Engineer"))

		By("UserProfilesAPI.PatchUserProfiles: items without id, named by user, profile and attribute")
		status, body = sendContract(proxyAddr, sdkPatchProfiles)
		Expect(status).To(Equal(http.StatusOK), "%s", body)
		var profiles struct {
			UserProfiles []map[string]any `json:"user_profiles"`
		}
		Expect(json.Unmarshal(body, &profiles)).To(Succeed())
		Expect(profiles.UserProfiles).To(HaveLen(1))
		Expect(profiles.UserProfiles[0]).To(HaveKeyWithValue("id", "00000000-0000-4000-8000-000000000001"))
		Expect(profiles.UserProfiles[0]).To(HaveKeyWithValue("relationship_type", "contributor"))

		By("the proxy judged both valid and forwarded both")
		Expect(stopProxy()).To(Equal(0), logs.String())
		lines := exchangeLines(logs.String())
		Expect(lines).To(HaveLen(2), logs.String())
		for i, op := range []string{"patchUser", "patchUserProfiles"} {
			Expect(lines[i].Operation).To(Equal(op))
			Expect(lines[i].Verdict).To(Equal("valid"), "%+v", lines[i].Violations)
			Expect(lines[i].Outcome).To(Equal("forwarded"))
			Expect(lines[i].Status).To(Equal(http.StatusOK))
		}

		By("the recording holds exactly the two exchanges")
		var har struct {
			Log struct {
				Entries []struct {
					Request  struct{ Method, URL string }
					Response struct{ Status int }
				}
			}
		}
		raw, err := os.ReadFile(record)
		Expect(err).NotTo(HaveOccurred())
		Expect(json.Unmarshal(raw, &har)).To(Succeed())
		Expect(har.Log.Entries).To(HaveLen(2))
		Expect(string(raw)).NotTo(ContainSubstring(sdkToken), "the SDK's token was recorded")
		Expect(har.Log.Entries[0].Request.URL).To(HaveSuffix("/api/users/2c7e1c3a-9a53-4a8e-8f7e-3b0a5d6c1e42"))
		Expect(har.Log.Entries[1].Request.URL).To(HaveSuffix("/api/user_profiles"))
		for _, e := range har.Log.Entries {
			Expect(e.Request.Method).To(Equal("PATCH"))
			Expect(e.Response.Status).To(Equal(http.StatusOK))
		}

		By("specgate validate on the recording: clean")
		rep, code, stderr := validate(record)
		Expect(code).To(Equal(0), stderr)
		Expect(rep.Summary.Exchanges).To(Equal(2))
		Expect(rep.Summary.Valid).To(Equal(2))

		By("the same reply against SailPoint's published oneOf matches both branches: the SDK cannot decode it")
		// The SDK's CreateUserProfiles200Response counts the branches a reply decodes into and
		// fails on two ("data matches more than one schema in oneOf"); its branches are the
		// page's, which the spec's oneof-200-ambiguous quirk makes exclusive.
		doc := map[string]any{}
		raw, err = os.ReadFile(published)
		Expect(err).NotTo(HaveOccurred())
		Expect(json.Unmarshal(raw, &doc)).To(Succeed())
		doc["servers"] = []any{map[string]any{"url": "https://acme.nonemployee.com/api"}}
		pub := filepath.Join(GinkgoT().TempDir(), "published.json")
		raw, err = json.Marshal(doc)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(pub, raw, 0o600)).To(Succeed())
		rep, code, stderr = validate("--spec", pub, record)
		Expect(code).To(Equal(1), stderr)
		Expect(rep.Exchanges).To(HaveLen(2))
		x := rep.Exchanges[1]
		Expect(x.Operation).To(Equal("patchUserProfiles"))
		Expect(x.Violations).To(HaveLen(1))
		v := x.Violations[0]
		Expect(v.Rule).To(Equal(validator.RuleResponseBodySchema))
		Expect(v.Instance).To(Equal(""))
		Expect(v.Keyword).To(Equal("oneOf"))
		Expect(v.Branches).To(HaveLen(2))
		for _, b := range v.Branches {
			Expect(b.Matched).To(BeTrue(), "branch %d", b.Index)
		}
	})
})

var _ = Describe("Oracle's OIG cURL examples", Label("clients", "live", "curl"), func() {
	// Oracle publishes no OIG REST client; the pages' cURL examples are the documented-exchange
	// contracts, with the cURL headers and the page's reply.
	DescribeTable("the mock answers each as the page does, and the proxy lets it through as valid",
		func(path string) {
			c, err := contracts.Load(contracts.Embedded(), path)
			Expect(err).NotTo(HaveOccurred())
			Expect(c.Documented).To(BeTrue())
			ex, err := c.Exchange()
			Expect(err).NotTo(HaveOccurred())

			mockAddr, _, stopMock := start("mock", "--listen", "127.0.0.1:0")
			defer stopMock()
			proxyAddr, logs, stopProxy := start("proxy", "--upstream", "http://"+mockAddr, "--listen", "127.0.0.1:0",
				"--admin", "off", "--enforce", "request,response")
			status, header, body := send(proxyAddr, ex.Request)
			Expect(stopProxy()).To(Equal(0), logs.String())

			Expect(status).To(Equal(ex.Response.Status), "%s", body)
			Expect(header.Get("ResponseTime")).NotTo(BeEmpty())
			lines := exchangeLines(logs.String())
			Expect(lines).To(HaveLen(1))
			Expect(lines[0].Verdict).To(Equal("valid"), "%+v", lines[0].Violations)
			// Per user, the page's id, status (leading space kept) and reason; request ids,
			// links and computed names are the server's own.
			Expect(perUser(body)).To(Equal(perUser(ex.Response.Body)))
		},
		Entry("PATCH /users (Patch Users)", "oig-selfservice/patchUsers/documented-exchange.yaml"),
		Entry("PUT /users (Update users)", "oig-selfservice/putUsers/documented-exchange.yaml"),
	)
})

// perUser reduces an OIG reply to each user's id, status and reason.
func perUser(body []byte) []map[string]any {
	var rep struct{ Users []map[string]any }
	Expect(json.Unmarshal(body, &rep)).To(Succeed())
	Expect(rep.Users).NotTo(BeEmpty())
	var out []map[string]any
	for _, u := range rep.Users {
		out = append(out, map[string]any{"id": u["id"], "status": u["status"], "reason": u["reason"]})
	}
	return out
}

// sdkToken stands in for the OAuth access token the SDK sends on every call (its client
// credentials flow); NERM's pages declare no security, so only the recording's redaction sees it.
const sdkToken = "sdk-access-token-5f0c2a"

// sendContract sends the request of a contract to the proxy, as the contract writes it, with
// the SDK's bearer token.
func sendContract(addr, path string) (int, []byte) {
	c, err := contracts.Load(contracts.Embedded(), path)
	Expect(err).NotTo(HaveOccurred())
	ex, err := c.Exchange()
	Expect(err).NotTo(HaveOccurred())
	ex.Request.Header.Set("Authorization", "Bearer "+sdkToken)
	status, _, body := send(addr, ex.Request)
	return status, body
}

func send(addr string, r *validator.Request) (int, http.Header, []byte) {
	req, err := http.NewRequest(r.Method, "http://"+addr+r.URL.RequestURI(), bytes.NewReader(r.Body))
	Expect(err).NotTo(HaveOccurred())
	req.Header = r.Header.Clone()
	resp, err := client.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, resp.Header, body
}

var client = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}

// report is the part of `specgate validate --format json` the suite reads.
type report struct {
	Exchanges []struct {
		Operation  string                `json:"operation"`
		Valid      bool                  `json:"valid"`
		Violations []validator.Violation `json:"violations"`
	} `json:"exchanges"`
	Summary struct{ Exchanges, Valid, Invalid int } `json:"summary"`
}

func validate(args ...string) (report, int, string) {
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"validate", "--format", "json"}, args...), &out, &errOut)
	var rep report
	Expect(json.Unmarshal(out.Bytes(), &rep)).To(Succeed(), "%s%s", out.String(), errOut.String())
	return rep, code, errOut.String()
}

// logLine is an exchange as the proxy logs it.
type logLine struct {
	Msg        string                `json:"msg"`
	Operation  string                `json:"operation"`
	Verdict    string                `json:"verdict"`
	Outcome    string                `json:"outcome"`
	Status     int                   `json:"status"`
	Violations []validator.Violation `json:"violations"`
}

func exchangeLines(log string) []logLine {
	var out []logLine
	for _, line := range strings.Split(log, "\n") {
		var l logLine
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "exchange" {
			out = append(out, l)
		}
	}
	return out
}

// syncBuffer is a buffer a command writes to while the suite reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs `specgate ARGS...` in-process until stop is called, as SIGINT would stop it; it
// returns the address the command logged it listens on, its stderr, and stop, which returns
// the exit code.
func start(args ...string) (string, *syncBuffer, func() int) {
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	code := make(chan int, 1)
	go func() { code <- cli.Run(ctx, args, io.Discard, stderr) }()
	var addr string
	Eventually(func() string {
		select {
		case c := <-code:
			code <- c
			return "exited"
		default:
		}
		for _, line := range strings.Split(stderr.String(), "\n") {
			var l struct{ Msg, Listen string }
			if json.Unmarshal([]byte(line), &l) == nil && strings.HasSuffix(l.Msg, "listening") {
				addr = l.Listen
			}
		}
		return addr
	}).WithTimeout(10*time.Second).WithPolling(5*time.Millisecond).ShouldNot(Or(BeEmpty(), Equal("exited")), "specgate %s: %s", args[0], stderr)
	var once sync.Once
	var exit int
	return addr, stderr, func() int {
		once.Do(func() {
			cancel()
			select {
			case exit = <-code:
			case <-time.After(10 * time.Second):
				Fail("specgate " + args[0] + " did not stop")
			}
		})
		return exit
	}
}
