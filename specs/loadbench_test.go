//go:build !race

package specs_test

import (
	"bufio"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/specgate/specgate/specs"
)

// BenchmarkLoadPublished loads each root of ../shared/real-specs/roots.txt (SPECGATE_ROOTS, a
// roots.txt elsewhere, or SPECGATE_ROOT_MATCH, a substring of the roots to keep) with
// specs.LoadFiles and with kin-openapi's openapi3.Loader alone (LoadFromFile, external refs
// allowed; for a Swagger 2.0 root, openapi2.UnmarshalFromData and openapi2conv.ToV3, kin-openapi's
// way to read one), alternately within every iteration so that both see the same machine, and reports
// the milliseconds of each, their ratio and the ratio of the process CPU time each used (the target: specgate at most 2x). A root kin
// refuses reports no peer, kin-ms 0.
//
//	go test -run XXX -bench LoadPublished -benchtime 5x ./specs/
func BenchmarkLoadPublished(b *testing.B) {
	list := os.Getenv("SPECGATE_ROOTS")
	if list == "" {
		list = "../../shared/real-specs/roots.txt"
	}
	f, err := os.Open(list)
	if err != nil {
		b.Skipf("no corpus: %v", err)
	}
	defer f.Close()
	var roots []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		root := strings.TrimSpace(sc.Text())
		if root != "" && strings.Contains(root, os.Getenv("SPECGATE_ROOT_MATCH")) {
			roots = append(roots, filepath.Join(filepath.Dir(list), root))
		}
	}
	for _, root := range roots {
		b.Run(strings.ReplaceAll(strings.TrimPrefix(root, filepath.Dir(list)+"/"), "/", "_"), func(b *testing.B) {
			ctx := context.Background()
			var sg, kin, sgCPU, kinCPU time.Duration
			kinOK := true
			for i := range b.N {
				for j := range 2 {
					start, cpu := time.Now(), cpuTime()
					if (i+j)%2 == 0 {
						if _, err := specs.LoadFiles(ctx, root); err != nil {
							b.Fatal(err)
						}
						sg += time.Since(start)
						sgCPU += cpuTime() - cpu
						continue
					}
					if err := kinLoad(root); err != nil {
						kinOK = false
					}
					kin += time.Since(start)
					kinCPU += cpuTime() - cpu
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(sg.Microseconds())/1000/n, "sg-ms")
			if kinOK {
				b.ReportMetric(float64(kin.Microseconds())/1000/n, "kin-ms")
				b.ReportMetric(float64(sg)/float64(kin), "ratio")
				b.ReportMetric(float64(sgCPU)/float64(kinCPU), "cpu-ratio")
			} else {
				b.ReportMetric(0, "kin-ms")
			}
		})
	}
}

// kinLoad reads the document at root the way kin-openapi alone does.
func kinLoad(root string) error {
	data, err := os.ReadFile(root)
	if err != nil {
		return err
	}
	if swagger2RE.Match(data) {
		var doc2 openapi2.T
		if err := openapi2.UnmarshalFromData(data, &doc2); err != nil {
			return err
		}
		_, err := openapi2conv.ToV3(&doc2)
		return err
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	_, err = loader.LoadFromURI(&url.URL{Path: root})
	return err
}

// swagger2RE finds a top-level swagger field, in YAML or JSON.
var swagger2RE = regexp.MustCompile(`(?m)^(swagger:|\s*"swagger"\s*:)`)

// cpuTime is the process's user and system time: specgate parses a tree's files on every core,
// so its wall time alone understates what it costs a busy machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
