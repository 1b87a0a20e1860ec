package wixauth

import (
	"errors"
	"sync"
	"time"
)

// DefaultRetryBackoff is how long a failed token call is not repeated.
const DefaultRetryBackoff = 2 * time.Second

// maxRetryBackoff caps a Retry-After from Wix.
const maxRetryBackoff = 5 * time.Minute

// backoffFor is how long to wait after err before calling the token
// endpoint again: Wix's Retry-After if it said more, else RetryBackoff.
func (a *Auth) backoffFor(err error) time.Duration {
	d := a.cfg.RetryBackoff
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > d {
		d = min(ae.RetryAfter, maxRetryBackoff)
	}
	return d
}

// gate remembers a failure so that, during a back-off, callers get the same
// error at once instead of calling Wix again. Under an outage this bounds
// the calls to one per back-off, which keeps the app inside Wix's rate limit
// and lets Wix recover; the first call after the back-off finds out whether
// it has.
type gate struct {
	mu    sync.Mutex
	until time.Time
	err   error
}

// closed returns the remembered error while the back-off lasts.
func (g *gate) closed(now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Before(g.until) {
		return g.err
	}
	return nil
}

func (g *gate) fail(err error, now time.Time, d time.Duration) {
	g.mu.Lock()
	g.until, g.err = now.Add(d), err
	g.mu.Unlock()
}

func (g *gate) open() {
	g.mu.Lock()
	g.until, g.err = time.Time{}, nil
	g.mu.Unlock()
}
