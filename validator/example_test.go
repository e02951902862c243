package validator_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/url"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// Validate a recorded PATCH /users/{id} exchange against the embedded NERM and OIG specs. The
// 200 reply's uid has the 36 characters of the vendor's own example, where the schema says 32.
func Example() {
	ctx := context.Background()
	v, err := validator.Default(ctx, validator.Options{}) // compiled once; safe for concurrent use
	if err != nil {
		log.Fatal(err)
	}
	u, _ := url.Parse("https://acme.nonemployee.com/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e")
	json := http.Header{"Content-Type": {"application/json"}}
	res := v.Validate(ctx, validator.Exchange{
		Request: &validator.Request{Method: "PATCH", URL: u, Header: json,
			Body: []byte(`{"user": {"id": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e", "name": "bob"}}`)},
		Response: &validator.Response{Status: 200, Header: json,
			Body: []byte(`{"user": {"uid": "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"}}`)},
	})
	fmt.Println(res.Operation, res.Valid())
	for _, x := range res.Violations {
		fmt.Println(x.Rule, x.Instance, x.Schema) // x.Line is the keyword's line in that file
	}
	// Output:
	// patchUser false
	// response.body.schema /user/uid specs/nerm-lifecycle.yaml#/components/schemas/Uid/maxLength
}

// Validate a request alone (a nil Response), as a proxy does before forwarding it: OIG's Patch
// Users requires the X-Requested-By header.
func ExampleValidator_Validate_request() {
	ctx := context.Background()
	v, err := validator.Default(ctx, validator.Options{})
	if err != nil {
		log.Fatal(err)
	}
	u, _ := url.Parse("https://oig.example.com/iam/governance/selfservice/api/v1/users")
	res := v.Validate(ctx, validator.Exchange{Request: &validator.Request{
		Method: "PATCH", URL: u,
		Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Basic dXNlcm5hbWU6cGFzc3dvcmQ="}},
		Body:   []byte(`{"users": [{"id": "18008", "update": [{"name": "Display Name", "value": "x"}]}]}`),
	}})
	for _, x := range res.Violations {
		fmt.Println(x.Rule, x.Instance)
	}
	// Output:
	// request.param.missing X-Requested-By
}

// Validate against your own spec: load it with package specs (relative $refs to other files are
// followed), then compile it with New.
func ExampleNew() {
	ctx := context.Background()
	docs, err := specs.LoadFiles(ctx, "../specs/oig-selfservice.yaml")
	if err != nil {
		log.Fatal(err)
	}
	v, err := validator.New(docs, validator.Options{})
	if err != nil {
		log.Fatal(err)
	}
	u, _ := url.Parse("https://acme.nonemployee.com/api/users/1")
	res := v.Validate(ctx, validator.Exchange{Request: &validator.Request{Method: "PATCH", URL: u}})
	fmt.Println(res.OutOfScope != "") // a NERM path is outside the OIG spec's base paths
	// Output:
	// true
}
