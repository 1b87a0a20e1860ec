package wixauth

import (
	"context"
	"sync"
	"time"
)

// recentTTL is how long the result of a renewal stays at hand for requests of
// the same session that loaded their session before the renewed tokens were
// saved. Without it, a request arriving a moment after a renewal finished
// would renew again.
const recentTTL = 30 * time.Second

// renewals makes one token call per session at a time in this process:
// requests that need the same refresh token resolved wait for the one call
// already under way and share its result.
type renewals struct {
	mu     sync.Mutex
	calls  map[string]*renewal
	recent map[string]recentResult
}

type renewal struct {
	done chan struct{}
	tok  Tokens
	err  error
}

type recentResult struct {
	tok Tokens
	at  time.Time
}

func (g *renewals) init() {
	g.calls = make(map[string]*renewal)
	g.recent = make(map[string]recentResult)
}

// do returns the result of resolving key, calling fn at most once for all the
// callers that arrive while it runs. fn runs in its own goroutine so that a
// caller whose request is cancelled can leave without failing the others; fn
// must therefore bound itself with its own context. A recent success is
// reused if usable accepts it.
func (g *renewals) do(ctx context.Context, key string, usable func(Tokens) bool, fn func() (Tokens, error)) (Tokens, error) {
	g.mu.Lock()
	if r, ok := g.recent[key]; ok && time.Since(r.at) < recentTTL && usable(r.tok) {
		g.mu.Unlock()
		return r.tok, nil
	}
	c, ok := g.calls[key]
	if !ok {
		c = &renewal{done: make(chan struct{})}
		g.calls[key] = c
		go g.run(key, c, fn)
	}
	g.mu.Unlock()

	select {
	case <-c.done:
		return c.tok, c.err
	case <-ctx.Done():
		return Tokens{}, context.Cause(ctx)
	}
}

func (g *renewals) run(key string, c *renewal, fn func() (Tokens, error)) {
	c.tok, c.err = fn()
	g.mu.Lock()
	delete(g.calls, key)
	if c.err == nil {
		g.remember(key, c.tok)
	}
	g.mu.Unlock()
	close(c.done)
}

// remember keeps a result; the caller holds g.mu. Expired entries are swept
// when the map grows, so it stays near the number of sessions renewed in the
// last recentTTL.
func (g *renewals) remember(key string, tok Tokens) {
	now := time.Now()
	if len(g.recent) >= 1024 {
		for k, r := range g.recent {
			if now.Sub(r.at) >= recentTTL {
				delete(g.recent, k)
			}
		}
	}
	g.recent[key] = recentResult{tok: tok, at: now}
}
