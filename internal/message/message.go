// Package message holds the wording that specgate's messages share, so that every command,
// report and log line words a count or a file error the same way.
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
