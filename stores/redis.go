package stores

import (
	"context"
	"errors"
	"time"

	"github.com/gomodule/redigo/redis"
)

// pingAfterIdle is how long a pooled connection may sit idle before it is
// PINGed on borrow. Checking every borrow would double the round trips of
// every session read; connections that were used within the last minute are
// very likely still alive, and a dead one is discarded after its first error.
const pingAfterIdle = time.Minute

// NewRedisPool returns a connection pool and key prefix for a redis:// or
// rediss:// URL, configured exactly as Open configures the pool behind a
// Redis session store (same parameters and defaults, see the package doc).
// It is for code that needs Redis without a session store; to share the
// session store's own pool, use Store.Redis instead. The caller must Close
// the pool. Like Open, it does not dial. Its Wait is true (see newPool):
// borrow with GetContext and a deadline, as this package does, so that a
// Redis that keeps every connection busy cannot hold callers for long.
func NewRedisPool(rawURL string, opts ...Option) (*redis.Pool, string, error) {
	cfg, err := parseURL(rawURL)
	if err != nil {
		return nil, "", err
	}
	if cfg.kind != kindRedis {
		return nil, "", errors.New(`stores: NewRedisPool needs a redis:// or rediss:// URL, not "memory"`)
	}
	return newPool(cfg, applyOptions(opts)), cfg.prefix, nil
}

// newPool builds the pool for a parsed Redis URL.
//
// Wait is true: past MaxActive a caller queues for a free connection, which
// is what a burst needs. Every caller in this package borrows with
// GetContext under wait_timeout, so a Redis that keeps every connection
// busy (slow, or down) costs a request that long, not more.
func newPool(c config, o options) *redis.Pool {
	dialOpts := []redis.DialOption{
		redis.DialConnectTimeout(c.dialTimeout),
		// redigo's own default is 10s, which would dwarf the connect bound.
		redis.DialTLSHandshakeTimeout(c.dialTimeout),
		redis.DialReadTimeout(c.readTimeout),
		redis.DialWriteTimeout(c.writeTimeout),
		redis.DialDatabase(c.db),
		redis.DialUseTLS(c.useTLS),
	}
	if c.password != "" {
		dialOpts = append(dialOpts, redis.DialPassword(c.password))
	}
	if c.username != "" {
		dialOpts = append(dialOpts, redis.DialUsername(c.username))
	}
	if c.useTLS && o.tlsConfig != nil {
		dialOpts = append(dialOpts, redis.DialTLSConfig(o.tlsConfig))
	}
	addr := c.addr
	return &redis.Pool{
		// DialContext rather than Dial so that callers using GetContext (a
		// lease holder, say) can also cancel a slow dial.
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			return redis.DialContext(ctx, "tcp", addr, dialOpts...)
		},
		TestOnBorrow: func(conn redis.Conn, lastUsed time.Time) error {
			if time.Since(lastUsed) < pingAfterIdle {
				return nil
			}
			_, err := conn.Do("PING")
			return err
		},
		MaxIdle:     c.maxIdle,
		MaxActive:   c.maxActive,
		IdleTimeout: c.idleTimeout,
		Wait:        true,
	}
}
