// Package stores opens the server-side session store that wixauth keeps Wix
// OAuth tokens in, from a single URL so that the choice is one line of
// configuration (typically an environment variable).
//
// Two kinds of store are supported:
//
//	""  "memory"  "memory://"                      in-process, see memstore
//	"redis://[user:password@]host[:port][/db]"     Redis
//	"rediss://[user:password@]host[:port][/db]"    Redis over TLS
//	"redis-sentinel://[user:password@]s1[:26379],s2[:26379],.../name[/db]"
//	                                               a Sentinel-managed primary
//	"rediss-sentinel://..."                        the same over TLS
//
// With Sentinel, the hosts are the Sentinels (any number, comma-separated,
// port 26379 by default), name is the primary's name as in sentinel.conf's
// "sentinel monitor <name> ...", and the user and password are the
// primary's. Sentinels that require a password of their own take it as the
// query parameters sentinel_password (and sentinel_username); it is
// redacted like the primary's. TLS (rediss-sentinel) applies to the
// Sentinels and the primary alike; as Sentinel reports the primary by IP
// address, a certificate without that IP needs WithTLSConfig with its
// ServerName. For example:
//
//	redis-sentinel://:s3cret@10.0.0.5,10.0.0.6,10.0.0.7/mymaster/0?sentinel_password=t0p
//
// Every new connection asks a Sentinel (the last one that answered first)
// for the primary's address, with SENTINEL get-master-addr-by-name, and
// checks with ROLE that the server it reaches is a primary.
//
// # Failover
//
// Sentinel, and managed Redis services (ElastiCache, Memorystore, Azure
// Cache, Redis Enterprise), fail over by promoting a replica; the old
// primary often becomes a replica with its connections still open, and
// answers every write on them with READONLY. A connection that answers
// READONLY, MASTERDOWN, LOADING or UNBLOCKED is closed rather than pooled,
// and so is every connection dialed before that answer, when next used;
// the call that met the answer is tried once more on a new connection. New
// connections go to the new primary (through the re-resolved DNS name or
// Sentinel) and are checked with ROLE, as are connections idle for over a
// minute. Saves succeed again within a second or so of the promotion,
// without a restart (docs/reliability.md has the measurements).
//
// The Redis store is a session.AtomicStore: its conditional saves, which
// make a login's or logout's retirement of a session final across
// instances, are one Lua script. It is also the renewal coordinator of the
// instances that share it (see RedisCoordinator): wixauth.New uses it as
// one when it holds the sessions, so the store is wired in one place. It
// lays a key out as scs's redisstore does (prefix + key, PX expiry), but
// the key it is handed is the SHA-256 of the cookie (session.Key), where
// redisstore under a plain scs manager is handed the cookie itself, and
// the values are framed (and sealed, with keys): the sessions an app
// stored with plain scs and redisstore are not found, unless a migration
// reads them (session.Options.MigrateUnhashedKeys, with prefix=scs:session:
// here; see the README, "Moving an app's own scs sessions"). It needs
// Redis 2.6 or later (EVALSHA).
//
// The memory store is the default and is right for a single instance: the
// sessions die with the process. As soon as the app runs on several
// instances (or must survive restarts) use Redis, so that every instance sees
// the same sessions.
//
// Redis URLs accept these query parameters (all optional):
//
//	parameter      meaning                                  default
//	prefix         key prefix                               "wixauth:session:"
//	max_idle       idle connections kept in the pool        256 (= max_active)
//	max_active     connections open at once (0: no cap)     256
//	idle_timeout   close idle connections after (0: never)  4m
//	dial_timeout   TCP connect, and TLS handshake           2s
//	read_timeout   wait for each reply                      1s
//	write_timeout  write of each command                    1s
//	wait_timeout   wait for a free pooled connection        500ms
//
// Durations use Go syntax ("500ms", "2s", "1m"). Anything else (an unknown
// scheme or parameter, a bad number) is an error that says what is accepted;
// errors never contain the password.
//
// Past max_active connections in use, a store call queues for a free one
// (redigo's Pool.Wait), but never longer than wait_timeout: a healthy Redis frees a connection within a
// millisecond, so a burst of requests queues and is served, while a Redis
// that is slow or down, which keeps every connection busy, costs a request
// at most wait_timeout before the store fails it (a 503 from wixauth). Every
// call that does get a connection is bounded by the read and write
// timeouts.
//
// A pooled connection that Redis closed (say across a Redis restart) fails the
// one call that next uses it, and is then discarded; connections idle for
// over a minute are checked (ROLE) before use, so mostly only recently used
// ones can fail this way.
//
// Typical use:
//
//	st, err := stores.Open(os.Getenv("SESSION_STORE"))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer st.Close()
//	log.Printf("session store: %s", st) // password redacted
//
//	auth, err := wixauth.New(wixauth.Config{ClientID: id, BaseURL: baseURL, Store: st.Sessions, Keys: keys})
//
// This package imports package session for the store contract, never
// wixauth itself.
package stores
