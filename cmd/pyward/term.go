package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// isTerminal reports whether w is an interactive terminal that may show
// colours and progress bars.
func isTerminal(w io.Writer) bool {
	if tw, ok := w.(*terminalWriter); ok {
		w = tw.dst
	}
	f, ok := w.(*os.File)
	return ok && colourAllowed(os.Getenv) && term.IsTerminal(int(f.Fd()))
}

// terminalWidth returns the number of columns of the terminal w writes
// to, or 0 when w is no terminal or the size is unknown.
func terminalWidth(w io.Writer) int {
	if tw, ok := w.(*terminalWriter); ok {
		w = tw.dst
	}
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}

// colourAllowed applies the conventions that turn colours (and progress
// bars) off: NO_COLOR set to anything (no-color.org), or TERM=dumb (a
// terminal that cannot move the cursor).
func colourAllowed(getenv func(string) string) bool {
	return getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// terminalWriter is a filtering writer (redact.Writer) that remembers the
// stream it ends in, so that isTerminal still sees the terminal.
type terminalWriter struct {
	io.Writer
	dst io.Writer
}
