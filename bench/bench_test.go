package bench_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/gomodule/redigo/redis"
	"github.com/wixauth/wixauth/bench/internal/benchapp"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

// tokenDelay is the token endpoint's round trip in the new-visitor and
// renewal-storm benchmarks.
var tokenDelay = envDuration("WIXAUTH_BENCH_TOKEN_DELAY", 50*time.Millisecond)

// memSessions is how many sessions BenchmarkSessionMemory stores.
var memSessions = envInt("WIXAUTH_BENCH_SESSIONS", 10000)

func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			panic(fmt.Sprintf("%s=%q: %v", name, v, err))
		}
		return d
	}
	return def
}

func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			panic(fmt.Sprintf("%s=%q: want a positive integer", name, v))
		}
		return n
	}
	return def
}

// BenchmarkHotPath is one steady-state request (a session with valid tokens,
// read by the handler) through each app, in memory and over a real
// redis-server. The floor is scs LoadAndSave with gob; the limit a bare
// handler with one map read or one Redis GET; see package benchapp.
// Over Redis it also reports the commands per request (INFO commandstats):
// GET/op and other-cmds/op (every other command: writes, PINGs, ...).
func BenchmarkHotPath(b *testing.B) {
	b.Run("store=mem", func(b *testing.B) { hotPath(b, nil, nil) })
	b.Run("store=redis", func(b *testing.B) {
		rs := redistest.Start(b)
		st, err := stores.Open(rs.URL)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		hotPath(b, st.Sessions, rs, benchapp.WithRedis(st.Redis, st.Prefix))
	})
}

func hotPath(b *testing.B, store scs.Store, rs *redistest.Server, opts ...benchapp.Option) {
	wix := wixtest.NewServer()
	b.Cleanup(wix.Close)
	for _, impl := range benchapp.HotPathImpls {
		app, err := benchapp.New(impl, store, wix, opts...)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("impl="+string(impl), func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.AddCookie(app.Cookie)
			w := benchapp.NewDiscard()
			calls := wix.TokenCalls("")
			if rs != nil {
				rs.ResetStats(b)
			}
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				w.Reset()
				app.Handler.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
			// CPU time of the whole process (GC included, waits for Redis
			// excluded) per request: steadier than ns/op on a shared machine.
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
			if w.H.Get("Set-Cookie") != "" {
				b.Fatal("a steady-state request set a cookie")
			}
			if n := wix.TokenCalls("") - calls; n != 0 {
				b.Fatalf("%d token calls in steady state", n)
			}
			if rs != nil {
				gets, other := redisCalls(b, rs)
				b.ReportMetric(float64(gets)/float64(b.N), "GET/op")
				b.ReportMetric(float64(other)/float64(b.N), "other-cmds/op")
			}
		})
	}
}

// redisCalls returns the GETs and the other commands since ResetStats,
// leaving out the statistics calls themselves.
func redisCalls(b *testing.B, rs *redistest.Server) (gets, other int) {
	for cmd, n := range rs.CommandStats(b) {
		switch {
		case cmd == "get":
			gets += n
		case cmd == "info", strings.HasPrefix(cmd, "config"):
		default:
			other += n
		}
	}
	return gets, other
}

// BenchmarkNewVisitors sends waves of N concurrent new visitors (no cookie)
// over loopback HTTP, with the fake's token endpoint delayed by
// WIXAUTH_BENCH_TOKEN_DELAY (one token round trip). One op is one wave;
// ns/op is the time until the wave's last visitor has its answer. If
// visitors waited on each other, p99 would grow by a round trip per visitor.
//
//   - impl=floor: scs LoadAndSave and a handler that makes the anonymous
//     token call itself (pooled HTTP client) and puts the tokens in the
//     session: the least any server-side implementation can do.
//   - impl=wixauth: the middleware, default config.
//   - impl=wixauth-pooled: the middleware with an HTTPClient whose
//     Transport keeps up to 1,000 idle connections to Wix (the default
//     client keeps 64, so a burst of more token calls dials new
//     connections).
func BenchmarkNewVisitors(b *testing.B) {
	for _, n := range []int{1, 10, 100, 500} {
		for _, impl := range []string{"floor", "wixauth", "wixauth-pooled"} {
			b.Run(fmt.Sprintf("N=%d/impl=%s", n, impl), func(b *testing.B) { newVisitors(b, n, impl) })
		}
	}
}

func newVisitors(b *testing.B, n int, impl string) {
	wix := wixtest.NewServer()
	defer wix.Close()
	var handler http.Handler
	switch impl {
	case "floor":
		handler = newVisitorFloor(wix, loopbackClient(1000))
	case "wixauth", "wixauth-pooled":
		var opts []benchapp.Option
		if impl == "wixauth-pooled" {
			opts = append(opts, benchapp.WithHTTPClient(loopbackClient(1000)))
		}
		app, err := benchapp.New(benchapp.Wixauth, nil, wix, opts...)
		if err != nil {
			b.Fatal(err)
		}
		handler = app.Handler
	}
	wix.Fail(wixtest.EndpointToken, wixtest.Fault{Delay: tokenDelay})
	srv := httptest.NewServer(handler)
	defer srv.Close()
	client := loopbackClient(n)
	defer client.CloseIdleConnections()
	visit := func(int) error {
		resp, err := client.Get(srv.URL + "/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 1 {
			return fmt.Errorf("status %d, %d cookies", resp.StatusCode, len(resp.Cookies()))
		}
		return nil
	}
	if _, err := wave(n, visit); err != nil { // warm-up: opens the connections
		b.Fatal(err)
	}
	calls := wix.TokenCalls("anonymous")
	var lat []time.Duration
	waves := 0
	for b.Loop() {
		l, err := wave(n, visit)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, l...)
		waves++
	}
	reportLatency(b, lat)
	b.ReportMetric(float64(wix.TokenCalls("anonymous")-calls)/float64(waves*n), "token-calls/visitor")
}

// newVisitorFloor is a plain scs app whose handler makes the anonymous
// token call and keeps the answer in the session.
func newVisitorFloor(wix *wixtest.Server, client *http.Client) http.Handler {
	sm := scs.New()
	body := []byte(`{"clientId":"` + wix.ClientID + `","grantType":"anonymous"}`)
	return sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := client.Post(wix.URL+"/oauth2/token", "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		var tr struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
			ExpiresIn    int64  `json:"expires_in"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != http.StatusOK {
			http.Error(w, "token call failed", http.StatusBadGateway)
			return
		}
		ctx := r.Context()
		sm.Put(ctx, benchapp.FloorAccessKey, tr.AccessToken)
		sm.Put(ctx, benchapp.FloorRefreshKey, tr.RefreshToken)
		sm.Put(ctx, benchapp.FloorExpiresKey, time.Now().Unix()+tr.ExpiresIn)
		w.Write([]byte("ok"))
	}))
}

// BenchmarkRenewalStorm sends M concurrent requests of one session whose
// access token has expired, with the fake's refresh grant delayed by
// WIXAUTH_BENCH_TOKEN_DELAY. One op is one storm on a new session. The
// target is one token call per storm, and a p99 of about one round trip.
func BenchmarkRenewalStorm(b *testing.B) {
	for _, m := range []int{10, 100, 500} {
		b.Run("M="+strconv.Itoa(m), func(b *testing.B) {
			wix := wixtest.NewServer()
			defer wix.Close()
			store := &countingStore{Store: memstore.New()}
			app, err := benchapp.New(benchapp.Wixauth, store, wix)
			if err != nil {
				b.Fatal(err)
			}
			wix.Fail(wixtest.EndpointToken, wixtest.Fault{Delay: tokenDelay, Grant: "refresh_token"})
			srv := httptest.NewServer(app.Handler)
			defer srv.Close()
			client := loopbackClient(m)
			defer client.CloseIdleConnections()
			storm := func(c *http.Cookie) ([]time.Duration, error) {
				return wave(m, func(int) error {
					req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
					req.AddCookie(c)
					resp, err := client.Do(req)
					if err != nil {
						return err
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						return fmt.Errorf("status %d", resp.StatusCode)
					}
					return nil
				})
			}
			expired := func() *http.Cookie {
				c, err := app.NewVisitor()
				if err != nil {
					b.Fatal(err)
				}
				t, err := app.TokensOf(c)
				if err != nil {
					b.Fatal(err)
				}
				t.AccessToken.ExpiresAt = time.Now().Add(-time.Minute).Unix()
				if err := app.SetTokens(c, t); err != nil {
					b.Fatal(err)
				}
				return c
			}
			if _, err := storm(expired()); err != nil { // warm-up: opens the connections
				b.Fatal(err)
			}
			var lat []time.Duration
			var calls, writes, storms int
			for b.Loop() {
				c := expired()
				r0, w0 := wix.TokenCalls("refresh_token"), store.commits.Load()
				l, err := storm(c)
				if err != nil {
					b.Fatal(err)
				}
				calls += wix.TokenCalls("refresh_token") - r0
				writes += int(store.commits.Load() - w0)
				lat = append(lat, l...)
				storms++
				if t, err := app.TokensOf(c); err != nil || t.AccessToken.Value == "" || t.Expiry().Before(time.Now().Add(time.Minute)) {
					b.Fatalf("the session was not renewed: %v", err)
				}
			}
			reportLatency(b, lat)
			b.ReportMetric(float64(calls)/float64(storms), "token-calls/storm")
			b.ReportMetric(float64(writes)/float64(storms), "store-writes/storm")
		})
	}
}

// BenchmarkSessionMemory measures what one steady-state session costs in the
// store: its encoded size, the Go heap per session in a memstore, and in
// Redis STRLEN, MEMORY USAGE of its key and used_memory per session, each
// over WIXAUTH_BENCH_SESSIONS sessions of the same shape as a real one. It
// ignores b.N (run it with -benchtime=1x); ns/op is meaningless.
func BenchmarkSessionMemory(b *testing.B) {
	wix := wixtest.NewServer()
	defer wix.Close()
	b.Run("store=mem", func(b *testing.B) {
		for _, impl := range benchapp.Impls {
			b.Run("impl="+string(impl), func(b *testing.B) {
				app, err := benchapp.New(impl, nil, wix)
				if err != nil {
					b.Fatal(err)
				}
				enc, deadline, values := sessionOf(b, app)
				fresh := memstore.NewWithCleanupInterval(0)
				before := heapAfterGC()
				for range memSessions {
					e, err := app.Sessions.Codec.Encode(deadline, values)
					if err != nil {
						b.Fatal(err)
					}
					fresh.Commit(newSessionToken(), e, deadline)
				}
				perSession := float64(heapAfterGC()-before) / float64(memSessions)
				runtime.KeepAlive(fresh)
				for range b.N {
				}
				tokens := len(app.Access) + len(app.Refresh)
				b.ReportMetric(float64(len(enc)), "encoded-B")
				b.ReportMetric(float64(tokens), "tokens-B")
				b.ReportMetric(perSession, "heap-B/session")
				b.ReportMetric(perSession-float64(tokens), "overhead-B/session")
				b.ReportMetric(perSession*10000/(1<<20), "heap-MiB/10k-sessions")
			})
		}
	})
	b.Run("store=redis", func(b *testing.B) {
		rs := redistest.Start(b)
		st, err := stores.Open(rs.URL)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		for _, impl := range benchapp.Impls {
			b.Run("impl="+string(impl), func(b *testing.B) {
				app, err := benchapp.New(impl, st.Sessions, wix)
				if err != nil {
					b.Fatal(err)
				}
				enc, deadline, values := sessionOf(b, app)
				key := st.Prefix + storeKeyOf(app)
				strlen, _ := redis.Int(rs.Do(b, "STRLEN", key), nil)
				usage, _ := redis.Int(rs.Do(b, "MEMORY", "USAGE", key, "SAMPLES", "0"), nil)
				rs.Do(b, "FLUSHDB")
				before := redisUsedMemory(b, rs)
				for range memSessions {
					e, err := app.Sessions.Codec.Encode(deadline, values)
					if err != nil {
						b.Fatal(err)
					}
					if err := st.Sessions.Commit(newSessionToken(), e, deadline); err != nil {
						b.Fatal(err)
					}
				}
				perSession := float64(redisUsedMemory(b, rs)-before) / float64(memSessions)
				rs.Do(b, "FLUSHDB")
				for range b.N {
				}
				tokens := len(app.Access) + len(app.Refresh)
				b.ReportMetric(float64(strlen), "strlen-B")
				b.ReportMetric(float64(usage), "memory-usage-B")
				b.ReportMetric(float64(tokens), "tokens-B")
				b.ReportMetric(perSession, "used-memory-B/session")
				b.ReportMetric(perSession-float64(tokens), "overhead-B/session")
				b.ReportMetric(perSession*10000/(1<<20), "used-memory-MiB/10k-sessions")
				_ = enc
			})
		}
	})
}

// sessionOf returns the stored bytes of app's seeded session and what they
// decode to, to store copies of it.
func sessionOf(b *testing.B, app *benchapp.App) ([]byte, time.Time, map[string]interface{}) {
	b.Helper()
	enc, found, err := app.Sessions.Store.Find(app.Cookie.Value) // as scs finds it
	if err != nil || !found {
		b.Fatalf("seeded session not found: %v", err)
	}
	deadline, values, err := app.Sessions.Codec.Decode(enc)
	if err != nil {
		b.Fatal(err)
	}
	// The codec's bytes, without the store's framing (wixauth's Store
	// hands the codec data it reads in place with a frame byte in front).
	if enc, err = app.Sessions.Codec.Encode(deadline, values); err != nil {
		b.Fatal(err)
	}
	return enc, deadline, values
}

// storeKeyOf is the store key of app's seeded session: its cookie, hashed
// (session.Key) by the store of wixauth's managers.
func storeKeyOf(app *benchapp.App) string {
	if _, ok := app.Sessions.Store.(*session.Store); ok {
		return session.Key(app.Cookie.Value)
	}
	return app.Cookie.Value
}

func heapAfterGC() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func redisUsedMemory(b *testing.B, rs *redistest.Server) int64 {
	info, err := redis.String(rs.Do(b, "INFO", "memory"), nil)
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("no used_memory in INFO memory")
	return 0
}

// newSessionToken makes a token as scs does: 32 random bytes, base64url.
func newSessionToken() string {
	var k [32]byte
	rand.Read(k[:])
	return base64.RawURLEncoding.EncodeToString(k[:])
}

// loopbackClient is an HTTP client that keeps up to n connections open, so
// that waves after the first reuse them.
func loopbackClient(n int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        n,
			MaxIdleConnsPerHost: n,
			IdleConnTimeout:     time.Minute,
		},
	}
}

// wave runs f(0..n-1) at once and returns the duration of each call.
func wave(n int, f func(int) error) ([]time.Duration, error) {
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := time.Now()
			if err := f(i); err != nil {
				firstErr.CompareAndSwap(nil, err)
			}
			lat[i] = time.Since(t0)
		}()
	}
	close(start)
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return lat, err
	}
	return lat, nil
}

// reportLatency reports the median, p99 and maximum of lat in milliseconds.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		i := int(p*float64(len(lat))+0.5) - 1
		i = max(0, min(i, len(lat)-1))
		return float64(lat[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
}

// countingStore counts the writes that reach the session store.
type countingStore struct {
	scs.Store
	commits atomic.Int64
}

func (s *countingStore) Commit(token string, b []byte, expiry time.Time) error {
	s.commits.Add(1)
	return s.Store.Commit(token, b, expiry)
}
