package validator

import (
	"strings"

	"github.com/specgate/specgate/rules"
)

// Rule ids. They are stable: reports, contracts and CI configurations name them, so an id is
// never renamed or reused. Rules lists them with a summary; the README shows the same list, with
// the part of the exchange each is about (route.* and request.* rules are about the request,
// response.* rules about the response).
const (
	RuleRouteNotFound         = "route.not_found"
	RuleRouteMethodNotAllowed = "route.method_not_allowed"
	RulePreflightMethod       = "route.preflight_method_not_allowed"

	RuleRequestSecurityMissing   = "request.security.missing"
	RuleRequestParamMissing      = "request.param.missing"
	RuleRequestParamFormat       = "request.param.format"
	RuleRequestParamSchema       = "request.param.schema"
	RuleRequestContentType       = "request.content_type"
	RuleRequestBodyMissing       = "request.body.missing"
	RuleRequestBodyNotRecorded   = "request.body.not_recorded"
	RuleRequestBodyMalformed     = "request.body.malformed"
	RuleRequestBodyDuplicateKey  = "request.body.duplicate_key"
	RuleRequestBodyLimits        = "request.body.limits"
	RuleRequestBodySchema        = "request.body.schema"
	RuleRequestBodyReadOnly      = "request.body.readonly"
	RuleResponseStatus           = "response.status.undocumented"
	RuleResponseHeaderMissing    = "response.header.missing"
	RuleResponseHeaderSchema     = "response.header.schema"
	RuleResponseContentType      = "response.content_type"
	RuleResponseBodyMissing      = "response.body.missing"
	RuleResponseBodyNotRecorded  = "response.body.not_recorded"
	RuleResponseBodyMalformed    = "response.body.malformed"
	RuleResponseBodyDuplicateKey = "response.body.duplicate_key"
	RuleResponseBodyLimits       = "response.body.limits"
	RuleResponseBodySchema       = "response.body.schema"
	RuleResponseBodyWriteOnly    = "response.body.writeonly"
)

// Load finding ids: what New finds in the specs' schemas that it cannot check. They are reported
// once, at load, by (*Validator).SpecFindings, never per exchange.
const (
	RuleSpecPatternUnsupported = "spec.pattern.unsupported"
	RuleSpecPropertiesRef      = "spec.schema.properties_ref"
	RuleSpecSchemaUncompilable = "spec.schema.uncompilable"
)

// LoadRules lists every load finding id the validator reports, with its level, as specs.Rules
// does (they are about the specs, not an exchange); the README shows the same list. A
// pattern that cannot be checked and a Redocly-style properties $ref are warnings: the rest of
// the schema is checked. A schema that cannot be compiled is an error: what it describes is not
// checked at all.
var LoadRules = []rules.Rule{
	{ID: RuleSpecPatternUnsupported, Level: rules.Warning, Summary: "A pattern (or patternProperties key) compiles neither as ECMA-262 nor as RE2; that keyword is not checked, the rest of its schema is."},
	{ID: RuleSpecPropertiesRef, Level: rules.Warning, Summary: "A schema's properties is a $ref to a map of properties (Redocly style); specgate reads the map as if written in place."},
	{ID: RuleSpecSchemaUncompilable, Level: rules.Error, Summary: "A schema cannot be compiled (a $ref that does not resolve, a keyword of the wrong type); the body, parameter or header it describes is not checked, the rest of the spec is."},
}

// loadLevel returns the level of a rule id of LoadRules.
func loadLevel(rule string) rules.Level {
	return rules.LevelOf(LoadRules, rule, rules.Error)
}

// The proxy's own request rules (internal/proxy): what specgate proxy finds in a request as it
// was sent, which an upstream may read differently from the exchange the validator checks.
const (
	RuleRequestBodyEncoding     = "request.body.encoding"
	RuleRequestPathNonCanonical = "request.path.non_canonical"
	RuleRequestOverride         = "request.override"
	RuleRequestAmbiguous        = "request.ambiguous"
)

// Rules lists every rule id the validator reports, in a stable order. Every violation is an
// error: a policy (specgate.yaml's rules) may lower one.
var Rules = []rules.Rule{
	{ID: RuleRouteNotFound, Level: rules.Error, Summary: "The path lies under a spec's server base path but matches none of its path templates."},
	{ID: RuleRouteMethodNotAllowed, Level: rules.Error, Summary: "The path is documented, but not for this method."},
	{ID: RulePreflightMethod, Level: rules.Error, Summary: "A CORS preflight announces a method that is not documented for the path."},
	{ID: RuleRequestSecurityMissing, Level: rules.Error, Summary: "No credentials of a kind the operation's security requirements accept (values are never shown)."},
	{ID: RuleRequestParamMissing, Level: rules.Error, Summary: "A required path, query, header or cookie parameter is absent."},
	{ID: RuleRequestParamFormat, Level: rules.Error, Summary: "A parameter does not have its declared format (uuid, email, date-time, ...)."},
	{ID: RuleRequestParamSchema, Level: rules.Error, Summary: "A parameter breaks its schema otherwise (type, enum, length, pattern, ...)."},
	{ID: RuleRequestContentType, Level: rules.Error, Summary: "The request's Content-Type is missing or not one the operation accepts."},
	{ID: RuleRequestBodyMissing, Level: rules.Error, Summary: "The operation requires a body and the request has none."},
	{ID: RuleRequestBodyNotRecorded, Level: rules.Error, Summary: "The recording holds no text for the request body, or a body longer than the limit on reading one (`--max-body`), so it could not be checked."},
	{ID: RuleRequestBodyMalformed, Level: rules.Error, Summary: "The request body is not well-formed JSON (or not valid UTF-8), or a form or multipart body that does not parse."},
	{ID: RuleRequestBodyDuplicateKey, Level: rules.Error, Summary: "A request body object repeats a key; parsers disagree on which value wins."},
	{ID: RuleRequestBodyLimits, Level: rules.Error, Summary: "The request body nests too deep or holds a number too large to evaluate; it is not checked further."},
	{ID: RuleRequestBodySchema, Level: rules.Error, Summary: "The request body breaks its schema."},
	{ID: RuleRequestBodyReadOnly, Level: rules.Error, Summary: "The request body sends a readOnly property."},
	{ID: RuleRequestBodyEncoding, Level: rules.Error, Summary: "specgate proxy: the request's Content-Encoding is unknown or does not decode, so its body could not be checked."},
	{ID: RuleRequestPathNonCanonical, Level: rules.Error, Summary: "specgate proxy: the path is not canonical (dot segments, `;` parameters, escaped unreserved characters or slashes, backslashes, repeated slashes, case) and normalises to a path in scope."},
	{ID: RuleRequestOverride, Level: rules.Error, Summary: "specgate proxy: a header or parameter frameworks read as the method or URL (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override, `_method`, X-Original-URL, X-Rewrite-URL, also with `_` for `-`) names another one."},
	{ID: RuleRequestAmbiguous, Level: rules.Error, Summary: "specgate proxy: the request can be read more than one way (repeated Content-Type, a Content-Type or framing field named with `_` for `-`, a query with `;` or a malformed escape, trailer fields, an h2c upgrade or HTTP/2 preface)."},
	{ID: RuleResponseStatus, Level: rules.Error, Summary: "The status code is not documented for the operation, and there is no default response."},
	{ID: RuleResponseHeaderMissing, Level: rules.Error, Summary: "A required response header is absent."},
	{ID: RuleResponseHeaderSchema, Level: rules.Error, Summary: "A response header breaks its schema."},
	{ID: RuleResponseContentType, Level: rules.Error, Summary: "The response's Content-Type is missing or not one documented for the status."},
	{ID: RuleResponseBodyMissing, Level: rules.Error, Summary: "The status documents a body and the response has none."},
	{ID: RuleResponseBodyNotRecorded, Level: rules.Error, Summary: "The recording holds no text for the response body, or a body longer than the limit on reading one (`--max-body`), so it could not be checked."},
	{ID: RuleResponseBodyMalformed, Level: rules.Error, Summary: "The response body is not well-formed JSON (or not valid UTF-8), or a form or multipart body that does not parse."},
	{ID: RuleResponseBodyDuplicateKey, Level: rules.Error, Summary: "A response body object repeats a key; parsers disagree on which value wins."},
	{ID: RuleResponseBodyLimits, Level: rules.Error, Summary: "The response body nests too deep or holds a number too large to evaluate; it is not checked further."},
	{ID: RuleResponseBodySchema, Level: rules.Error, Summary: "The response body breaks its schema."},
	{ID: RuleResponseBodyWriteOnly, Level: rules.Error, Summary: "The response body returns a writeOnly property."},
}

// PartOf returns the part of an exchange a rule id of Rules is about, as its violations carry it:
// PartResponse for the response.* rules, PartRequest for the route.* and request.* rules, "" for
// any other id.
func PartOf(rule string) Part {
	switch prefix, _, _ := strings.Cut(rule, "."); prefix {
	case "route", "request":
		return PartRequest
	case "response":
		return PartResponse
	}
	return ""
}
