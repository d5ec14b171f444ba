package redact

import (
	"bytes"
	"io"
	"sync"
)

// MaxPending bounds the text a Writer holds back while it waits for the end
// of a line; beyond it, everything up to the last white space is written
// (no URL spans white space).
const MaxPending = 64 << 10

// Writer applies URLs to everything written through it. A URL may arrive in
// several writes, so text is passed on a line at a time ("\n" or "\r", which
// a progress line ends with); Flush writes the rest. It is safe for
// concurrent use.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	pending []byte
	err     error
}

// NewWriter returns a Writer that writes the redacted text to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write accepts p in full; the redacted text reaches the underlying writer
// line by line. An error of the underlying writer is returned by the next
// Write or Flush.
func (rw *Writer) Write(p []byte) (int, error) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.err != nil {
		return 0, rw.err
	}
	// Text held back is joined with p; otherwise p is read where it is, so
	// that a large report (one Write) is not copied on its way out.
	text := p
	if len(rw.pending) > 0 {
		rw.pending = append(rw.pending, p...)
		text = rw.pending
	}
	cut := bytes.LastIndexAny(text, "\n\r") + 1
	if cut == 0 && len(text) > MaxPending {
		cut = bytes.LastIndexAny(text, " \t") + 1
		if cut == 0 {
			cut = len(text)
		}
	}
	if cut > 0 {
		rw.emit(text[:cut])
	}
	rw.pending = append(rw.pending[:0], text[cut:]...)
	return len(p), rw.err
}

// Flush writes the text held back for want of a line end.
func (rw *Writer) Flush() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.err == nil && len(rw.pending) > 0 {
		rw.emit(rw.pending)
		rw.pending = rw.pending[:0]
	}
	return rw.err
}

// emit writes text redacted. Text without credentials, nearly all of it,
// is written as it is.
func (rw *Writer) emit(text []byte) {
	if start, _ := userinfo(text); start < 0 {
		_, rw.err = rw.w.Write(text)
		return
	}
	_, rw.err = io.WriteString(rw.w, URLs(string(text)))
}
