// Package bulk validates a stream of recorded exchanges on all cores and hands the results back
// in input order, holding only a bounded window of exchanges in memory: a recording of any size
// is validated in constant memory, as fast as the cores allow.
package bulk

import (
	"context"
	"runtime"

	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// Options configures Run. The zero value uses every core and a window of 64 exchanges a core.
type Options struct {
	// Workers is the number of exchanges validated at once; 0 means runtime.GOMAXPROCS(0).
	Workers int
	// Window is the most exchanges read ahead of the one being emitted; 0 means 64 per worker.
	Window int
}

// Source yields records in input order; ok is false when there are no more. A record whose Err
// is set is passed through to emit unvalidated. Source is called from one goroutine only, which
// may still be inside a call when Run returns early (ctx done while a read blocks).
type Source func() (rec traffic.Record, ok bool)

// Emit receives each record with its result, in input order; returning false stops the run.
// Emit is called from the goroutine that called Run.
type Emit func(rec traffic.Record, res validator.Result) bool

type job struct {
	rec  traffic.Record
	res  validator.Result
	done chan struct{}
}

// Run validates every record src yields with v and emits them in order. It returns when src is
// exhausted and every record was emitted, when emit returns false, or when ctx is done (the
// records read but not emitted are then dropped, and ctx.Err() is returned).
func Run(ctx context.Context, v *validator.Validator, src Source, emit Emit, opts Options) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	window := opts.Window
	if window <= 0 {
		window = 64 * workers
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	jobs := make(chan *job, window)
	order := make(chan *job, window)
	go func() {
		defer close(jobs)
		defer close(order)
		for ctx.Err() == nil {
			rec, ok := src()
			if !ok {
				return
			}
			j := &job{rec: rec, done: make(chan struct{})}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			jobs <- j // never blocks for long: workers drain jobs until it is closed
		}
	}()
	for range workers {
		go func() {
			for j := range jobs {
				if j.rec.Err == nil && ctx.Err() == nil {
					j.res = v.Validate(ctx, j.rec.Exchange)
				}
				close(j.done)
			}
		}()
	}
	for j := range order {
		select {
		case <-j.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !emit(j.rec, j.res) {
			cancel()
			for range order { // let the reader see the cancellation and stop
			}
			return nil
		}
	}
	return ctx.Err()
}
