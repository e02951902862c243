package specs

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/specgate/specgate/internal/jsonptr"
)

// testdata/redocly is laid out as Redocly's starter and DigitalOcean's tree are: descriptions
// as $refs to Markdown files, a path item file named orders_{orderId}.yaml, content as a $ref,
// plus a duplicate operationId and an unknown field in a schema.
func TestRedoclyStyleReferences(t *testing.T) {
	docs, err := Load(context.Background(), NewSources(os.DirFS("testdata/redocly"), nil), "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range Findings(docs) {
		got = append(got, f.File+":"+itoa(f.Line)+" "+f.Rule+" #"+f.Pointer)
	}
	want := []string{
		"openapi.yaml:6 " + RuleRefText + " #/info/description/$ref",
		"openapi.yaml:18 " + RuleOperationIDDuplicate + " #/paths/~1orders~1search/get/operationId",
		"paths/orders_{orderId}.yaml:4 " + RuleRefText + " #/get/description/$ref",
		"paths/orders_{orderId}.yaml:15 " + RuleRefMisplaced + " #/get/responses/200/content/$ref",
		"schemas/Order.yaml:6 " + RuleFieldUnknown + " #/properties/id/summary",
		"schemas/Order.yaml:12 " + RuleRefMisplaced + " #/properties/customer/properties/$ref",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	spec := docs[0].Spec
	if !strings.HasPrefix(spec.Info.Description, "# Orders") {
		t.Errorf("info.description = %q, want the Markdown file's text", spec.Info.Description)
	}
	op := spec.Paths.Value("/orders/{orderId}").Get
	if op == nil || op.Description != "Returns one order.\n" {
		t.Fatalf("GET /orders/{orderId} = %+v, want it read from orders_{orderId}.yaml with its Markdown description", op)
	}
	mt := op.Responses.Value("200").Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil || mt.Schema.Value.Properties["id"] == nil {
		t.Errorf("the content $ref is inlined with its schema resolved: %+v", mt)
	}
	// kin-openapi's model has the properties a properties $ref names; the file's Value keeps
	// the $ref, for the validator to read the map where it is written.
	customer := mt.Schema.Value.Properties["customer"].Value
	if customer.Properties["name"] == nil || customer.Properties["name"].Value.MaxLength == nil {
		t.Errorf("customer properties = %+v, want name from customer-properties.yaml", customer.Properties)
	}
	order, err := docs[0].Sources.File("schemas/Order.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := jsonptr.Lookup(order.Value, "/properties/customer/properties/$ref"); v != "customer-properties.yaml" {
		t.Errorf("Order.yaml's Value at properties/customer/properties/$ref = %v", v)
	}
	// The validator reads the repaired files: the inlined content's $ref was rebased.
	f, err := docs[0].Sources.File("paths/orders_{orderId}.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := jsonptr.Lookup(f.Value, "/get/responses/200/content/application~1json/schema/$ref"); v != "../schemas/Order.yaml" {
		t.Errorf("inlined content's schema $ref = %v, want ../schemas/Order.yaml", v)
	}
}
