package renew

import (
	"sync"
	"time"
)

// Gate remembers a failure so that, during a back-off, callers get the same
// error at once instead of calling again. Under an outage this bounds the
// calls to one per back-off, which keeps the app inside the remote rate
// limit and lets the remote recover; the first call after the back-off
// finds out whether it has. The zero value is open.
type Gate struct {
	mu    sync.Mutex
	until time.Time
	err   error
}

// Closed returns the remembered error while the back-off lasts.
func (g *Gate) Closed(now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Before(g.until) {
		return g.err
	}
	return nil
}

// Fail closes the gate with err for d from now.
func (g *Gate) Fail(err error, now time.Time, d time.Duration) {
	g.mu.Lock()
	g.until, g.err = now.Add(d), err
	g.mu.Unlock()
}

// Open opens the gate after a success.
func (g *Gate) Open() {
	g.mu.Lock()
	g.until, g.err = time.Time{}, nil
	g.mu.Unlock()
}
