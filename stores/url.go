package stores

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults for Redis URLs, used when the URL's query does not set the
// parameter. They suit session reads and writes, which take well under a
// millisecond on a healthy Redis: generous enough never to trip in normal
// operation, short enough that a dead Redis costs a request seconds, not
// minutes.
const (
	// DefaultPrefix namespaces session keys so that the Redis database can be
	// shared with other data (and with scs's own default, "scs:session:").
	DefaultPrefix = "wixauth:session:"

	// DefaultPort is used when the URL has no port, as redis-cli does.
	DefaultPort = "6379"

	// DefaultMaxIdle idle connections are kept for reuse: as many as may be
	// open, so that a burst reuses its connections instead of dialing and
	// closing one per request (with 10 kept, wrk -c256 dialed a connection
	// for nearly every request and left thousands of sockets in TIME_WAIT;
	// see docs/performance.md). Idle ones close after DefaultIdleTimeout.
	DefaultMaxIdle = DefaultMaxActive

	// DefaultMaxActive caps the connections open at once. It is sized for
	// bursts, not for the average: on a busy instance every request in
	// flight can hold a connection while it waits for a CPU, so 256
	// concurrent requests need about 256 connections (measured with wrk
	// -c256, docs/performance.md), and a Redis server accepts 10,000
	// clients by default, room for dozens of instances.
	DefaultMaxActive = 256

	// DefaultIdleTimeout closes connections idle this long, below the 5
	// minute idle cut-off of common load balancers and NAT gateways so the
	// pool does not hand out connections they silently dropped.
	DefaultIdleTimeout = 4 * time.Minute

	// DefaultDialTimeout bounds the TCP connect, and separately the TLS
	// handshake for rediss://.
	DefaultDialTimeout = 2 * time.Second

	// DefaultReadTimeout bounds the wait for each reply.
	DefaultReadTimeout = time.Second

	// DefaultWriteTimeout bounds the write of each command.
	DefaultWriteTimeout = time.Second
	// DefaultWaitTimeout bounds the wait for a free pooled connection
	// once max_active are in use. A healthy Redis frees a connection
	// within a millisecond, so even a burst of thousands of requests per
	// connection is served within it; waiting longer means Redis is slow
	// or down, and the request gets the store's error (a 503).
	DefaultWaitTimeout = 500 * time.Millisecond
)

// acceptedForms ends every "what is wrong with this URL" error.
const acceptedForms = `use "memory", "redis://[user:password@]host[:port][/db]" (rediss:// for TLS) or "redis-sentinel://[user:password@]sentinel1[:26379],sentinel2[:26379]/primary-name[/db]" (rediss-sentinel:// for TLS)`

// queryParams lists the accepted query parameters, for errors.
const queryParams = "prefix, max_idle, max_active, idle_timeout, dial_timeout, read_timeout, write_timeout, wait_timeout; with Sentinel also sentinel_username, sentinel_password"

type storeKind int

const (
	kindMemory storeKind = iota
	kindRedis
)

// config is a parsed store URL.
type config struct {
	kind     storeKind
	redacted string // the URL with the password replaced, for logs and errors

	// Redis only.
	addr         string     // host:port; "" with Sentinel
	sentinel     *sentinels // nil without Sentinel
	useTLS       bool
	username     string
	password     string
	db           int
	prefix       string
	maxIdle      int
	maxActive    int
	idleTimeout  time.Duration
	dialTimeout  time.Duration
	readTimeout  time.Duration
	writeTimeout time.Duration
	waitTimeout  time.Duration
}

// parseURL turns a store URL into a config, applying defaults.
func parseURL(rawURL string) (config, error) {
	// Trim so that a trailing newline from a secrets file or env var does not
	// turn a valid URL into a confusing error.
	s := strings.TrimSpace(rawURL)
	if s == "" || s == "memory" {
		return config{kind: kindMemory, redacted: "memory"}, nil
	}
	s, hosts := cutSentinelHosts(s)
	u, err := url.Parse(s)
	if err != nil {
		return config{}, parseError(s, err)
	}
	if hosts != "" {
		u.Host = hosts
	}
	switch u.Scheme {
	case "memory":
		if u.Opaque != "" || u.User != nil || u.Host != "" || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
			return config{}, fmt.Errorf("stores: memory session store URL %q takes no host, path or parameters: use \"memory\"", redact(u))
		}
		return config{kind: kindMemory, redacted: "memory"}, nil
	case "redis", "rediss", "redis-sentinel", "rediss-sentinel":
		return parseRedis(u)
	case "":
		return config{}, fmt.Errorf("stores: session store URL %q has no scheme: %s", redact(u), acceptedForms)
	default:
		return config{}, fmt.Errorf("stores: unsupported session store URL scheme %q: %s", u.Scheme, acceptedForms)
	}
}

func parseRedis(u *url.URL) (config, error) {
	red := redact(u)
	bad := func(format string, args ...any) (config, error) {
		return config{}, fmt.Errorf("stores: session store URL %q: %s", red, fmt.Sprintf(format, args...))
	}
	if u.Opaque != "" {
		return bad("missing // after %s:; %s", u.Scheme, acceptedForms)
	}
	if u.Fragment != "" {
		return bad("unexpected #fragment; %s", acceptedForms)
	}
	c := config{
		kind:         kindRedis,
		redacted:     red,
		useTLS:       u.Scheme == "rediss",
		prefix:       DefaultPrefix,
		maxIdle:      DefaultMaxIdle,
		maxActive:    DefaultMaxActive,
		idleTimeout:  DefaultIdleTimeout,
		dialTimeout:  DefaultDialTimeout,
		readTimeout:  DefaultReadTimeout,
		writeTimeout: DefaultWriteTimeout,
		waitTimeout:  DefaultWaitTimeout,
	}

	sentinel := strings.HasSuffix(u.Scheme, "-sentinel")
	path := u.Path
	if sentinel {
		c.useTLS = u.Scheme == "rediss-sentinel"
		st := &sentinels{}
		for _, h := range strings.Split(u.Host, ",") {
			addr, err := hostPort(h, DefaultSentinelPort)
			if err != nil {
				return bad("Sentinel address %q: %v; %s", h, err, acceptedForms)
			}
			st.addrs = append(st.addrs, addr)
		}
		name, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		if name == "" {
			return bad("missing the primary's name after the Sentinel addresses (the name in sentinel.conf's 'sentinel monitor <name> ...'); %s", acceptedForms)
		}
		st.name = name
		c.sentinel = st
		path = rest
	} else {
		// Require the host rather than default to localhost: "redis://" is
		// more likely an unset variable in "redis://${REDIS_HOST}" than a
		// wish.
		addr, err := hostPort(u.Host, DefaultPort)
		if err != nil {
			return bad("%v; %s", err, acceptedForms)
		}
		c.addr = addr
	}

	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			c.username, c.password = u.User.Username(), pw
		} else {
			// A lone user-info field is the password, as in redis-cli and
			// redigo's DialURL (servers with requirepass and no ACL users).
			c.password = u.User.Username()
		}
	}

	switch p := path; {
	case p == "" || p == "/":
		c.db = 0
	default:
		n, err := strconv.Atoi(strings.TrimPrefix(p, "/"))
		if err != nil || n < 0 {
			return bad("database %q is not a number >= 0, as in redis://host:6379/0", strings.TrimPrefix(p, "/"))
		}
		c.db = n
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("bad query: %v", err)
	}
	// Sorted, so that the same bad URL always gives the same error.
	for _, k := range slices.Sorted(maps.Keys(q)) {
		vs := q[k]
		if len(vs) != 1 {
			return bad("parameter %s is given %d times; give it once", k, len(vs))
		}
		v := vs[0]
		var err error
		switch k {
		case "prefix":
			if v == "" {
				err = errors.New("must not be empty (sessions would share the key space with everything else)")
			}
			c.prefix = v
		case "max_idle":
			c.maxIdle, err = parseCount(v)
		case "max_active":
			c.maxActive, err = parseCount(v)
		case "idle_timeout":
			c.idleTimeout, err = parseDuration(v, true)
		case "dial_timeout":
			c.dialTimeout, err = parseDuration(v, false)
		case "read_timeout":
			c.readTimeout, err = parseDuration(v, false)
		case "write_timeout":
			c.writeTimeout, err = parseDuration(v, false)
		case "wait_timeout":
			c.waitTimeout, err = parseDuration(v, false)
		case "sentinel_username", "sentinel_password":
			if !sentinel {
				return bad("parameter %s is only for redis-sentinel:// and rediss-sentinel:// URLs", k)
			}
			if k == "sentinel_username" {
				c.sentinel.username = v
			} else {
				c.sentinel.password = v
			}
		default:
			return bad("unknown parameter %q (accepted: %s)", k, queryParams)
		}
		if err != nil {
			return bad("%s=%q %v", k, v, err)
		}
	}
	return c, nil
}

// cutSentinelHosts takes the comma-separated Sentinel addresses out of a
// Sentinel URL, which net/url cannot parse as one host (it would read
// "a:1,b" as host "a" with port "1,b"), and leaves a placeholder.
func cutSentinelHosts(s string) (string, string) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || (scheme != "redis-sentinel" && scheme != "rediss-sentinel") {
		return s, ""
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	start := strings.LastIndex(rest[:end], "@") + 1
	hosts := rest[start:end]
	if hosts == "" {
		return s, ""
	}
	return scheme + "://" + rest[:start] + "sentinels" + rest[end:], hosts
}

// hostPort checks one "host[:port]" of a URL and adds the default port.
func hostPort(h, defaultPort string) (string, error) {
	u := url.URL{Host: h}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return "", errors.New("missing host")
	}
	if port == "" {
		port = defaultPort
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return net.JoinHostPort(host, port), nil
}

func parseCount(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errors.New("is not a whole number >= 0")
	}
	return n, nil
}

// parseDuration parses a Go duration. Timeouts must be positive because a
// zero timeout means "wait forever" to redigo; only idle_timeout may be 0
// ("never close idle connections").
func parseDuration(v string, zeroOK bool) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return 0, errors.New(`is not a duration such as "500ms" or "2s"`)
	case d < 0, d == 0 && !zeroOK:
		return 0, errors.New("must be more than 0 (0 would mean no timeout)")
	}
	return d, nil
}

// redact returns u as a string with the password replaced by "xxxxx".
func redact(u *url.URL) string {
	v := *u
	if q, err := url.ParseQuery(u.RawQuery); err == nil && q.Has("sentinel_password") {
		q.Set("sentinel_password", "xxxxx")
		v.RawQuery = q.Encode()
	} else if err != nil && strings.Contains(u.RawQuery, "sentinel_password") {
		v.RawQuery = "xxxxx"
	}
	if u.User == nil {
		return v.String()
	}
	if _, ok := u.User.Password(); ok {
		v.User = url.UserPassword(u.User.Username(), "xxxxx")
	} else {
		// A lone user-info field is the password (see parseRedis).
		v.User = url.User("xxxxx")
	}
	return v.String()
}

// parseError reports a URL that net/url cannot parse. url.Error quotes the
// whole input and its inner error may quote part of it, so when the URL has
// user info (which may hold a password) neither is shown.
func parseError(s string, err error) error {
	if i := strings.Index(s, "?"); i >= 0 && strings.Contains(s[i:], "password") {
		s = s[:i] + "?xxxxx"
		err = errors.New("bad URL")
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		start := 0
		if j := strings.Index(s, "://"); j >= 0 && j < i {
			start = j + len("://")
		}
		return fmt.Errorf("stores: cannot parse session store URL %q (is a special character in the password not percent-encoded?): %s",
			s[:start]+"xxxxx"+s[i:], acceptedForms)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("stores: cannot parse session store URL %q: %v: %s", s, err, acceptedForms)
}
