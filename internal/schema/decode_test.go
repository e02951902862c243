package schema

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// decodeSeeds are bodies of the shapes the validator sees.
var decodeSeeds = []string{
	`{"user_profiles":[{"id":"db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e","uid":"db6f8e8b65c247d5a0db90bcc4e9df9e","relationship_type":"owner"}]}`,
	`{"info":"job has started","job_status":{"job_id":"3ce88e47ad6dba2ddf349d21","status":"queued"},"status":200}`,
	`{"name":"Rex","secret":"s","weight":0.5,"owner":{"email":"a@b.co","since":"2024-01-01T00:00:00Z"}}`,
	`[{"id":1,"name":null}]`,
	`{"version":2,"pair":["a",1],"open":["a",true,false],"never":1}`,
}

// FuzzDecodeAgreesWithEncodingJSON checks the decoder against encoding/json: the same
// verdict on syntax and the same value, except where specgate is stricter on purpose (invalid
// UTF-8, duplicate keys, limits).
func FuzzDecodeAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range append(decodeSeeds, `"\u00e9\ud83d\ude00\ud800x"`, `[1,-0.5e-3,true,null,{"a":[]}]`, `{"a":1,"a":2}`, "  7  ", `1e400`, `"\/\b\f\n\r\t"`, "{\"a\":\"\xff\"}") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, issues, err := Decode(data)
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		werr := dec.Decode(&want)
		if werr == nil && len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) > 0 {
			werr = errMore
		}
		switch {
		case werr != nil && err == nil:
			t.Fatalf("encoding/json refuses %q (%v), Decode accepts it", data, werr)
		case werr == nil && err != nil:
			if utf8.Valid(data) {
				t.Fatalf("encoding/json accepts %q, Decode refuses it: %v", data, err)
			}
		case werr == nil && err == nil && len(issues) == 0:
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: Decode = %#v, encoding/json = %#v", data, got, want)
			}
		}
	})
}

var errMore = &SyntaxError{Msg: "more data"}
