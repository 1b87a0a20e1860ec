package renew

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// RecentTTL is how long the result of a call stays at hand for callers of
// the same key that arrive just after it finished (requests that loaded
// their session before the renewed tokens were saved). Without it, a
// request arriving a moment after a renewal would renew again.
const RecentTTL = 30 * time.Second

// Share makes one call per key at a time in this process: callers that
// need the same key renewed wait for the one call already under way and
// share its result. Call Init before use.
type Share[T any] struct {
	mu     sync.Mutex
	calls  map[string]*Flight[T]
	recent map[string]*Flight[T] // finished successes
	failed map[string]failure

	// backoff says how long a failure is remembered.
	backoff func(error) time.Duration
}

// Flight is one call, shared by the callers that wait for it.
type Flight[T any] struct {
	done chan struct{}
	val  T
	err  error
	at   time.Time // when it finished
	// elsewhere: another instance made the call, and one of its own
	// requests saves the result.
	elsewhere bool
	saved     atomic.Bool
}

// ClaimSave is true for the first caller that asks, so that one request
// saves a result that many share, and false for all when the result came
// from another instance.
func (f *Flight[T]) ClaimSave() bool { return !f.elsewhere && f.saved.CompareAndSwap(false, true) }

// failure is a failed call, repeated to callers until its back-off ends.
type failure struct {
	err   error
	until time.Time
}

// Init readies s; backoff says how long each failure is repeated to
// callers without a call.
func (s *Share[T]) Init(backoff func(error) time.Duration) {
	s.calls = make(map[string]*Flight[T])
	s.recent = make(map[string]*Flight[T])
	s.failed = make(map[string]failure)
	s.backoff = backoff
}

// Do returns the result for key, calling fn at most once for all the
// callers that arrive while it runs, and the Flight it came from (nil
// never: even a caller's own call is a Flight, so that one saves it). fn
// runs in its own goroutine so that a caller whose request is cancelled
// can leave without failing the others; fn must therefore bound itself
// with its own context, and reports whether its result came from another
// instance.
//
// A recent success is reused if usable accepts it; a recent failure is
// returned at once until its back-off is over, so a key under an outage
// costs one call per back-off. A caller that joined a call started for
// another reason, whose result it cannot use (the value it was refused),
// starts one more.
func (s *Share[T]) Do(ctx context.Context, key string, usable func(T) bool, fn func() (T, bool, error)) (T, *Flight[T], error) {
	var zero T
	for joined := 0; ; joined++ {
		s.mu.Lock()
		if r, ok := s.recent[key]; ok && time.Since(r.at) < RecentTTL && usable(r.val) {
			s.mu.Unlock()
			return r.val, r, nil
		}
		if f, ok := s.failed[key]; ok && time.Now().Before(f.until) {
			s.mu.Unlock()
			return zero, nil, f.err
		}
		c, started := s.calls[key], false
		if c == nil {
			c, started = &Flight[T]{done: make(chan struct{})}, true
			s.calls[key] = c
			go s.run(key, c, fn)
		}
		s.mu.Unlock()

		select {
		case <-c.done:
		case <-ctx.Done():
			return zero, nil, context.Cause(ctx)
		}
		if c.err != nil {
			return zero, nil, c.err
		}
		if started || joined > 0 || usable(c.val) {
			return c.val, c, nil
		}
	}
}

func (s *Share[T]) run(key string, c *Flight[T], fn func() (T, bool, error)) {
	c.val, c.elsewhere, c.err = fn()
	s.mu.Lock()
	delete(s.calls, key)
	delete(s.failed, key)
	now := time.Now()
	c.at = now
	s.sweep(now)
	if c.err == nil {
		s.recent[key] = c
	} else {
		delete(s.recent, key)
		s.failed[key] = failure{err: c.err, until: now.Add(s.backoff(c.err))}
	}
	s.mu.Unlock()
	close(c.done)
}

// sweep drops the results and failures that no longer count, once a map
// has grown, so that each stays near the number of keys renewed (or
// failing) in the last RecentTTL (or back-off); the caller holds s.mu.
func (s *Share[T]) sweep(now time.Time) {
	if len(s.recent) >= 1024 {
		for k, r := range s.recent {
			if now.Sub(r.at) >= RecentTTL {
				delete(s.recent, k)
			}
		}
	}
	if len(s.failed) >= 1024 {
		for k, f := range s.failed {
			if now.After(f.until) {
				delete(s.failed, k)
			}
		}
	}
}
