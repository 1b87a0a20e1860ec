package stores

import (
	"crypto/tls"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gomodule/redigo/redis"
)

// Store is an opened session store. It is a struct rather than a bare
// scs.Store so that the Redis pool behind it can be shared with other Redis
// users of the same app (for example a token-renewal lease), instead of each
// opening its own pool with its own limits.
type Store struct {
	// Sessions is the store to pass to wixauth.Config.Store (or to
	// session.Options.Store when the app builds the manager itself). For
	// Redis it is a session.AtomicStore, whose conditional saves are one
	// Lua script, with keys and values laid out as scs's redisstore lays
	// them out, and a renewal coordinator (see RedisCoordinator), which
	// wixauth.New uses as one; for memory it is a *memstore.MemStore,
	// which session.New guards with a lock.
	Sessions scs.Store

	// Redis is the connection pool behind Sessions for redis:// and
	// rediss:// URLs, and nil for the memory store. Store.Close closes it.
	Redis *redis.Pool

	// Prefix is the Redis key prefix of session keys ("" for memory).
	Prefix string

	wait time.Duration // wait_timeout

	url       string // redacted, for String
	closeFn   func() error
	closeOnce sync.Once
	closeErr  error
}

// Open opens the session store described by rawURL (see the package
// documentation for the accepted forms and their defaults).
//
// Open does not contact Redis: the pool dials lazily, so an app can start
// while Redis is briefly unavailable and its session requests fail (within
// the configured timeouts) until Redis is back.
func Open(rawURL string, opts ...Option) (*Store, error) {
	cfg, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	o := applyOptions(opts)
	if cfg.kind == kindMemory {
		return openMemory(cfg), nil
	}
	pool := newPool(cfg, o)
	return &Store{
		Sessions: &redisSessions{RedisCoordinator: &RedisCoordinator{pool: pool, prefix: cfg.prefix, wait: cfg.waitTimeout}, pool: pool, prefix: cfg.prefix, wait: cfg.waitTimeout, readTimeout: cfg.readTimeout},
		Redis:    pool,
		Prefix:   cfg.prefix,
		wait:     cfg.waitTimeout,
		url:      cfg.redacted,
		closeFn:  pool.Close,
	}, nil
}

// Close releases the store's resources (the Redis pool's connections). It
// is safe to call more than once; later calls return the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.closeFn != nil {
			s.closeErr = s.closeFn()
		}
	})
	return s.closeErr
}

// String returns the store's URL with any password redacted, for logs.
func (s *Store) String() string { return s.url }

// Option adjusts what the URL cannot express.
type Option func(*options)

type options struct {
	tlsConfig *tls.Config
}

// WithTLSConfig sets the TLS configuration for rediss:// URLs, for example
// to trust a private CA or present a client certificate. Without it the
// system roots verify the server's certificate against the URL's host. It
// has no effect on other URLs.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(o *options) { o.tlsConfig = cfg }
}

func applyOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}
