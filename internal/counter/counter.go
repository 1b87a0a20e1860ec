// Package counter is the in-process counter behind handlers.Counter's
// default and the memory store's Counter: counts per key that expire, each
// change one step under a lock, so that racing requests of one process
// never read the same count.
package counter

import (
	"context"
	"sync"
	"time"
)

// sweepEvery bounds how often expired keys are dropped: a sweep walks every
// key, which must not happen on every Add of a busy process.
const sweepEvery = time.Minute

// Memory counts in this process. The zero value is ready to use.
type Memory struct {
	mu    sync.Mutex
	m     map[string]entry
	sweep time.Time // next sweep
}

type entry struct {
	n     int64
	until time.Time
}

// Add adds delta to the count at key and returns the new count. A key
// that does not exist, or expired, starts at 0 and lives ttl from this Add;
// later Adds keep its expiry, so that a window never stretches.
func (c *Memory) Add(_ context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]entry{}
	}
	if now.After(c.sweep) {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
		c.sweep = now.Add(sweepEvery)
	}
	e, ok := c.m[key]
	if !ok || !now.Before(e.until) {
		e = entry{until: now.Add(ttl)}
	}
	e.n += delta
	c.m[key] = e
	return e.n, nil
}
