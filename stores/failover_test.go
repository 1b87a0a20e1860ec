package stores

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/session"
)

// recoveryBound is how soon after a promotion saves must succeed again
// (issue #21).
const recoveryBound = 2 * time.Second

// fillPool makes n connections at once and returns them to the pool, so
// that the pool holds n idle connections to the current primary, as a
// busy app's pool does.
func fillPool(t *testing.T, st *Store, n int) {
	t.Helper()
	conns := make([]redis.Conn, n)
	for i := range conns {
		conns[i] = st.Redis.Get()
		if _, err := conns[i].Do("PING"); err != nil {
			t.Fatalf("filling the pool: %v", err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	if got := st.Redis.IdleCount(); got != n {
		t.Fatalf("pool holds %d idle connections, want %d", got, n)
	}
}

// save commits one session under key.
func save(st *Store, key string) error {
	return st.Sessions.(session.AtomicStore).CommitCtx(context.Background(), key, []byte("v-"+key), time.Now().Add(time.Hour))
}

// saveBurst saves n sessions at once, so that every pooled connection is
// borrowed, the ones to the old primary included.
func saveBurst(st *Store, prefix string, n int) []error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = save(st, fmt.Sprintf("%s-%d", prefix, i))
		}()
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	return failed
}

// firstGoodSave saves every 10 ms from start until a save succeeds, and
// returns how long after start that was and how many saves failed first.
func firstGoodSave(t *testing.T, st *Store, start time.Time, bound time.Duration) (time.Duration, int) {
	t.Helper()
	failed := 0
	for i := 0; ; i++ {
		err := save(st, fmt.Sprintf("after-%d", i))
		if err == nil {
			return time.Since(start), failed
		}
		failed++
		if time.Since(start) > bound {
			t.Fatalf("no save succeeded within %v of the promotion (%d failed; last: %v)", bound, failed, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFailoverManagedEndpoint is the managed-Redis failover (ElastiCache,
// Memorystore, Azure Cache): one address in front of a primary and a
// replica. The replica is promoted, the old primary demoted to replicate
// it, and the address switched, while the pool's connections to the old
// primary stay open. With a pool that kept them (redigo's default, a PING
// on borrow), saves on them answered READONLY for as long as the process
// lived.
func TestFailoverManagedEndpoint(t *testing.T) {
	a := redistest.Start(t)
	b := redistest.StartReplica(t, a)
	proxy := redistest.NewProxy(t, a.Addr)
	st := openRedis(t, proxy.URL)

	const n = 16
	if errs := saveBurst(st, "before", n); len(errs) > 0 {
		t.Fatalf("saves before the failover: %v", errs)
	}
	fillPool(t, st, n)
	waitReplicated(t, b, st.Prefix+"before-0")

	// The failover, in the order a managed service does it.
	b.Do(t, "REPLICAOF", "NO", "ONE")
	promoted := time.Now()
	host, port, _ := net.SplitHostPort(b.Addr)
	a.Do(t, "REPLICAOF", host, port)
	proxy.Switch(b.Addr)

	took, failed := firstGoodSave(t, st, promoted, 10*time.Second)
	t.Logf("first good save %v after the promotion, %d saves failed before it", took.Round(time.Millisecond), failed)
	if took > recoveryBound {
		t.Errorf("first good save came %v after the promotion, want within %v", took, recoveryBound)
	}
	// Every connection the pool still held to the old primary is used now:
	// none may fail, and none may stay.
	for round := range 3 {
		if errs := saveBurst(st, fmt.Sprintf("after-burst%d", round), n); len(errs) > 0 {
			t.Fatalf("burst %d after the failover: %d of %d saves failed: %v", round, len(errs), n, errs[0])
		}
	}
	if failed > 1 {
		t.Errorf("%d saves failed after the promotion; the one that meets READONLY should be retried on a fresh connection", failed)
	}
	// Sessions saved before the failover are on the new primary.
	for i := range n {
		if b, ok, err := st.Sessions.Find(fmt.Sprintf("before-%d", i)); err != nil || !ok || string(b) != fmt.Sprintf("v-before-%d", i) {
			t.Fatalf("session before-%d after the failover: %q %v %v", i, b, ok, err)
		}
	}
}

// waitReplicated waits until the replica has key.
func waitReplicated(t *testing.T, replica *redistest.Server, key string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if n, _ := redis.Int(replica.Do(t, "EXISTS", key), nil); n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s never got %s", replica.Addr, key)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFailoverSentinel: three real Sentinels (quorum 2) watch a primary
// and its replica; the primary is killed, and the Sentinels promote the
// replica. The store, opened with a redis-sentinel:// URL, finds the new
// primary through them without a restart.
func TestFailoverSentinel(t *testing.T) {
	a := redistest.Start(t)
	b := redistest.StartReplica(t, a)
	opts := redistest.SentinelOptions{Quorum: 2, DownAfter: 400 * time.Millisecond, FailoverTimeout: 2 * time.Second}
	s1 := redistest.StartSentinel(t, "mymaster", a, opts)
	s2 := redistest.StartSentinel(t, "mymaster", a, opts)
	s3 := redistest.StartSentinel(t, "mymaster", a, opts)
	redistest.WaitSentinels(t, "mymaster", 1, s1, s2, s3)

	st := openRedis(t, "redis-sentinel://"+s1.Addr+","+s2.Addr+","+s3.Addr+"/mymaster/0")
	const n = 16
	if errs := saveBurst(st, "before", n); len(errs) > 0 {
		t.Fatalf("saves before the failover: %v", errs)
	}
	fillPool(t, st, n)
	waitReplicated(t, b, st.Prefix+"before-0")

	a.Kill()
	killed := time.Now()
	deadline := killed.Add(30 * time.Second)
	for b.Role() != "master" {
		if time.Now().After(deadline) {
			t.Fatalf("Sentinel did not promote the replica within 30 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	promoted := time.Now()
	took, failed := firstGoodSave(t, st, promoted, 10*time.Second)
	t.Logf("Sentinel promoted the replica %v after the kill; first good save %v after the promotion (%d saves failed before it)",
		promoted.Sub(killed).Round(time.Millisecond), took.Round(time.Millisecond), failed)
	if took > recoveryBound {
		t.Errorf("first good save came %v after the promotion, want within %v", took, recoveryBound)
	}
	for round := range 3 {
		if errs := saveBurst(st, fmt.Sprintf("after-burst%d", round), n); len(errs) > 0 {
			t.Fatalf("burst %d after the failover: %d of %d saves failed: %v", round, len(errs), n, errs[0])
		}
	}
	for i := range n {
		if v, ok, err := st.Sessions.Find(fmt.Sprintf("before-%d", i)); err != nil || !ok || string(v) != fmt.Sprintf("v-before-%d", i) {
			t.Fatalf("session before-%d after the failover: %q %v %v", i, v, ok, err)
		}
	}
}

// TestReplicaRefused: a URL that names a replica (or a dial that reaches
// the old primary while a failover is in progress) fails with an error
// that says so, and an idle connection's server is asked its ROLE before
// reuse, since PING succeeds on a replica.
func TestReplicaRefused(t *testing.T) {
	a := redistest.Start(t)
	b := redistest.StartReplica(t, a)
	st := openRedis(t, b.URL)
	err := save(st, "k")
	if err == nil || !strings.Contains(err.Error(), "replica") {
		t.Fatalf("save through a replica's URL: %v, want an error naming a replica", err)
	}

	c, err := redis.Dial("tcp", b.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := testOnBorrow(c, time.Now()); err != nil {
		t.Fatalf("a recently used connection is not checked: %v", err)
	}
	if err := testOnBorrow(c, time.Now().Add(-2*pingAfterIdle)); err == nil {
		t.Fatalf("an idle connection to a replica passed the borrow check")
	}
	ca, err := redis.Dial("tcp", a.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	if err := testOnBorrow(ca, time.Now().Add(-2*pingAfterIdle)); err != nil {
		t.Fatalf("an idle connection to the primary failed the borrow check: %v", err)
	}
}

// TestFailoverRepliesRetireConnections: one READONLY retires the
// connection and every one dialed before it; a reply that is an ordinary
// error (a wrong type) retires nothing.
func TestFailoverRepliesRetireConnections(t *testing.T) {
	for _, tc := range []struct {
		reply  string
		retire bool
	}{
		{"READONLY You can't write against a read only replica.", true},
		{"LOADING Redis is loading the dataset in memory", true},
		{"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", true},
		{"UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)", true},
		{"WRONGTYPE Operation against a key holding the wrong kind of value", false},
		{"NOREPLICAS Not enough good replicas to write.", false},
	} {
		g := &generation{}
		older := newGuarded(fakeConn{}, g)
		c := newGuarded(fakeConn{reply: redis.Error(tc.reply)}, g)
		_, err := c.Do("SET", "k", "v")
		if err == nil {
			t.Fatalf("%s: no error", tc.reply)
		}
		newer := newGuarded(fakeConn{}, g)
		if got := c.Err() != nil; got != tc.retire {
			t.Errorf("%s: connection retired %v, want %v", tc.reply, got, tc.retire)
		}
		if got := older.Err() != nil; got != tc.retire {
			t.Errorf("%s: older connection retired %v, want %v", tc.reply, got, tc.retire)
		}
		if newer.Err() != nil {
			t.Errorf("%s: a connection dialed after the reply was retired", tc.reply)
		}
	}
}

// fakeConn answers every command with reply (nil: OK). It stands for the
// server only in the unit test above; the failover tests use real ones.
type fakeConn struct {
	redis.Conn
	reply error
}

func (f fakeConn) Do(string, ...any) (any, error) {
	if f.reply != nil {
		return nil, f.reply
	}
	return "OK", nil
}
func (fakeConn) Err() error   { return nil }
func (fakeConn) Close() error { return nil }
