// Package stores opens the server-side session store that wixauth keeps Wix
// OAuth tokens in, from a single URL so that the choice is one line of
// configuration (typically an environment variable).
//
// Two kinds of store are supported:
//
//	""  "memory"  "memory://"                      in-process, see memstore
//	"redis://[user:password@]host[:port][/db]"     Redis, see redisstore
//	"rediss://[user:password@]host[:port][/db]"    Redis over TLS
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
//
// Durations use Go syntax ("500ms", "2s", "1m"). Anything else (an unknown
// scheme or parameter, a bad number) is an error that says what is accepted;
// errors never contain the password.
//
// The pool never queues callers behind busy connections (redigo's Pool.Wait
// is false): redisstore borrows connections with Pool.Get, which has no
// deadline, so with Wait a burst of requests during a Redis outage could
// pile up without bound. Instead, once max_active connections are in use the
// next store call fails at once with redis.ErrPoolExhausted, and every call
// that does get a connection is bounded by the dial, read and write
// timeouts. That is why "wait_timeout" is not a parameter.
//
// A pooled connection that Redis closed (say across a Redis restart) fails the
// one call that next uses it, and is then discarded; connections idle for
// over a minute are PINGed before use, so mostly only recently used ones can
// fail this way.
//
// Typical use:
//
//	st, err := stores.Open(os.Getenv("WIXAUTH_SESSION_STORE"))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer st.Close()
//	log.Printf("session store: %s", st) // password redacted
//
//	sm := scs.New()
//	sm.Store = st.Sessions
package stores
