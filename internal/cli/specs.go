package cli

import (
	"context"

	"github.com/specgate/specgate/specs"
)

// loadSpecs loads the spec files named (the embedded specs when none is). Defects that published
// specs carry are repaired in memory and reported by lint; with strict, a spec that needed any
// repair is refused instead, and the error names every defect with its file and line.
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

// strictUsage is the --strict flag's help text, the same for every command.
const strictUsage = "refuse specs that need a repair (a boolean required on a property, readonly in lower case) instead of repairing them in memory; the error names every defect"
