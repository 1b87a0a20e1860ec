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
	failed map[string]failure

	// backoff says how long a failure is remembered.
	backoff func(error) time.Duration
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

// failure is a failed renewal, repeated to callers until its back-off ends.
type failure struct {
	err   error
	until time.Time
}

func (g *renewals) init(backoff func(error) time.Duration) {
	g.calls = make(map[string]*renewal)
	g.recent = make(map[string]recentResult)
	g.failed = make(map[string]failure)
	g.backoff = backoff
}

// do returns the result of resolving key, calling fn at most once for all the
// callers that arrive while it runs. fn runs in its own goroutine so that a
// caller whose request is cancelled can leave without failing the others; fn
// must therefore bound itself with its own context. A recent success is
// reused if usable accepts it; a recent failure is returned at once until its
// back-off is over, so a session under an outage calls Wix once per back-off.
func (g *renewals) do(ctx context.Context, key string, usable func(Tokens) bool, fn func() (Tokens, error)) (Tokens, error) {
	g.mu.Lock()
	if r, ok := g.recent[key]; ok && time.Since(r.at) < recentTTL && usable(r.tok) {
		g.mu.Unlock()
		return r.tok, nil
	}
	if f, ok := g.failed[key]; ok && time.Now().Before(f.until) {
		g.mu.Unlock()
		return Tokens{}, f.err
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
	delete(g.failed, key)
	now := time.Now()
	g.sweep(now)
	if c.err == nil {
		g.recent[key] = recentResult{tok: c.tok, at: now}
	} else {
		g.failed[key] = failure{err: c.err, until: now.Add(g.backoff(c.err))}
	}
	g.mu.Unlock()
	close(c.done)
}

// sweep drops the results and failures that no longer count, once a map
// has grown, so that each stays near the number of sessions renewed (or
// failing) in the last recentTTL (or back-off); the caller holds g.mu.
func (g *renewals) sweep(now time.Time) {
	if len(g.recent) >= 1024 {
		for k, r := range g.recent {
			if now.Sub(r.at) >= recentTTL {
				delete(g.recent, k)
			}
		}
	}
	if len(g.failed) >= 1024 {
		for k, f := range g.failed {
			if now.After(f.until) {
				delete(g.failed, k)
			}
		}
	}
}
