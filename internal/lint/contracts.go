package lint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// checkContracts validates every contract's exchange against the documents it names and
// compares the verdict with the contract's. allLoaded is false when a document could not be
// loaded: its contracts are then reported as unmatched rather than as mismatches.
func checkContracts(ctx context.Context, docs []*specs.Document, allLoaded bool, opts Options) ([]report.Finding, error) {
	paths, err := contracts.Glob(opts.Contracts)
	if err != nil {
		return nil, err
	}
	bySpec := map[string]bool{}
	for _, d := range docs {
		bySpec[specName(d.Name())] = true
	}
	var v *validator.Validator
	if len(docs) > 0 {
		if v, err = validator.New(docs, validator.Options{}); err != nil {
			return []report.Finding{{Rule: RuleOpenAPIInvalid, Level: report.LevelError, Message: fmt.Sprintf("the validator cannot be built from the documents, so no contract was checked: %v", err)}}, nil
		}
	}
	prefix := opts.ContractsName
	display := func(p string) string {
		if prefix == "" {
			return p
		}
		return prefix + "/" + p
	}
	var out []report.Finding
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := contracts.Load(opts.Contracts, p)
		if err != nil {
			out = append(out, report.Finding{Rule: RuleContractInvalid, Level: levelOf(RuleContractInvalid), File: display(p), Message: err.Error()})
			continue
		}
		if !bySpec[c.Spec] || v == nil {
			why := "is not among the documents linted"
			if !allLoaded {
				why = "is not among the documents that could be loaded"
			}
			out = append(out, report.Finding{Rule: RuleContractUnmatched, Level: levelOf(RuleContractUnmatched), File: display(p),
				Message: fmt.Sprintf("contract %s is about spec %q, which %s; it was not checked", p, c.Spec, why)})
			continue
		}
		ex, err := c.Exchange()
		if err != nil {
			out = append(out, report.Finding{Rule: RuleContractInvalid, Level: levelOf(RuleContractInvalid), File: display(p), Message: err.Error()})
			continue
		}
		res := v.Validate(ctx, ex)
		err = c.Check(res)
		if err == nil {
			continue
		}
		f := report.Finding{Rule: RuleContractMismatch, Level: levelOf(RuleContractMismatch), File: display(p), Pointer: "/expect",
			Line: keyLine(opts.Contracts, p, "expect"), Operation: c.Operation, Message: err.Error()}
		var me *contracts.MismatchError
		if errors.As(err, &me) {
			lines := strings.Split(me.Error(), "\n")
			f.Message = lines[0]
			for _, d := range lines[1:] {
				f.Details = append(f.Details, strings.TrimSpace(d))
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// specName is a spec's name as contracts name it: the file name without its extension.
func specName(display string) string {
	base := path.Base(display)
	return strings.TrimSuffix(base, path.Ext(base))
}

// keyLine returns the line of a top-level key of a YAML file, 0 when unknown.
func keyLine(fsys fs.FS, p, key string) int {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return 0
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}
