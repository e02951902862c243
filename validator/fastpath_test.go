package validator

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/schema"
)

// seedBodies are bodies of every shape the four operations see.
var seedBodies = []string{
	`{"user_profiles":[{"id":"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e","uid":"db6f8e8b65c247d5a0db90bcc4e9df9e","user_id":"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e","relationship_type":"owner"}]}`,
	`{"info":"job has started","job_status":{"job_id":"3ce88e47ad6dba2ddf349d21","status":"queued"},"status":200}`,
	`{"user":{"id":"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e","uid":"db6f8e8b65c247d5a0db90bcc4e9df9e","name":"bob","email":"example@sailpoint.com","type":"NeprofileUser","status":"Active","admin":false,"last_login":"2023-05-01T09:12:28Z"}}`,
	`{"error":"Invalid JSON syntax. Please check your syntax and try again."}`,
	`{"error":"The <object> failed to create/update","errors":{"attribute":"can't be blank"}}`,
	`{"users":[{"id":"18008","add":[{"name":"Last Name","value":"x"}],"delete":[{"name":"First Name"}],"update":[{"name":"Display Name","value":"y"}]}]}`,
	`{"users":[{"links":[{"rel":"self","href":"http://pseudo.com/iam/governance/selfservice/api/v1/users/18008"}],"id":"18008","status":" SUCCESS","request":{"links":[],"requestId":"10073"}}]}`,
	`{"users":[{"requestId":"123","id":"5025","fields":[{"name":"First Name","value":"UpdatedFN"}]}]}`,
	`{"users":[{"requestId":"123","status":" FAIL","reason":"IAM-2040028:User does not exists:","id":"505","fields":[]}]}`,
	`{"name":"Rex","secret":"s","weight":0.5,"owner":{"email":"a@b.co","since":"2024-01-01T00:00:00Z"}}`,
	`[{"id":1,"name":null}]`,
	`{"id":"ab","name":"a","count":3,"ratio":0.5,"tags":["a@b.co"],"extra":{"n":1},"kind":{"meow":true},"any":"x","both":{"a":1},"secret":"s"}`,
	`{"id":"ab","name":null,"tags":["a@b.co","c@d.co","e@f.co"]}`,
	`{"version":2,"pair":["a",1],"open":["a",true,false],"never":1}`,
	`{"path":"docs/letter.pdf","blob":"QUJD","twice":"abab","plain":"abc","broken":"abc","regex":"^(?!x)","nothing":null}`,
}

// testSets are the compiled schemas of the embedded specs and of the test specs, which use every
// keyword the fast path knows.
func testSets(t *testing.T) []*schemaSet {
	return []*schemaSet{
		defaultValidator(t, Options{}).schema,
		load(t, "testdata/split", "openapi.yaml").schema,
		load(t, "testdata", "ambiguous.yaml").schema,
		load(t, "testdata", "keywords.yaml").schema,
		load(t, "testdata", "keywords31.yaml").schema,
		load(t, "../specs/testdata/vendor", "openapi.yaml").schema,
		load(t, "testdata/schema31", "patterns.yaml").schema,
	}
}

// mutations derives variants of v: each value replaced by values of other types and edge
// lengths, each object key removed, an unknown key added.
func mutations(v any) []any {
	replacements := []any{nil, true, json.Number("7"), json.Number("1.5"), json.Number("3000000000"), json.Number("-1"), json.Number("0"), "", "x",
		"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "db6f8e8b65c247d5a0db90bcc4e9df9e", "not-an-email", "2024-13-01T00:00:00Z", "owner", " SUCCESS", "SUCCESS",
		map[string]any{}, []any{}, map[string]any{"job_status": map[string]any{}}, map[string]any{"errors": map[string]any{}}}
	var out []any
	var walk func(cur any, set func(any))
	walk = func(cur any, set func(any)) {
		for _, r := range replacements {
			set(r)
			out = append(out, deepCopy(v))
		}
		set(cur)
		switch t := cur.(type) {
		case map[string]any:
			for k, e := range t {
				delete(t, k)
				out = append(out, deepCopy(v))
				t[k] = e
				walk(e, func(n any) { t[k] = n })
			}
			t["zz_unknown"] = "x"
			out = append(out, deepCopy(v))
			delete(t, "zz_unknown")
		case []any:
			for i, e := range t {
				walk(e, func(n any) { t[i] = n })
			}
		}
	}
	root := deepCopy(v)
	v = root
	walk(root, func(n any) { v = n })
	return out
}

// testInstances are the seed bodies and every mutation of them.
func testInstances(t *testing.T) []any {
	var instances []any
	for _, b := range seedBodies {
		x, _, err := schema.Decode([]byte(b))
		if err != nil {
			t.Fatal(err)
		}
		instances = append(instances, x)
		instances = append(instances, mutations(x)...)
	}
	return instances
}

// TestFastPathAgreesWithJSONSchema compares the fast path's verdict with jsonschema/v5's for
// every compiled schema of the embedded and test specs on thousands of derived instances.
func TestFastPathAgreesWithJSONSchema(t *testing.T) {
	sets, instances := testSets(t), testInstances(t)
	checked, fastCount := 0, 0
	for _, set := range sets {
		for _, sch := range set.compiled {
			if !sch.Walked() {
				continue
			}
			fastCount++
			for _, inst := range instances {
				want := sch.ReferenceValid(inst)
				if got := sch.Valid(inst); got != want {
					b, _ := json.Marshal(inst)
					t.Fatalf("%s: fast path says valid=%v, jsonschema/v5 says %v, for %s", sch.Location(), got, want, b)
				}
				checked++
			}
		}
	}
	if fastCount < 20 || checked < 10000 {
		t.Fatalf("only %d schemas and %d verdicts compared", fastCount, checked)
	}
	t.Logf("%d schemas, %d verdicts compared", fastCount, checked)
}

// FuzzFastPathAgreesWithJSONSchema feeds arbitrary JSON to both validators and compares their
// verdicts and diagnoses.
func FuzzFastPathAgreesWithJSONSchema(f *testing.F) {
	for _, b := range seedBodies {
		f.Add([]byte(b))
	}
	sets := []*schemaSet{defaultValidator(f, Options{}).schema, load(f, "testdata/schema31", "patterns.yaml").schema}
	f.Fuzz(func(t *testing.T, body []byte) {
		inst, issues, err := schema.Decode(body)
		if err != nil || len(issues) > 0 {
			return
		}
		for _, set := range sets {
			for _, sch := range set.compiled {
				if sch.Walked() {
					if got, want := sch.Valid(inst), sch.ReferenceValid(inst); got != want {
						t.Fatalf("%s: fast=%v jsonschema=%v for %s", sch.Location(), got, want, fmt.Sprintf("%q", body))
					}
					full := sch.Reference(inst, "the body")
					if got, want := failureKey(sch.Check(inst, "the body")), failureKey(full); got != want {
						t.Fatalf("%s on %q:\nfast path:\n%s\njsonschema/v5:\n%s", sch.Location(), body, got, want)
					}
				}
			}
		}
	})
}

// failureKey writes failures in one order, everything they say included.
func failureKey(fs []schema.Failure) string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s %s %s:%d %s %+v", f.Instance, f.Keyword, f.Schema, f.Line, f.Message, f.Branches)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestFastDiagnosisEqualsJSONSchemaDiagnosis checks that the fast path's diagnosis reports exactly
// the failures jsonschema/v5 reports on the whole instance: same instances, keywords, spec locations, messages and oneOf/anyOf branches.
func TestFastDiagnosisEqualsJSONSchemaDiagnosis(t *testing.T) {
	sets, instances := testSets(t), testInstances(t)
	compared := 0
	keywords := map[string]bool{}
	for _, set := range sets {
		for _, sch := range set.compiled {
			if !sch.Walked() {
				continue
			}
			for _, inst := range instances {
				full := sch.Reference(inst, "the body")
				fast := sch.Check(inst, "the body")
				if len(full) == 0 && len(fast) == 0 {
					continue
				}
				if got, want := failureKey(fast), failureKey(full); got != want {
					b, _ := json.Marshal(inst)
					t.Fatalf("%s on %s:\nfast path:\n%s\njsonschema/v5:\n%s", sch.Location(), b, got, want)
				}
				for _, f := range fast {
					keywords[f.Keyword] = true
					for _, br := range f.Branches {
						for _, e := range br.Errors {
							keywords[e.Keyword] = true
						}
					}
				}
				compared++
			}
		}
	}
	if compared < 1000 {
		t.Fatalf("only %d invalid instances compared", compared)
	}
	// The fast path diagnosed them itself (false schemas too, keywords31.yaml).
	handedOver := int64(0)
	for _, set := range sets {
		for _, c := range set.compilers {
			handedOver += c.HandedOver()
		}
	}
	if handedOver > 0 {
		t.Errorf("%d of %d diagnoses were left to jsonschema/v5", handedOver, compared)
	}
	// Every keyword the fast path diagnoses itself was exercised.
	for _, kw := range []string{"type", "enum", "const", "format", "minProperties", "maxProperties", "required", "additionalProperties",
		"minItems", "maxItems", "minLength", "maxLength", "pattern", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum",
		"not", "anyOf", "oneOf", kwForbidReadOnly, kwForbidWriteOnly} {
		if !keywords[kw] {
			t.Errorf("no failure of %s was compared", kw)
		}
	}
	t.Logf("%d diagnoses compared, %d parts left to jsonschema/v5", compared, handedOver)
}
