package validator_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"testing"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/validator"
)

func operationByID(t *testing.T, ops []validator.Operation, id string) validator.Operation {
	t.Helper()
	for _, o := range ops {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("no operation %s", id)
	return validator.Operation{}
}

// The model says what the spec documents, as the validator compiled it: where the operation is,
// its parameters, bodies and responses ($refs to shared responses followed), and the oneOfs.
func TestOperationsModel(t *testing.T) {
	v, err := validator.Default(context.Background(), validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ops := v.Operations()
	o := operationByID(t, ops, "patchUserProfiles")
	if o.Location != "specs/nerm-lifecycle.yaml#/paths/~1user_profiles/patch" || o.Line != 31 {
		t.Errorf("location = %s line %d, want the patch of /user_profiles at line 31", o.Location, o.Line)
	}
	if o.Method != "PATCH" || o.Path != "/user_profiles" || o.Spec != "specs/nerm-lifecycle.yaml" {
		t.Errorf("operation = %s %s in %s", o.Method, o.Path, o.Spec)
	}
	if fmt.Sprint(o.Statuses) != "[200 400 500]" || len(o.Responses) != 3 {
		t.Fatalf("statuses = %v, responses = %d", o.Statuses, len(o.Responses))
	}
	if o.RequestBody == nil || !o.RequestBody.Required || len(o.RequestBody.Content) != 1 || o.RequestBody.Content[0].Type != "application/json" {
		t.Fatalf("request body = %+v, want a required application/json one", o.RequestBody)
	}
	req := o.RequestBody.Content[0].Schema
	if req == nil || req.Location != "specs/nerm-lifecycle.yaml#/components/schemas/UserProfilesUpdate" {
		t.Fatalf("request schema = %+v, want UserProfilesUpdate", req)
	}
	items := req.Properties["user_profiles"].Items
	if items == nil || items.Ref == nil || items.Ref.Properties["relationship_type"] == nil {
		t.Errorf("user_profiles items = %+v, want the UserProfileUpdate component through its $ref", items)
	}
	ok := o.Responses[0].Content[0].Schema.OneOf
	if ok == nil || ok.Location != "specs/nerm-lifecycle.yaml#/paths/~1user_profiles/patch/responses/200/content/application~1json/schema/oneOf" || ok.Line != 56 {
		t.Fatalf("200 oneOf = %+v", ok)
	}
	if len(ok.Branches) != 2 || ok.Branches[0].Name != "UserProfilesResult" || ok.Branches[1].Name != "JobStatusResult" {
		t.Errorf("200 branches = %v, %v", ok.Branches[0].Name, ok.Branches[1].Name)
	}
	// 400 is a $ref to components/responses: its oneOf is located there, once for every
	// operation that uses it.
	bad := o.Responses[1].Content[0].Schema.OneOf
	if bad == nil || !strings.HasPrefix(bad.Location, "specs/nerm-lifecycle.yaml#/components/responses/BadRequest/") {
		t.Errorf("400 oneOf = %+v, want the BadRequest response's", bad)
	}
	if bad != operationByID(t, ops, "patchUser").Responses[1].Content[0].Schema.OneOf {
		t.Errorf("the shared 400 oneOf is two Choices, want one shared")
	}
	p := operationByID(t, ops, "patchUser").Parameters
	if len(p) != 1 || p[0].Key() != "path:id" || !p[0].Required || p[0].Schema == nil {
		t.Errorf("patchUser parameters = %+v, want the required path id with its schema", p)
	}
}

// Every branch the validator observes in traffic is one the model lists, at the same index,
// under the same name and line: coverage counts observations against the model.
func TestOperationsModelNamesWhatObservationsName(t *testing.T) {
	v, err := validator.Default(context.Background(), validator.Options{Observe: true})
	if err != nil {
		t.Fatal(err)
	}
	choices := map[string]map[string]*validator.Choice{} // operation → location → choice
	for _, o := range v.Operations() {
		choices[o.ID] = map[string]*validator.Choice{}
		var bodies []validator.MediaType
		if o.RequestBody != nil {
			bodies = append(bodies, o.RequestBody.Content...)
		}
		for _, r := range o.Responses {
			bodies = append(bodies, r.Content...)
		}
		for _, mt := range bodies {
			if mt.Schema == nil {
				continue
			}
			mt.Schema.Walk(func(s *validator.Shape) bool {
				for _, c := range []*validator.Choice{s.OneOf, s.AnyOf} {
					if c != nil {
						choices[o.ID][c.Location] = c
					}
				}
				return true
			})
		}
	}
	cs, exs, err := contracts.Exchanges(contracts.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	observed := 0
	for i, ex := range exs {
		p := cs[i].Path
		res := v.Validate(context.Background(), ex)
		if res.Observed == nil {
			continue
		}
		for _, b := range res.Observed.Branches {
			observed++
			c := choices[res.Operation][b.Schema]
			switch {
			case c == nil:
				t.Errorf("%s: observed %s, which the model of %s does not list", p, b.Schema, res.Operation)
			case b.Index >= len(c.Branches) || c.Branches[b.Index].Name != b.Name || c.Line != b.Line:
				t.Errorf("%s: observed branch %d %q at line %d of %s; the model has %d branches at line %d", p, b.Index, b.Name, b.Line, b.Schema, len(c.Branches), c.Line)
			}
		}
	}
	if observed < 4 {
		t.Errorf("the contracts went through %d branches, want the oneOfs of both specs", observed)
	}
}

// List what an operation documents: its responses and the media types of their bodies.
func ExampleValidator_Operations() {
	v, err := validator.Default(context.Background(), validator.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range v.Operations() {
		if o.ID != "patchUser" {
			continue
		}
		fmt.Println(o.Method, o.Path, "at", o.Location, "line", o.Line)
		for _, r := range o.Responses {
			for _, mt := range r.Content {
				fmt.Println(r.Status, mt.Type, mt.Schema.Location)
			}
		}
	}
	// Output:
	// PATCH /users/{id} at specs/nerm-lifecycle.yaml#/paths/~1users~1{id}/patch line 64
	// 200 application/json specs/nerm-lifecycle.yaml#/components/schemas/UserResult
	// 400 application/json specs/nerm-lifecycle.yaml#/components/responses/BadRequest/content/application~1json/schema
	// 500 application/json specs/nerm-lifecycle.yaml#/components/schemas/ServerError
}
