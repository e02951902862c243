// Command seededmock serves `specgate mock` with one of its test-only defects seeded, for the
// comparison with Specmatic (fuzz/testdata/compare-specmatic.sh). It lives under testdata so that
// neither `go build ./...` nor the specgate binary ever carries the defects.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"

	"github.com/specgate/specgate/internal/mock"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve on")
	defect := flag.String("defect", "", "the defect to seed (empty: none)")
	flag.Parse()
	var opts mock.Options
	if *defect != "" {
		known := false
		for _, d := range mock.Defects {
			known = known || string(d) == *defect
		}
		if !known {
			fmt.Fprintf(os.Stderr, "seededmock: unknown defect %q, want one of %v\n", *defect, mock.Defects)
			os.Exit(2)
		}
		opts.Defects = []mock.Defect{mock.Defect(*defect)}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "seededmock:", err)
		os.Exit(2)
	}
	fmt.Println(ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := mock.Serve(ctx, ln, mock.New(opts)); err != nil {
		fmt.Fprintln(os.Stderr, "seededmock:", err)
		os.Exit(1)
	}
}
