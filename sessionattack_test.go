package wixauth_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/internal/testutil"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

// The attacks of the sessions issue, each against the memory store and a
// real redis-server: what an attacker who reads (or writes) the store, or
// who races the requests of one browser, can get. See docs/security.md.

// attackApp is an app with the routes the attacks use, over one backend.
type attackApp struct {
	t       *testing.T
	wix     *wixtest.Server
	auth    *wixauth.Auth
	sm      *scs.SessionManager
	backend session.AtomicStore
	srv     *httptest.Server
	logs    *testutil.LockedBuffer
}

// backends runs fn against the memory store and a real redis-server.
func backends(t *testing.T, fn func(t *testing.T, backend func() session.AtomicStore)) {
	t.Run("memory", func(t *testing.T) {
		fn(t, func() session.AtomicStore { return session.LockedStore(memstore.New()) })
	})
	t.Run("redis", func(t *testing.T) {
		rs := redistest.Start(t)
		st, err := stores.Open(rs.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, func() session.AtomicStore { return st.Sessions.(session.AtomicStore) })
	})
}

func newAttackApp(t *testing.T, backend session.AtomicStore, tune func(*session.Options, *scs.SessionManager)) *attackApp {
	t.Helper()
	a := &attackApp{t: t, wix: wixtest.NewServer(), backend: backend, logs: &testutil.LockedBuffer{}}
	t.Cleanup(a.wix.Close)
	log := slog.New(slog.NewTextHandler(a.logs, nil))
	opts := session.Options{Store: backend, Logger: log}
	if tune != nil {
		tune(&opts, nil)
	}
	sm, err := session.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if tune != nil {
		tune(&opts, sm)
	}
	a.sm = sm
	a.auth, err = wixauth.New(wixauth.Config{ClientID: a.wix.ClientID, APIURL: a.wix.URL, Sessions: sm, Logger: log,
		KeepOnLogout: []string{"app.consent"}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, string(wixauth.FromRequest(r).Tokens().Role()))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		signInDemo(t, a.wix, r)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if _, err := wixauth.FromRequest(r).SignOut(r.Context(), "http://app.example/"); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	// A request that changes the session while a logout may be under way,
	// as an add-to-cart answered with X-Wix-Consistent: it loaded the
	// session before, and saves it after.
	mux.HandleFunc("POST /change", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		a.sm.Put(r.Context(), "app.cart", r.URL.Query().Get("v"))
	})
	mux.HandleFunc("POST /renew", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		if _, err := wixauth.FromRequest(r).RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	})
	// A renewal, then a destroy, in one request.
	mux.HandleFunc("POST /renewdestroy", func(w http.ResponseWriter, r *http.Request) {
		if err := a.auth.RenewSession(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if err := a.sm.Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("GET /data", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "cart=%s consent=%s", a.sm.GetString(r.Context(), "app.cart"), a.sm.GetString(r.Context(), "app.consent"))
	})
	mux.HandleFunc("POST /consent", func(w http.ResponseWriter, r *http.Request) {
		a.sm.Put(r.Context(), "app.consent", "yes")
	})
	a.srv = httptest.NewServer(a.auth.Middleware(mux))
	t.Cleanup(a.srv.Close)
	return a
}

// do sends one request with cookie (none if "") and returns the status,
// the body and the session cookie the answer sets ("" if none).
func (a *attackApp) do(method, path, cookie string) (int, string, string) {
	a.t.Helper()
	return a.doCookies(method, path, cookie)
}

// doCookies is do with several session cookies, in order.
func (a *attackApp) doCookies(method, path string, cookies ...string) (int, string, string) {
	req, _ := http.NewRequest(method, a.srv.URL+path, nil)
	for _, c := range cookies {
		if c != "" {
			req.AddCookie(&http.Cookie{Name: a.sm.Cookie.Name, Value: c})
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Error(err)
		return 0, "", ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var set string
	for _, c := range resp.Cookies() {
		if c.Name == a.sm.Cookie.Name {
			set = c.Value
		}
	}
	return resp.StatusCode, string(b), set
}

// member returns the cookie of a new session logged in as the demo member.
func (a *attackApp) member() string {
	a.t.Helper()
	_, _, visitor := a.do("GET", "/whoami", "")
	_, _, m := a.do("POST", "/login", visitor)
	if m == "" || m == visitor {
		a.t.Fatalf("login set cookie %q (visitor %q), want a new one", m, visitor)
	}
	return m
}

// raw is what the backend holds under the key of cookie.
func (a *attackApp) raw(cookie string) []byte {
	b, _, _ := a.backend.FindCtx(context.Background(), keyOf(cookie))
	return b
}

// retired reports whether the key of cookie holds a tombstone.
func (a *attackApp) retired(cookie string) bool {
	b := a.raw(cookie)
	return len(b) > 0 && b[0] == session.TombstoneByte
}

// A reader of the store sees no cookie: keys are the SHA-256 of the
// cookie, and no stored key is a cookie the app handed out.
func TestStoreKeysAreNotCookies(t *testing.T) {
	backends(t, func(t *testing.T, backend func() session.AtomicStore) {
		a := newAttackApp(t, backend(), nil)
		m := a.member()
		if b, found, _ := a.backend.FindCtx(context.Background(), m); found || b != nil {
			t.Error("the cookie itself is a store key")
		}
		if len(a.raw(m)) == 0 {
			t.Error("no session under the hash of the cookie")
		}
	})
}

// The example's recipe over Redis: the keys SCAN returns are not cookies.
func TestRedisScanHandsOutNoCookie(t *testing.T) {
	rs := redistest.Start(t)
	st, err := stores.Open(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := newAttackApp(t, st.Sessions.(session.AtomicStore), nil)
	cookies := map[string]bool{}
	for range 5 {
		cookies[a.member()] = true
	}
	keys := rs.Do(t, "KEYS", "*").([]any)
	if len(keys) < 5 {
		t.Fatalf("%d keys in Redis, want the sessions", len(keys))
	}
	for _, k := range keys {
		name := strings.TrimPrefix(string(k.([]byte)), stores.DefaultPrefix)
		if cookies[name] {
			t.Errorf("Redis key %q is a live cookie", k)
		}
		if code, body, _ := a.do("GET", "/whoami", name); code != 200 || body == "member" {
			t.Errorf("the key %q used as a cookie: %d %q", name, code, body)
		}
	}
}

// With keys, a sealed session copied from a member's key onto another
// session's key does not make that session the member: it is refused,
// served as a new visitor, and logged at Warn.
func TestSealedValueCopiedToAnotherKeyIsRefused(t *testing.T) {
	backends(t, func(t *testing.T, backend func() session.AtomicStore) {
		a := newAttackApp(t, backend(), func(o *session.Options, _ *scs.SessionManager) {
			o.Keys = [][]byte{bytes.Repeat([]byte{9}, 32)}
		})
		member := a.member()
		_, _, attacker := a.do("GET", "/whoami", "")
		if attacker == "" {
			t.Fatal("no visitor cookie")
		}
		if bytes.Contains(a.raw(member), []byte(a.wixTokenPrefix())) {
			t.Fatal("the member's tokens are stored in the clear")
		}
		if err := a.backend.CommitCtx(context.Background(), keyOf(attacker), a.raw(member), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		code, role, _ := a.do("GET", "/whoami", attacker)
		if code != 200 || role != "visitor" {
			t.Errorf("the copied member session under the attacker's key: %d %q, want 200 visitor", code, role)
		}
		if !strings.Contains(a.logs.String(), "does not open under its own key") {
			t.Errorf("no Warn log for the copied value; logs: %s", a.logs.String())
		}
		if _, role, _ := a.do("GET", "/whoami", member); role != "member" {
			t.Errorf("the member's own session: %q", role)
		}
	})
}

// wixTokenPrefix is how every token of the fake starts.
func (a *attackApp) wixTokenPrefix() string {
	access, _ := a.wix.IssueVisitorTokens()
	return access[:min(8, len(access))]
}

// Logout drops the data the app put in the session while the member was
// logged in, but for the keys named in Config.KeepOnLogout.
func TestLogoutDropsAppData(t *testing.T) {
	backends(t, func(t *testing.T, backend func() session.AtomicStore) {
		a := newAttackApp(t, backend(), nil)
		m := a.member()
		a.do("POST", "/change?v=member-cart", m)
		a.do("POST", "/consent", m)
		if _, body, _ := a.do("GET", "/data", m); body != "cart=member-cart consent=yes" {
			t.Fatalf("before logout: %q", body)
		}
		_, _, after := a.do("POST", "/logout", m)
		if after == "" || after == m {
			t.Fatalf("logout set cookie %q, want a new one", after)
		}
		if _, body, _ := a.do("GET", "/data", after); body != "cart= consent=yes" {
			t.Errorf("after logout: %q, want the cart gone and the consent kept", body)
		}
		if _, role, _ := a.do("GET", "/whoami", after); role != "visitor" {
			t.Errorf("after logout: %q, want visitor", role)
		}
	})
}

// A logout raced by requests of the same browser that change the session
// or renew its token, and by a login, all sent with the member's cookie:
// the old session is retired for good in every try, and no answer hands
// the old cookie back. Hundreds of tries, with and without an idle
// timeout (which makes every request a save).
func TestLogoutRaceResurrectsNothing(t *testing.T) {
	tries := 300
	if testing.Short() {
		tries = 60
	}
	backends(t, func(t *testing.T, backend func() session.AtomicStore) {
		for _, idle := range []time.Duration{0, time.Hour} {
			t.Run(fmt.Sprintf("idle=%v", idle), func(t *testing.T) {
				a := newAttackApp(t, backend(), func(_ *session.Options, sm *scs.SessionManager) {
					if sm != nil {
						sm.IdleTimeout = idle
					}
				})
				resurrected, handedBack, lateCookie, withLogin := 0, 0, 0, 0
				for i := range tries {
					m := a.member()
					var wg sync.WaitGroup
					var mu sync.Mutex
					set := map[string]string{}
					send := func(path string) {
						defer wg.Done()
						_, _, c := a.do("POST", path, m)
						mu.Lock()
						defer mu.Unlock()
						if c != "" {
							set[path] = c
						}
					}
					routes := []string{"/logout", "/change?v=1", "/change?v=2", "/change?v=3", "/renew", "/renew"}
					if i%2 == 0 {
						routes = append(routes, "/login")
						withLogin++
					}
					for _, p := range routes {
						wg.Add(1)
						go send(p)
					}
					wg.Wait()
					if !a.retired(m) {
						resurrected++
					}
					// A request sent with the old cookie before the new one
					// arrived, that changes the session: served, but its
					// cookie must not replace the logout's.
					if _, _, c := a.do("POST", "/change?v=late", m); c != "" {
						lateCookie++
					}
					for p, c := range set {
						if c == m {
							handedBack++
							t.Errorf("try %d: %s handed the old cookie back", i, p)
						}
					}
				}
				t.Logf("%d tries (%d with a racing login): %d sessions resurrected, %d old cookies handed back, %d cookies set for late requests with the old cookie",
					tries, withLogin, resurrected, handedBack, lateCookie)
				if resurrected != 0 || lateCookie != 0 {
					t.Errorf("%d of %d old sessions written back after the logout; %d late requests set a cookie", resurrected, tries, lateCookie)
				}
			})
		}
	})
}

// A late save of a session whose key vanished since it was loaded (a
// logout elsewhere whose tombstone was lost, an expiry, a Redis flush)
// does not write it back: a key missing since load counts as retired.
func TestSaveOfVanishedSessionIsRefused(t *testing.T) {
	backends(t, func(t *testing.T, backend func() session.AtomicStore) {
		a := newAttackApp(t, backend(), nil)
		m := a.member()
		loaded := make(chan struct{})
		release := make(chan struct{})
		a.srv.Config.Handler = a.auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(loaded)
			<-release
			a.sm.Put(r.Context(), "app.cart", "late")
		}))
		done := make(chan string)
		go func() {
			_, _, c := a.do("POST", "/", m)
			done <- c
		}()
		<-loaded
		if err := a.backend.DeleteCtx(context.Background(), keyOf(m)); err != nil {
			t.Fatal(err)
		}
		close(release)
		if c := <-done; c != "" {
			t.Errorf("the late save set cookie %q", c)
		}
		if b := a.raw(m); b != nil {
			t.Errorf("the vanished session was written back: % x...", b[:min(4, len(b))])
		}
	})
}

// Cookie tossing: a sibling subdomain sets a cookie of the same name that
// the browser sends before the real one. Over https the cookie is
// "__Host-wixauth_session", which a sibling cannot set, so the tossed
// "wixauth_session" is not even read; and of several well-formed cookies of
// the real name, the first that names a live session wins.
func TestTossedCookie(t *testing.T) {
	sm, err := session.New(session.Options{BaseURL: "https://shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	if sm.Cookie.Name != "__Host-wixauth_session" || !sm.Cookie.Secure || sm.Cookie.Path != "/" || sm.Cookie.Domain != "" {
		t.Errorf("https cookie = %q Secure %v Path %q Domain %q, want __Host-wixauth_session, Secure, /, no Domain",
			sm.Cookie.Name, sm.Cookie.Secure, sm.Cookie.Path, sm.Cookie.Domain)
	}
	opt, _ := session.New(session.Options{BaseURL: "https://shop.example", NoHostPrefix: true})
	if opt.Cookie.Name != "wixauth_session" || !opt.Cookie.Secure {
		t.Errorf("opt-out cookie = %q Secure %v", opt.Cookie.Name, opt.Cookie.Secure)
	}

	backends(t, func(t *testing.T, backend func() session.AtomicStore) {
		a := newAttackApp(t, backend(), nil)
		m := a.member()
		_, _, attackers := a.do("GET", "/whoami", "")
		for name, tossed := range map[string]string{
			"no such session":   strings.Repeat("T", 43),
			"a retired session": a.retiredCookie(),
			"garbage":           "<script>",
		} {
			code, role, set := a.doCookies("GET", "/whoami", tossed, m)
			if code != 200 || role != "member" || set != "" {
				t.Errorf("%s tossed before the member's cookie: %d %q, Set-Cookie %q; want the member, no new cookie", name, code, role, set)
			}
		}
		// Both live: the first wins, as browsers order them; what keeps an
		// attacker's live session out is the __Host- name.
		if _, role, _ := a.doCookies("GET", "/whoami", attackers, m); role != "visitor" {
			t.Errorf("two live sessions: %q served, want the first (the visitor's)", role)
		}
	})
}

// retiredCookie returns the cookie of a member session that logged out.
func (a *attackApp) retiredCookie() string {
	m := a.member()
	a.do("POST", "/logout", m)
	return m
}

// A cookie of 43 characters that are not all base64url never reaches the
// store, alone or in front of the real one (a stricter shape check than
// "43 bytes": such a value sent first would otherwise cost a store read and
// could hide the session).
func TestOddCookieOfTokenLengthNeverReachesStore(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.seed(h.memberTokens(time.Now().Add(4 * time.Hour)))
	member := sessionCookie(t, h).Value
	for _, odd := range []string{strings.Repeat("!", 43), strings.Repeat("A", 42) + ".", strings.Repeat("é", 21) + "A"} {
		h.resetCounts()
		rawGet(t, h, h.sm.Cookie.Name+"="+odd)
		if n := h.store.finds.Load(); n != 0 {
			t.Errorf("cookie %q alone: %d store reads, want 0", odd, n)
		}
		h.resetCounts()
		rawGet(t, h, h.sm.Cookie.Name+"="+odd+"; "+h.sm.Cookie.Name+"="+member)
		if n := h.store.finds.Load(); n != 1 || h.lastSeen().Role() != wixauth.RoleMember {
			t.Errorf("cookie %q before the member's: %d store reads, served as %q; want 1 and the member", odd, n, h.lastSeen().Role())
		}
	}
}

// The store key (session.Key, pinned to scs's own hash by the session
// package's TestKeyIsScsHash) is the one a tossed-cookie probe uses: a live
// session is found under it.
func TestStoreKeyIsScsHash(t *testing.T) {
	backends(t, func(t *testing.T, backend func() session.AtomicStore) {
		a := newAttackApp(t, backend(), nil)
		m := a.member()
		if _, role, _ := a.doCookies("GET", "/whoami", strings.Repeat("Q", 43), m); role != "member" {
			t.Errorf("the probe did not find the live session under the library's key: %q", role)
		}
	})
}
