package lint

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
)

// benchSpec is the largest document of the development corpus (1.8 MB of JSON, some 9,000
// schemas): compiling a document's schemas once was quadratic in its size (jsonschema/v5 listed
// every resource of the document again for each schema it compiled), which these benchmarks
// would show as a jump in ns/op.
//
// SPECGATE_BENCH_SPEC names another document to measure instead (GitHub's 12 MB REST spec, say),
// for profiling with -cpuprofile or -memprofile.
var benchSpec = cmp.Or(os.Getenv("SPECGATE_BENCH_SPEC"), filepath.Join(realSpecs, "twilio/spec/json/twilio_api_v2010.json"))

// BenchmarkBuildPublished builds the validator on benchSpec as `specgate validate --spec` does
// (the load is outside the timer).
func BenchmarkBuildPublished(b *testing.B) {
	docs, err := specs.LoadFiles(context.Background(), benchSpec)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := validator.New(docs, validator.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			b.ReportMetric(float64(len(v.SpecFindings())), "spec-findings")
		}
	}
}

// BenchmarkLintPublished lints benchSpec as `specgate lint` does, reading included.
func BenchmarkLintPublished(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		in, err := Files(benchSpec)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Lint(context.Background(), in, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Findings) == 0 {
			b.Fatal("lint found nothing in a document that has findings")
		}
	}
}
