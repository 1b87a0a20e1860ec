package stores

import (
	"bytes"
	"context"
	"errors"
	"strconv"
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
	// readTimeout bounds the wait for each reply (read_timeout): a
	// renewal's save must run within it (CommitRetiring).
	readTimeout time.Duration
	// afterClock, in tests, runs between the TIME and the script of
	// CommitRetiring: where a pause shows what the bound is for.
	afterClock func()
}

// checkAndSet writes ARGV[1] under KEYS[1] for ARGV[2] milliseconds (none:
// the key is deleted, as an expiry already past asks), if ARGV[3] allows:
// 0 always, 1 unless the key holds a tombstone (a value whose first byte is
// ARGV[4]), 2 only if it holds a value that is not a tombstone; it returns
// 0 when it does not write. Redis runs a script atomically: no other
// command runs between the check and the write.
const checkAndSet = `
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
`

// commitIf is checkAndSet; it returns 1 when it wrote.
var commitIf = redis.NewScript(1, checkAndSet+"return 1\n")

// commitRetiring is checkAndSet that first refuses to run (returns -1)
// once Redis's clock is past ARGV[7] milliseconds (0: no bound), and that
// writes, with the session, ARGV[5] under KEYS[2..] for ARGV[6]
// milliseconds: the tombstones of a renewal, in the same step.
var commitRetiring = redis.NewScript(-1, `
local notAfter = tonumber(ARGV[7])
if notAfter > 0 then
  local now = redis.call('TIME')
  if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > notAfter then return -1 end
end
`+checkAndSet+`
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[5], 'PX', ARGV[6])
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

// CommitRetiring writes the session and the tombstones of r in one script.
//
// A client that times out cannot tell whether the script ran, and Redis
// runs whatever reached it before it stopped answering once it answers
// again (a paused or partitioned server): a renewal that the app reported
// as failed, its browser keeping the old cookie, would retire that cookie
// later. So it asks Redis's clock first (TIME, on the same connection) and
// the script refuses to run past that time plus the read timeout, the
// longest the client waits for its answer: a script that runs, runs while
// its client still waits. It costs a login or logout one round trip.
//
// The answer itself can still be lost: Redis stopped (SIGSTOP, a stall) or
// killed (with the write already in its AOF) after running the script and
// before its reply left. The old cookie then leads to a tombstone while
// the browser, told the login failed, never got the new one. So after a
// script whose answer did not come, settle asks Redis, once its clock is
// past the bound, whether the new session is there: then the script ran,
// and the save succeeded after all.
func (s *redisSessions) CommitRetiring(ctx context.Context, key string, b []byte, expiry time.Time, cond session.CommitCondition, r session.Retire) (bool, error) {
	var n int
	var notAfter int64
	var unanswered bool // the script was sent and no reply came back
	err := withConn(ctx, s.pool, s.wait, func(c redis.Conn) (err error) {
		notAfter, unanswered = 0, false
		if s.readTimeout > 0 {
			now, err := clockMillis(c.Do("TIME"))
			if err != nil {
				return err
			}
			notAfter = now + s.readTimeout.Milliseconds()
		}
		if s.afterClock != nil {
			s.afterClock()
		}
		args := make([]any, 0, 1+len(r.Keys)+1+7)
		args = append(args, 1+len(r.Keys), s.prefix+key)
		for _, k := range r.Keys {
			args = append(args, s.prefix+k)
		}
		args = append(args, b, time.Until(expiry).Milliseconds(), int(cond), tombstone,
			r.Tomb, max(time.Until(r.Expiry).Milliseconds(), 1), notAfter)
		n, err = redis.Int(commitRetiring.Do(c, args...))
		var reply redis.Error
		unanswered = err != nil && !errors.As(err, &reply)
		return err
	})
	if err == nil && n < 0 {
		err = errTooLate{s.readTimeout}
	}
	if unanswered && notAfter > 0 {
		if ran, serr := s.settle(ctx, key, b, notAfter); serr == nil && ran {
			return true, nil
		}
	}
	return n == 1, err
}

// settle tells whether a CommitRetiring script whose reply was lost ran:
// once Redis's clock is past notAfter the script can no longer run, so
// what key holds then is final, and only that script writes b under a new
// session's key. It asks for up to settleFor (Redis may still be down), a
// fresh borrow each time; an error means it could not tell.
func (s *redisSessions) settle(ctx context.Context, key string, b []byte, notAfter int64) (bool, error) {
	until := time.Now().Add(settleFor(s.readTimeout))
	for {
		var past bool
		var v []byte
		err := withConn(ctx, s.pool, s.wait, func(c redis.Conn) error {
			c.Send("TIME")
			c.Send("GET", s.prefix+key)
			if err := c.Flush(); err != nil {
				return err
			}
			now, err := clockMillis(c.Receive())
			if err != nil {
				return err
			}
			past = now > notAfter
			v, err = redis.Bytes(c.Receive())
			if err == redis.ErrNil {
				err = nil
			}
			return err
		})
		switch {
		case err == nil && past:
			return bytes.Equal(v, b), nil
		case ctx.Err() != nil:
			return false, ctx.Err()
		case time.Now().After(until):
			if err == nil {
				err = errors.New("stores: Redis's clock did not pass the renewal's bound in time")
			}
			return false, err
		}
		time.Sleep(settlePoll)
	}
}

// clockMillis reads Redis's answer to TIME as milliseconds.
func clockMillis(reply any, err error) (int64, error) {
	now, err := redis.Int64s(reply, err)
	if err != nil {
		return 0, err
	}
	if len(now) != 2 {
		return 0, errors.New("stores: Redis answered TIME with " + strconv.Itoa(len(now)) + " values, want 2")
	}
	return now[0]*1000 + now[1]/1000, nil
}

// settleFor is how long a login or logout whose save went unanswered waits
// for Redis to tell whether it was made: long enough for a short stall or a
// restart, bounded so that a Redis that stays down costs the request a few
// seconds more, not more.
func settleFor(readTimeout time.Duration) time.Duration { return 3 * readTimeout }

const settlePoll = 50 * time.Millisecond

// errTooLate says that a renewal's save reached Redis after its client
// would have stopped waiting, and was not made.
type errTooLate struct{ readTimeout time.Duration }

func (e errTooLate) Error() string {
	return "stores: Redis ran the save of a renewed session more than read_timeout (" + e.readTimeout.String() + ") after its clock was read, and refused it so that it cannot land after its client gave up: Redis is slow or was paused; nothing was written"
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
