package schema

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// keywordCases hold each keyword of the table to its job: a schema that uses it, instances it
// accepts, and instances it refuses. A refused instance fails the keyword itself, or for an
// applicator a keyword of its subschemas (fails). The walk must evaluate the schema itself,
// accept without allocating (but for allocs: big.Rat arithmetic, regexp2) and explain exactly
// as jsonschema/v5 does.
var keywordCases = []struct {
	keyword string
	schema  string
	valid   []string
	invalid []string
	fails   string
	allocs  bool
}{
	{"type", `{"type":["integer","null"]}`, []string{`1`, `null`, `1.0`, `123456789012345678901234567890`}, []string{`1.5`, `"1"`, `[]`}, "", true},
	{"const", `{"const":{"a":[1,2]}}`, []string{`{"a":[1,2.0]}`}, []string{`{"a":[2,1]}`, `1`}, "", true},
	{"enum", `{"enum":["a",1,null]}`, []string{`"a"`, `1.0`, `null`}, []string{`"b"`, `true`}, "", true},
	{"format", `{"format":"email"}`, []string{`"a@b.co"`, `7`}, []string{`"nobody"`}, "", true},
	{"minProperties", `{"minProperties":1}`, []string{`{"a":1}`, `[]`}, []string{`{}`}, "", false},
	{"maxProperties", `{"maxProperties":1}`, []string{`{"a":1}`}, []string{`{"a":1,"b":2}`}, "", false},
	{"required", `{"required":["a","b"]}`, []string{`{"a":1,"b":2}`, `"x"`}, []string{`{"a":1}`, `{}`}, "", false},
	{"properties", `{"properties":{"a":{"type":"string"},"b/c":{"type":"string"}}}`, []string{`{"a":"x","z":1}`}, []string{`{"a":1}`, `{"b/c":1}`}, "type", false},
	{"additionalProperties", `{"properties":{"a":{}},"additionalProperties":false}`, []string{`{"a":1}`}, []string{`{"a":1,"b":2,"c":3}`}, "", false},
	{"additionalProperties", `{"properties":{"a":{}},"additionalProperties":{"type":"integer"}}`, []string{`{"a":"x","b":2}`}, []string{`{"b":"x"}`}, "type", false},
	{"patternProperties", `{"patternProperties":{"^x-":{"type":"string"},"id$":{"type":"integer"}}}`, []string{`{"x-a":"s","bid":1,"z":true}`, `[]`},
		[]string{`{"x-a":1}`, `{"x-id":"s"}`, `{"a/id":"s"}`}, "type", false},
	{"additionalProperties", `{"properties":{"a":{}},"patternProperties":{"^x-":{}},"additionalProperties":false}`, []string{`{"a":1,"x-b":2}`}, []string{`{"a":1,"b":2,"x":3}`}, "", false},
	{"additionalProperties", `{"patternProperties":{"^x-":{}},"additionalProperties":{"type":"integer"}}`, []string{`{"x-a":"s","b":2}`}, []string{`{"b":"x"}`}, "type", false},
	{"minItems", `{"minItems":2}`, []string{`[1,2]`, `{}`}, []string{`[1]`}, "", false},
	{"maxItems", `{"maxItems":1}`, []string{`[1]`}, []string{`[1,2]`}, "", false},
	{"prefixItems", `{"prefixItems":[{"type":"string"},{"type":"integer"}],"items":{"type":"boolean"}}`, []string{`["a",1]`, `["a"]`, `["a",1,true]`}, []string{`[1]`, `["a","b"]`, `["a",1,2]`}, "type", false},
	{"items", `{"items":{"type":"integer"}}`, []string{`[1,2]`}, []string{`[1,"2"]`}, "type", false},
	{"uniqueItems", `{"uniqueItems":true}`, []string{`[1,"1",[1],{"a":1},{"a":2}]`, `{}`, `[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29]`},
		[]string{`[1,2,1.0]`, `[{"a":1,"b":[true]},{"b":[true],"a":1}]`, `[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,{"a":[1]},{"a":[1.0]}]`, `[[0],[-0.0]]`}, "", true},
	{"contains", `{"contains":{"type":"integer"}}`, []string{`["a",1]`, `{}`}, []string{`["a"]`, `[]`}, "minContains", false},
	{"minContains", `{"contains":{"const":"x"},"minContains":2,"maxContains":3}`, []string{`["x","x","y"]`, `["x","x","x"]`}, []string{`["x","y"]`}, "", false},
	{"maxContains", `{"contains":{"const":"x"},"minContains":2,"maxContains":3}`, []string{`["x","x","x","y"]`}, []string{`["x","x","x","x"]`}, "", false},
	{"minContains", `{"contains":{"const":1},"minContains":0}`, []string{`[]`, `[2]`}, nil, "", false},
	{"items", `{"prefixItems":[{"type":"string"}],"items":false}`, []string{`["a"]`, `[]`}, []string{`["a",1]`, `["a",1,2]`}, "", false},
	{"properties", `{"properties":{"a":false,"b":true}}`, []string{`{"b":1}`}, []string{`{"a":1}`}, "false", false},
	{"minLength", `{"minLength":2}`, []string{`"éé"`, `1`}, []string{`"é"`}, "", false},
	{"maxLength", `{"maxLength":2}`, []string{`"éé"`}, []string{`"abc"`}, "", false},
	{"minLength", `{"minLength":3,"maxLength":3}`, []string{`"abc"`}, []string{`"ab"`}, "", false},
	{"pattern", `{"pattern":"^a+$"}`, []string{`"aa"`}, []string{`"ab"`}, "", false},
	{"pattern", `{"` + KeywordECMAPattern + `":"^(?!https://)"}`, []string{`"docs/a.pdf"`}, []string{`"https://x.test"`}, "", true},
	{"minimum", `{"minimum":10}`, []string{`10`, `10.5`, `1e3`}, []string{`9`, `9.99`, `-99999999999999999999`}, "", true},
	{"exclusiveMinimum", `{"exclusiveMinimum":0.5}`, []string{`1`}, []string{`0.5`, `0`}, "", true},
	{"maximum", `{"maximum":-1}`, []string{`-1`, `-2.5`}, []string{`0`, `99999999999999999999`}, "", true},
	{"exclusiveMaximum", `{"exclusiveMaximum":3}`, []string{`2`}, []string{`3`, `3.0`}, "", false},
	{"multipleOf", `{"multipleOf":3}`, []string{`9`, `-3`, `0`, `"x"`}, []string{`10`, `4.5`, `99999999999999999998`}, "", false},
	{"multipleOf", `{"multipleOf":0.01}`, []string{`0.07`, `19.99`}, []string{`0.075`}, "", true},
	{"$ref", `{"$defs":{"n":{"type":"integer"}},"properties":{"a":{"$ref":"#/$defs/n"}}}`, []string{`{"a":1}`}, []string{`{"a":"x"}`}, "type", false},
	{"not", `{"not":{"required":["secret"]}}`, []string{`{"a":1}`}, []string{`{"secret":1}`}, "", false},
	{"allOf", `{"allOf":[{"type":"object"},{"required":["a"]}]}`, []string{`{"a":1}`}, []string{`{}`}, "required", false},
	{"anyOf", `{"anyOf":[{"type":"string"},{"minimum":3}]}`, []string{`"x"`, `4`}, []string{`2`}, "", false},
	{"oneOf", `{"oneOf":[{"type":"integer"},{"minimum":3}]}`, []string{`1`, `3.5`}, []string{`4`, `1.5`}, "", true},
	{"dependentRequired", `{"dependentRequired":{"radius":["unit","scale"],"a~b":["c"]}}`, []string{`{"radius":1,"unit":"m","scale":2}`, `{"unit":"m"}`, `[]`},
		[]string{`{"radius":1}`, `{"radius":1,"scale":1}`, `{"a~b":1}`}, "", false},
	{"dependentSchemas", `{"dependentSchemas":{"radius":{"required":["unit"]},"side":{"properties":{"unit":{"const":"cm"}}}}}`,
		[]string{`{"radius":1,"unit":"m"}`, `{"side":1,"unit":"cm"}`, `{"unit":"m"}`, `[]`}, []string{`{"radius":1}`, `{"radius":1,"side":1}`}, "required", false},
	{"propertyNames", `{"propertyNames":{"maxLength":3,"pattern":"^[a-z]+$"}}`, []string{`{"abc":1,"x":2}`, `{}`, `"abcdef"`},
		[]string{`{"a1":1}`, `{"abcd":"x","A":2}`, `{"a~b/c":1}`}, "pattern", true},
	{"if", `{"if":{"required":["kind"]},"then":{"properties":{"kind":{"enum":["a","b"]}}},"else":{"required":["id"]}}`,
		[]string{`{"kind":"a"}`, `{"id":1}`, `7`}, []string{`{"kind":"c"}`}, "enum", false},
	{"if", `{"if":{"required":["kind"]},"else":{"required":["id"]}}`, []string{`{"kind":"c"}`, `{"id":1}`}, []string{`{}`}, "required", false},
	{"if", `{"if":{"type":"string"},"then":{"minLength":2}}`, []string{`"ab"`, `1`}, []string{`"a"`}, "minLength", false},
	{"contentEncoding", `{"type":"string","contentEncoding":"base64","contentMediaType":"application/json","contentSchema":{"required":["a"]}}`,
		[]string{`"not base64!"`, `"e30="`}, []string{`1`}, "type", false},
	{"unevaluatedProperties", `{"properties":{"a":{}},"allOf":[{"properties":{"b":{}}}],"anyOf":[{"required":["c"],"properties":{"c":{}}},{"required":["d"],"properties":{"d":{}}}],"unevaluatedProperties":{"type":"integer"}}`,
		[]string{`{"a":"x","b":"x","c":"x","z":1}`, `{"d":"x","c":"x"}`, `[]`}, []string{`{"c":1,"z":"x"}`, `{"a":1,"e":"x"}`}, "type", false},
	{"unevaluatedProperties", `{"if":{"required":["k"],"properties":{"k":{}}},"then":{"properties":{"t":{}}},"else":{"properties":{"e":{}}},"unevaluatedProperties":false}`,
		[]string{`{"k":1,"t":1}`, `{"e":1}`}, []string{`{"k":1,"e":1}`, `{"t":1}`}, "unevaluatedProperties", false},
	{"unevaluatedItems", `{"prefixItems":[{}],"anyOf":[{"prefixItems":[{},{"type":"string"}]},{"contains":{"type":"integer"}}],"unevaluatedItems":false}`,
		[]string{`["x","y"]`, `[1,2]`, `{}`}, []string{`["x","y","z"]`, `["x",2,"z"]`}, "unevaluatedItems", false},
	{KeywordForbidReadOnly, `{"properties":{"id":{"` + KeywordForbidReadOnly + `":true}}}`, []string{`{"a":1}`}, []string{`{"id":1}`}, "", false},
}

func TestKeywords(t *testing.T) {
	for _, tc := range keywordCases {
		t.Run(tc.keyword, func(t *testing.T) {
			c := NewCompiler(suiteLocator{})
			const url = "https://specgate.test/keywords.json"
			if err := c.AddResource(url, tc.keyword, []byte(tc.schema)); err != nil {
				t.Fatal(err)
			}
			sch, err := c.Compile(url)
			if err != nil {
				t.Fatal(err)
			}
			if !sch.Walked() {
				t.Fatalf("%s is left to jsonschema/v5", tc.schema)
			}
			for _, text := range tc.valid {
				v, _, err := Decode([]byte(text))
				if err != nil {
					t.Fatal(err)
				}
				if !sch.Valid(v) || !sch.ReferenceValid(v) || sch.Check(v, "x") != nil {
					t.Errorf("%s refuses %s (jsonschema/v5 accepts: %v)", tc.schema, text, sch.ReferenceValid(v))
				}
				// regexp matches through a sync.Pool, which the race detector empties at random.
				pooled := raceDetector && strings.Contains(tc.schema, "attern")
				if n := testing.AllocsPerRun(10, func() { sch.Valid(v) }); n != 0 && !tc.allocs && !pooled {
					t.Errorf("accepting %s allocates %v times", text, n)
				}
			}
			for _, text := range tc.invalid {
				v, _, err := Decode([]byte(text))
				if err != nil {
					t.Fatal(err)
				}
				fails := sch.Check(v, "the value")
				if sch.Valid(v) || sch.ReferenceValid(v) || len(fails) == 0 {
					t.Fatalf("%s accepts %s (jsonschema/v5 accepts: %v)", tc.schema, text, sch.ReferenceValid(v))
				}
				kw := tc.keyword
				if tc.fails != "" {
					kw = tc.fails
				}
				if !slices.ContainsFunc(fails, func(f Failure) bool { return f.Keyword == kw }) {
					t.Errorf("%s on %s: no failure of %s in %v", tc.schema, text, kw, fails)
				}
				if got, want := fmt.Sprint(fails), fmt.Sprint(sch.Reference(v, "the value")); got != want {
					t.Errorf("%s on %s: the walk explains\n%s\njsonschema/v5\n%s", tc.schema, text, got, want)
				}
			}
		})
	}
}
