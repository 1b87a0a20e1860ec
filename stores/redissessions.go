package stores

import (
	"context"
	"errors"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/wixauth/wixauth/session"
)

// redisSessions is the Redis session store: an scs.Store (keys and values
// laid out as scs's redisstore lays them out, so sessions it wrote are read)
// and a session.AtomicStore, whose conditional save is one Lua script. It
// is also the renewal coordinator of the instances that share it (the
// methods of RedisCoordinator over the same pool), which wixauth.New finds
// through it: wiring the store wires the coordinator.
//
// Every call borrows its connection with a bounded wait (wait_timeout): a
// burst of requests queues for a pooled connection instead of failing, and
// only a Redis that is slow or down, which keeps every connection busy,
// turns requests away.
type redisSessions struct {
	*RedisCoordinator
	pool   *redis.Pool
	prefix string
	wait   time.Duration
}

// commitIf writes ARGV[1] under KEYS[1] for ARGV[2] milliseconds (none:
// the key is deleted, as an expiry already past asks),
// if ARGV[3] allows: 0 always, 1 unless the key holds a tombstone (a value
// whose first byte is ARGV[4]), 2 only if it holds a value that is not a
// tombstone. It returns 1 when it wrote. Redis runs a script atomically: no
// other command runs between the check and the write.
var commitIf = redis.NewScript(1, `
local mode = tonumber(ARGV[3])
local ttl = tonumber(ARGV[2])
if mode > 0 then
  local first = redis.call('GETRANGE', KEYS[1], 0, 0)
  if first == ARGV[4] then return 0 end
  if first == '' and mode == 2 then return 0 end
end
if ttl <= 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
end
return 1
`)

// tombstone is session.TombstoneByte as the one-byte string Lua compares.
var tombstone = string([]byte{session.TombstoneByte})

// withConn runs f on a pooled connection, and once more on another if the
// first answered as a replica or while loading (a failover): that answer
// retired the connections dialed before it (failover.go), so the second
// try dials the current primary. Every command here may run twice: reads,
// a DEL, and a conditional SET that writes the same value.
func withConn(ctx context.Context, pool *redis.Pool, wait time.Duration, f func(redis.Conn) error) error {
	for try := 0; ; try++ {
		c, err := borrow(ctx, pool, wait)
		if err != nil {
			return err
		}
		err = f(c)
		c.Close()
		if try == 0 && isFailover(err) {
			continue
		}
		return err
	}
}

// borrow takes a connection from pool, waiting at most wait for one to be
// free and never past ctx. While the pool is below MaxActive nothing waits:
// an idle connection is taken or a new one dialed, under dial_timeout
// alone, so that a slow connect on a loaded machine is not mistaken for a
// full pool.
func borrow(ctx context.Context, pool *redis.Pool, wait time.Duration) (redis.Conn, error) {
	if pool.MaxActive == 0 || pool.ActiveCount() < pool.MaxActive {
		return pool.GetContext(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	c, err := pool.GetContext(ctx)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, errPoolBusy{wait}
		}
		return nil, err
	}
	return c, nil
}

// errPoolBusy says that no connection came free within wait_timeout.
type errPoolBusy struct{ wait time.Duration }

func (e errPoolBusy) Error() string {
	return "stores: no Redis connection free within wait_timeout (" + e.wait.String() + "): Redis is slow or down, or max_active is too low for the load"
}

// FreshReads: every GET reply is a new slice (session.FreshReads).
func (s *redisSessions) FreshReads() bool { return true }

func (s *redisSessions) FindCtx(ctx context.Context, key string) ([]byte, bool, error) {
	var b []byte
	err := withConn(ctx, s.pool, s.wait, func(c redis.Conn) (err error) {
		b, err = redis.Bytes(c.Do("GET", s.prefix+key))
		return err
	})
	if err == redis.ErrNil {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (s *redisSessions) CommitIf(ctx context.Context, key string, b []byte, expiry time.Time, cond session.CommitCondition) (bool, error) {
	var n int
	err := withConn(ctx, s.pool, s.wait, func(c redis.Conn) (err error) {
		ttl := time.Until(expiry).Milliseconds()
		n, err = redis.Int(commitIf.Do(c, s.prefix+key, b, ttl, int(cond), tombstone))
		return err
	})
	return n == 1, err
}

func (s *redisSessions) CommitCtx(ctx context.Context, key string, b []byte, expiry time.Time) error {
	_, err := s.CommitIf(ctx, key, b, expiry, session.CommitAlways)
	return err
}

func (s *redisSessions) DeleteCtx(ctx context.Context, key string) error {
	return withConn(ctx, s.pool, s.wait, func(c redis.Conn) error {
		_, err := c.Do("DEL", s.prefix+key)
		return err
	})
}

// Find, Commit and Delete implement scs.Store for callers without a
// context.
func (s *redisSessions) Find(key string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), key)
}

func (s *redisSessions) Commit(key string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), key, b, expiry)
}

func (s *redisSessions) Delete(key string) error { return s.DeleteCtx(context.Background(), key) }
