// Package fuzz generates contract tests from OpenAPI specs and runs them against a deployment:
// the engine behind `specgate fuzz --target URL`, also called from Go tests (the Ginkgo suite
// suites/fuzz does).
//
// The validator is the oracle, both ways. Positive requests are generated from each operation's
// schemas (boundary lengths and ranges, each enum value, optional properties present and absent,
// each oneOf/anyOf branch, parameters, the documented content types, credentials), combined
// pairwise rather than as a product; each is sent only once the validator accepts it, and one it
// rejects is a generator bug that is counted and dropped. Negative requests change a valid
// request in exactly one way (a wrong type, a value outside an enum, range or length, a missing
// required property or parameter, a property additionalProperties forbids, malformed JSON, a
// wrong content type, missing credentials, credentials of a scheme the operation does not
// accept); each is sent only once the validator rejects it. A wrong password or token is the
// one exception: the validator cannot know the secret, so that case is sent when the rest of the
// request is valid. Every failure is shrunk to a minimal request,
// the validator re-judging every step so that a shrunk negative stays invalid and a shrunk
// positive stays valid, and is reported with a curl command whose credentials are redacted.
//
// Every exchange sent (shrinking included) is counted in Result.Coverage, internal/coverage's
// report on the validator's model of the fuzzed operations: what the run covered, measured as
// specgate replay --coverage measures recorded traffic.
//
// Bodies are JSON, form or multipart, as the spec documents them; strings for a pattern are made
// from its RE2 syntax tree. Generation is bounded (a room of nodes per value, a budget of steps
// per operation; see generator) and the run's time limit cuts it in progress.
//
// Identifiers that must exist come from Options.State or from earlier replies (OpenAPI links,
// the operation's own replies, other operations' identifiers of the same name; see state.go),
// never from luck. The same seed gives the same requests. A Fuzzer is built once with New; Run
// may be called many times, one at a time.
package fuzz
