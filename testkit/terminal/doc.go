// Package terminal holds the tests that run the specgate command on a real pseudo-terminal
// (creack/pty), as in an interactive shell: coloured verdicts, an error shown once, and the
// progress line, drawn on a terminal only. They live in the testkit module so that the library's
// module does not require a pty package; what needs no terminal is tested in internal/cli. It
// has no API: the package is its tests.
package terminal
