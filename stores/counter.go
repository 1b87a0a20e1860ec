package stores

import (
	"context"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/wixauth/wixauth/internal/counter"
)

// Counter returns counts shared by every instance that opens the same
// store, for handlers.Config.Counter: the verification codes tried per
// login and the budgets of calls that make Wix send mail or create
// sessions then hold across instances, not per process. For Redis each
// change is one Lua script (INCRBY, and PEXPIRE when the key is new), so
// that racing instances never read the same count; for the memory store,
// which one process owns, it counts under a lock.
func (s *Store) Counter() *Counter {
	if s.Redis == nil {
		return &Counter{mem: &counter.Memory{}}
	}
	return &Counter{pool: s.Redis, prefix: s.Prefix + "count:", wait: s.wait}
}

// Counter is the store's shared counter (see Store.Counter). It
// implements handlers.Counter.
type Counter struct {
	pool   *redis.Pool
	prefix string
	wait   time.Duration
	mem    *counter.Memory
}

// addScript adds ARGV[1] to KEYS[1] and gives a key without an expiry
// (new, or left by something else) ARGV[2] milliseconds, in one step.
var addScript = redis.NewScript(1, `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return n`)

// Add adds delta to the count at key and returns the new count; a new key
// expires ttl after this Add, and later Adds keep that expiry.
func (c *Counter) Add(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	if c.mem != nil {
		return c.mem.Add(ctx, key, delta, ttl)
	}
	conn, err := borrow(ctx, c.pool, c.wait)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	return redis.Int64(addScript.Do(conn, c.prefix+key, delta, max(ttl.Milliseconds(), 1)))
}
