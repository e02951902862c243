package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"

	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
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

// specNotes says where the validator's load findings go when they are not refused: a plain
// writer (validate, replay) gets one line each, a JSON logger (proxy, mock) one entry each.
type specNotes struct {
	w   io.Writer
	log *slog.Logger
	// all lifts the limit of maxSpecNotes (validate's --verbose); verboseFlag says the command
	// has that flag, so that the count can name it.
	all, verboseFlag bool
}

// maxSpecNotes bounds the load findings a command lists on stderr; a spec with more says how
// many and that lint lists them all, so that stderr stays readable at every start.
const maxSpecNotes = 10

// loadValidator loads the specs as loadSpecs does and builds the validator over them. What the
// validator finds in their schemas and cannot check (validator.LoadRules: a pattern no engine
// compiles, a schema that cannot be compiled) is, with strict, refused together with the specs'
// own defects, every one named; without strict it is reported once, here at load, never per
// exchange, since each one leaves part of the spec unchecked.
func loadValidator(ctx context.Context, files []string, strict bool, opts validator.Options, notes specNotes) ([]*specs.Document, *validator.Validator, error) {
	docs, err := loadSpecs(ctx, files, false)
	if err != nil {
		return nil, nil, err
	}
	v, err := validator.New(docs, opts)
	if err != nil {
		return nil, nil, err
	}
	found := v.SpecFindings()
	if strict {
		var bad []specs.Finding
		if err := specs.Strict(docs); err != nil {
			bad = append(bad, err.(*specs.DefectsError).Findings...)
		}
		bad = append(bad, found...)
		if len(bad) > 0 {
			sort.SliceStable(bad, func(i, j int) bool {
				if bad[i].File != bad[j].File {
					return bad[i].File < bad[j].File
				}
				return bad[i].Line < bad[j].Line
			})
			return nil, nil, &specs.DefectsError{Findings: bad}
		}
		return docs, v, nil
	}
	notes.report(found)
	return docs, v, nil
}

// report lists the load findings, at most maxSpecNotes of them unless all is set.
func (n specNotes) report(found []specs.Finding) {
	shown := found
	if !n.all && len(shown) > maxSpecNotes {
		shown = shown[:maxSpecNotes]
	}
	for _, f := range shown {
		if n.log != nil {
			n.log.Warn("spec finding: not checked", "rule", f.Rule, "level", f.Level, "file", f.File, "line", f.Line, "pointer", f.Pointer, "message", f.Message)
			continue
		}
		fmt.Fprintf(n.w, "%s:%d: %s: %s %s\n", f.File, f.Line, f.Level, f.Rule, f.Message)
	}
	if more := len(found) - len(shown); more > 0 {
		msg := fmt.Sprintf("%d more %s of the specs' schemas that cannot be checked; specgate lint lists every one", more, message.Plural(more, "finding", "findings"))
		if n.log != nil {
			n.log.Warn(msg)
			return
		}
		if n.verboseFlag {
			msg += ", as does --verbose"
		}
		fmt.Fprintf(n.w, "... and %s\n", msg)
	}
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
const strictUsage = "refuse specs with any defect (an unresolved $ref, a Redocly-style $ref, a boolean required on a property, anything kin-openapi's validation refuses, a pattern or schema the validator cannot check; see the README's spec.* findings) instead of reading them leniently; the error names every defect"
