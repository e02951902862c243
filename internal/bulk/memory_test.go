package bulk_test

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeHugeEntryHAR streams to w a HAR whose first entry's postData.text is size bytes of a
// JSON-looking string, followed by one ordinary entry; nothing of it is held in memory.
func writeHugeEntryHAR(w io.Writer, size int64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	const uuid = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	fmt.Fprintf(bw, `{"log":{"version":"1.2","creator":{"name":"specgate bench","version":"1"},"entries":[{"request":{"method":"PATCH","url":"https://acme.nonemployee.com/api/users/%s","headers":[{"name":"Content-Type","value":"application/json"}],"postData":{"mimeType":"application/json","text":"{\"user\":{\"name\":\"`, uuid)
	chunk := []byte(strings.Repeat("x", 1<<20))
	for left := size; left > 0; {
		n := min(left, int64(len(chunk)))
		if _, err := bw.Write(chunk[:n]); err != nil {
			return err
		}
		left -= n
	}
	fmt.Fprintf(bw, `\"}}"}},"response":{"status":200,"headers":[{"name":"Content-Type","value":"application/json"}],"content":{"mimeType":"application/json","text":"{}"}}},`)
	fmt.Fprintf(bw, `{"request":{"method":"GET","url":"https://acme.nonemployee.com/static/app.js","headers":[]},"response":{"status":200,"headers":[],"content":{"text":"x"}}}]}}`)
	return bw.Flush()
}

// writeLargeBodiesHAR streams to w a HAR of about size bytes whose entries each carry a
// response body of bodySize bytes (a NERM user with a long name), all within the body limit,
// so that every one is read and validated.
func writeLargeBodiesHAR(w io.Writer, size, bodySize int64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	const uuid = "db6f8e8b-65c2-47d5-a0db-90bcc4e9df9e"
	fmt.Fprint(bw, `{"log":{"version":"1.2","creator":{"name":"specgate bench","version":"1"},"entries":[`)
	name := strings.Repeat("n", int(bodySize))
	for i, written := 0, int64(0); written < size; i++ {
		if i > 0 {
			bw.WriteByte(',')
		}
		n, _ := fmt.Fprintf(bw, `{"request":{"method":"PATCH","url":"https://acme.nonemployee.com/api/users/%s","headers":[{"name":"Content-Type","value":"application/json"}],"postData":{"mimeType":"application/json","text":"{\"user\":{\"id\":\"%s\"}}"}},"response":{"status":200,"headers":[{"name":"Content-Type","value":"application/json"}],"content":{"mimeType":"application/json","text":"{\"user\":{\"id\":\"%s\",\"uid\":\"%s\",\"name\":\"%s\"}}"}}}`, uuid, uuid, uuid, uuid, name)
		written += int64(n)
	}
	fmt.Fprint(bw, `]}}`)
	return bw.Flush()
}

// BenchmarkValidatePeakRSS builds specgate and runs `specgate validate` as a child process on
// hostile and large recordings, generated on the fly into a temporary directory: a .har.gz of
// one entry with a 3 GiB body (SPECGATE_BENCH_HUGE_MB, 3072 by default), a plain HAR of
// SPECGATE_BENCH_HAR_MB megabytes (200 by default) of small exchanges, also with --format html,
// and two as large of exchanges with 2 MiB and 10 MiB bodies (the latter over the body limit). It
// reports each run's peak resident memory (the child's VmHWM; getrusage's ru_maxrss, logged too,
// is only an upper bound, see watchHWM) and fails above 256 MiB. `make bench-memory` runs it. SPECGATE_BENCH_BIN runs another specgate binary
// instead, to measure a peer (an older build) on the same inputs.
func BenchmarkValidatePeakRSS(b *testing.B) {
	dir := b.TempDir()
	bin := os.Getenv("SPECGATE_BENCH_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "specgate")
		build := exec.Command("go", "build", "-o", bin, "../../cmd/specgate")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	hugeMB := envInt(b, "SPECGATE_BENCH_HUGE_MB", 3072)
	harMB := envInt(b, "SPECGATE_BENCH_HAR_MB", 200)

	huge := filepath.Join(dir, "huge-entry.har.gz")
	f, err := os.Create(huge)
	if err != nil {
		b.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	err = writeHugeEntryHAR(zw, hugeMB<<20)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	large := filepath.Join(dir, "large.har")
	f, err = os.Create(large)
	if err != nil {
		b.Fatal(err)
	}
	_, err = writeHAR(f, harMB<<20)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	bodies := map[int64]string{}
	for _, mib := range []int64{2, 10} {
		bodies[mib] = filepath.Join(dir, fmt.Sprintf("bodies-%d.har", mib))
		f, err = os.Create(bodies[mib])
		if err != nil {
			b.Fatal(err)
		}
		err = writeLargeBodiesHAR(f, harMB<<20, mib<<20)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	runs := []struct {
		name   string
		args   []string
		metric string
	}{
		{fmt.Sprintf("%d MiB entry, .har.gz, json", hugeMB), []string{"validate", "--format", "json", huge}, "huge-entry-peak-RSS-MiB"},
		{fmt.Sprintf("%d MB HAR, json", harMB), []string{"validate", "--format", "json", large}, "large-har-peak-RSS-MiB"},
		{fmt.Sprintf("%d MB HAR, html", harMB), []string{"validate", "--format", "html", large}, "large-har-html-peak-RSS-MiB"},
		{fmt.Sprintf("%d MB HAR of 2 MiB bodies, json", harMB), []string{"validate", "--format", "json", bodies[2]}, "2MiB-bodies-peak-RSS-MiB"},
		{fmt.Sprintf("%d MB HAR of 2 MiB bodies, html", harMB), []string{"validate", "--format", "html", bodies[2]}, "2MiB-bodies-html-peak-RSS-MiB"},
		{fmt.Sprintf("%d MB HAR of 10 MiB bodies, json", harMB), []string{"validate", "--format", "json", bodies[10]}, "10MiB-bodies-peak-RSS-MiB"},
		{fmt.Sprintf("%d MB HAR of 10 MiB bodies, html", harMB), []string{"validate", "--format", "html", bodies[10]}, "10MiB-bodies-html-peak-RSS-MiB"},
	}
	b.ResetTimer()
	for range b.N {
		for _, r := range runs {
			cmd := exec.Command(bin, r.args...)
			cmd.Stdout = io.Discard
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				b.Fatalf("%s: %v", r.name, err)
			}
			hwm := watchHWM(cmd.Process.Pid)
			_ = cmd.Wait()
			peak := <-hwm
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				b.Fatalf("%s: exit %d, want 1 (findings): %s", r.name, code, stderr.String())
			}
			ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			if !ok {
				b.Fatal("no rusage on this platform")
			}
			maxrss := float64(ru.Maxrss) / 1024 // Linux reports KiB
			mib := float64(peak) / 1024
			b.ReportMetric(mib, r.metric)
			b.Logf("%s: peak RSS %.0f MiB (VmHWM), ru_maxrss %.0f MiB, %s user CPU", r.name, mib, maxrss, cmd.ProcessState.UserTime())
			if mib > 256 {
				b.Errorf("%s: peak RSS %.0f MiB, over the 256 MiB bound", r.name, mib)
			}
		}
	}
}

// watchHWM polls the VmHWM (peak resident set) of process pid until it exits and then sends
// the last value read, in KiB. ru_maxrss alone is no measure of a child on Linux: a process
// started by vfork, as os/exec starts one, inherits its parent's high-water mark at exec, so
// it never reads below the benchmark's own size; VmHWM belongs to the child's own memory map.
func watchHWM(pid int) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var last int64
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			b, err := os.ReadFile(path)
			if err != nil {
				out <- last
				return
			}
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					var kb int64
					if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb); err == nil && kb > last {
						last = kb
					}
				}
				if strings.HasPrefix(line, "State:") && strings.Contains(line, "zombie") {
					out <- last
					return
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return out
}

func envInt(b *testing.B, name string, def int64) int64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}
