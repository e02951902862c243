package validator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// benchExchange is one exchange of the benchmark mix, valid or not.
type benchExchange struct {
	name        string
	method, url string
	reqHeader   http.Header
	reqBody     string
	status      int
	respHeader  http.Header
	respBody    string
}

var (
	jsonCT = http.Header{"Content-Type": {"application/json"}}
	oigReq = http.Header{"Content-Type": {"application/json"}, "Authorization": {"Basic dXNlcm5hbWU6cGFzc3dvcmQ="}, "X-Requested-By": {"bench"}}
	oigPut = http.Header{"Content-Type": {"application/json"}, "Authorization": {"Basic dXNlcm5hbWU6cGFzc3dvcmQ="}}
	oig200 = http.Header{"Content-Type": {"application/json"}, "Responsetime": {"12"}}
)

const (
	uuid = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	uid  = "db6f8e8b65c247d5a0db90bcc4e9df9e"
)

var benchMix = []benchExchange{
	{"patchUserProfiles/valid", "PATCH", "https://acme.nonemployee.com/api/user_profiles", jsonCT,
		`{"user_profiles":[{"id":"` + uuid + `","user_id":"` + uuid + `","profile_id":"` + uuid + `","ne_attribute_id":"` + uuid + `","relationship_type":"owner"}]}`,
		200, jsonCT, `{"user_profiles":[{"id":"` + uuid + `","uid":"` + uid + `","user_id":"` + uuid + `","profile_id":"` + uuid + `","ne_attribute_id":"` + uuid + `","relationship_type":"owner"}]}`},
	{"patchUserProfiles/job", "PATCH", "https://acme.nonemployee.com/api/user_profiles", jsonCT,
		`{"user_profiles":[{"id":"` + uuid + `","relationship_type":"contributor"}]}`,
		200, jsonCT, `{"info":"job has started","job_status":{"job_id":"3ce88e47ad6dba2ddf349d21","status":"queued"},"status":200}`},
	{"patchUserProfiles/invalid-oneOf", "PATCH", "https://acme.nonemployee.com/api/user_profiles", jsonCT,
		`{"user_profiles":[{"id":"` + uuid + `","relationship_type":"owner"}]}`,
		200, jsonCT, `{"info":"job has started","job_status":{"job_id":"3ce88e47ad6dba2ddf349d21","status":7},"status":200}`},
	{"patchUser/valid", "PATCH", "https://acme.nonemployee.com/api/users/" + uuid, jsonCT,
		`{"user":{"id":"` + uuid + `","name":"myusername","email":"test@sailpoint.com","type":"NeprofileUser","profile_id":"` + uuid + `","title":"mytitle","status":"Active","login":"mylogin","admin":false,"group_strings":"Administrator_group,Developer_group"}}`,
		200, jsonCT, `{"user":{"id":"` + uuid + `","uid":"` + uid + `","name":"bob","email":"example@sailpoint.com","type":"NeprofileUser","title":"mytitle","status":"Active","login":"bob","last_login":"2023-05-01T09:12:28Z","cookies_accepted_at":"2023-05-01T09:12:28Z","preferred_language":"en-US"}}`},
	{"patchUser/documented-uid", "PATCH", "https://acme.nonemployee.com/api/users/" + uuid, jsonCT,
		`{"user":{"id":"` + uuid + `","name":"myusername"}}`,
		200, jsonCT, `{"user":{"id":"` + uuid + `","uid":"` + uuid + `","name":"bob","email":"example@sailpoint.com"}}`},
	{"patchUsers/valid", "PATCH", "https://localhost/iam/governance/selfservice/api/v1/users", oigReq,
		`{"users":[{"id":"18008","add":[{"name":"Last Name","value":"updateed12345"}],"delete":[{"name":"First Name"}],"update":[{"name":"Display Name","value":"supriya12345"}]}]}`,
		200, oig200, `{"users":[{"links":[{"rel":"self","href":"http://pseudo.com/iam/governance/selfservice/api/v1/users/18008"}],"id":"18008","status":" SUCCESS","request":{"links":[{"rel":"self","href":"http://pseudo.com/iam/governance/selfservice/api/v1/requests/10073"}],"requestId":"10073"}}]}`},
	{"patchUsers/invalid", "PATCH", "https://localhost/iam/governance/selfservice/api/v1/users", oigReq,
		`{"users":[{"id":18008,"update":[{"value":"x"}]}]}`,
		200, oig200, `{"users":[{"links":[{"rel":"self","href":"not a uri"}],"id":"18008"}]}`},
	{"putUsers/valid", "PUT", "https://localhost/iam/governance/selfservice/api/v1/users", oigPut,
		`{"users":[{"requestId":"123","id":"5025","fields":[{"name":"First Name","value":"UpdatedFN"}]}]}`,
		200, oig200, `{"users":[{"links":[{"rel":"self","href":"http://pseudo.com/iam/governance/selfservice/api/v1/users/5025"}],"requestId":"123","status":" SUCCESS","id":"5025","fields":[{"name":"name","value":"FName LName"}]},{"links":[],"requestId":"123","status":" FAIL","reason":"IAM-2040028:User does not exists:","id":"505","fields":[]}]}`},
	{"putUsers/invalid", "PUT", "https://localhost/iam/governance/selfservice/api/v1/users", oigPut,
		`{"users":[{"requestId":123,"fields":[{"value":"UpdatedFN"}]}]}`,
		200, oig200, `{"users":[{"id":"5025","status":"DONE"}]}`},
}

func specgateValidator(tb testing.TB) *validator.Validator {
	v, err := validator.Default(context.Background(), validator.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func (e benchExchange) exchange() validator.Exchange {
	u, _ := url.Parse(e.url)
	return validator.Exchange{
		Request:  &validator.Request{Method: e.method, URL: u, Header: e.reqHeader, Body: []byte(e.reqBody)},
		Response: &validator.Response{Status: e.status, Header: e.respHeader, Body: []byte(e.respBody)},
	}
}

// mixes selects exchanges of the benchmark mix by verdict.
var mixes = []struct {
	name string
	keep func(benchExchange) bool
}{
	{"valid", func(e benchExchange) bool { return !isInvalid(e) }},
	{"invalid", isInvalid},
	{"mixed", func(benchExchange) bool { return true }},
}

func isInvalid(e benchExchange) bool {
	return strings.Contains(e.name, "invalid") || strings.Contains(e.name, "documented")
}

func selectMix(keep func(benchExchange) bool) []benchExchange {
	var out []benchExchange
	for _, e := range benchMix {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// specgateBench is (a): specgate's validator, request and response.
func specgateBench(v *validator.Validator, mix []benchExchange) func(*testing.B) {
	exs := make([]validator.Exchange, len(mix))
	for i, e := range mix {
		exs[i] = e.exchange()
	}
	return func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			v.Validate(ctx, exs[i%len(exs)])
		}
	}
}

// kinBench is (b): kin-openapi's openapi3filter.ValidateRequest and ValidateResponse alone on the
// same exchanges, with its gorillamux router. The OIG exchanges use the host "localhost" because
// gorillamux turns the server variable {host} into a pattern without dots, so it finds no route
// for the pages' own host, pseudo.com.
func kinBench(tb testing.TB, mix []benchExchange) func(*testing.B) {
	docs, err := specs.Default(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	var rs []routers.Router
	for _, d := range docs {
		r, err := gorillamux.NewRouter(d.Spec)
		if err != nil {
			tb.Fatal(err)
		}
		rs = append(rs, r)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	return func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			e := mix[i%len(mix)]
			req, _ := http.NewRequest(e.method, e.url, bytes.NewReader([]byte(e.reqBody)))
			req.Header = e.reqHeader
			var route *routers.Route
			var params map[string]string
			var err error
			for _, r := range rs {
				if route, params, err = r.FindRoute(req); err == nil {
					break
				}
			}
			if route == nil {
				b.Fatalf("%s: no route", e.name)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
			_ = openapi3filter.ValidateRequest(ctx, in)
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: e.status, Header: e.respHeader, Options: opts}
			out.SetBodyBytes([]byte(e.respBody))
			_ = openapi3filter.ValidateResponse(ctx, out)
		}
	}
}

// floorBench is (c): encoding/json decoding of the same bodies and nothing else.
func floorBench(mix []benchExchange) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			e := mix[i%len(mix)]
			for _, body := range []string{e.reqBody, e.respBody} {
				dec := json.NewDecoder(bytes.NewReader([]byte(body)))
				dec.UseNumber()
				var v any
				if err := dec.Decode(&v); err != nil && err != io.EOF {
					b.Fatal(err)
				}
			}
		}
	}
}

// BenchmarkValidate measures (a), (b) and (c) on each mix as sub-benchmarks.
func BenchmarkValidate(b *testing.B) {
	v := specgateValidator(b)
	for _, m := range mixes {
		mix := selectMix(m.keep)
		b.Run(m.name+"/specgate", specgateBench(v, mix))
		b.Run(m.name+"/kin-openapi", kinBench(b, mix))
		b.Run(m.name+"/decode-floor", floorBench(mix))
	}
}

// TestBenchMixVerdicts keeps the benchmark honest: its valid exchanges are valid and its
// invalid ones are not, for specgate.
func TestBenchMixVerdicts(t *testing.T) {
	v := specgateValidator(t)
	for _, e := range benchMix {
		res := v.Validate(context.Background(), e.exchange())
		wantValid := !isInvalid(e)
		if res.Valid() != wantValid {
			t.Errorf("%s: valid = %v, want %v: %v", e.name, res.Valid(), wantValid, res.Violations)
		}
	}
}
