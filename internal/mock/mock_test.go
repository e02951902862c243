package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/validator"
)

const (
	basicAuth = "Basic dXNlcm5hbWU6cGFzc3dvcmQ=" // username:password
	docID     = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
)

// call is one request to send to the mock.
type call struct {
	name, method, path string
	header             http.Header
	body               string
}

func jsonHeader(extra ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	return h
}

func send(t *testing.T, srv *httptest.Server, c call) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.body == "" {
		req.Body = http.NoBody
		req.ContentLength = 0
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func newValidator(t *testing.T) *validator.Validator {
	t.Helper()
	v, err := validator.Default(context.Background(), validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// variants are requests beyond the contracts': every branch of the mock's behaviour.
func variants() []call {
	user := func(id, fields string) string {
		return fmt.Sprintf(`{"user": {"id": %q%s}}`, id, fields)
	}
	var big []string
	for _, id := range SeededProfiles[:DefaultJobThreshold+1] {
		big = append(big, fmt.Sprintf(`{"id": %q, "relationship_type": "contributor"}`, id))
	}
	oig := func(extra ...string) http.Header {
		return jsonHeader(append([]string{"Authorization", basicAuth, "X-Requested-By", "specgate"}, extra...)...)
	}
	const users = OIGBase + "/users"
	calls := []call{
		{"patch user: every field", "PATCH", "/api/users/" + docID, jsonHeader(), user(docID, `, "name": "bob2", "email": "bob.two@example.com", "type": "NeaccessUser", "profile_id": "`+SeededProfiles[3]+`", "title": "t", "status": "Disabled", "login": "bob2", "admin": true, "group_strings": "a,b"`)},
		{"patch user: id only", "PATCH", "/api/users/" + SeededNERMUsers[1], jsonHeader(), user(SeededNERMUsers[1], "")},
		{"patch user: no body id, as the SDK sends it", "PATCH", "/api/users/" + SeededNERMUsers[1], jsonHeader("Accept", "application/json"), `{"user":{"email":"alice@example.com","login":"alice","name":"Alice","title":"Engineer","type":"NeprofileUser"}}`},
		{"patch user: body id in capitals", "PATCH", "/api/users/" + docID, jsonHeader(), user(strings.ToUpper(docID), "")},
		{"patch user: unknown id", "PATCH", "/api/users/11111111-2222-4333-8444-555555555555", jsonHeader(), user("11111111-2222-4333-8444-555555555555", "")},
		{"patch user: id not a uuid", "PATCH", "/api/users/42", jsonHeader(), user("42", "")},
		{"patch user: ids differ", "PATCH", "/api/users/" + docID, jsonHeader(), user(SeededNERMUsers[1], "")},
		{"patch user: bad email", "PATCH", "/api/users/" + docID, jsonHeader(), user(docID, `, "email": "not an email"`)},
		{"patch user: email with a dot first", "PATCH", "/api/users/" + docID, jsonHeader(), user(docID, `, "email": ".a@example.com"`)},
		{"patch user: bad enums and types", "PATCH", "/api/users/" + docID, jsonHeader(), user(docID, `, "type": "Robot", "status": "Gone", "admin": "yes", "name": 3`)},
		{"patch user: no user", "PATCH", "/api/users/" + docID, jsonHeader(), `{"users": {}}`},
		{"patch user: not an object", "PATCH", "/api/users/" + docID, jsonHeader(), `[1, 2]`},
		{"patch user: malformed", "PATCH", "/api/users/" + docID, jsonHeader(), `{"user": `},
		{"patch user: trailing data", "PATCH", "/api/users/" + docID, jsonHeader(), `{} {}`},
		{"patch user: no body", "PATCH", "/api/users/" + docID, jsonHeader(), ``},
		{"patch user: text/plain", "PATCH", "/api/users/" + docID, http.Header{"Content-Type": {"text/plain"}}, user(docID, "")},
		{"patch user: wrong method", "PUT", "/api/users/" + docID, jsonHeader(), user(docID, "")},
		{"profiles: empty object", "PATCH", "/api/user_profiles", jsonHeader(), `{}`},
		{"profiles: empty list", "PATCH", "/api/user_profiles", jsonHeader(), `{"user_profiles": []}`},
		{"profiles: one", "PATCH", "/api/user_profiles", jsonHeader(), `{"user_profiles": [{"id": "` + SeededProfiles[2] + `", "user_id": "` + SeededNERMUsers[2] + `", "relationship_type": "contributor"}]}`},
		{"profiles: a batch becomes a job", "PATCH", "/api/user_profiles", jsonHeader(), `{"user_profiles": [` + strings.Join(big, ",") + `]}`},
		{"profiles: unknown id", "PATCH", "/api/user_profiles", jsonHeader(), `{"user_profiles": [{"id": "11111111-2222-4333-8444-555555555555"}]}`},
		{"profiles: no id", "PATCH", "/api/user_profiles", jsonHeader(), `{"user_profiles": [{"relationship_type": "owner"}]}`},
		{"profiles: by user, profile and attribute", "PATCH", "/api/user_profiles", jsonHeader(), profileByKey(SeededProfiles[4], "contributor")},
		{"profiles: key matches nothing", "PATCH", "/api/user_profiles", jsonHeader(), profileByKey(SeededNERMUsers[3], "owner")},
		{"profiles: part of the key", "PATCH", "/api/user_profiles", jsonHeader(), `{"user_profiles": [{"user_id": "` + SeededNERMUsers[0] + `", "relationship_type": "owner"}]}`},
		{"profiles: bad values", "PATCH", "/api/user_profiles", jsonHeader(), `{"user_profiles": [{"id": "x", "user_id": 3, "relationship_type": "boss"}, 7]}`},
		{"profiles: not a list", "PATCH", "/api/user_profiles", jsonHeader(), `{"user_profiles": {}}`},
		{"profiles: malformed", "PATCH", "/api/user_profiles", jsonHeader(), `{`},
		{"profiles: text/plain", "PATCH", "/api/user_profiles", http.Header{"Content-Type": {"text/plain"}}, `{}`},
		{"oig patch: known and unknown", "PATCH", users, oig(), `{"users": [{"id": "18008", "add": [{"name": "Email", "value": "s@example.com"}], "delete": [{"name": "First Name"}], "update": [{"name": "Display Name", "value": "S"}]}, {"id": "505"}]}`},
		{"oig patch: entry without name", "PATCH", users, oig(), `{"users": [{"id": "18009", "add": [{"value": "x"}]}]}`},
		{"oig patch: user not an object", "PATCH", users, oig(), `{"users": [7, {"id": 18008}]}`},
		{"oig patch: no users", "PATCH", users, oig(), `{}`},
		{"oig patch: malformed", "PATCH", users, oig(), `{"users": [`},
		{"oig patch: text/plain", "PATCH", users, http.Header{"Authorization": {basicAuth}, "X-Requested-By": {"x"}, "Content-Type": {"text/plain"}}, `{"users": []}`},
		{"oig patch: no X-Requested-By", "PATCH", users, jsonHeader("Authorization", basicAuth), `{"users": [{"id": "18008"}]}`},
		{"oig patch: no credentials", "PATCH", users, jsonHeader("X-Requested-By", "x"), `{"users": [{"id": "18008"}]}`},
		{"oig patch: wrong password", "PATCH", users, jsonHeader("X-Requested-By", "x", "Authorization", "Basic dXNlcm5hbWU6d3Jvbmc="), `{"users": []}`},
		{"oig patch: bearer", "PATCH", users, jsonHeader("X-Requested-By", "x", "Authorization", "Bearer abc"), `{"users": []}`},
		{"oig put: fields", "PUT", users, jsonHeader("Authorization", basicAuth), `{"users": [{"requestId": "9", "id": "5025", "fields": [{"name": "First Name", "value": "New"}]}, {"id": "505", "fields": []}]}`},
		{"oig put: no request id", "PUT", users, jsonHeader("Authorization", basicAuth), `{"users": [{"id": "1001"}]}`},
		{"oig put: no credentials", "PUT", users, jsonHeader(), `{"users": []}`},
		{"oig: wrong method", "DELETE", users, jsonHeader("Authorization", basicAuth), ``},
		{"elsewhere", "GET", "/api/other", nil, ``},
		{"root", "GET", "/", nil, ``},
	}
	return calls
}

// contractCalls are the requests of every contract that has one, sent as written (only the
// scheme and host change).
func contractCalls(t *testing.T) []call {
	t.Helper()
	fsys := contracts.Embedded()
	paths, err := contracts.Glob(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var out []call
	for _, p := range paths {
		c, err := contracts.Load(fsys, p)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := c.Exchange()
		if err != nil {
			t.Fatal(err)
		}
		if ex.Request == nil || ex.Request.BodyNotRecorded {
			continue
		}
		out = append(out, call{name: p, method: ex.Request.Method, path: ex.Request.URL.RequestURI(), header: ex.Request.Header, body: string(ex.Request.Body)})
	}
	return out
}

// TestResponsesValidate sends every contract's request and every variant to the mock and
// validates each exchange: whatever the request, the response must break no rule.
func TestResponsesValidate(t *testing.T) {
	v := newValidator(t)
	srv := httptest.NewServer(New(Options{}))
	defer srv.Close()
	calls := append(contractCalls(t), variants()...)
	statuses := map[int]int{}
	for _, c := range calls {
		resp, body := send(t, srv, c)
		statuses[resp.StatusCode]++
		u, _ := url.Parse(srv.URL + c.path)
		res := v.Validate(context.Background(), validator.Exchange{
			Request:  &validator.Request{Method: c.method, URL: u, Header: c.header, Body: []byte(c.body)},
			Response: &validator.Response{Status: resp.StatusCode, Header: resp.Header, Body: body},
		})
		for _, x := range res.Violations {
			if x.Part == validator.PartResponse {
				t.Errorf("%s: %d %s: %s at %q: %s", c.name, resp.StatusCode, body, x.Rule, x.Instance, x.Message)
			}
		}
	}
	// The calls reach every status the mock sends.
	for _, code := range []int{200, 400, 401, 403, 404, 405, 500} {
		if statuses[code] == 0 {
			t.Errorf("no call was answered %d; statuses seen: %v", code, statuses)
		}
	}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return v
}

func TestPatchUserUpdatesAndKeeps(t *testing.T) {
	srv := httptest.NewServer(New(Options{}))
	defer srv.Close()
	path := "/api/users/" + SeededNERMUsers[2]
	resp, b := send(t, srv, call{method: "PATCH", path: path, header: jsonHeader(),
		body: `{"user": {"id": "` + SeededNERMUsers[2] + `", "name": "Caroline", "status": "Disabled"}}`})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	_, b = send(t, srv, call{method: "PATCH", path: path, header: jsonHeader(), body: `{"user": {"id": "` + SeededNERMUsers[2] + `"}}`})
	u := decode(t, b)["user"].(map[string]any)
	if u["name"] != "Caroline" || u["status"] != "Disabled" || u["id"] != SeededNERMUsers[2] {
		t.Errorf("the update did not stay: %v", u)
	}
	if uid, _ := u["uid"].(string); len(uid) != 32 {
		t.Errorf("uid %q is not 32 characters", uid)
	}
}

func TestPatchUserRejects(t *testing.T) {
	srv := httptest.NewServer(New(Options{}))
	defer srv.Close()
	for _, tc := range []struct {
		body, wantKey string
	}{
		{`{"user": `, "error"},
		{`{"user": {"id": "` + docID + `", "email": "nope"}}`, "errors"},
		{`{"user": {"id": "` + SeededNERMUsers[1] + `", "name": "x"}}`, "errors"},
	} {
		resp, b := send(t, srv, call{method: "PATCH", path: "/api/users/" + docID, header: jsonHeader(), body: tc.body})
		if resp.StatusCode != 400 {
			t.Errorf("%s: status %d, want 400", tc.body, resp.StatusCode)
		}
		if _, ok := decode(t, b)[tc.wantKey]; !ok {
			t.Errorf("%s: body %s has no %q", tc.body, b, tc.wantKey)
		}
	}
	// A body id that names another user changes neither user.
	_, b := send(t, srv, call{method: "PATCH", path: "/api/users/" + docID, header: jsonHeader(), body: `{"user": {}}`})
	if name := decode(t, b)["user"].(map[string]any)["name"]; name != "bob" {
		t.Errorf("the refused update was applied: name %v", name)
	}
}

// TestPatchUserWithoutBodyID sends the body SailPoint's generated Go SDK sends: no user.id, the
// path names the user.
func TestPatchUserWithoutBodyID(t *testing.T) {
	srv := httptest.NewServer(New(Options{}))
	defer srv.Close()
	resp, b := send(t, srv, call{method: "PATCH", path: "/api/users/" + SeededNERMUsers[1], header: jsonHeader(),
		body: `{"user":{"email":"alice@example.com","login":"alice","name":"Alice","title":"Engineer","type":"NeprofileUser"}}`})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	u := decode(t, b)["user"].(map[string]any)
	if u["id"] != SeededNERMUsers[1] || u["name"] != "Alice" || u["title"] != "Engineer" {
		t.Errorf("reply %v, want user %s named Alice, title Engineer", u, SeededNERMUsers[1])
	}
}

// profileByKey is a PATCH /user_profiles body with one item as the SDK sends it: no id, the
// relationship named by the seeded user and profile and the given attribute.
func profileByKey(attr, relationship string) string {
	return fmt.Sprintf(`{"user_profiles":[{"ne_attribute_id":%q,"profile_id":%q,"relationship_type":%q,"user_id":%q}]}`,
		attr, SeededProfiles[0], relationship, SeededNERMUsers[0])
}

func TestUserProfilesByKey(t *testing.T) {
	srv := httptest.NewServer(New(Options{}))
	defer srv.Close()
	patch := func(body string) (int, map[string]any) {
		t.Helper()
		resp, b := send(t, srv, call{method: "PATCH", path: "/api/user_profiles", header: jsonHeader(), body: body})
		return resp.StatusCode, decode(t, b)
	}
	byID := func(id string) map[string]any {
		t.Helper()
		status, got := patch(`{"user_profiles": [{"id": "` + id + `"}]}`)
		if status != 200 {
			t.Fatalf("read %s back: %d %v", id, status, got)
		}
		return got["user_profiles"].([]any)[0].(map[string]any)
	}

	status, got := patch(profileByKey(strings.ToUpper(SeededProfiles[1]), "contributor"))
	if status != 200 {
		t.Fatalf("by key: %d %v", status, got)
	}
	p := got["user_profiles"].([]any)[0].(map[string]any)
	if p["id"] != SeededProfiles[1] || p["relationship_type"] != "contributor" || p["ne_attribute_id"] != SeededProfiles[1] {
		t.Errorf("by key: %v, want relationship %s, now contributor, its attribute unchanged", p, SeededProfiles[1])
	}
	if p := byID(SeededProfiles[1]); p["relationship_type"] != "contributor" {
		t.Errorf("the update did not stay: %v", p)
	}

	// A batch with one item that matches nothing applies nothing, and says which item.
	status, got = patch(`{"user_profiles": [` +
		`{"id": "` + SeededProfiles[2] + `", "relationship_type": "contributor"},` +
		`{"user_id": "` + SeededNERMUsers[3] + `", "profile_id": "` + SeededProfiles[0] + `", "ne_attribute_id": "` + SeededProfiles[2] + `"}]}`)
	errs, _ := got["errors"].(map[string]any)
	if status != 400 || errs["user_profiles[1]"] == nil || len(errs) != 1 {
		t.Errorf("no match: %d %v, want 400 naming user_profiles[1] alone", status, got)
	}
	if p := byID(SeededProfiles[2]); p["relationship_type"] != "owner" {
		t.Errorf("a refused batch was applied in part: %v", p)
	}

	// An unknown id is named as the id.
	status, got = patch(`{"user_profiles": [{"id": "11111111-2222-4333-8444-555555555555"}]}`)
	errs, _ = got["errors"].(map[string]any)
	if status != 400 || errs["user_profiles[0].id"] == nil {
		t.Errorf("unknown id: %d %v, want 400 naming user_profiles[0].id", status, got)
	}

	// Without an id the whole key is needed.
	status, got = patch(`{"user_profiles": [{"user_id": "` + SeededNERMUsers[0] + `", "relationship_type": "owner"}]}`)
	errs, _ = got["errors"].(map[string]any)
	if status != 400 || errs["user_profiles[0].profile_id"] == nil || errs["user_profiles[0].ne_attribute_id"] == nil || errs["user_profiles[0].user_id"] != nil {
		t.Errorf("part of the key: %d %v", status, got)
	}

	// Two relationships with the same key (made so by updates through their ids) cannot be
	// told apart without an id.
	status, _ = patch(`{"user_profiles": [{"id": "` + SeededProfiles[3] + `", "ne_attribute_id": "` + SeededProfiles[1] + `"}]}`)
	if status != 200 {
		t.Fatalf("moving %s onto %s's key: %d", SeededProfiles[3], SeededProfiles[1], status)
	}
	status, got = patch(profileByKey(SeededProfiles[1], "owner"))
	errs, _ = got["errors"].(map[string]any)
	if status != 400 || errs["user_profiles[0]"] == nil {
		t.Errorf("ambiguous key: %d %v, want 400 naming user_profiles[0]", status, got)
	}
}

func TestUserProfilesJobBranch(t *testing.T) {
	srv := httptest.NewServer(New(Options{JobThreshold: 2}))
	defer srv.Close()
	items := func(n int) string {
		var s []string
		for _, id := range SeededProfiles[:n] {
			s = append(s, `{"id": "`+id+`", "relationship_type": "contributor"}`)
		}
		return `{"user_profiles": [` + strings.Join(s, ",") + `]}`
	}
	_, b := send(t, srv, call{method: "PATCH", path: "/api/user_profiles", header: jsonHeader(), body: items(2)})
	list, ok := decode(t, b)["user_profiles"].([]any)
	if !ok || len(list) != 2 || list[1].(map[string]any)["relationship_type"] != "contributor" {
		t.Fatalf("two items: %s", b)
	}
	_, b = send(t, srv, call{method: "PATCH", path: "/api/user_profiles", header: jsonHeader(), body: items(3)})
	got := decode(t, b)
	js, ok := got["job_status"].(map[string]any)
	if !ok || js["status"] != "queued" || got["user_profiles"] != nil {
		t.Fatalf("three items, threshold 2: %s", b)
	}
}

func TestOIG(t *testing.T) {
	m := New(Options{})
	srv := httptest.NewServer(m)
	defer srv.Close()
	users := OIGBase + "/users"
	resp, b := send(t, srv, call{method: "PATCH", path: users, header: jsonHeader("X-Requested-By", "x"), body: `{"users": []}`})
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" || len(b) != 0 {
		t.Errorf("no credentials: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), b)
	}
	resp, _ = send(t, srv, call{method: "PATCH", path: users, header: jsonHeader("Authorization", basicAuth), body: `{"users": []}`})
	if resp.StatusCode != 403 {
		t.Errorf("no X-Requested-By: %d, want 403", resp.StatusCode)
	}
	resp, b = send(t, srv, call{method: "PATCH", path: users, header: jsonHeader("Authorization", basicAuth, "X-Requested-By", "x"),
		body: `{"users": [{"id": "18008", "add": [{"name": "Email", "value": "s@example.com"}], "delete": [{"name": "First Name"}], "update": [{"name": "Display Name", "value": "S R"}]}, {"id": "505"}]}`})
	if resp.StatusCode != 200 || resp.Header.Get("ResponseTime") == "" {
		t.Fatalf("patch: %d, ResponseTime %q", resp.StatusCode, resp.Header.Get("ResponseTime"))
	}
	res := decode(t, b)["users"].([]any)
	ok, fail := res[0].(map[string]any), res[1].(map[string]any)
	if ok["status"] != " SUCCESS" || ok["request"].(map[string]any)["requestId"] != "10073" {
		t.Errorf("known user: %v", ok)
	}
	if fail["status"] != " FAIL" || fail["reason"] != "IAM-2040028:User does not exists:" || fail["id"] != "505" {
		t.Errorf("unknown user: %v", fail)
	}
	attrs := m.Attributes("18008")
	if attrs["Email"] != "s@example.com" || attrs["Display Name"] != "S R" {
		t.Errorf("add and update not applied: %v", attrs)
	}
	if _, has := attrs["First Name"]; has {
		t.Errorf("delete not applied: %v", attrs)
	}

	_, b = send(t, srv, call{method: "PUT", path: users, header: jsonHeader("Authorization", basicAuth),
		body: `{"users": [{"requestId": "123", "id": "5025", "fields": [{"name": "First Name", "value": "UpdatedFN"}]}]}`})
	put := decode(t, b)["users"].([]any)[0].(map[string]any)
	fields := put["fields"].([]any)
	if put["status"] != " SUCCESS" || put["requestId"] != "123" || fields[0].(map[string]any)["value"] != "UpdatedFN LName" {
		t.Errorf("put: %v", put)
	}
	if !bytes.Contains(b, []byte(`"href":"http://`+srv.Listener.Addr().String()+OIGBase+`/users/5025"`)) {
		t.Errorf("put: no self link: %s", b)
	}
}
