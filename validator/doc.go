// Package validator checks HTTP exchanges (a request, its response, or both) against OpenAPI
// documents and reports every departure as a Violation with a stable rule id.
//
// # How the pieces fit
//
// New takes documents loaded by package specs and compiles them once: it follows every $ref,
// builds the routes, and compiles each body, parameter and header schema. Validate then routes an
// exchange by method and path, checks the request (security, parameters, content type, body) and
// the response (status, headers, content type, body), and returns a Result. A Validator is
// immutable after New and safe for concurrent use, so one serves recorded traffic, a proxy and
// test suites alike.
//
// Operations exposes what New compiled, read-only: each operation's location, parameters, bodies
// and responses, and the shape of their schemas ($refs resolved, oneOf and anyOf branches named
// as Observation and Violation name them). Tools that measure or generate traffic read the spec
// through it rather than reading the files again.
//
// # Why each library does what it does
//
//   - kin-openapi loads and resolves the documents (package specs) and gives the model this package
//     walks: paths, operations, parameters, request bodies, responses, headers, security. It knows
//     OpenAPI; we do not re-implement its reading of the format.
//   - santhosh-tekuri/jsonschema/v5 compiles the schemas and is the reference for what they mean.
//     OpenAPI 3.0 schemas are converted into JSON Schema 2020-12 in place (nullable, boolean
//     exclusiveMinimum/Maximum, $ref siblings ignored, readOnly/writeOnly enforced per direction),
//     keeping every schema at its JSON pointer, so a failed keyword's location is its location in
//     the spec file and carries a line number. Its compiled schemas are walked twice: fastpath.go
//     confirms a valid instance without allocating, and diagnose.go explains an invalid one the
//     way jsonschema/v5's error tree does (every failure, not only the first; a failed oneOf branch
//     by branch), visiting each part once and allocating only for failures. Schemas with keywords the walk does not know are
//     validated by jsonschema/v5 itself. Tests and a fuzz target hold both walks to jsonschema/v5's
//     verdicts and diagnoses. Only jsonschema.go, fastpath.go, diagnose.go and model.go (which
//     reads the compiled schemas' structure for Operations) import it.
//     OpenAPI 3.1 schemas are JSON Schema 2020-12 resources already ($id, $anchor, $dynamicRef
//     resolve as JSON Schema says); convert.go walks the documents by their structure so that
//     only Schema objects are compiled, and hands jsonschema/v5 a copy of each file in which
//     nothing else reads as a schema.
//   - dlclark/regexp2 (ECMAScript mode, time-bounded) checks the patterns Go's RE2 refuses:
//     JSON Schema patterns are ECMA-262 (pattern.go). What neither compiles, and schemas
//     jsonschema/v5 cannot compile, are reported by SpecFindings and left unchecked, alone.
//   - Routing is our own (router.go): kin-openapi's routers match server hosts and use regular
//     expressions, while recordings come from tenant, staging and proxy hosts, so we match base
//     path and path template only, segment by segment.
//
// Formats uuid, email, date-time, uri and the others of JSON Schema are asserted, as are OpenAPI's
// int32, int64 and byte. Messages name the instance and the expectation and never repeat the
// offending value or any credential.
package validator
