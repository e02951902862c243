package cli

import (
	"context"

	"github.com/specgate/specgate/specs"
)

// loadSpecs loads the spec files named (the embedded specs when none is). Loading is lenient:
// what can be understood is used, and every defect is a finding that lint reports; with strict,
// a spec with any defect is refused instead, and the error names every one with its file and
// line. A file that is no OpenAPI document is an error either way.
func loadSpecs(ctx context.Context, files []string, strict bool) ([]*specs.Document, error) {
	var docs []*specs.Document
	var err error
	if len(files) > 0 {
		docs, err = specs.LoadFiles(ctx, files...)
	} else {
		docs, err = specs.Default(ctx)
	}
	if err != nil {
		return nil, err
	}
	if strict {
		if err := specs.Strict(docs); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// checkSpecs loads the documents rooted at roots of src as loadSpecs does, for commands that
// read specs their own way (diff): a file that is no OpenAPI document must stop them too.
func checkSpecs(ctx context.Context, src *specs.Sources, roots []string, strict bool) error {
	docs, err := specs.Load(ctx, src, roots...)
	if err == nil && strict {
		err = specs.Strict(docs)
	}
	return err
}

// strictUsage is the --strict flag's help text, the same for every command.
const strictUsage = "refuse specs with any defect (an unresolved $ref, a Redocly-style $ref, a boolean required on a property, anything kin-openapi's validation refuses; see the README's spec.* findings) instead of reading them leniently; the error names every defect"
