package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal (not merely a character device: /dev/null is one
// too).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && f != nil && term.IsTerminal(int(f.Fd()))
}

// stdinWaitNote is how long validate waits for the first byte of a piped standard input before
// it says on stderr what it is waiting for: a pipe nobody writes to would otherwise look hung.
const stdinWaitNote = 2 * time.Second

// pipedStdin returns standard input when it is a pipe or a file holding data, as jq and oasdiff
// read it when given no file. A terminal, /dev/null (CI runners' usual standard input), a closed
// descriptor and an empty pipe are no input: validate then checks the bundled examples.
func (c *command) pipedStdin(cmd string) (io.Reader, bool) {
	if c.stdin == nil {
		return nil, false
	}
	if f, ok := c.stdin.(*os.File); ok {
		st, err := f.Stat()
		if err != nil || st.Mode()&os.ModeCharDevice != 0 || isTerminal(f) {
			return nil, false
		}
	}
	br := bufio.NewReader(c.stdin)
	var once sync.Once
	timer := time.AfterFunc(stdinWaitNote, func() {
		once.Do(func() {
			fmt.Fprintf(c.stderr, "specgate %s: reading standard input (no INPUT given); run it with </dev/null to check the bundled examples instead\n", cmd)
		})
	})
	_, err := br.Peek(1)
	timer.Stop()
	once.Do(func() {})
	if errors.Is(err, io.EOF) {
		fmt.Fprintf(c.stderr, "specgate %s: standard input is empty and no INPUT is given: checking the bundled examples\n", cmd)
		return nil, false
	}
	// Any other error is reported by the reader, with the input's name.
	return br, true
}
