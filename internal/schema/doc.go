// Package schema is specgate's JSON Schema engine: it decodes JSON bodies, compiles JSON Schema
// 2020-12 resources, and answers for an instance "valid?" without allocating and "why not?"
// when asked, with every failure located in the instance and in the spec files.
//
// # How the pieces fit
//
// Decode reads a body into the values the engine validates (objects, arrays, json.Number), in
// one pass that also reports duplicate keys and refuses invalid UTF-8 and runaway nesting or
// numbers. A Compiler is given the resources of one set of spec files (a converter, such as the
// validator's, has already turned OpenAPI's dialect into JSON Schema 2020-12) and a Locator that
// places the engine's locations back in those files, by file, JSON pointer and line. Compile
// returns an immutable Schema, safe for concurrent use: Valid answers the verdict, Check
// explains (nil when valid), Choices tells the oneOf and anyOf branches a valid instance took.
//
// # One walk per keyword
//
// Every keyword lives in one entry of the keyword table (keywords.go): its check, its message
// and, once compiled, its location in the spec. The walk over a compiled schema runs the checks
// of each schema it visits in the order jsonschema/v5 evaluates them; given no walker it
// returns on the first failure and allocates nothing, given one it records every failure and
// explains a failed oneOf branch by branch. So verdict and explanation come from the same code,
// and adding a keyword touches its entry and its test only.
//
// # The reference
//
// santhosh-tekuri/jsonschema/v5 resolves $ref, $id, $anchor and $dynamicRef, compiles, and
// stays the reference for what a schema means; this is the only package of specgate that
// imports it.
// It also evaluates what the walk leaves: a schema that reaches a keyword without a check in
// the table ($dynamicRef, $recursiveRef, the earlier drafts' items arrays, additionalItems and
// dependencies) and very deep nesting, and its failures are worded by the table's messages.
// unevaluatedProperties and unevaluatedItems read which properties and items the other
// keywords evaluated, worked out only when they ask (evaluated.go). Reference and
// ReferenceValid give its own answer, which tests hold the walk to: the JSON Schema Test Suite
// here, and the validator's
// differential tests and fuzz targets on the specs' schemas. Documents compiles whole JSON
// Schema documents with it as they are written (the OpenAPI document schemas lint uses).
//
// Patterns are ECMA-262, as JSON Schema defines them: RE2 checks those it compiles (except \s
// and \S, which RE2 reads as ASCII), regexp2 the others, with a time limit per match. Formats
// are JSON Schema's and OpenAPI's (int32, int64, byte ...), asserted.
package schema
