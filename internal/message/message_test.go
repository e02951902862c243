package message

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "findings", 1: "finding", 2: "findings", -1: "findings"} {
		if got := Plural(n, "finding", "findings"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestBytes(t *testing.T) {
	for _, tt := range []struct {
		n             int64
		alone, before string
	}{
		{4 << 20, "4 MiB", "4 MiB"},
		{512 << 10, "512 KiB", "512 KiB"},
		{1536 << 10, "1536 KiB", "1536 KiB"},
		{1000, "1000 bytes", "1000-byte"},
		{1, "1 bytes", "1-byte"},
		{0, "0 bytes", "0-byte"},
	} {
		if got := Bytes(tt.n); got != tt.alone {
			t.Errorf("Bytes(%d) = %q, want %q", tt.n, got, tt.alone)
		}
		if got := BytesBefore(tt.n); got != tt.before {
			t.Errorf("BytesBefore(%d) = %q, want %q", tt.n, got, tt.before)
		}
	}
}

// WithoutPath keeps the operation and the cause of a real file error, without its path, and
// leaves every other error alone.
func TestWithoutPath(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	_, openErr := os.Open(missing)
	_, statErr := os.Stat(missing)
	_, readErr := os.ReadFile(dir)
	for _, tt := range []struct {
		err  error
		want string
		is   error
	}{
		{openErr, "open: no such file or directory", fs.ErrNotExist},
		{statErr, "stat: no such file or directory", fs.ErrNotExist},
		{readErr, "read: is a directory", nil},
	} {
		got := WithoutPath(tt.err)
		if got.Error() != tt.want || strings.Contains(got.Error(), dir) {
			t.Errorf("WithoutPath(%v) = %q, want %q", tt.err, got, tt.want)
		}
		if tt.is != nil && !errors.Is(got, tt.is) {
			t.Errorf("WithoutPath(%v) = %v no longer wraps %v", tt.err, got, tt.is)
		}
	}
	wrapped := fmt.Errorf("reading the $ref of x.yaml: %w", openErr)
	plain := errors.New("no such operation")
	for _, err := range []error{wrapped, plain, nil} {
		if got := WithoutPath(err); got != err {
			t.Errorf("WithoutPath(%v) = %v, want it unchanged", err, got)
		}
	}
}
