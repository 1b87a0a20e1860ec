package stores

import (
	"context"
	"time"

	"github.com/gomodule/redigo/redis"
)

// RedisCoordinator implements wixauth.Coordinator over a store's Redis
// pool, so that the instances of an app renew each session once between
// them: a short lease taken with SET NX PX, and the result shared under a
// second key for the others to read, with two keys per renewal:
// prefix+"lease:"+key and prefix+"renewed:"+key. The Redis store's
// Sessions has its methods, so wixauth.New wires it from the store alone;
// the memory store, which one process owns alone, has none.
type RedisCoordinator struct {
	pool   *redis.Pool
	prefix string
	wait   time.Duration // for a free connection, as the session store
}

// do runs one command, retried once after a failover reply (see withConn):
// SET NX, GET and DEL may run twice.
func (c *RedisCoordinator) do(ctx context.Context, cmd string, args ...any) (reply any, err error) {
	err = withConn(ctx, c.pool, c.wait, func(conn redis.Conn) (err error) {
		reply, err = conn.Do(cmd, args...)
		return err
	})
	return reply, err
}

// Claim implements wixauth.Coordinator.
func (c *RedisCoordinator) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	reply, err := c.do(ctx, "SET", c.prefix+"lease:"+key, 1, "NX", "PX", ttl.Milliseconds())
	if err == redis.ErrNil || (err == nil && reply == nil) {
		return false, nil
	}
	return err == nil, err
}

// Publish implements wixauth.Coordinator.
func (c *RedisCoordinator) Publish(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return withConn(ctx, c.pool, c.wait, func(conn redis.Conn) error {
		conn.Send("MULTI")
		conn.Send("SET", c.prefix+"renewed:"+key, value, "PX", ttl.Milliseconds())
		conn.Send("DEL", c.prefix+"lease:"+key)
		_, err := conn.Do("EXEC")
		return err
	})
}

// Result implements wixauth.Coordinator.
func (c *RedisCoordinator) Result(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := redis.Bytes(c.do(ctx, "GET", c.prefix+"renewed:"+key))
	if err == redis.ErrNil {
		return nil, false, nil
	}
	return b, err == nil, err
}

// Release implements wixauth.Coordinator.
func (c *RedisCoordinator) Release(ctx context.Context, key string) error {
	_, err := c.do(ctx, "DEL", c.prefix+"lease:"+key)
	return err
}

// Extend keeps a claim alive for another ttl while its holder renews
// (PEXPIRE, on the lease only if it still exists), so that a claim can be
// short: a holder that dies or loses Redis stops extending it, and the
// others take over once it lapses. It reports false when the lease is gone.
// (A holder that lost its lease and gets Redis back may extend the lease
// of the instance that took over: that only delays a takeover that is not
// needed, since that instance is alive.)
func (c *RedisCoordinator) Extend(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	n, err := redis.Int(c.do(ctx, "PEXPIRE", c.prefix+"lease:"+key, ttl.Milliseconds()))
	return n == 1, err
}
