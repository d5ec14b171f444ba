package forge

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pyward/pyward/internal/retry"
)

// TestResponseSizeLimit: an answer to the pull-request list that is a valid
// JSON array padded past the limit is refused by every client, with an
// error naming the limit, and one exactly at the limit is read. New holds
// answers to MaxResponseSize; the test uses a small limit, since the
// clients' JSON decoders take seconds over 64 MiB with the race detector.
func TestResponseSizeLimit(t *testing.T) {
	const limit = 4 << 10
	var size atomic.Int64 // the size of the next answer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("[" + strings.Repeat(" ", int(size.Load())-2) + "]"))
	}))
	defer srv.Close()
	for _, kind := range []struct{ name, base, repo string }{
		{"github", srv.URL + "/api/v3", "o/r"},
		{"gitlab", srv.URL + "/api/v4", "g/r"},
		{"gitea", srv.URL, "o/r"},
	} {
		for _, tc := range []struct {
			size    int
			wantErr bool
		}{
			{limit, false},
			{limit + 1, true},
			{4 * limit, true},
		} {
			t.Run(kind.name+"/"+strconv.Itoa(tc.size), func(t *testing.T) {
				c, err := newLimited(Config{Kind: kind.name, BaseURL: kind.base, Repo: kind.repo, Token: testToken, HTTP: srv.Client(),
					Retry: retry.Policy{Attempts: 1, Base: time.Millisecond, Max: time.Millisecond}}, limit)
				if err != nil {
					t.Fatal(err)
				}
				size.Store(int64(tc.size))
				prs, err := c.OpenPRs(context.Background(), "main")
				if !tc.wantErr {
					if err != nil || len(prs) != 0 {
						t.Fatalf("OpenPRs = %v, %v", prs, err)
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), strconv.Itoa(limit)+" bytes") || !strings.Contains(err.Error(), srv.URL) {
					t.Fatalf("OpenPRs = %v, %v; want an error naming the URL and the limit %d", prs, err, limit)
				}
			})
		}
	}
}
