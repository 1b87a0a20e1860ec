package wixauth

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// One renewal per process: the outermost layer of renewal (see renewal.go).

// recentTTL is how long the result of a renewal stays at hand for requests of
// the same session that loaded their session before the renewed tokens were
// saved. Without it, a request arriving a moment after a renewal finished
// would renew again.
const recentTTL = 30 * time.Second

// renewals makes one token call per session at a time in this process:
// requests that need the same refresh token renewed wait for the one call
// already under way and share its result.
type renewals struct {
	mu     sync.Mutex
	calls  map[string]*flight
	recent map[string]*flight // finished successes
	failed map[string]failure

	// backoff says how long a failure is remembered.
	backoff func(error) time.Duration
}

// flight is one renewal, shared by the callers that wait for it.
type flight struct {
	done chan struct{}
	tok  Tokens
	err  error
	at   time.Time // when it finished
	// elsewhere: another instance made the renewal, and one of its own
	// requests saves it.
	elsewhere bool
	saved     atomic.Bool
}

// claimSave is true for the first caller that asks, so that one request
// saves a renewal that many share.
func (f *flight) claimSave() bool { return !f.elsewhere && f.saved.CompareAndSwap(false, true) }

// failure is a failed renewal, repeated to callers until its back-off ends.
type failure struct {
	err   error
	until time.Time
}

func (g *renewals) init(backoff func(error) time.Duration) {
	g.calls = make(map[string]*flight)
	g.recent = make(map[string]*flight)
	g.failed = make(map[string]failure)
	g.backoff = backoff
}

// do returns the renewal of key, calling fn at most once for all the
// callers that arrive while it runs. fn runs in its own goroutine so that a
// caller whose request is cancelled can leave without failing the others; fn
// must therefore bound itself with its own context, and reports whether its
// result came from another instance.
//
// A recent success is reused if usable accepts it; a recent failure is
// returned at once until its back-off is over, so a session under an outage
// calls Wix once per back-off. A caller that joined a call started for
// another reason, whose result it cannot use (the token it was refused),
// starts one more.
func (g *renewals) do(ctx context.Context, key string, usable func(Tokens) bool, fn func() (Tokens, bool, error)) (renewed, error) {
	for joined := 0; ; joined++ {
		g.mu.Lock()
		if r, ok := g.recent[key]; ok && time.Since(r.at) < recentTTL && usable(r.tok) {
			g.mu.Unlock()
			return renewed{Tokens: r.tok, flight: r}, nil
		}
		if f, ok := g.failed[key]; ok && time.Now().Before(f.until) {
			g.mu.Unlock()
			return renewed{}, f.err
		}
		c, started := g.calls[key], false
		if c == nil {
			c, started = &flight{done: make(chan struct{})}, true
			g.calls[key] = c
			go g.run(key, c, fn)
		}
		g.mu.Unlock()

		select {
		case <-c.done:
		case <-ctx.Done():
			return renewed{}, context.Cause(ctx)
		}
		if c.err != nil {
			return renewed{}, c.err
		}
		if started || joined > 0 || usable(c.tok) {
			return renewed{Tokens: c.tok, flight: c}, nil
		}
	}
}

func (g *renewals) run(key string, c *flight, fn func() (Tokens, bool, error)) {
	c.tok, c.elsewhere, c.err = fn()
	g.mu.Lock()
	delete(g.calls, key)
	delete(g.failed, key)
	now := time.Now()
	c.at = now
	g.sweep(now)
	if c.err == nil {
		g.recent[key] = c
	} else {
		delete(g.recent, key)
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
