package wixauth_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

// wiring says how an app hands its Redis store to wixauth.
type wiring int

const (
	// oneCall: wixauth.Config{Store: st.Sessions, Keys: keys}, which wires
	// the sessions and the renewal coordinator together.
	oneCall wiring = iota
	// sharedManager: the app builds the manager with session.New (to share
	// it) and passes Config.Sessions; New finds the coordinator through
	// the manager's store.
	sharedManager
	// uncoordinated: a store that offers no coordinator, as a baseline.
	uncoordinated
)

func (w wiring) String() string {
	return [...]string{"one call", "shared manager", "uncoordinated"}[w]
}

// atomicOnly hides everything of a store but the session contract.
type atomicOnly struct{ session.AtomicStore }

// redisApp is one app instance with its sessions in Redis, wired as w says.
// It serves /seed like the harness.
func redisApp(t *testing.T, wix *wixtest.Server, redisURL string, w wiring, keys ...[]byte) *httptest.Server {
	t.Helper()
	st, err := stores.Open(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	switch w {
	case oneCall:
		cfg.Store, cfg.Keys = st.Sessions, keys
	case sharedManager, uncoordinated:
		var store scs.Store = st.Sessions
		if w == uncoordinated {
			store = atomicOnly{st.Sessions.(session.AtomicStore)}
		}
		sm, err := session.New(session.Options{Store: store, Keys: keys, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Sessions = sm
	}
	a, err := wixauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/seed" {
			var tok wixauth.Tokens
			json.NewDecoder(r.Body).Decode(&tok)
			wixauth.FromRequest(r).SetTokens(tok)
			return
		}
		tok := wixauth.FromRequest(r).Tokens()
		io.WriteString(w, string(tok.Role())+" "+tok.RefreshToken.Value)
	})))
	t.Cleanup(srv.Close)
	return srv
}

func getBody(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}

// Sessions in a real redis-server: a steady-state request costs one GET and
// no write, and a second instance serves the same browser's session.
func TestRedisSessions(t *testing.T) {
	rs := redistest.Start(t)
	wix := wixtest.NewServer()
	defer wix.Close()
	one, two := redisApp(t, wix, rs.URL, oneCall), redisApp(t, wix, rs.URL, oneCall)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 5 * time.Second}

	first := getBody(t, browser, one.URL)
	// Both instances are on 127.0.0.1, so the browser sends them one cookie.
	rs.ResetStats(t)
	wix.ResetCounters()
	if got := getBody(t, browser, two.URL); got != first {
		t.Fatalf("the second instance saw %.20q, want the first's session %.20q", got, first)
	}
	stats := rs.CommandStats(t)
	others := 0
	for cmd, n := range stats {
		// ROLE is once per new connection (instance two dials here): the
		// pool's check that it reached the primary, not a per-request cost.
		if cmd != "get" && cmd != "info" && cmd != "role" && !strings.HasPrefix(cmd, "config") {
			others += n
		}
	}
	if stats["get"] != 1 || others != 0 {
		t.Errorf("steady-state request: Redis commands %v, want exactly one GET and nothing else (no write, no script)", stats)
	}
	if n := wix.TokenCalls(""); n != 0 {
		t.Errorf("token calls = %d, want 0", n)
	}
}

// N instances x M parallel requests of one session with an expired token:
// with the Redis store wired in one call (Config.Store), or through a
// manager the app shares (Config.Sessions), one token call in all: the
// store is the coordinator without being named twice. With a store that is
// no coordinator, one call per instance.
func TestRenewalAcrossInstances(t *testing.T) {
	const instances, parallel = 3, 10
	for _, w := range []wiring{oneCall, sharedManager, uncoordinated} {
		coordinate := w != uncoordinated
		rs := redistest.Start(t)
		wix := wixtest.NewServer()
		defer wix.Close()
		var apps []*httptest.Server
		for i := 0; i < instances; i++ {
			// Generous Redis timeouts: under load a command can stall past
			// the default 1 s, and a coordinator that errs renews locally
			// (one more token call); this tests the coordination, not
			// timeouts.
			apps = append(apps, redisApp(t, wix, rs.URL+"?dial_timeout=10s&read_timeout=10s&write_timeout=10s", w))
		}
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, Timeout: 5 * time.Second}
		access, refresh := wix.IssueMemberTokens(wixtest.DemoEmail)
		b, _ := json.Marshal(wixauth.Tokens{
			AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: time.Now().Add(-time.Minute).Unix()},
			RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleMember},
		})
		resp, err := browser.Post(apps[0].URL+"/seed", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		wix.ResetCounters()
		// The renewal takes a while, so the instances overlap as they would
		// under load.
		wix.Fail(wixtest.EndpointToken, wixtest.Fault{Delay: 100 * time.Millisecond})

		var wg sync.WaitGroup
		for _, app := range apps {
			for j := 0; j < parallel; j++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if got := getBody(t, browser, app.URL); !strings.HasPrefix(got, "member ") {
						t.Errorf("got %.20q, want the member", got)
					}
				}()
			}
		}
		wg.Wait()
		calls := wix.TokenCalls("")
		t.Logf("%v: %d instances x %d parallel requests -> %d token calls", coordinate, instances, parallel, calls)
		if coordinate && calls != 1 {
			t.Errorf("%v: %d token calls, want 1", w, calls)
		}
		if !coordinate && calls != instances {
			t.Errorf("uncoordinated: %d token calls, want one per instance (%d)", calls, instances)
		}
	}
}

// A coordinator that cannot reach Redis costs a local renewal, never the
// request.
func TestRenewalFallsBackWhenLeaseUnavailable(t *testing.T) {
	rs := redistest.Start(t)
	st, err := stores.Open(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs.Stop()
	h := newHarness(t, func(c *wixauth.Config) { c.Coordinator = st.Sessions.(wixauth.Coordinator) }, nil)
	h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
	start := time.Now()
	if code, body := h.get("/"); code != 200 || body != "member" {
		t.Fatalf("got %d %q, want 200 member", code, body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the fallback took %v", d)
	}
	if n := h.wix.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("refresh calls = %d, want 1 local renewal", n)
	}
}

// With keys, what Redis holds is sealed: a reader of Redis (a backup, a
// replica) sees no token, and a session sealed with a dropped key reads as
// no session, not as an error.
func TestRedisSessionsEncryptedAtRest(t *testing.T) {
	rs := redistest.Start(t)
	wix := wixtest.NewServer()
	defer wix.Close()
	st, err := stores.Open(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	newApp := func(keys ...[]byte) *httptest.Server {
		sm, err := session.New(session.Options{Store: st.Sessions, Keys: keys, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Sessions: sm,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, wixauth.FromRequest(r).Tokens().RefreshToken.Value)
		})))
		t.Cleanup(srv.Close)
		return srv
	}
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 5 * time.Second}
	refresh := getBody(t, browser, newApp(oldKey).URL)

	keys := rs.Do(t, "KEYS", "wixauth:session:*").([]any)
	if len(keys) != 1 {
		t.Fatalf("sessions in Redis: %d, want 1", len(keys))
	}
	raw := rs.Do(t, "GET", keys[0]).([]byte)
	if bytes.Contains(raw, []byte(refresh)) || bytes.Contains(raw, []byte("JWS")) {
		t.Fatal("Redis holds the tokens in the clear")
	}
	if got := getBody(t, browser, newApp(newKey, oldKey).URL); got != refresh {
		t.Error("after adding a new key in front, the old sessions no longer open")
	}
	if got := getBody(t, browser, newApp(newKey).URL); got == refresh {
		t.Error("a session sealed with a dropped key still opened")
	}
}

// With keys, the results of shared renewals are sealed like sessions and
// bound to their key: Redis holds no token, and a result copied onto the
// key of another session's renewal is refused (that session renews for
// itself and stays who it was).
func TestSharedRenewalResultsSealedAndBound(t *testing.T) {
	rs := redistest.Start(t)
	wix := wixtest.NewServer()
	defer wix.Close()
	key := bytes.Repeat([]byte{5}, 32)
	one, two := redisApp(t, wix, rs.URL, oneCall, key), redisApp(t, wix, rs.URL, sharedManager, key)
	seed := func(app *httptest.Server, tok wixauth.Tokens) *http.Client {
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, Timeout: 5 * time.Second}
		b, _ := json.Marshal(tok)
		resp, err := browser.Post(app.URL+"/seed", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return browser
	}
	access, refresh := wix.IssueMemberTokens(wixtest.DemoEmail)
	member := seed(one, wixauth.Tokens{
		AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: time.Now().Add(-time.Minute).Unix()},
		RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleMember},
	})
	vAccess, vRefresh := wix.IssueVisitorTokens()
	visitor := seed(two, wixauth.Tokens{
		AccessToken:  wixauth.AccessToken{Value: vAccess, ExpiresAt: time.Now().Add(-time.Minute).Unix()},
		RefreshToken: wixauth.RefreshToken{Value: vRefresh, Role: wixauth.RoleVisitor},
	})
	if got := getBody(t, member, one.URL); !strings.HasPrefix(got, "member ") {
		t.Fatalf("member after renewal: %q", got)
	}
	published := rs.Do(t, "KEYS", "*renewed:*").([]any)
	if len(published) != 1 {
		t.Fatalf("%d published renewals, want 1", len(published))
	}
	result := rs.Do(t, "GET", published[0]).([]byte)
	if bytes.Contains(result, []byte(refresh)) || bytes.Contains(result, []byte(access[:16])) {
		t.Fatal("a published renewal holds a token in the clear")
	}
	// The attacker copies the member's result onto the visitor's renewal.
	sum := sha256.Sum256([]byte(vRefresh))
	victimKey := strings.Replace(string(published[0].([]byte)), strings.TrimPrefix(string(published[0].([]byte)), stores.DefaultPrefix+"renewed:"), hex.EncodeToString(sum[:]), 1)
	rs.Do(t, "SET", victimKey, result, "PX", 30000)
	if got := getBody(t, visitor, two.URL); !strings.HasPrefix(got, "visitor "+vRefresh) {
		t.Errorf("the visitor whose renewal key got the member's result: %.40q, want the visitor", got)
	}
}
