// Command harrecord records specgate's browser HAR fixtures: it serves harrecord.Site on
// loopback, loads its page in headless Chromium, and writes what the browser loaded to
// DIR/chromium.har; then it loads the page again through mitmproxy and writes the HAR that
// mitmproxy's export addon wrote to DIR/mitmproxy.har. It lives in the testkit module (run it
// from testkit/, as make har-fixtures does), since only the tests need Chromium and chromedp.
//
//	go run ./cmd/harrecord [-out DIR] [-browser PATH] [-timeout D]
//	go run ./cmd/harrecord -serve
//
// -serve only serves the site and prints its page URL, so that the page can be loaded in another
// browser and exported with its own "Save all as HAR" command.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/specgate/specgate/testkit/harrecord"
)

func main() {
	out := flag.String("out", filepath.Join("..", "internal", "traffic", "testdata", "browser"), "write chromium.har into `DIR`")
	browserPath := flag.String("browser", "", "Chromium or Chrome `executable` (default: chromium, chromium-browser, google-chrome or google-chrome-stable on PATH)")
	timeout := flag.Duration("timeout", time.Minute, "give up after this `duration`")
	serve := flag.Bool("serve", false, "only serve the site until interrupted, for recording it with another browser")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "harrecord: unexpected argument %q\n", flag.Arg(0))
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	if *serve {
		err = serveSite(ctx)
	} else {
		err = record(ctx, *out, harrecord.Options{Browser: *browserPath, Timeout: *timeout})
	}
	if err != nil {
		slog.Error("harrecord", "err", err)
		os.Exit(1)
	}
}

func record(ctx context.Context, dir string, opts harrecord.Options) error {
	h, err := harrecord.RecordSite(ctx, opts)
	if err != nil {
		return err
	}
	data, err := h.Marshal()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := write(filepath.Join(dir, "chromium.har"), data, h.Log.Creator.Version); err != nil {
		return err
	}
	data, err = harrecord.RecordSiteThroughMitmproxy(ctx, opts, harrecord.Mitmproxy{})
	if err != nil {
		return err
	}
	return write(filepath.Join(dir, "mitmproxy.har"), data, "mitmproxy")
}

func write(p string, data []byte, by string) error {
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return err
	}
	slog.Info("recorded", "file", p, "bytes", len(data), "by", by)
	return nil
}

func serveSite(ctx context.Context) error {
	site, err := harrecord.StartSite(harrecord.PageHost, harrecord.APIHost)
	if err != nil {
		return err
	}
	defer site.Close()
	fmt.Printf("page: %s\napi:  %s\nload the page, wait until its list shows every call, then export the HAR; Ctrl-C stops.\n", site.PageURL, site.APIURL)
	<-ctx.Done()
	return nil
}
