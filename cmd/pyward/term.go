package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// isTerminal reports whether w is an interactive terminal (for colours and
// progress bars). NO_COLOR disables colours everywhere.
func isTerminal(w io.Writer) bool {
	if tw, ok := w.(*terminalWriter); ok {
		w = tw.dst
	}
	f, ok := w.(*os.File)
	return ok && os.Getenv("NO_COLOR") == "" && term.IsTerminal(int(f.Fd()))
}

// terminalWriter is a filtering writer (redact.Writer) that remembers the
// stream it ends in, so that isTerminal still sees the terminal.
type terminalWriter struct {
	io.Writer
	dst io.Writer
}
