package stores

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gomodule/redigo/redis"

	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/session"
)

// openRedis opens a store on srv with extra query parameters and closes it
// at the end of the test.
func openRedis(t *testing.T, rawURL string, opts ...Option) *Store {
	t.Helper()
	st, err := Open(rawURL, opts...)
	if err != nil {
		t.Fatalf("Open(%q): %v", rawURL, err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestRedisStoreRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	st := openRedis(t, srv.URL)
	if _, ok := st.Sessions.(session.AtomicStore); !ok {
		t.Fatalf("Sessions is %T, want a session.AtomicStore", st.Sessions)
	}
	if st.Redis == nil || st.Prefix != DefaultPrefix || st.String() != srv.URL {
		t.Fatalf("Store = Redis %v, Prefix %q, String %q", st.Redis, st.Prefix, st.String())
	}
	storeRoundTrip(t, st.Sessions)
}

func TestRedisPoolSettings(t *testing.T) {
	st := openRedis(t, "redis://h:1?max_idle=3&max_active=7&idle_timeout=30s")
	p := st.Redis
	if p.MaxIdle != 3 || p.MaxActive != 7 || p.IdleTimeout != 30*time.Second || !p.Wait || p.TestOnBorrow == nil || p.DialContext == nil {
		t.Fatalf("pool = MaxIdle %d MaxActive %d IdleTimeout %v Wait %v TestOnBorrow set %v",
			p.MaxIdle, p.MaxActive, p.IdleTimeout, p.Wait, p.TestOnBorrow != nil)
	}
	st = openRedis(t, "redis://h:1")
	p = st.Redis
	if p.MaxIdle != DefaultMaxIdle || p.MaxActive != DefaultMaxActive || p.IdleTimeout != DefaultIdleTimeout || !p.Wait {
		t.Fatalf("default pool = MaxIdle %d MaxActive %d IdleTimeout %v Wait %v", p.MaxIdle, p.MaxActive, p.IdleTimeout, p.Wait)
	}
}

func TestRedisPrefix(t *testing.T) {
	srv := redistest.Start(t)
	for _, tc := range []struct{ query, prefix string }{
		{"", "wixauth:session:"},
		{"?prefix=other:app:", "other:app:"},
	} {
		st := openRedis(t, srv.URL+tc.query)
		if err := st.Sessions.Commit("tok1", []byte("v"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		key := tc.prefix + "tok1"
		got, err := redis.String(srv.Do(t, "GET", key), nil)
		if err != nil || got != "v" {
			t.Fatalf("GET %s = %q, %v; want \"v\"", key, got, err)
		}
		// The expiry reaches Redis (PEXPIREAT), within a second of an hour.
		pttl, _ := redis.Int64(srv.Do(t, "PTTL", key), nil)
		if pttl < (time.Hour-time.Second).Milliseconds() || pttl > time.Hour.Milliseconds() {
			t.Fatalf("PTTL %s = %dms, want about an hour", key, pttl)
		}
		srv.Do(t, "DEL", key)
	}
	if n, _ := redis.Int(srv.Do(t, "DBSIZE"), nil); n != 0 {
		t.Fatalf("DBSIZE = %d after deleting the known keys; a key went elsewhere", n)
	}
}

func TestRedisDatabase(t *testing.T) {
	srv := redistest.Start(t)
	st := openRedis(t, strings.TrimSuffix(srv.URL, "/0")+"/3")
	if err := st.Sessions.Commit("tok", []byte("v"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c := srv.Pool().Get()
	defer c.Close()
	for db, want := range map[int]int{0: 0, 3: 1} {
		if _, err := c.Do("SELECT", db); err != nil {
			t.Fatal(err)
		}
		if n, _ := redis.Int(c.Do("EXISTS", DefaultPrefix+"tok")); n != want {
			t.Errorf("EXISTS in db %d = %d, want %d", db, n, want)
		}
	}
}

func TestRedisExpiry(t *testing.T) {
	srv := redistest.Start(t)
	st := openRedis(t, srv.URL)
	if err := st.Sessions.Commit("short", []byte("v"), time.Now().Add(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, found, err := st.Sessions.Find("short"); err != nil || !found {
		t.Fatalf("Find right after Commit = found %v, err %v", found, err)
	}
	time.Sleep(800 * time.Millisecond)
	if _, found, err := st.Sessions.Find("short"); err != nil || found {
		t.Fatalf("Find after expiry = found %v, err %v; want not found", found, err)
	}
	// An expiry already past must not leave a live key behind either.
	if err := st.Sessions.Commit("past", []byte("v"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := st.Sessions.Find("past"); found {
		t.Fatal("session committed with a past expiry was found")
	}
}

func TestRedisAuth(t *testing.T) {
	srv := redistest.Start(t)
	host := strings.TrimPrefix(srv.URL, "redis://")
	srv.Do(t, "ACL", "SETUSER", "app", "on", ">app-pw", "~*", "+@all")
	srv.Do(t, "CONFIG", "SET", "requirepass", "default-pw") // srv.Do stops working here

	for _, raw := range []string{
		"redis://app:app-pw@" + host,
		"redis://:default-pw@" + host,
		"redis://default-pw@" + host, // redis-cli style: lone field is the password
	} {
		st := openRedis(t, raw)
		if err := st.Sessions.Commit("tok", []byte("v"), time.Now().Add(time.Minute)); err != nil {
			t.Errorf("%s: Commit: %v", st, err)
		}
	}
	for _, raw := range []string{
		"redis://app:wrong-pw@" + host,
		"redis://:wrong-pw@" + host,
		"redis://" + host,
	} {
		st := openRedis(t, raw)
		_, _, err := st.Sessions.Find("tok")
		if err == nil {
			t.Errorf("%s: Find with bad credentials succeeded", st)
		} else if strings.Contains(err.Error(), "wrong-pw") {
			t.Errorf("%s: error leaks the password: %v", st, err)
		}
	}
}

// TestSessionManager runs the real scs middleware over HTTP with a cookie.
func TestSessionManager(t *testing.T) {
	srv := redistest.Start(t)
	st := openRedis(t, srv.URL)
	sm := scs.New()
	sm.Store = st.Sessions
	sm.Lifetime = time.Hour

	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "token", r.URL.Query().Get("v"))
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, sm.GetString(r.Context(), "token"))
	})
	ts := httptest.NewServer(sm.LoadAndSave(mux))
	defer ts.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/put?v=abc"); code != http.StatusOK {
		t.Fatalf("/put status %d", code)
	}
	if code, body := get("/get"); code != http.StatusOK || body != "abc" {
		t.Fatalf("/get = %d %q, want 200 \"abc\"", code, body)
	}
	keys, _ := redis.Strings(srv.Do(t, "KEYS", "*"), nil)
	if len(keys) != 1 || !strings.HasPrefix(keys[0], DefaultPrefix) {
		t.Fatalf("Redis keys = %q, want one %s* key", keys, DefaultPrefix)
	}
	// The cookie's token is the key's suffix: the session lives in Redis.
	var cookie string
	for _, c := range jar.Cookies(mustParseURL(t, ts.URL)) {
		if c.Name == sm.Cookie.Name {
			cookie = c.Value
		}
	}
	if cookie == "" || keys[0] != DefaultPrefix+cookie {
		t.Fatalf("cookie %q does not match key %q", cookie, keys[0])
	}

	// Redis down: the middleware answers with an error, promptly.
	srv.Stop()
	start := time.Now()
	if code, _ := get("/get"); code != http.StatusInternalServerError {
		t.Fatalf("/get with Redis down = %d, want 500", code)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("/get with Redis down took %v", d)
	}
}

// TestRedisDown checks that Redis going away costs bounded time, not a hung
// request, and that the same store works again once Redis is back.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	st := openRedis(t, srv.URL)
	if err := st.Sessions.Commit("tok", []byte("v"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	srv.Stop()

	// Twice: first on the pooled connection the server closed, then on a
	// fresh dial that is refused.
	for i := range 2 {
		start := time.Now()
		_, found, err := st.Sessions.Find("tok")
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("Find %d with Redis down took %v", i, d)
		}
		if err == nil || found {
			t.Fatalf("Find %d with Redis down = found %v, err %v; want an error", i, found, err)
		}
	}
	start := time.Now()
	if err := st.Sessions.Commit("tok", []byte("v"), time.Now().Add(time.Hour)); err == nil {
		t.Fatal("Commit with Redis down succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Commit with Redis down took %v", d)
	}

	srv.Restart()
	if err := st.Sessions.Commit("tok", []byte("again"), time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("Commit after restart: %v", err)
	}
	if b, found, err := st.Sessions.Find("tok"); err != nil || !found || string(b) != "again" {
		t.Fatalf("Find after restart = %q, %v, %v", b, found, err)
	}
}

// TestRedisUnresponsive covers a Redis that accepts connections but never
// answers (overloaded, or a black-holing proxy): the read timeout, not the
// kernel, ends the wait.
func TestRedisUnresponsive(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // never reply
		}
	}()

	for _, tc := range []struct {
		query string
		max   time.Duration
	}{
		{"?read_timeout=100ms", time.Second},
		{"", 3 * time.Second}, // the defaults
	} {
		st := openRedis(t, "redis://"+l.Addr().String()+"/0"+tc.query)
		start := time.Now()
		_, _, err := st.Sessions.Find("tok")
		d := time.Since(start)
		if err == nil {
			t.Fatalf("%s: Find on a silent server succeeded", st)
		}
		if d > tc.max {
			t.Fatalf("%s: Find on a silent server took %v, want < %v", st, d, tc.max)
		}
	}
}

// With every connection busy, a store call queues for one: served when one
// comes free within wait_timeout, failed with an error that says so after
// it, never later.
func TestRedisPoolWaitIsBounded(t *testing.T) {
	srv := redistest.Start(t)
	st := openRedis(t, srv.URL+"?max_active=1&wait_timeout=300ms")
	held := st.Redis.Get()
	if err := held.Err(); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, func() { held.Close() })
	if _, _, err := st.Sessions.Find("tok"); err != nil {
		t.Fatalf("Find while the only connection came free after 50ms: %v, want it served", err)
	}

	held = st.Redis.Get()
	defer held.Close()
	start := time.Now()
	_, _, err := st.Sessions.Find("tok")
	d := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "wait_timeout") {
		t.Fatalf("Find with the pool held: err = %v, want one that names wait_timeout", err)
	}
	if d < 250*time.Millisecond || d > time.Second {
		t.Fatalf("Find with the pool held failed after %v, want about the 300ms wait_timeout", d)
	}
}

// A burst far beyond max_active on a healthy Redis queues and is served in
// full; the same burst on a Redis that does not answer fails within
// wait_timeout plus the read timeout, not later.
func TestRedisBurstQueuesOutageFailsFast(t *testing.T) {
	srv := redistest.Start(t)
	// A generous wait for the healthy burst, so that a loaded machine
	// cannot fail it; the outage bound is checked with a short one.
	healthy := openRedis(t, srv.URL+"?max_active=4&wait_timeout=10s")
	hung := openRedis(t, srv.URL+"?max_active=4&wait_timeout=200ms&read_timeout=300ms")
	burst := func(st *Store) (failed int, slowest time.Duration) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 400 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				_, _, err := st.Sessions.Find("tok")
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed++
				}
				slowest = max(slowest, time.Since(start))
			}()
		}
		wg.Wait()
		return failed, slowest
	}
	if failed, slowest := burst(healthy); failed != 0 {
		t.Errorf("healthy Redis: %d of 400 calls failed through 4 connections (slowest %v), want 0", failed, slowest)
	}
	srv.Pause()
	defer srv.Resume()
	failed, slowest := burst(hung)
	if failed != 400 || slowest > 200*time.Millisecond+300*time.Millisecond+2*time.Second {
		t.Errorf("hung Redis: %d of 400 failed, slowest after %v; want all, within wait_timeout + read_timeout", failed, slowest)
	}
	t.Logf("hung Redis: 400 calls failed, slowest after %v", slowest)
}

func TestNewRedisPool(t *testing.T) {
	srv := redistest.Start(t)
	pool, prefix, err := NewRedisPool(srv.URL + "?prefix=lease:")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if prefix != "lease:" {
		t.Fatalf("prefix = %q", prefix)
	}
	c := pool.Get()
	defer c.Close()
	// The lease use case: SET NX PX.
	if ok, err := redis.String(c.Do("SET", prefix+"k", "me", "NX", "PX", 1000)); err != nil || ok != "OK" {
		t.Fatalf("SET NX PX = %q, %v", ok, err)
	}
	if _, err := redis.String(c.Do("SET", prefix+"k", "you", "NX", "PX", 1000)); !errors.Is(err, redis.ErrNil) {
		t.Fatalf("second SET NX = %v, want redis.ErrNil", err)
	}

	for _, raw := range []string{"", "memory", "foo://x"} {
		if _, _, err := NewRedisPool(raw); err == nil {
			t.Errorf("NewRedisPool(%q) succeeded, want an error", raw)
		}
	}
}

func TestClose(t *testing.T) {
	srv := redistest.Start(t)
	st, err := Open(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Sessions.Commit("tok", []byte("v"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, _, err := st.Sessions.Find("tok"); err == nil {
		t.Fatal("Find after Close succeeded")
	}
}

func mustParseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
