// Package mock is a stateful, in-memory stand-in for the four write endpoints specgate knows,
// behaving as the vendors' pages describe, so that the proxy, the suites and the demo have a
// realistic upstream on a loopback port.
//
// NERM (base path /api, no authentication, as the pages declare none):
//
//   - PATCH /api/users/{id} updates the seeded user the path names and answers 200
//     {"user": {...}} with its 32-character uid (the uuid without dashes, as the pages' schema
//     demands; their examples' 36 characters break it). user.id in the body is optional, as
//     SailPoint's generated SDK never sends it; when sent it must be the path id.
//   - PATCH /api/user_profiles updates seeded user-profile relationships and answers 200
//     {"user_profiles": [...]}, or, for a batch of more than Options.JobThreshold items, queues
//     it as a job and answers the job-status branch {"info", "job_status", "status"}. An item
//     names its relationship by id or, without one (the SDK's items have none), by user_id,
//     profile_id and ne_attribute_id together; then only relationship_type is updated.
//   - A body that is not JSON gets the pages' 400 syntax-error body ({"error": "Invalid JSON
//     syntax. ..."}); a well-formed body that cannot be applied (an unknown user or
//     relationship, a body id that is not the path id, a value of the wrong type or outside its
//     enum) gets the 400 record-error body
//     {"error": "The user failed to create/update", "errors": {attribute: message}}, and nothing
//     in the batch is applied. The pages document no 404, so an unknown id is a record error
//     too; the endpoints update, they never create.
//
// OIG (base path /iam/governance/selfservice/api/v1):
//
//   - PATCH and PUT /users require HTTP basic credentials (Options.Credentials; 401 with a
//     WWW-Authenticate challenge otherwise); PATCH also requires X-Requested-By (403 otherwise,
//     the status OIG's CSRF guard uses and the page documents).
//   - PATCH applies each user's add, delete and update lists; PUT applies fields. Each user is
//     answered on its own: " SUCCESS" with links and the request OIG opened, or " FAIL" with the
//     reason "IAM-2040028:User does not exists:" for an id that is not seeded. The statuses keep
//     the pages' leading space.
//   - Every answer carries ResponseTime (milliseconds, as a string).
//   - The pages document no 400 for OIG: a body that is not JSON, or has no users array, is
//     answered 500 without a body, a status the pages do document.
//
// Every response the mock sends validates against the embedded specs; TestResponsesValidate
// proves it over every contract's request and many variants. Other paths get 404 and other
// methods 405, as any server would. A Mock is safe for concurrent use.
package mock

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Base paths of the two APIs, as the specs' servers declare them.
const (
	NERMBase = "/api"
	OIGBase  = "/iam/governance/selfservice/api/v1"
)

// DefaultJobThreshold is the batch size above which PATCH /user_profiles answers with a job.
const DefaultJobThreshold = 10

// DefaultCredentials are the OIG credentials accepted by default: those of the pages' cURL
// examples (-u username:password).
var DefaultCredentials = map[string]string{"username": "password"}

// Options configures a Mock. The zero value is ready to use.
type Options struct {
	// JobThreshold: a PATCH /user_profiles batch with more items is queued as a job. Zero means
	// DefaultJobThreshold.
	JobThreshold int
	// Credentials are the OIG basic-auth user names and passwords accepted. Nil means
	// DefaultCredentials.
	Credentials map[string]string
	// Logger receives one line per request. Nil discards them.
	Logger *slog.Logger
	// Defects seeds departures from the specs, for tests that prove specgate fuzz finds them.
	// The command line never sets it: `specgate mock` always serves the conforming mock.
	Defects []Defect
}

// Defect is a departure from the specs a test can seed into the mock.
type Defect string

// The defects a test can seed, each the kind of bug that generated requests find and written
// requests miss.
const (
	// DefectLongName500: PATCH /users/{id} answers 500 to a user.name longer than 64 characters.
	DefectLongName500 Defect = "long-name-500"
	// DefectAcceptsForbiddenStatus: PATCH /users/{id} applies a user.status outside its enum.
	DefectAcceptsForbiddenStatus Defect = "accepts-forbidden-status"
	// DefectJobStatusString: PATCH /user_profiles answers a job's top-level status as a string.
	DefectJobStatusString Defect = "job-status-string"
	// DefectNoCredentials: the OIG endpoints serve a request that carries no credentials at all.
	DefectNoCredentials Defect = "no-credentials"
	// DefectUndocumentedStatus: PUT /users answers 202, a status its spec does not document.
	DefectUndocumentedStatus Defect = "undocumented-status"

	// DefectEmptyName500: PATCH /users/{id} answers 500 to an empty user.name.
	DefectEmptyName500 Defect = "empty-name-500"
	// DefectMultibyteName500: PATCH /users/{id} answers 500 to a user.name with a character
	// outside ASCII.
	DefectMultibyteName500 Defect = "multibyte-name-500"
	// DefectAdminTrue500: PATCH /users/{id} answers 500 when the optional user.admin is true.
	DefectAdminTrue500 Defect = "admin-true-500"
	// DefectEmptyBatch500: PATCH /user_profiles answers 500 to an empty user_profiles array.
	DefectEmptyBatch500 Defect = "empty-batch-500"
	// DefectContributor500: PATCH /user_profiles answers 500 when an item's relationship_type
	// is contributor, one of its enum's two values.
	DefectContributor500 Defect = "contributor-500"
	// DefectLargePutBatch500: PUT /users answers 500 to a batch of more than ten users.
	DefectLargePutBatch500 Defect = "large-put-batch-500"
	// DefectApostropheTitle500: PATCH /users/{id} answers 500 to a user.title with an
	// apostrophe (the O'Brien bug of a query built by hand).
	DefectApostropheTitle500 Defect = "apostrophe-title-500"
	// DefectAcceptsStringAdmin: PATCH /users/{id} accepts a user.admin that is a string.
	DefectAcceptsStringAdmin Defect = "accepts-string-admin"
	// DefectAcceptsTextPlain: PATCH /users/{id} applies a JSON body sent as text/plain.
	DefectAcceptsTextPlain Defect = "accepts-text-plain"
	// DefectMalformedJSON200: PATCH /user_profiles answers 200 to a body that is not JSON.
	DefectMalformedJSON200 Defect = "malformed-json-200"
	// DefectEmptyRequestedBy: OIG PATCH /users serves a request whose X-Requested-By is
	// present but empty (the spec's minLength is 1); only an absent one is refused.
	DefectEmptyRequestedBy Defect = "empty-requested-by"
	// DefectUID36: PATCH /users/{id} answers the user's uid with its dashes, 36 characters.
	DefectUID36 Defect = "uid-36"
	// DefectJobWithoutJobStatus: PATCH /user_profiles answers a job without job_status, the
	// property that branch requires.
	DefectJobWithoutJobStatus Defect = "job-without-job-status"
	// DefectNoItemsReplyBothKeys: PATCH /user_profiles answers a body without user_profiles
	// with both user_profiles and job_status, which matches no 200 branch.
	DefectNoItemsReplyBothKeys Defect = "no-items-reply-both-keys"
	// DefectRecordErrorsString: PATCH /user_profiles' 400 record-error body gives errors as a
	// string, where the spec says object.
	DefectRecordErrorsString Defect = "record-errors-string"
	// DefectOIGTextPlainReply: OIG PATCH /users answers 200 with Content-Type text/plain.
	DefectOIGTextPlainReply Defect = "oig-text-plain-reply"
	// DefectAnyPassword: the OIG endpoints accept a known user name with any password.
	DefectAnyPassword Defect = "any-password"
	// DefectBearerAccepted: the OIG endpoints, basic-only, serve any bearer token.
	DefectBearerAccepted Defect = "bearer-accepted"
	// DefectUnknownID500: PATCH /users/{id} answers 500, not the documented 400, to an id no
	// user has.
	DefectUnknownID500 Defect = "unknown-id-500"
	// DefectForgetsUpdatedUser: PATCH /users/{id} forgets a user once updated: later requests
	// for its id get the 400 for an unknown id.
	DefectForgetsUpdatedUser Defect = "forgets-updated-user"
)

// Defects lists every Defect, for tests that seed them one at a time.
var Defects = []Defect{DefectLongName500, DefectAcceptsForbiddenStatus, DefectJobStatusString, DefectNoCredentials, DefectUndocumentedStatus,
	DefectEmptyName500, DefectMultibyteName500, DefectAdminTrue500, DefectEmptyBatch500, DefectContributor500, DefectLargePutBatch500, DefectApostropheTitle500,
	DefectAcceptsStringAdmin, DefectAcceptsTextPlain, DefectMalformedJSON200, DefectEmptyRequestedBy,
	DefectUID36, DefectJobWithoutJobStatus, DefectNoItemsReplyBothKeys, DefectRecordErrorsString, DefectOIGTextPlainReply,
	DefectAnyPassword, DefectBearerAccepted, DefectUnknownID500, DefectForgetsUpdatedUser}

func (m *Mock) defect(d Defect) bool {
	for _, x := range m.opts.Defects {
		if x == d {
			return true
		}
	}
	return false
}

// Mock is the in-memory API. Build it with New; it is an http.Handler.
type Mock struct {
	opts Options
	mux  *http.ServeMux
	log  *slog.Logger

	mu       sync.Mutex
	users    map[string]*nermUser
	profiles map[string]*userProfile
	oig      map[string]map[string]string // usr_key → attribute name → value
	requests int                          // the next OIG request id
	jobs     int
}

// New returns a Mock holding the seeded users and user profiles.
func New(opts Options) *Mock {
	if opts.JobThreshold <= 0 {
		opts.JobThreshold = DefaultJobThreshold
	}
	if opts.Credentials == nil {
		opts.Credentials = DefaultCredentials
	}
	m := &Mock{opts: opts, log: opts.Logger, mux: http.NewServeMux(), requests: 10073}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.seed()
	m.mux.HandleFunc("PATCH "+NERMBase+"/users/{id}", m.patchUser)
	m.mux.HandleFunc("PATCH "+NERMBase+"/user_profiles", m.patchUserProfiles)
	m.mux.HandleFunc("PATCH "+OIGBase+"/users", m.oigUsers)
	m.mux.HandleFunc("PUT "+OIGBase+"/users", m.oigUsers)
	return m
}

// ServeHTTP answers one request and logs it.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	m.mux.ServeHTTP(sw, r)
	m.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("path", r.URL.EscapedPath()),
		slog.Int("status", sw.status), slog.Float64("ms", float64(time.Since(start).Microseconds())/1000))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// SeededNERMUsers, SeededProfiles and SeededOIGUsers list the ids the mock starts with.
var (
	SeededNERMUsers = []string{
		"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e",
		"2c7e1c3a-9a53-4a8e-8f7e-3b0a5d6c1e42",
		"7b9d4f10-1e2d-4c3b-a5f6-0d9e8c7b6a51",
		"c0ffee00-1234-4abc-8def-0123456789ab",
	}
	SeededOIGUsers = []string{"18008", "18009", "5025", "1001"}
)

// SeededProfiles are the user-profile relationship ids the mock starts with: the pages' example
// id, then 24 more, enough for a batch that becomes a job.
var SeededProfiles = func() []string {
	ids := []string{"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"}
	for i := 1; i <= 24; i++ {
		ids = append(ids, fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
	}
	return ids
}()

func (m *Mock) seed() {
	seen := time.Date(2023, 5, 1, 9, 12, 28, 0, time.UTC)
	m.users = map[string]*nermUser{}
	names := []string{"bob", "alice", "carol", "dave"}
	for i, id := range SeededNERMUsers {
		m.users[id] = &nermUser{
			ID: id, Name: names[i], Email: names[i] + "@example.com", Type: "NeprofileUser", Title: "mytitle",
			Status: "Active", Login: names[i], ProfileID: SeededProfiles[0], GroupStrings: "Developer_group",
			LastLogin: seen, CookiesAcceptedAt: seen, PreferredLanguage: "en-US",
		}
	}
	m.profiles = map[string]*userProfile{}
	for _, id := range SeededProfiles {
		m.profiles[id] = &userProfile{ID: id, UserID: SeededNERMUsers[0], ProfileID: SeededProfiles[0], NeAttributeID: id, RelationshipType: "owner"}
	}
	m.profiles[SeededProfiles[0]].UserID = SeededProfiles[0] // as on the page, where every id is the same
	m.oig = map[string]map[string]string{
		"18008": {"User Login": "SUPRIYA", "First Name": "Supriya", "Last Name": "Rao", "Display Name": "Supriya Rao"},
		"18009": {"User Login": "ARUN", "First Name": "Arun", "Last Name": "Iyer", "Display Name": "Arun Iyer"},
		"5025":  {"User Login": "FLNAME", "First Name": "FName", "Last Name": "LName", "Display Name": "FName LName"},
		"1001":  {"User Login": "JDOE", "First Name": "John", "Last Name": "Doe", "Display Name": "John Doe"},
	}
}

// NERM

type nermUser struct {
	ID, Name, Email, Type, Title, Status, Login, ProfileID, GroupStrings string
	Admin                                                                bool
	LastLogin, CookiesAcceptedAt                                         time.Time
	PreferredLanguage                                                    string
	forgotten                                                            bool // DefectForgetsUpdatedUser
}

// nermUserJSON is a user as PATCH /users/{id} returns it (the page's 200 schema).
type nermUserJSON struct {
	ID                string `json:"id"`
	UID               string `json:"uid"`
	Name              string `json:"name"`
	Email             string `json:"email"`
	Type              string `json:"type"`
	Title             string `json:"title"`
	Status            string `json:"status"`
	Login             string `json:"login"`
	LastLogin         string `json:"last_login"`
	CookiesAcceptedAt string `json:"cookies_accepted_at"`
	PreferredLanguage string `json:"preferred_language"`
}

func (u *nermUser) json() nermUserJSON {
	return nermUserJSON{
		ID: u.ID, UID: uid(u.ID), Name: u.Name, Email: u.Email, Type: u.Type, Title: u.Title, Status: u.Status,
		Login: u.Login, LastLogin: u.LastLogin.Format(time.RFC3339), CookiesAcceptedAt: u.CookiesAcceptedAt.Format(time.RFC3339),
		PreferredLanguage: u.PreferredLanguage,
	}
}

// uid is the 32-character uid of an id: its hex digits without dashes.
func uid(id string) string { return strings.ReplaceAll(id, "-", "") }

type userProfile struct {
	ID               string `json:"id"`
	UID              string `json:"uid"`
	UserID           string `json:"user_id"`
	ProfileID        string `json:"profile_id"`
	NeAttributeID    string `json:"ne_attribute_id"`
	RelationshipType string `json:"relationship_type"`
}

// The pages' two 400 bodies.
const syntaxErrorMessage = "Invalid JSON syntax. Please check your syntax and try again."

type recordError struct {
	Error  string            `json:"error"`
	Errors map[string]string `json:"errors"`
}

// nermBody reads a NERM request body as a JSON object, or answers the 400 the pages document
// and returns false.
func (m *Mock) nermBody(w http.ResponseWriter, r *http.Request, object string) (map[string]any, bool) {
	if !isJSON(r.Header.Get("Content-Type")) && !(m.defect(DefectAcceptsTextPlain) && object == "user") {
		writeJSON(w, http.StatusBadRequest, recordError{Error: "The " + object + " failed to create/update", Errors: map[string]string{"Content-Type": "must be application/json"}})
		return nil, false
	}
	var v any
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<20))
	err := dec.Decode(&v)
	if err == nil {
		_, err = dec.Token()
		if err == io.EOF {
			err = nil
		} else if err == nil {
			err = fmt.Errorf("data after the JSON value")
		}
	}
	if err != nil && m.defect(DefectMalformedJSON200) && object == "user profile" {
		return map[string]any{}, true
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": syntaxErrorMessage})
		return nil, false
	}
	obj, ok := v.(map[string]any)
	if !ok {
		writeJSON(w, http.StatusBadRequest, recordError{Error: "The " + object + " failed to create/update", Errors: map[string]string{"base": "the body must be a JSON object"}})
		return nil, false
	}
	return obj, true
}

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	emailRE = regexp.MustCompile(`^[A-Za-z0-9_%+-]+(\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$`)
)

func (m *Mock) patchUser(w http.ResponseWriter, r *http.Request) {
	body, ok := m.nermBody(w, r, "user")
	if !ok {
		return
	}
	fail := func(errs map[string]string) {
		writeJSON(w, http.StatusBadRequest, recordError{Error: "The user failed to create/update", Errors: errs})
	}
	id := r.PathValue("id")
	if !uuidRE.MatchString(id) {
		fail(map[string]string{"id": "is not a valid UUID"})
		return
	}
	fields, ok := body["user"].(map[string]any)
	if !ok {
		fail(map[string]string{"user": "can't be blank"})
		return
	}
	errs := map[string]string{}
	// The path names the user; a body id may repeat it (the page's example does) but never
	// redirect the update to another user.
	if v, present := fields["id"]; present {
		if bodyID, isString := v.(string); !isString || !strings.EqualFold(bodyID, id) {
			errs["id"] = "must be the id in the path"
		}
	}
	str := func(name string, check func(string) bool, msg string) {
		v, present := fields[name]
		if !present {
			return
		}
		s, isString := v.(string)
		if !isString {
			errs[name] = "must be a string"
		} else if check != nil && !check(s) {
			errs[name] = msg
		}
	}
	oneOf := func(vals ...string) func(string) bool {
		return func(s string) bool {
			for _, v := range vals {
				if s == v {
					return true
				}
			}
			return false
		}
	}
	str("name", nil, "")
	str("email", func(s string) bool { return len(s) <= 254 && emailRE.MatchString(s) }, "is not a valid email address")
	str("type", oneOf("NeprofileUser", "NeaccessUser"), "must be NeprofileUser or NeaccessUser")
	str("profile_id", uuidRE.MatchString, "is not a valid UUID")
	str("title", nil, "")
	if m.defect(DefectAcceptsForbiddenStatus) {
		str("status", nil, "")
	} else {
		str("status", oneOf("Active", "Disabled"), "must be Active or Disabled")
	}
	str("login", nil, "")
	str("group_strings", nil, "")
	if v, present := fields["admin"]; present {
		if _, isBool := v.(bool); !isBool && !m.defect(DefectAcceptsStringAdmin) {
			errs["admin"] = "must be true or false"
		}
	}
	if len(errs) > 0 {
		fail(errs)
		return
	}
	name, hasName := fields["name"].(string)
	admin, _ := fields["admin"].(bool)
	title, _ := fields["title"].(string)
	if m.defect(DefectLongName500) && len(name) > 64 || m.defect(DefectEmptyName500) && hasName && name == "" ||
		m.defect(DefectMultibyteName500) && !ascii(name) || m.defect(DefectAdminTrue500) && admin ||
		m.defect(DefectApostropheTitle500) && strings.Contains(title, "'") {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "Sorry something went wrong"})
		return
	}
	m.mu.Lock()
	u, found := m.users[strings.ToLower(id)]
	if !found && m.defect(DefectUnknownID500) {
		m.mu.Unlock()
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "Sorry something went wrong"})
		return
	}
	if !found || u.forgotten {
		m.mu.Unlock()
		fail(map[string]string{"id": "no user has this id"})
		return
	}
	setStrings(fields, map[string]*string{"name": &u.Name, "email": &u.Email, "type": &u.Type, "profile_id": &u.ProfileID,
		"title": &u.Title, "status": &u.Status, "login": &u.Login, "group_strings": &u.GroupStrings})
	if b, isBool := fields["admin"].(bool); isBool {
		u.Admin = b
	}
	out := u.json()
	if m.defect(DefectUID36) {
		out.UID = u.ID
	}
	u.forgotten = m.defect(DefectForgetsUpdatedUser)
	m.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"user": out})
}

func (m *Mock) patchUserProfiles(w http.ResponseWriter, r *http.Request) {
	body, ok := m.nermBody(w, r, "user profile")
	if !ok {
		return
	}
	fail := func(errs map[string]string) {
		if m.defect(DefectRecordErrorsString) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "The user profile failed to create/update", "errors": fmt.Sprint(errs)})
			return
		}
		writeJSON(w, http.StatusBadRequest, recordError{Error: "The user profile failed to create/update", Errors: errs})
	}
	raw, present := body["user_profiles"]
	if !present {
		reply := map[string]any{"user_profiles": []userProfile{}}
		if m.defect(DefectNoItemsReplyBothKeys) {
			reply["job_status"] = map[string]string{"job_id": "0", "status": "none"}
		}
		writeJSON(w, http.StatusOK, reply)
		return
	}
	items, ok := raw.([]any)
	if !ok {
		fail(map[string]string{"user_profiles": "must be an array"})
		return
	}
	if len(items) == 0 && m.defect(DefectEmptyBatch500) {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "Sorry something went wrong"})
		return
	}
	errs := map[string]string{}
	updates := make([]map[string]any, len(items))
	for i, it := range items {
		at := func(f string) string { return fmt.Sprintf("user_profiles[%d].%s", i, f) }
		obj, isObj := it.(map[string]any)
		if !isObj {
			errs[fmt.Sprintf("user_profiles[%d]", i)] = "must be an object"
			continue
		}
		updates[i] = obj
		for _, f := range []string{"id", "user_id", "profile_id", "ne_attribute_id"} {
			v, present := obj[f]
			if !present {
				continue
			}
			if s, isString := v.(string); !isString || !uuidRE.MatchString(s) {
				errs[at(f)] = "is not a valid UUID"
			}
		}
		if _, hasID := obj["id"]; !hasID {
			for _, f := range relationshipKey {
				if _, present := obj[f]; !present {
					errs[at(f)] = "can't be blank without an id"
				}
			}
		}
		if v, present := obj["relationship_type"]; present && v != "owner" && v != "contributor" {
			errs[at("relationship_type")] = "must be owner or contributor"
		}
	}
	if len(errs) > 0 {
		fail(errs)
		return
	}
	for _, u := range updates {
		if u["relationship_type"] == "contributor" && m.defect(DefectContributor500) {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "Sorry something went wrong"})
			return
		}
	}
	m.mu.Lock()
	found := make([]*userProfile, len(updates))
	for i, u := range updates {
		var problem string
		found[i], problem = m.findProfile(u)
		if found[i] == nil {
			key := fmt.Sprintf("user_profiles[%d]", i)
			if _, hasID := u["id"]; hasID {
				key += ".id"
			}
			errs[key] = problem
		}
	}
	if len(errs) > 0 {
		m.mu.Unlock()
		fail(errs)
		return
	}
	out := make([]userProfile, 0, len(updates))
	for i, u := range updates {
		p := found[i]
		setStrings(u, map[string]*string{"user_id": &p.UserID, "profile_id": &p.ProfileID,
			"ne_attribute_id": &p.NeAttributeID, "relationship_type": &p.RelationshipType})
		c := *p
		c.UID = uid(c.ID)
		out = append(out, c)
	}
	job := len(updates) > m.opts.JobThreshold
	if job {
		m.jobs++
	}
	jobID := fmt.Sprintf("3ce88e47ad6dba2d%08x", m.jobs)
	m.mu.Unlock()
	if job {
		var status any = 200
		if m.defect(DefectJobStatusString) {
			status = "200"
		}
		reply := map[string]any{"info": "job has started", "job_status": map[string]string{"job_id": jobID, "status": "queued"}, "status": status}
		if m.defect(DefectJobWithoutJobStatus) {
			delete(reply, "job_status")
		}
		writeJSON(w, http.StatusOK, reply)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user_profiles": out})
}

// relationshipKey names a user-profile relationship when an item has no id: the three ids
// SailPoint's generated SDK sends (its UserProfile1 model has no id field).
var relationshipKey = []string{"user_id", "profile_id", "ne_attribute_id"}

// findProfile returns the relationship an update item names, by id or else by
// relationshipKey, or nil and the reason none is found. The caller holds m.mu and has checked
// that the item's ids are UUIDs and that an item without id has the whole key.
func (m *Mock) findProfile(item map[string]any) (*userProfile, string) {
	if id, hasID := item["id"].(string); hasID {
		if p, ok := m.profiles[strings.ToLower(id)]; ok {
			return p, ""
		}
		return nil, "no user profile has this id"
	}
	user, profile, attr := item["user_id"].(string), item["profile_id"].(string), item["ne_attribute_id"].(string)
	var match *userProfile
	n := 0
	for _, p := range m.profiles {
		if strings.EqualFold(p.UserID, user) && strings.EqualFold(p.ProfileID, profile) && strings.EqualFold(p.NeAttributeID, attr) {
			match = p
			n++
		}
	}
	switch n {
	case 0:
		return nil, "no user profile has this user_id, profile_id and ne_attribute_id"
	case 1:
		return match, ""
	default:
		return nil, "more than one user profile has this user_id, profile_id and ne_attribute_id; give its id"
	}
}

// OIG

const userDoesNotExist = "IAM-2040028:User does not exists:"

type link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

type field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type oigResult struct {
	Links     []link   `json:"links"`
	RequestID string   `json:"requestId,omitempty"`
	ID        string   `json:"id"`
	Status    string   `json:"status"`
	Reason    string   `json:"reason,omitempty"`
	Request   *oigReq  `json:"request,omitempty"`
	Fields    *[]field `json:"fields,omitempty"`
}

type oigReq struct {
	Links     []link `json:"links"`
	RequestID string `json:"requestId"`
}

func (m *Mock) oigUsers(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h := w.Header()
	respTime := func() { h.Set("ResponseTime", strconv.FormatInt(time.Since(start).Milliseconds(), 10)) }
	if !m.authorized(r) {
		h.Set("WWW-Authenticate", `Basic realm="OIM"`)
		respTime()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	put := r.Method == http.MethodPut
	_, requestedBy := r.Header["X-Requested-By"]
	if !put && strings.TrimSpace(r.Header.Get("X-Requested-By")) == "" && !(requestedBy && m.defect(DefectEmptyRequestedBy)) {
		respTime()
		w.WriteHeader(http.StatusForbidden)
		return
	}
	var body struct {
		Users []json.RawMessage `json:"users"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<20))
	if !isJSON(r.Header.Get("Content-Type")) || dec.Decode(&body) != nil || body.Users == nil ||
		put && len(body.Users) > 10 && m.defect(DefectLargePutBatch500) {
		respTime()
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	base := "http://" + r.Host + OIGBase
	out := make([]oigResult, len(body.Users))
	m.mu.Lock()
	for i, raw := range body.Users {
		out[i] = m.oigUser(raw, put, base)
	}
	m.mu.Unlock()
	respTime()
	status := http.StatusOK
	if put && m.defect(DefectUndocumentedStatus) {
		status = http.StatusAccepted
	}
	if !put && m.defect(DefectOIGTextPlainReply) {
		h.Set("Content-Type", "text/plain") // writeJSON keeps a Content-Type already set
	}
	writeJSON(w, status, map[string]any{"users": out})
}

// oigItem is one user of a PATCH or PUT body, as far as the mock reads it.
type oigItem struct {
	ID        any               `json:"id"`
	RequestID any               `json:"requestId"`
	Add       []json.RawMessage `json:"add"`
	Delete    []json.RawMessage `json:"delete"`
	Update    []json.RawMessage `json:"update"`
	Fields    []json.RawMessage `json:"fields"`
}

// oigUser applies one user's changes; the caller holds m.mu.
func (m *Mock) oigUser(raw json.RawMessage, put bool, base string) oigResult {
	var it oigItem
	err := json.Unmarshal(raw, &it)
	id, _ := it.ID.(string)
	res := oigResult{ID: id, Links: []link{{Rel: "self", Href: base + "/users/" + url.PathEscape(id)}}}
	if rid, ok := it.RequestID.(string); ok && put {
		res.RequestID = rid
	}
	fail := func(reason string) oigResult {
		res.Status, res.Reason = " FAIL", reason
		if put {
			res.Fields = &[]field{}
		}
		return res
	}
	if err != nil {
		return fail("the user entry is not an object with lists of attributes")
	}
	attrs, found := m.oig[id]
	if !found {
		return fail(userDoesNotExist)
	}
	type op struct {
		list  []json.RawMessage
		name  string
		value bool // the entries carry a value
	}
	ops := []op{{it.Fields, "fields", true}}
	if !put {
		ops = []op{{it.Add, "add", true}, {it.Delete, "delete", false}, {it.Update, "update", true}}
	}
	type change struct {
		name, value string
		del         bool
	}
	var changes []change
	for _, o := range ops {
		for j, e := range o.list {
			var f struct {
				Name  *string `json:"name"`
				Value *string `json:"value"`
			}
			if json.Unmarshal(e, &f) != nil || f.Name == nil || *f.Name == "" {
				return fail(fmt.Sprintf("%s entry %d has no attribute name", o.name, j))
			}
			c := change{name: *f.Name, del: !o.value}
			if f.Value != nil {
				c.value = *f.Value
			}
			changes = append(changes, c)
		}
	}
	for _, c := range changes {
		if c.del {
			delete(attrs, c.name)
		} else {
			attrs[c.name] = c.value
		}
	}
	rid := strconv.Itoa(m.requests)
	m.requests++
	res.Status = " SUCCESS"
	if put {
		name := strings.TrimSpace(attrs["First Name"] + " " + attrs["Last Name"])
		res.Fields = &[]field{{Name: "name", Value: name}, {Name: "iam_requestId", Value: rid}}
	} else {
		res.Request = &oigReq{Links: []link{{Rel: "self", Href: base + "/requests/" + rid}}, RequestID: rid}
	}
	return res
}

// Attributes returns a copy of an OIG user's attributes, or nil when the id is not seeded.
func (m *Mock) Attributes(usrKey string) map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	attrs, ok := m.oig[usrKey]
	if !ok {
		return nil
	}
	out := make(map[string]string, len(attrs))
	for k, v := range attrs {
		out[k] = v
	}
	return out
}

func (m *Mock) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if m.defect(DefectNoCredentials) && auth == "" || m.defect(DefectBearerAccepted) && strings.HasPrefix(auth, "Bearer ") {
		return true
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	names := make([]string, 0, len(m.opts.Credentials))
	for n := range m.opts.Credentials {
		names = append(names, n)
	}
	sort.Strings(names)
	match := 0
	for _, n := range names {
		u := subtle.ConstantTimeCompare([]byte(n), []byte(user))
		p := subtle.ConstantTimeCompare([]byte(m.opts.Credentials[n]), []byte(pass))
		if m.defect(DefectAnyPassword) {
			p = 1
		}
		match |= u & p
	}
	return match == 1
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // the mock's own values always marshal; the pages' 500 body if not
		status, b = http.StatusInternalServerError, []byte(`{"error":"Sorry something went wrong"}`)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// setStrings copies the string fields of a request object into the fields they name; a field
// absent or not a string leaves its destination as it was.
func setStrings(from map[string]any, to map[string]*string) {
	for name, dst := range to {
		if s, isString := from[name].(string); isString {
			*dst = s
		}
	}
}
