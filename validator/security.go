package validator

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// securityScheme is what a request must carry to satisfy one security scheme. Only presence is
// checked: credentials are never inspected, logged or echoed.
type securityScheme struct {
	name   string // as named in components.securitySchemes
	in     string // header, query or cookie
	key    string // header, query parameter or cookie name
	prefix string // required scheme word for Authorization ("basic", "bearer"), lower case
	label  string // "HTTP basic", "API key in header X-Key", ...
}

func securityOf(spec *openapi3.T, reqs openapi3.SecurityRequirements) ([][]securityScheme, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	var out [][]securityScheme
	for _, req := range reqs {
		if len(req) == 0 {
			return nil, nil // an empty requirement makes security optional
		}
		names := make([]string, 0, len(req))
		for n := range req {
			names = append(names, n)
		}
		sort.Strings(names)
		var all []securityScheme
		for _, n := range names {
			var ref *openapi3.SecuritySchemeRef
			if spec.Components != nil {
				ref = spec.Components.SecuritySchemes[n]
			}
			if ref == nil || ref.Value == nil {
				// A scheme the spec does not define (SailPoint's v2025 names UserContextAuth):
				// the load reports it (spec.invalid, security-requirement-scheme-undefined), and
				// what credentials it wants is unknown, so only the rest of the requirement is
				// checked.
				continue
			}
			all = append(all, schemeOf(n, ref.Value))
		}
		if len(all) == 0 {
			return nil, nil // nothing of this alternative can be checked: neither can security
		}
		out = append(out, all)
	}
	return out, nil
}

func schemeOf(name string, s *openapi3.SecurityScheme) securityScheme {
	switch s.Type {
	case "apiKey":
		return securityScheme{name: name, in: s.In, key: s.Name, label: fmt.Sprintf("API key in %s %s", s.In, s.Name)}
	case "http":
		scheme := strings.ToLower(s.Scheme)
		return securityScheme{name: name, in: "header", key: "Authorization", prefix: scheme, label: "HTTP " + scheme}
	default: // oauth2, openIdConnect: a bearer token
		return securityScheme{name: name, in: "header", key: "Authorization", prefix: "bearer", label: s.Type + " bearer token"}
	}
}

func (s securityScheme) satisfied(r *Request) bool {
	switch s.in {
	case "header":
		v := r.Header.Get(s.key)
		if v == "" {
			return false
		}
		if s.prefix == "" {
			return true
		}
		word, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		return strings.EqualFold(word, s.prefix) && strings.TrimSpace(rest) != ""
	case "query":
		return r.URL != nil && r.URL.Query().Has(s.key)
	case "cookie":
		_, err := (&http.Request{Header: r.Header}).Cookie(s.key)
		return err == nil
	}
	return false
}

// checkSecurity returns nil when some alternative is satisfied, else the sentence saying what
// is expected.
func checkSecurity(alts [][]securityScheme, r *Request) string {
	if alts == nil {
		return ""
	}
	var want []string
	for _, all := range alts {
		ok := true
		var labels []string
		for _, s := range all {
			labels = append(labels, fmt.Sprintf("%s (%s)", s.name, s.label))
			if !s.satisfied(r) {
				ok = false
			}
		}
		if ok {
			return ""
		}
		want = append(want, strings.Join(labels, " and "))
	}
	return "the request carries no credentials for " + strings.Join(want, ", or ")
}
