package validator

import (
	"net/url"
	"sort"
	"strings"
)

// router finds the operation for a method and path. It matches the server's base path and the
// path template segment by segment, without regular expressions, and ignores scheme and host:
// recordings come from tenants, staging hosts and proxies. Literal segments win over
// parameters, so /users/me is preferred to /users/{id}.
type router struct {
	bases []base
}

// base is one server base path of one document, with the templates served under it.
type base struct {
	segs      []segment
	templates []*template
}

type template struct {
	path string // as written in the spec, e.g. /users/{id}
	segs []segment
	ops  map[string]*operation // by upper-case method
}

// segment is a literal, or a parameter with an optional literal prefix and suffix
// ("{id}", "{id}.json").
type segment struct {
	literal string
	param   string
	prefix  string
	suffix  string
}

func parseTemplate(p string) []segment {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	parts := strings.Split(p, "/")
	segs := make([]segment, len(parts))
	for i, s := range parts {
		open := strings.IndexByte(s, '{')
		close := strings.LastIndexByte(s, '}')
		if open < 0 || close < open {
			segs[i] = segment{literal: s}
			continue
		}
		segs[i] = segment{prefix: s[:open], param: s[open+1 : close], suffix: s[close+1:]}
	}
	return segs
}

// serverBasePath returns the path part of a server URL ("https://{tenant}.example.com/api" →
// "/api"). Server variables in the path stay as template parameters.
func serverBasePath(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			u = u[j:]
		} else {
			u = "/"
		}
	}
	if q := strings.IndexAny(u, "?#"); q >= 0 {
		u = u[:q]
	}
	return u
}

// match reports whether the segment matches the raw (escaped) path segment s, and the
// parameter value.
func (g segment) match(s string) (string, bool) {
	if g.param == "" {
		lit, err := url.PathUnescape(s)
		if err != nil {
			lit = s
		}
		return "", lit == g.literal
	}
	if len(s) < len(g.prefix)+len(g.suffix) || !strings.HasPrefix(s, g.prefix) || !strings.HasSuffix(s, g.suffix) {
		return "", false
	}
	v := s[len(g.prefix) : len(s)-len(g.suffix)]
	if v == "" {
		return "", false
	}
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	return v, true
}

// routeMatch is the outcome of routing.
type routeMatch struct {
	op         *operation
	params     map[string]string // path parameters, unescaped
	inBase     bool              // the path lies under some server base path
	pathKnown  bool              // a path template matched, whatever the method
	allowed    []string          // methods documented for the matched path
	templateOf string
}

func (r *router) find(method, rawPath string) routeMatch {
	if rawPath == "" {
		rawPath = "/"
	}
	parts := strings.Split(strings.Trim(rawPath, "/"), "/")
	if strings.Trim(rawPath, "/") == "" {
		parts = nil
	}
	var res routeMatch
	method = strings.ToUpper(method)
	for _, b := range r.bases {
		if len(parts) < len(b.segs) {
			continue
		}
		ok := true
		for i, s := range b.segs {
			if _, m := s.match(parts[i]); !m {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		res.inBase = true
		rest := parts[len(b.segs):]
		for _, t := range b.templates {
			params, ok := t.match(rest)
			if !ok {
				continue
			}
			res.pathKnown = true
			if op := t.ops[method]; op != nil {
				return routeMatch{op: op, params: params, inBase: true, pathKnown: true, templateOf: t.path}
			}
			for m := range t.ops {
				res.allowed = append(res.allowed, m)
			}
			res.templateOf = t.path
		}
	}
	sort.Strings(res.allowed)
	return res
}

// basePaths lists the server base paths, for messages.
func (r *router) basePaths() string {
	var out []string
	seen := map[string]bool{}
	for _, b := range r.bases {
		var parts []string
		for _, s := range b.segs {
			if s.param != "" {
				parts = append(parts, s.prefix+"{"+s.param+"}"+s.suffix)
			} else {
				parts = append(parts, s.literal)
			}
		}
		p := "/" + strings.Join(parts, "/")
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

func (t *template) match(parts []string) (map[string]string, bool) {
	if len(parts) != len(t.segs) {
		return nil, false
	}
	var params map[string]string
	for i, s := range t.segs {
		v, ok := s.match(parts[i])
		if !ok {
			return nil, false
		}
		if s.param != "" {
			if params == nil {
				params = make(map[string]string, 2)
			}
			params[s.param] = v
		}
	}
	return params, true
}

// sortTemplates orders templates so that, segment by segment, literals come before parameters.
func sortTemplates(ts []*template) {
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := ts[i].segs, ts[j].segs
		for k := 0; k < len(a) && k < len(b); k++ {
			la, lb := a[k].param == "", b[k].param == ""
			if la != lb {
				return la
			}
		}
		return len(a) < len(b)
	})
}
