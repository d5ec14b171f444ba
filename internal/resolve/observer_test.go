package resolve

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
)

// observingProvider records the releases the solver turns to.
type observingProvider struct {
	Provider
	mu   sync.Mutex
	seen []string
}

func (o *observingProvider) Considering(c *Candidate) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, c.Name+"=="+c.Version.String())
}

// The solver tells a ChoiceObserver about every release it reads the
// requirements of, including one it backtracks from, and the speculative
// prefetch of neighbouring releases tells it nothing.
func TestChoiceObserver(t *testing.T) {
	index := map[string][]string{
		"foo 1.0.0": nil, "foo 1.1.0": {"bar>=2.0.0,<3"},
		"bar 1.0.0": nil, "bar 1.1.0": nil, "bar 2.0.0": nil,
		"baz 1.0.0": {"foo"}, "baz 0.9.0": {"foo"}, "baz 0.8.0": {"foo"},
	}
	for _, tt := range []struct {
		name string
		root []string
		want []string // every release the solver read, sorted
	}{
		{"chain", []string{"baz"}, []string{"bar==2.0.0", "baz==1.0.0", "foo==1.1.0"}},
		{"backtrack", []string{"foo", "bar<2"}, []string{"bar==1.1.0", "foo==1.0.0", "foo==1.1.0"}},
	} {
		o := &observingProvider{Provider: memIndex(t, index)}
		res, err := Resolve(context.Background(), o, Options{Requirements: reqs(t, tt.root...)})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for _, p := range res.Packages {
			if !slices.Contains(o.seen, p.Name+"=="+p.Version.String()) {
				t.Errorf("%s: resolved %s==%s without Considering it (seen %v)", tt.name, p.Name, p.Version, o.seen)
			}
		}
		got := slices.Clone(o.seen)
		slices.Sort(got)
		got = slices.Compact(got)
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%s: considered %v, want %v", tt.name, got, tt.want)
		}
	}
}
