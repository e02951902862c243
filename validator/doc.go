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
//   - The schema engine (internal/schema) compiles the schemas and validates bodies,
//     parameters and headers. OpenAPI 3.0 schemas are converted into JSON Schema 2020-12 in
//     place (convert.go: nullable, boolean exclusiveMinimum/Maximum, $ref siblings ignored,
//     readOnly/writeOnly enforced per direction), keeping every schema at its JSON pointer, so a
//     failed keyword's location is its location in the spec file and carries a line number
//     (schemaset.go places the engine's locations in the files). OpenAPI 3.1 schemas are JSON
//     Schema 2020-12 resources already ($id, $anchor, $dynamicRef resolve as JSON Schema says);
//     convert.go walks the documents by their structure so that only Schema objects are
//     compiled, and hands the engine a copy of each file in which nothing else reads as a
//     schema. The engine answers "valid?" without allocating and explains an invalid instance
//     (every failure, a failed oneOf branch by branch) from one keyword table, with
//     santhosh-tekuri's jsonschema as its reference and as the evaluator of the keywords the
//     table has no check for. Patterns are ECMA-262 (RE2 where it agrees, regexp2 with a time
//     limit otherwise); what neither compiles, and schemas the engine cannot compile, are
//     reported by SpecFindings and left unchecked, alone. Operations (model.go) reads the
//     compiled schemas' structure through the engine's Node view.
//   - Routing is our own (router.go): kin-openapi's routers match server hosts and use regular
//     expressions, while recordings come from tenant, staging and proxy hosts, so we match base
//     path and path template only, segment by segment.
//
// Formats uuid, email, date-time, uri and the others of JSON Schema are asserted, as are OpenAPI's
// int32, int64 and byte. Messages name the instance and the expectation and never repeat the
// offending value or any credential.
package validator
