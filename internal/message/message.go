// Package message holds the wording that specgate's messages share, so that every command,
// report and log line words a count, a size or a file error the same way.
package message

import (
	"fmt"
	"io/fs"
)

// Plural returns one when n is 1, many otherwise: "1 finding", "2 findings".
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Bytes words a byte count in the largest binary unit that divides it: "4 MiB", "512 KiB",
// "100 bytes".
func Bytes(n int64) string {
	if unit, ok := binaryUnit(n); ok {
		return unit
	}
	return fmt.Sprintf("%d bytes", n)
}

// BytesBefore is Bytes before the noun it qualifies: "the 4 MiB limit", "the 100-byte limit".
func BytesBefore(n int64) string {
	if unit, ok := binaryUnit(n); ok {
		return unit
	}
	return fmt.Sprintf("%d-byte", n)
}

func binaryUnit(n int64) (string, bool) {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20), true
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10), true
	}
	return "", false
}

// WithoutPath drops the path of a file error (*fs.PathError, which os returns) for a message
// that already names the file: "open: no such file or directory", keeping the operation that
// failed (open, stat, read...). The result still wraps the cause, so errors.Is(err,
// fs.ErrNotExist) holds. Any other error, and an error that wraps a path error in words of its
// own, is returned as it is: those words may say more than the path.
func WithoutPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
