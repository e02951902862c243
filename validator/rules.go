package validator

import "github.com/specgate/specgate/specs"

// Rule ids. They are stable: reports, contracts and CI configurations name them, so an id is
// never renamed or reused. Rules lists them with a summary; the README shows the same list.
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

// LoadRules lists every load finding id the validator reports, with its level, in the style of
// specs.Rules (they are about the specs, not an exchange); the README shows the same list. A
// pattern that cannot be checked and a Redocly-style properties $ref are warnings: the rest of
// the schema is checked. A schema that cannot be compiled is an error: what it describes is not
// checked at all.
var LoadRules = []specs.Rule{
	{ID: RuleSpecPatternUnsupported, Level: specs.LevelWarning, Summary: "A pattern (or patternProperties key) compiles neither as ECMA-262 nor as RE2; that keyword is not checked, the rest of its schema is."},
	{ID: RuleSpecPropertiesRef, Level: specs.LevelWarning, Summary: "A schema's properties is a $ref to a map of properties (Redocly style); specgate reads the map as if written in place."},
	{ID: RuleSpecSchemaUncompilable, Level: specs.LevelError, Summary: "A schema cannot be compiled (a $ref that does not resolve, a keyword of the wrong type); the body, parameter or header it describes is not checked, the rest of the spec is."},
}

// loadLevel returns the level of a rule id of LoadRules.
func loadLevel(rule string) string {
	for _, r := range LoadRules {
		if r.ID == rule {
			return r.Level
		}
	}
	return specs.LevelError
}

// The proxy's own request rules (internal/proxy): what specgate proxy finds in a request as it
// was sent, which an upstream may read differently from the exchange the validator checks.
const (
	RuleRequestBodyEncoding     = "request.body.encoding"
	RuleRequestPathNonCanonical = "request.path.non_canonical"
	RuleRequestOverride         = "request.override"
	RuleRequestAmbiguous        = "request.ambiguous"
)

// RuleInfo describes one rule id.
type RuleInfo struct {
	ID      string
	Part    Part
	Summary string
}

// Rules lists every rule id the validator reports, in a stable order.
var Rules = []RuleInfo{
	{RuleRouteNotFound, PartRequest, "The path lies under a spec's server base path but matches none of its path templates."},
	{RuleRouteMethodNotAllowed, PartRequest, "The path is documented, but not for this method."},
	{RulePreflightMethod, PartRequest, "A CORS preflight announces a method that is not documented for the path."},
	{RuleRequestSecurityMissing, PartRequest, "No credentials of a kind the operation's security requirements accept (values are never shown)."},
	{RuleRequestParamMissing, PartRequest, "A required path, query, header or cookie parameter is absent."},
	{RuleRequestParamFormat, PartRequest, "A parameter does not have its declared format (uuid, email, date-time, ...)."},
	{RuleRequestParamSchema, PartRequest, "A parameter breaks its schema otherwise (type, enum, length, pattern, ...)."},
	{RuleRequestContentType, PartRequest, "The request's Content-Type is missing or not one the operation accepts."},
	{RuleRequestBodyMissing, PartRequest, "The operation requires a body and the request has none."},
	{RuleRequestBodyNotRecorded, PartRequest, "The recording holds no text for the request body, or a body longer than the limit on reading one (`--max-body`), so it could not be checked."},
	{RuleRequestBodyMalformed, PartRequest, "The request body is not well-formed JSON (or not valid UTF-8)."},
	{RuleRequestBodyDuplicateKey, PartRequest, "A request body object repeats a key; parsers disagree on which value wins."},
	{RuleRequestBodyLimits, PartRequest, "The request body nests too deep or holds a number too large to evaluate; it is not checked further."},
	{RuleRequestBodySchema, PartRequest, "The request body breaks its schema."},
	{RuleRequestBodyReadOnly, PartRequest, "The request body sends a readOnly property."},
	{RuleRequestBodyEncoding, PartRequest, "specgate proxy: the request's Content-Encoding is unknown or does not decode, so its body could not be checked."},
	{RuleRequestPathNonCanonical, PartRequest, "specgate proxy: the path is not canonical (dot segments, `;` parameters, escaped unreserved characters or slashes, backslashes, repeated slashes, case) and normalises to a path in scope."},
	{RuleRequestOverride, PartRequest, "specgate proxy: a header or parameter frameworks read as the method or URL (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override, `_method`, X-Original-URL, X-Rewrite-URL, also with `_` for `-`) names another one."},
	{RuleRequestAmbiguous, PartRequest, "specgate proxy: the request can be read more than one way (repeated Content-Type, a Content-Type or framing field named with `_` for `-`, a query with `;` or a malformed escape, trailer fields, an h2c upgrade or HTTP/2 preface)."},
	{RuleResponseStatus, PartResponse, "The status code is not documented for the operation, and there is no default response."},
	{RuleResponseHeaderMissing, PartResponse, "A required response header is absent."},
	{RuleResponseHeaderSchema, PartResponse, "A response header breaks its schema."},
	{RuleResponseContentType, PartResponse, "The response's Content-Type is missing or not one documented for the status."},
	{RuleResponseBodyMissing, PartResponse, "The status documents a body and the response has none."},
	{RuleResponseBodyNotRecorded, PartResponse, "The recording holds no text for the response body, or a body longer than the limit on reading one (`--max-body`), so it could not be checked."},
	{RuleResponseBodyMalformed, PartResponse, "The response body is not well-formed JSON (or not valid UTF-8)."},
	{RuleResponseBodyDuplicateKey, PartResponse, "A response body object repeats a key; parsers disagree on which value wins."},
	{RuleResponseBodyLimits, PartResponse, "The response body nests too deep or holds a number too large to evaluate; it is not checked further."},
	{RuleResponseBodySchema, PartResponse, "The response body breaks its schema."},
	{RuleResponseBodyWriteOnly, PartResponse, "The response body returns a writeOnly property."},
}
