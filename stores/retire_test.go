package stores

import (
	"context"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/session"
)

// A renewal's save and the old key's tombstone are one script: both or
// neither.
func TestCommitRetiringWritesBoth(t *testing.T) {
	srv := redistest.Start(t)
	st := openRedis(t, srv.URL)
	s := st.Sessions.(session.AtomicStore)
	ctx := context.Background()
	hour := time.Now().Add(time.Hour)
	if err := s.CommitCtx(ctx, "old", []byte{0xB1, 'o'}, hour); err != nil {
		t.Fatal(err)
	}
	tomb := []byte{session.TombstoneByte, 2}
	ok, err := s.CommitRetiring(ctx, "new", []byte{0xB1, 'n'}, hour, session.CommitUnlessRetired, session.Retire{Keys: []string{"old"}, Tomb: tomb, Expiry: hour})
	if !ok || err != nil {
		t.Fatalf("CommitRetiring = %v, %v", ok, err)
	}
	if got := get(t, srv, "old"); got != string(tomb) {
		t.Errorf("old key holds %q, want the tombstone", got)
	}
	if got := get(t, srv, "new"); got != "\xb1n" {
		t.Errorf("new key holds %q", got)
	}
	if ttl := redisInt(t, srv, "PTTL", DefaultPrefix+"old"); ttl < 59*60*1000 {
		t.Errorf("tombstone expires in %d ms, want about an hour", ttl)
	}
	// Refused (the new key is retired): neither is written.
	if err := s.CommitCtx(ctx, "old2", []byte{0xB1, 'o'}, hour); err != nil {
		t.Fatal(err)
	}
	ok, err = s.CommitRetiring(ctx, "old", []byte{0xB1, 'x'}, hour, session.CommitUnlessRetired, session.Retire{Keys: []string{"old2"}, Tomb: tomb, Expiry: hour})
	if ok || err != nil || get(t, srv, "old2") != "\xb1o" {
		t.Errorf("a refused save retired the other key: %v, %v, old2 holds %q", ok, err, get(t, srv, "old2"))
	}
}

// A renewal's save that reaches a paused Redis, whose client gives up at
// its read timeout, must not run when Redis answers again: the app told
// the browser the login failed, and the browser kept its old cookie, which
// a late tombstone would strand. Without the bound the script runs on
// SIGCONT (the Redis a client left behind still runs what it received).
func TestCommitRetiringNeverLandsLate(t *testing.T) {
	srv := redistest.Start(t)
	s, hour, tomb := warmRetiring(t, srv.URL)
	ctx := context.Background()
	s.afterClock = srv.Pause
	_, err := s.CommitRetiring(ctx, "new", []byte{0xB1, 'n'}, hour, session.CommitUnlessRetired, session.Retire{Keys: []string{"old"}, Tomb: tomb, Expiry: hour})
	s.afterClock = nil
	if err == nil {
		t.Fatal("a save sent to a paused Redis succeeded")
	}
	time.Sleep(400 * time.Millisecond) // Redis's clock moves past the bound while paused
	srv.Resume()
	srv.Do(t, "PING") // answered after the script sent during the pause
	if got := get(t, srv, "old"); got != "\xb1o" {
		t.Errorf("after the pause the old key holds %q: the script ran after its client gave up", got)
	}
	if got := get(t, srv, "new"); got != "" {
		t.Errorf("after the pause the new key holds %q", got)
	}
	// The bound is Redis's own clock plus the read timeout: a prompt save
	// on the same store goes through.
	ok, err := s.CommitRetiring(ctx, "new", []byte{0xB1, 'n'}, hour, session.CommitUnlessRetired, session.Retire{Keys: []string{"old"}, Tomb: tomb, Expiry: hour})
	if !ok || err != nil {
		t.Fatalf("CommitRetiring after the pause = %v, %v", ok, err)
	}
}

// A renewal's save that Redis ran but whose answer was lost on its way
// (Redis stopped or died between running the script and replying) is a
// save made: once Redis's clock is past the script's bound the store finds
// the new session and reports success, so the browser gets the new cookie
// instead of a 503 that leaves it holding the old one, which now leads to a
// tombstone (the load test's stuck browsers after a pause).
func TestCommitRetiringWhoseReplyIsLost(t *testing.T) {
	srv := redistest.Start(t)
	proxy := redistest.NewProxy(t, srv.Addr)
	s, hour, tomb := warmRetiring(t, proxy.URL)
	ctx := context.Background()
	s.afterClock = proxy.LoseReplies // after TIME's answer, before the script
	start := time.Now()
	ok, err := s.CommitRetiring(ctx, "new", []byte{0xB1, 'n'}, hour, session.CommitUnlessRetired, session.Retire{Keys: []string{"old"}, Tomb: tomb, Expiry: hour})
	s.afterClock = nil
	if !ok || err != nil {
		t.Fatalf("a save that ran, its reply lost: CommitRetiring = %v, %v; want it reported as made", ok, err)
	}
	if got := get(t, srv, "new"); got != "\xb1n" {
		t.Errorf("the new key holds %q", got)
	}
	if got := get(t, srv, "old"); len(got) == 0 || got[0] != session.TombstoneByte {
		t.Errorf("the old key holds %q, want its tombstone", got)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("settling took %v", d)
	}

	// A save that did not run (Redis paused after TIME, the script refused
	// by its bound on resume) stays a failure once settled.
	if err := s.CommitCtx(ctx, "old3", []byte{0xB1, 'o'}, hour); err != nil {
		t.Fatal(err)
	}
	s.afterClock = srv.Pause
	go func() { time.Sleep(700 * time.Millisecond); srv.Resume() }()
	ok, err = s.CommitRetiring(ctx, "new3", []byte{0xB1, 'n'}, hour, session.CommitUnlessRetired, session.Retire{Keys: []string{"old3"}, Tomb: tomb, Expiry: hour})
	s.afterClock = nil
	if ok || err == nil {
		t.Fatalf("a save refused by its bound: CommitRetiring = %v, %v; want an error", ok, err)
	}
	if got := get(t, srv, "old3"); got != "\xb1o" {
		t.Errorf("the old key holds %q, want the old session", got)
	}
	if got := get(t, srv, "new3"); got != "" {
		t.Errorf("the new key holds %q", got)
	}
}

// warmRetiring opens the Redis store at rawURL with a 300 ms read timeout,
// makes a first renewal, which loads the retiring script (EVALSHA then runs
// it: a script Redis does not know would only answer NOSCRIPT after a
// pause), and saves the session "old" for a renewal to retire. It returns
// the store, an expiry an hour away and a tombstone.
func warmRetiring(t *testing.T, rawURL string) (*redisSessions, time.Time, []byte) {
	t.Helper()
	s := openRedis(t, rawURL+"?read_timeout=300ms").Sessions.(*redisSessions)
	ctx := context.Background()
	hour := time.Now().Add(time.Hour)
	tomb := []byte{session.TombstoneByte, 2}
	if _, err := s.CommitRetiring(ctx, "warm", []byte{0xB1, 'w'}, hour, session.CommitUnlessRetired, session.Retire{Keys: []string{"cold"}, Tomb: tomb, Expiry: hour}); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitCtx(ctx, "old", []byte{0xB1, 'o'}, hour); err != nil {
		t.Fatal(err)
	}
	return s, hour, tomb
}

func get(t *testing.T, srv *redistest.Server, key string) string {
	t.Helper()
	v, err := redis.String(srv.Do(t, "GET", DefaultPrefix+key), nil)
	if err != nil && err != redis.ErrNil {
		t.Fatal(err)
	}
	return v
}

func redisInt(t *testing.T, srv *redistest.Server, cmd string, args ...any) int64 {
	t.Helper()
	n, err := redis.Int64(srv.Do(t, cmd, args...), nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
