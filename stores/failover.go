package stores

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gomodule/redigo/redis"
)

// Failover safety.
//
// When Sentinel or a managed Redis (ElastiCache, Memorystore, Azure Cache,
// Redis Enterprise) fails over, a replica is promoted and the old primary
// usually becomes a replica, with the connections already open to it still
// open. Reads on them go on; every write answers READONLY. redigo treats an
// error reply as a reply, not a broken connection, so its pool would keep
// such a connection, and a PING on borrow succeeds on a replica: saves
// would fail for as long as the process lives.
//
// So every connection is wrapped in a guardedConn that knows the pool
// generation it was dialed in. An answer that says "this server is not a
// writable primary" marks the connection broken (redigo closes a connection
// whose Err is set instead of pooling it) and bumps the generation, which
// retires every connection dialed before it: they are closed when next
// borrowed or returned, and replaced by new dials, which check the server's
// ROLE. Recovery needs no restart, and costs the request that met the
// failover one retry (see redisSessions.retry).

// failoverPrefixes are the error replies that mean the connection's server
// cannot take writes as a primary any more, from the Redis documentation
// of replication, Sentinel and persistence:
//
//	READONLY    a write sent to a replica (the old primary, demoted)
//	MASTERDOWN  a replica with replica-serve-stale-data no that lost its primary
//	LOADING     the server is (re)loading its data set after a restart or resync
//	UNBLOCKED   a blocked client released because the server changed role
//
// Left out on purpose: NOREPLICAS (a primary short of min-replicas-to-write:
// the right server, so a new connection would not help), and the Cluster
// replies (MOVED, ASK, TRYAGAIN, CLUSTERDOWN): Redis Cluster is not
// supported (see docs/reliability.md).
var failoverPrefixes = []string{"READONLY", "MASTERDOWN", "LOADING", "UNBLOCKED"}

// isFailover reports whether err is an error reply from a server that is
// no longer (or not yet) a writable primary.
func isFailover(err error) bool {
	if err == nil {
		// Every command's check ends here: no allocation for the errors.As
		// target below, which escapes to the heap.
		return false
	}
	var re redis.Error
	if !errors.As(err, &re) {
		return false
	}
	s := string(re)
	for _, p := range failoverPrefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// errRetired is a guardedConn's Err once it is not to be used again.
var errRetired = errors.New("stores: Redis connection retired: its server answered as a replica or while loading (failover)")

// generation counts the failovers a pool has seen.
type generation struct{ n atomic.Uint64 }

// guardedConn is a redis.Conn that retires itself, and every connection of
// its pool dialed before it, on a failover reply.
type guardedConn struct {
	redis.Conn
	gen  *generation
	born uint64 // gen.n when dialed
	bad  atomic.Bool
}

func newGuarded(c redis.Conn, g *generation) *guardedConn {
	return &guardedConn{Conn: c, gen: g, born: g.n.Load()}
}

// stale reports whether the connection must not be used again.
func (c *guardedConn) stale() bool { return c.bad.Load() || c.born < c.gen.n.Load() }

// check inspects a command's error.
func (c *guardedConn) check(err error) error {
	if isFailover(err) && c.bad.CompareAndSwap(false, true) {
		// Retire everything dialed up to now. Connections dialed after this
		// bump (to the new primary, through the re-resolved address) stay.
		if c.gen.n.Load() == c.born {
			c.gen.n.CompareAndSwap(c.born, c.born+1)
		}
	}
	return err
}

// Err makes the pool close, rather than keep, a retired connection.
func (c *guardedConn) Err() error {
	if err := c.Conn.Err(); err != nil {
		return err
	}
	if c.stale() {
		return errRetired
	}
	return nil
}

func (c *guardedConn) Do(cmd string, args ...any) (any, error) {
	r, err := c.Conn.Do(cmd, args...)
	return r, c.check(err)
}

func (c *guardedConn) Receive() (any, error) {
	r, err := c.Conn.Receive()
	return r, c.check(err)
}

// DoWithTimeout, DoContext, ReceiveWithTimeout and ReceiveContext keep
// redigo's per-call bounds working through the wrapper (the pool's
// activeConn uses them only if the wrapped connection has them).
func (c *guardedConn) DoWithTimeout(d time.Duration, cmd string, args ...any) (any, error) {
	r, err := redis.DoWithTimeout(c.Conn, d, cmd, args...)
	return r, c.check(err)
}

func (c *guardedConn) DoContext(ctx context.Context, cmd string, args ...any) (any, error) {
	r, err := redis.DoContext(c.Conn, ctx, cmd, args...)
	return r, c.check(err)
}

func (c *guardedConn) ReceiveWithTimeout(d time.Duration) (any, error) {
	r, err := redis.ReceiveWithTimeout(c.Conn, d)
	return r, c.check(err)
}

func (c *guardedConn) ReceiveContext(ctx context.Context) (any, error) {
	r, err := redis.ReceiveContext(c.Conn, ctx)
	return r, c.check(err)
}

// checkPrimary asks the server its ROLE and fails unless it is a primary.
// A server that refuses ROLE itself (renamed or forbidden by a managed
// service's ACL) is taken at its word: it cannot be checked, and a write
// there will still answer READONLY if it is a replica.
func checkPrimary(c redis.Conn) error {
	vs, err := redis.Values(c.Do("ROLE"))
	if err != nil {
		var re redis.Error
		if errors.As(err, &re) && !isFailover(err) {
			return nil
		}
		return err
	}
	if len(vs) == 0 {
		return errors.New("stores: Redis answered ROLE with an empty reply")
	}
	role, _ := redis.String(vs[0], nil)
	if role != "master" {
		return errNotPrimary(role)
	}
	return nil
}

// errNotPrimary is the error of a dial or borrow that met a replica.
type errNotPrimary string

func (e errNotPrimary) Error() string {
	return "stores: the Redis server answers ROLE " + string(e) + ", not master: it is a replica (a failover in progress, or the URL names a replica); sessions need the primary"
}

// testOnBorrow retires connections dialed before the last failover, and
// checks the ROLE of one that sat idle for pingAfterIdle (PING alone
// succeeds on a replica).
func testOnBorrow(conn redis.Conn, lastUsed time.Time) error {
	if g, ok := conn.(*guardedConn); ok && g.stale() {
		return errRetired
	}
	if time.Since(lastUsed) < pingAfterIdle {
		return nil
	}
	return checkPrimary(conn)
}
