package index

import (
	"context"
	"errors"
	"sync"
)

// group deduplicates concurrent calls with the same key (singleflight).
type group struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

// shared runs fn once for all concurrent callers with key. The work runs
// under the first caller's context; a caller whose own context is still
// live retries when that context ended the shared call, so one caller's
// cancellation never fails another.
func (g *group) shared(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	for {
		v, err := g.do(key, func() (any, error) { return fn(ctx) })
		if err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			continue
		}
		return v, err
	}
}

// do runs fn once for all concurrent callers with key.
func (g *group) do(key string, fn func() (any, error)) (any, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[string]*call{}
	}
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	c := &call{done: make(chan struct{})}
	g.calls[key] = c
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(c.done)
	}()
	c.val, c.err = fn()
	return c.val, c.err
}
