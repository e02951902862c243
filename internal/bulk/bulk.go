// Package bulk validates a stream of recorded exchanges on all cores and hands the results back
// in input order, holding only a bounded window of exchanges in memory, bounded both in count and
// in bytes of bodies: a recording of any size is validated in constant memory, as fast as the
// cores allow.
package bulk

import (
	"context"
	"runtime"
	"sync"

	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

// Options configures Run. The zero value uses every core, a window of 64 exchanges a core and
// DefaultWindowBytes of bodies.
type Options struct {
	// Workers is the number of exchanges validated at once; 0 means runtime.GOMAXPROCS(0).
	Workers int
	// Window is the most exchanges read ahead of the one being emitted; 0 means 64 per worker.
	Window int
	// WindowBytes bounds the bodies of the exchanges read ahead, in bytes; 0 means
	// DefaultWindowBytes. One exchange is always let through, whatever its size, so a window
	// holds at most WindowBytes plus one exchange (and the one being read).
	WindowBytes int64
}

// DefaultWindowBytes is the default bound on the bodies read ahead: with bodies of up to 4 MiB
// (traffic.DefaultMaxBody), a few large exchanges at a time, enough to keep two cores busy,
// while small ones fill the window by count.
const DefaultWindowBytes = 16 << 20

// recordSize is what a record holds in memory, roughly: its bodies.
func recordSize(rec traffic.Record) int64 {
	n := int64(len(rec.Comment) + len(rec.Note))
	if r := rec.Exchange.Request; r != nil {
		n += int64(len(r.Body))
	}
	if r := rec.Exchange.Response; r != nil {
		n += int64(len(r.Body))
	}
	return n
}

// budget is a count of bytes that blocks whoever would take more than its limit.
type budget struct {
	mu    sync.Mutex
	cond  *sync.Cond
	limit int64
	used  int64
}

// take blocks until n bytes fit (or nothing is taken: one record always passes), or ctx is done.
func (b *budget) take(ctx context.Context, n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used > 0 && b.used+n > b.limit && ctx.Err() == nil {
		b.cond.Wait()
	}
	b.used += n
	return ctx.Err() == nil
}

func (b *budget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
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
	size int64
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
	held := &budget{limit: opts.WindowBytes}
	if held.limit <= 0 {
		held.limit = DefaultWindowBytes
	}
	held.cond = sync.NewCond(&held.mu)
	stop := context.AfterFunc(ctx, func() {
		held.mu.Lock()
		defer held.mu.Unlock()
		held.cond.Broadcast()
	})
	defer stop()

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
			j := &job{rec: rec, size: recordSize(rec), done: make(chan struct{})}
			if !held.take(ctx, j.size) {
				return
			}
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
		ok := emit(j.rec, j.res)
		held.give(j.size)
		if !ok {
			cancel()
			for range order { // let the reader see the cancellation and stop
			}
			return nil
		}
	}
	return ctx.Err()
}
