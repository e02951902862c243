package harrecord

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNoMitmproxy is returned when mitmdump or mitmproxy's HAR export addon cannot be found.
var ErrNoMitmproxy = errors.New("no mitmdump with mitmproxy's har_dump.py addon found: run make setup, which installs Debian's mitmproxy")

// harDumpScripts are where mitmproxy's own HAR export addon is installed: Debian's mitmproxy
// package ships it among its examples.
var harDumpScripts = []string{"/usr/share/doc/mitmproxy/examples/contrib/har_dump.py"}

// Mitmproxy locates the mitmproxy that RecordSiteThroughMitmproxy runs. The zero value looks
// mitmdump up on PATH and uses the har_dump.py addon of Debian's mitmproxy package.
type Mitmproxy struct {
	// Mitmdump is the mitmdump executable.
	Mitmdump string
	// HarDump is mitmproxy's HAR export addon, har_dump.py (mitmproxy 8 and older ship it as an
	// example; later versions have the same export built in).
	HarDump string
}

func (m Mitmproxy) find() (exe, script string, err error) {
	name := m.Mitmdump
	if name == "" {
		name = "mitmdump"
	}
	if exe, err = exec.LookPath(name); err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrNoMitmproxy, err)
	}
	scripts := harDumpScripts
	if m.HarDump != "" {
		scripts = []string{m.HarDump}
	}
	for _, s := range scripts {
		if _, err := os.Stat(s); err == nil {
			return exe, s, nil
		}
	}
	return "", "", fmt.Errorf("%w: no %s", ErrNoMitmproxy, strings.Join(scripts, " or "))
}

// RecordSiteThroughMitmproxy records the site as mitmproxy exports it: Chromium loads the page
// through mitmdump running mitmproxy's HAR export addon, and the result is the file that addon
// writes when mitmdump stops, unchanged. The site is served as 127.0.0.1 on two ports, since the
// proxy resolves names itself and *.localhost may not lead anywhere for it.
func RecordSiteThroughMitmproxy(ctx context.Context, opts Options, m Mitmproxy) ([]byte, error) {
	exe, script, err := m.find()
	if err != nil {
		return nil, err
	}
	site, err := StartSite("127.0.0.1", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	defer site.Close()
	dir, err := os.MkdirTemp("", "harrecord-mitmproxy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "mitmproxy.har")
	var log bytes.Buffer
	cmd := exec.Command(exe, "--quiet", "--listen-host", "127.0.0.1", "--listen-port", strconv.Itoa(port),
		"--set", "confdir="+filepath.Join(dir, "conf"), "-s", script, "--set", "hardump="+out)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", exe, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		// mitmdump writes the HAR when it stops on an interrupt.
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			return err
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			return errors.New("did not stop within 15s of an interrupt")
		}
	}
	proxy := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := waitListening(ctx, proxy, exited); err != nil {
		_ = stop()
		return nil, fmt.Errorf("%s: %w\n%s", exe, err, log.String())
	}
	opts.Proxy = proxy
	if _, err := Record(ctx, site.PageURL, siteOptions(opts)); err != nil {
		_ = stop()
		return nil, err
	}
	if err := stop(); err != nil {
		return nil, fmt.Errorf("stopping %s: %w\n%s", exe, err, log.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("%s wrote no HAR: %w\n%s", exe, err, log.String())
	}
	return data, nil
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitListening waits until addr accepts connections, or the process it waits for exits.
func waitListening(ctx context.Context, addr string, exited <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited before listening on %s: %v", addr, err)
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening on %s after 30s", addr)
		}
	}
}
