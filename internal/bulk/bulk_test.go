package bulk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/specgate/specgate/internal/traffic"
	"github.com/specgate/specgate/validator"
)

func newValidator(t testing.TB) *validator.Validator {
	v, err := validator.Default(context.Background(), validator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// records yields n records: every third is invalid, every seventh a read error.
func records(n int) Source {
	u, _ := url.Parse("https://acme.nonemployee.com/api/users/db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e")
	i := 0
	return func() (traffic.Record, bool) {
		if i >= n {
			return traffic.Record{}, false
		}
		rec := traffic.Record{File: "t.har", Index: i}
		switch {
		case i%7 == 6:
			rec.Err = fmt.Errorf("entry %d: broken", i)
		default:
			id := "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
			if i%3 == 2 {
				id = "not-a-uuid"
			}
			rec.Exchange = validator.Exchange{Request: &validator.Request{Method: "PATCH", URL: u,
				Header: http.Header{"Content-Type": {"application/json"}},
				Body:   []byte(`{"user":{"id":"` + id + `","name":"` + fmt.Sprint(i) + `"}}`)}}
		}
		i++
		return rec, true
	}
}

func TestRunKeepsInputOrder(t *testing.T) {
	v := newValidator(t)
	const n = 5000
	next := 0
	err := Run(context.Background(), v, records(n), func(rec traffic.Record, res validator.Result) bool {
		if rec.Index != next {
			t.Fatalf("record %d emitted when %d was due", rec.Index, next)
		}
		next++
		switch {
		case rec.Index%7 == 6:
			if rec.Err == nil || res.Operation != "" {
				t.Errorf("record %d: a read error must pass through unvalidated", rec.Index)
			}
		case rec.Index%3 == 2:
			if res.Valid() {
				t.Errorf("record %d: want invalid", rec.Index)
			}
		default:
			if !res.Valid() {
				t.Errorf("record %d: want valid, got %v", rec.Index, res.Violations)
			}
		}
		return true
	}, Options{Workers: 4, Window: 16})
	if err != nil || next != n {
		t.Fatalf("err = %v, emitted %d of %d", err, next, n)
	}
}

func TestRunStopsWhenEmitSaysSo(t *testing.T) {
	v := newValidator(t)
	var read atomic.Int64
	src := records(1_000_000)
	counted := func() (traffic.Record, bool) {
		read.Add(1)
		return src()
	}
	emitted := 0
	err := Run(context.Background(), v, counted, func(traffic.Record, validator.Result) bool {
		emitted++
		return emitted < 10
	}, Options{Workers: 2, Window: 8})
	if err != nil || emitted != 10 {
		t.Fatalf("err = %v, emitted = %d", err, emitted)
	}
	if r := read.Load(); r > 100 {
		t.Errorf("read %d records after the run was stopped at 10: the window must bound read-ahead", r)
	}
}

func TestRunHonoursCancellation(t *testing.T) {
	v := newValidator(t)
	ctx, cancel := context.WithCancel(context.Background())
	emitted := 0
	err := Run(ctx, v, records(1_000_000), func(traffic.Record, validator.Result) bool {
		emitted++
		if emitted == 5 {
			cancel()
		}
		return true
	}, Options{})
	if !errors.Is(err, context.Canceled) || emitted > 6 {
		t.Fatalf("err = %v after %d records", err, emitted)
	}
}

func BenchmarkRun(b *testing.B) {
	v := newValidator(b)
	b.ReportAllocs()
	b.ResetTimer()
	if err := Run(context.Background(), v, records(b.N), func(traffic.Record, validator.Result) bool { return true }, Options{}); err != nil {
		b.Fatal(err)
	}
}
