package cli

import (
	"context"

	"github.com/specgate/specgate/contracts"
	"github.com/specgate/specgate/internal/traffic"
)

// bundledExamples returns the documented contracts shipped with specgate (the vendors' own
// examples) as records, one per contract file, in path order. A contract that cannot be loaded
// is a record with Err set, so that it is reported and the others are still validated.
func bundledExamples(context.Context) ([]traffic.Record, error) {
	fsys := contracts.Embedded()
	paths, err := contracts.Glob(fsys)
	if err != nil {
		return nil, err
	}
	var recs []traffic.Record
	for _, p := range paths {
		loc, err := contracts.ParsePath(p)
		if err == nil && loc.Kind != contracts.KindDocumented {
			continue
		}
		rec := traffic.Record{File: "contracts/" + p}
		if err == nil {
			var c *contracts.Contract
			if c, err = contracts.Load(fsys, p); err == nil {
				rec.Comment = c.Description
				rec.Exchange, err = c.Exchange()
			}
		}
		rec.Err = err
		recs = append(recs, rec)
	}
	return recs, nil
}
