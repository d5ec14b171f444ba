package index

import (
	"fmt"
	"net/http"
	"time"

	redaction "github.com/pyward/pyward/internal/redact"
)

// LogTransport wraps base (http.DefaultTransport when nil) so that every
// request is logged through logf as the client's own -v lines are:
// method, URL without credentials, status and time. It is for the HTTP
// users outside Client (pyward db update's downloads), so that -v means
// the same for every command.
func LogTransport(base http.RoundTripper, logf func(format string, args ...any)) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &logTransport{base: base, logf: logf}
}

type logTransport struct {
	base http.RoundTripper
	logf func(format string, args ...any)
}

func (t *logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		t.logf("%s", redaction.URLs(fmt.Sprintf("%s %s: %v (%v)", req.Method, redaction.URL(req.URL), err, took)))
		return nil, err
	}
	t.logf("%s %s → %s (%v)", req.Method, redaction.URL(req.URL), resp.Status, took)
	return resp, nil
}
