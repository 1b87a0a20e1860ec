package stores

import (
	"context"
	"errors"
	"time"

	"github.com/gomodule/redigo/redis"
)

// pingAfterIdle is how long a pooled connection may sit idle before its
// server's ROLE is checked on borrow (a PING would succeed on a replica).
// Checking every borrow would double the round trips of every session read;
// connections used within the last minute are very likely still alive and
// still to the primary, a dead one is discarded after its first error, and
// one to a demoted primary after its first READONLY (failover.go).
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
		return nil, "", errors.New(`stores: NewRedisPool needs a redis://, rediss:// or Sentinel URL, not "memory"`)
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
	gen := &generation{}
	addr, sent := c.addr, c.sentinel
	sentinelOpts := []redis.DialOption{
		redis.DialConnectTimeout(c.dialTimeout),
		redis.DialTLSHandshakeTimeout(c.dialTimeout),
		redis.DialReadTimeout(c.readTimeout),
		redis.DialWriteTimeout(c.writeTimeout),
		redis.DialUseTLS(c.useTLS),
	}
	if c.useTLS && o.tlsConfig != nil {
		sentinelOpts = append(sentinelOpts, redis.DialTLSConfig(o.tlsConfig))
	}
	return &redis.Pool{
		// DialContext rather than Dial so that callers using GetContext (a
		// lease holder, say) can also cancel a slow dial. Every new
		// connection is checked to be to a primary (ROLE): after a
		// failover, a DNS name or Sentinel may point at the old primary for
		// a moment, and a replica would answer every save with READONLY.
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			to := addr
			if sent != nil {
				var err error
				if to, err = sent.primary(ctx, sentinelOpts); err != nil {
					return nil, err
				}
			}
			conn, err := dialPrimary(ctx, to, dialOpts)
			if err != nil && sent != nil {
				// Sentinel may still name the old primary just after a
				// failover: look for the promoted replica.
				if to := sent.promoted(ctx, sentinelOpts, dialOpts); to != "" {
					conn, err = dialPrimary(ctx, to, dialOpts)
				}
			}
			if err != nil {
				return nil, err
			}
			return newGuarded(conn, gen), nil
		},
		TestOnBorrow: testOnBorrow,
		MaxIdle:      c.maxIdle,
		MaxActive:    c.maxActive,
		IdleTimeout:  c.idleTimeout,
		Wait:         true,
	}
}

// dialPrimary dials addr and checks that it is a primary.
func dialPrimary(ctx context.Context, addr string, opts []redis.DialOption) (redis.Conn, error) {
	conn, err := redis.DialContext(ctx, "tcp", addr, opts...)
	if err != nil {
		return nil, err
	}
	if err := checkPrimary(conn); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
