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
	rw.pending = append(rw.pending, p...)
	cut := bytes.LastIndexAny(rw.pending, "\n\r") + 1
	if cut == 0 && len(rw.pending) > MaxPending {
		cut = bytes.LastIndexAny(rw.pending, " \t") + 1
		if cut == 0 {
			cut = len(rw.pending)
		}
	}
	if cut > 0 {
		rw.emit(cut)
	}
	return len(p), rw.err
}

// Flush writes the text held back for want of a line end.
func (rw *Writer) Flush() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.err == nil && len(rw.pending) > 0 {
		rw.emit(len(rw.pending))
	}
	return rw.err
}

// emit writes pending[:n] redacted and keeps the rest.
func (rw *Writer) emit(n int) {
	_, rw.err = io.WriteString(rw.w, URLs(string(rw.pending[:n])))
	rw.pending = append(rw.pending[:0], rw.pending[n:]...)
}
