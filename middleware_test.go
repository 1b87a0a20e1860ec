package wixauth_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wixauth/wixauth/internal/testutil"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

func sessionCookie(t *testing.T, h *harness) *http.Cookie {
	t.Helper()
	u, _ := http.NewRequest("GET", h.app.URL, nil)
	for _, c := range h.jar.Cookies(u.URL) {
		if c.Name == h.sm.Cookie.Name {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// The cookie is an opaque session ID; the tokens stay on the server.
func TestCookieHoldsOnlyAnOpaqueID(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.get("/")
	c := sessionCookie(t, h)
	tok := h.lastSeen()
	if len(c.Value) != 43 || strings.Contains(c.Value, tok.AccessToken.Value) || strings.Contains(c.Value, "JWS") {
		t.Errorf("cookie value %q is not an opaque 43-character ID", c.Value)
	}
}

// Session data that cannot be read means no tokens: a new visitor, never a
// 500 or a panic.
func TestTamperedSessionDataStartsNewVisitor(t *testing.T) {
	for name, value := range map[string]any{
		"wrong type":       "not bytes",
		"garbage bytes":    []byte("garbage"),
		"truncated record": []byte{1, 2, 3},
		"huge length":      []byte{1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"unknown version":  []byte{9, 0, 0, 0, 0, 0},
	} {
		t.Run(name, func(t *testing.T) {
			var h *harness
			h = newHarness(t, nil, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/tamper" {
					h.sm.Put(r.Context(), "wixauth.tokens", value)
					return
				}
				h.report(w, r)
			})
			h.get("/")
			h.get("/tamper")
			h.resetCounts()
			if code, body := h.get("/"); code != 200 || body != "visitor" {
				t.Fatalf("got %d %q, want 200 visitor", code, body)
			}
			if n := h.wix.TokenCalls("anonymous"); n != 1 {
				t.Errorf("anonymous calls = %d, want 1", n)
			}
		})
	}
}

// Undecodable bytes in the store itself (the codec fails) start a new
// session instead of failing every request of that browser.
func TestUndecodableStoreDataStartsNewSession(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.get("/")
	c := sessionCookie(t, h)
	h.store.put(c.Value, []byte("\x00not gob"))
	h.resetCounts()
	if code, body := h.get("/"); code != 200 || body != "visitor" {
		t.Fatalf("got %d %q, want 200 visitor", code, body)
	}
	if h.wix.TokenCalls("anonymous") != 1 {
		t.Error("want a new visitor")
	}
}

// Cookies that cannot be session IDs never reach the store.
func TestGarbageCookiesAreIgnored(t *testing.T) {
	h := newHarness(t, nil, nil)
	for _, v := range []string{"x", strings.Repeat("A", 4000), "../../../etc/passwd", strings.Repeat("é", 22)} {
		req, _ := http.NewRequest("GET", h.app.URL, nil)
		req.Header.Set("Cookie", h.sm.Cookie.Name+"="+v+"; "+h.sm.Cookie.Name+"=also-bad")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("cookie %.20q: status %d", v, resp.StatusCode)
		}
	}
	if n := h.store.finds.Load(); n != 0 {
		t.Errorf("garbage cookies caused %d store reads", n)
	}
}

// An app that shares the session and wraps its own handler in the
// manager's LoadAndSave, inside the middleware: a first visit gets one
// cookie and one store write; a store that fails on the save gets the
// documented 503 with Retry-After, and nothing of the page.
func TestAppLoadAndSaveInside(t *testing.T) {
	h := newHarness(t, nil, nil)
	app := h.auth.Middleware(h.sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.sm.Put(r.Context(), "app.visits", 1)
		io.WriteString(w, "the page")
	})))
	srv := httptest.NewServer(app)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := len(resp.Header.Values("Set-Cookie")); resp.StatusCode != 200 || n != 1 || h.store.commits.Load() != 1 {
		t.Errorf("first visit: %d, %d Set-Cookie headers, %d store writes; want 200, 1, 1", resp.StatusCode, n, h.store.commits.Load())
	}

	h.store.failWrites.Store(true)
	resp, err = http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		strings.Contains(string(b), "the page") || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("store down at the save: %d, Retry-After %q, Set-Cookie %q, body %q; want a 503 with Retry-After and no page",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Set-Cookie"), b)
	}
}

// The other order, LoadAndSave outside the middleware, would load the
// session where wixauth cannot guard its save: it fails at the first
// request, with an answer and a log line that say how to fix it.
func TestAppLoadAndSaveOutsideFailsLoudly(t *testing.T) {
	logs := &testutil.LockedBuffer{}
	h := newHarness(t, func(c *wixauth.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}, nil)
	srv := httptest.NewServer(h.sm.LoadAndSave(h.auth.Middleware(http.HandlerFunc(h.report))))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(b), "must wrap the session manager's LoadAndSave") ||
		!strings.Contains(logs.String(), "auth.Middleware(sm.LoadAndSave(mux))") {
		t.Errorf("LoadAndSave outside: %d %q, log %q; want a 500 that says which order to use", resp.StatusCode, b, logs.String())
	}
}

// Wrapping twice (the app's mux and handlers.Mount) does the work once.
func TestWrappedTwiceDoesTheWorkOnce(t *testing.T) {
	h := newHarness(t, nil, nil)
	srv := httptest.NewServer(h.auth.Middleware(h.auth.Middleware(http.HandlerFunc(h.report))))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := len(resp.Header.Values("Set-Cookie")); n != 1 || h.wix.TokenCalls("") != 1 {
		t.Errorf("Set-Cookie = %d, token calls = %d; want 1 and 1", n, h.wix.TokenCalls(""))
	}
}

func TestSkipLeavesRequestUntouched(t *testing.T) {
	h := newHarness(t, func(c *wixauth.Config) {
		c.Skip = func(r *http.Request) bool { return r.URL.Path == "/healthz" }
	}, func(w http.ResponseWriter, r *http.Request) {
		if wixauth.FromRequest(r) != nil {
			t.Error("a skipped request has a Client")
		}
	})
	resp, err := http.Get(h.app.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h.wix.TokenCalls("") != 0 || resp.Header.Get("Set-Cookie") != "" {
		t.Error("a skipped request minted tokens or set a cookie")
	}
}

// In lazy mode tokens are minted on the handler's first use of the Client.
func TestLazyModeMintsOnFirstUse(t *testing.T) {
	h := newHarness(t, func(c *wixauth.Config) { c.Lazy = true }, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cart" {
			cartApp(w, r)
			return
		}
		io.WriteString(w, "static page")
	})
	h.get("/")
	if n := h.wix.TokenCalls(""); n != 0 || h.store.commits.Load() != 0 {
		t.Fatalf("a page that never used the Client made %d token calls", n)
	}
	if code, body := h.get("/cart"); code != 200 || body != "0" {
		t.Fatalf("cart: %d %q", code, body)
	}
	if n := h.wix.TokenCalls("anonymous"); n != 1 {
		t.Errorf("anonymous calls = %d, want 1", n)
	}
	h.get("/cart")
	if n := h.wix.TokenCalls(""); n != 1 {
		t.Errorf("the lazily minted tokens were not saved: %d token calls", n)
	}
}

func TestCustomErrorHandler(t *testing.T) {
	var got error
	h := newHarness(t, func(c *wixauth.Config) {
		c.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			http.Error(w, "custom", http.StatusTeapot)
		}
	}, nil)
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: 500})
	if code, _ := h.get("/"); code != http.StatusTeapot {
		t.Errorf("status %d, want the custom handler's", code)
	}
	var ae *wixauth.APIError
	if !errors.As(got, &ae) || ae.StatusCode != 500 || !ae.Temporary() {
		t.Errorf("err = %v, want a temporary *APIError", got)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, c := range []wixauth.Config{
		{},
		{ClientID: "x", APIURL: "ftp://wix"},
		{ClientID: "x", APIURL: "not a url"},
		{ClientID: "x", BaseURL: "https://shop.example/path"},
		{ClientID: "x", RenewBefore: -time.Second},
	} {
		if _, err := wixauth.New(c); err == nil {
			t.Errorf("New(%+v) accepted a bad config", c)
		}
	}
	_, err := wixauth.New(wixauth.Config{})
	if err == nil || !strings.Contains(err.Error(), "WIX_CLIENT_ID") {
		t.Errorf("the missing client ID error should say how to fix it: %v", err)
	}
}

func TestPackageLevelMiddlewareUsesEnvironment(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	t.Setenv("WIX_CLIENT_ID", wix.ClientID)
	t.Setenv("WIX_API_URL", wix.URL)
	wixauth.SetDefault(nil)
	defer wixauth.SetDefault(nil)
	srv := httptest.NewServer(wixauth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, string(wixauth.FromRequest(r).Tokens().Role()))
	})))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "visitor" || wix.TokenCalls("anonymous") != 1 {
		t.Errorf("got %q with %d anonymous calls", b, wix.TokenCalls("anonymous"))
	}
}

// Failures are logged with Wix's request ID as a field of its own, and no
// token ever reaches the log.
func TestLogsCarryRequestIDAndNoToken(t *testing.T) {
	var logs testutil.LockedBuffer
	h := newHarness(t, func(c *wixauth.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}, nil)
	tok := h.memberTokens(time.Now().Add(-time.Minute))
	h.seed(tok)
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: 503})
	h.get("/")
	out := logs.String()
	if !strings.Contains(out, `"wix_request_id":"`) || strings.Contains(out, `"wix_request_id":""`) {
		t.Errorf("no Wix request ID field in the logs:\n%s", out)
	}
	for _, secret := range []string{tok.AccessToken.Value, tok.RefreshToken.Value} {
		if strings.Contains(out, secret) {
			t.Fatal("a token reached the logs")
		}
	}
}

// Lazy mode, a handler that writes before it first uses the Client: the
// tokens cannot be saved, and that is loud, a Warn once per route and an
// event each time.
func TestLazyWriteFirstIsReported(t *testing.T) {
	var logs testutil.LockedBuffer
	var events eventLog
	h := newHarness(t, func(c *wixauth.Config) {
		c.Lazy = true
		c.OnEvent = events.add
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	}, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "the page starts")
		http.NewResponseController(w).Flush()
		var cart map[string]any
		wixauth.FromRequest(r).Get(r.Context(), "/ecom/v1/carts/current", &cart)
	})
	for range 3 {
		h.get("/")
	}
	if n := events.count(wixauth.EventTokensUnsaved); n != 3 {
		t.Errorf("%d tokens_unsaved events for 3 requests, want 3", n)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "route=/ ") {
		t.Errorf("want one Warn naming the route, got %d:\n%s", n, logs.String())
	}
	// Using the Client first, as the rule says, saves them.
	h2 := newHarness(t, func(c *wixauth.Config) { c.Lazy = true; c.OnEvent = events.add }, cartApp)
	h2.get("/")
	h2.get("/")
	if n := h2.wix.TokenCalls(""); n != 1 || events.count(wixauth.EventTokensUnsaved) != 3 {
		t.Errorf("using the Client first: %d token calls, want 1 and no report", n)
	}
}

// HEAD and OPTIONS never mint tokens nor save a session; a member's HEAD
// still works with the member's tokens.
func TestHeadAndOptionsNeverMintOrSave(t *testing.T) {
	var errs []error
	var mu sync.Mutex
	h := newHarness(t, nil, func(w http.ResponseWriter, r *http.Request) {
		err := wixauth.FromRequest(r).Ensure(r.Context())
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	})
	for _, m := range []string{"HEAD", "OPTIONS"} {
		req, _ := http.NewRequest(m, h.app.URL+"/auth/login", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s: %d, Set-Cookie %q; want 200 and no cookie", m, resp.StatusCode, resp.Header.Get("Set-Cookie"))
		}
	}
	if n, w := h.wix.TokenCalls(""), h.store.commits.Load(); n != 0 || w != 0 {
		t.Errorf("HEAD and OPTIONS: %d token calls and %d session writes, want none", n, w)
	}
	for _, err := range errs {
		if !errors.Is(err, wixauth.ErrNoVisitorSession) {
			t.Errorf("Ensure in a cookieless HEAD: %v, want ErrNoVisitorSession", err)
		}
	}
	h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
	errs = nil
	req, _ := http.NewRequest("HEAD", h.app.URL+"/", nil)
	resp, err := h.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(errs) != 1 || errs[0] != nil || resp.StatusCode != 200 {
		t.Errorf("a member's HEAD: %d, %v; want valid tokens", resp.StatusCode, errs)
	}
	if w := h.store.commits.Load(); w != 0 {
		t.Errorf("a member's HEAD wrote the session %d times", w)
	}
}

// botStorm sends n cookieless GETs from one address, conc at a time, while
// a member browses; it returns the bots' statuses and the member's.
func botStorm(t *testing.T, h *harness, n, conc int, header http.Header) (bots, member map[int]int) {
	t.Helper()
	bots, member = map[int]int{}, map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, conc)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/probe-%d", h.app.URL, i), nil)
			for k, v := range header {
				req.Header[k] = v
			}
			code := 0
			if resp, err := http.DefaultClient.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
				if code == 429 && (resp.Header.Get("Retry-After") == "" || resp.Header.Get("Set-Cookie") != "") {
					t.Errorf("a 429 with Retry-After %q and Set-Cookie %q", resp.Header.Get("Retry-After"), resp.Header.Get("Set-Cookie"))
				}
			}
			mu.Lock()
			bots[code]++
			mu.Unlock()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-done:
			return bots, member
		default:
		}
		code, body := h.get("/")
		if body != "member" {
			code = -code
		}
		member[code]++
	}
}

// 500 cookieless requests from one address cost at most
// NewVisitorsPerMinute token calls (plus the refill during the storm),
// the rest get a 429 without a session, and a member browsing meanwhile
// gets 200 throughout.
func TestBotStormIsBoundedPerAddress(t *testing.T) {
	const perMinute = 30
	h := newHarness(t, func(c *wixauth.Config) {
		c.NewVisitorsPerMinute = perMinute
		c.TrustedAddrHeader = "X-Forwarded-For" // the bot's address, as a proxy would say
	}, nil)
	h.seed(h.memberTokens(time.Now().Add(4 * time.Hour)))
	start := time.Now()
	bots, member := botStorm(t, h, 500, 32, http.Header{"X-Forwarded-For": {"203.0.113.9"}})
	refill := int(time.Since(start).Minutes()*perMinute) + 1
	if n := h.wix.TokenCalls("anonymous"); n > perMinute+refill || n < perMinute-1 {
		t.Errorf("%d anonymous token calls for 500 cookieless requests, want about %d", n, perMinute)
	}
	if bots[200]+bots[429] != 500 || bots[429] == 0 {
		t.Errorf("bots got %v, want 200 within the budget and 429 past it", bots)
	}
	if w := h.store.commits.Load(); w != int64(bots[200]) {
		t.Errorf("%d session writes, want one per admitted visitor (%d)", w, bots[200])
	}
	if len(member) != 1 || member[200] == 0 {
		t.Errorf("the member got %v during the storm, want 200 throughout", member)
	}
}

// A trusted header keys the budget on the address the app's proxy saw (the
// last one of X-Forwarded-For; what comes before it, the client wrote):
// four clients behind the proxy have a budget each. Without the setting, a
// client cannot pick its own key by sending the header; and connections
// from a loopback or private address (a proxy the app did not name) are
// not counted, since all visitors would count as one.
func TestNewVisitorBudgetKeyedOnTrustedHeader(t *testing.T) {
	for _, c := range []struct {
		name    string
		trusted bool
		remote  string
		want    int
	}{
		{"trusted header", true, "10.0.0.2:40000", 4},
		{"public address, header not trusted", false, "198.51.100.1:40000", 1},
		{"proxy's private address, header not trusted", false, "10.0.0.2:40000", 8},
		{"loopback, header not trusted", false, "127.0.0.1:40000", 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, func(cfg *wixauth.Config) {
				cfg.NewVisitorsPerMinute = 1
				if c.trusted {
					cfg.TrustedAddrHeader = "X-Forwarded-For"
				}
			}, nil)
			mw := h.auth.Middleware(http.HandlerFunc(h.report))
			ok := 0
			for i := range 8 {
				req := httptest.NewRequest("GET", "/", nil)
				req.RemoteAddr = c.remote
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d, 203.0.113.%d", i, i%4))
				rec := httptest.NewRecorder()
				mw.ServeHTTP(rec, req)
				if rec.Code == 200 {
					ok++
				} else if rec.Code != 429 || rec.Header().Get("Retry-After") == "" || rec.Header().Get("Set-Cookie") != "" {
					t.Errorf("over the budget: %d, Retry-After %q, Set-Cookie %q; want 429 with Retry-After and no cookie",
						rec.Code, rec.Header().Get("Retry-After"), rec.Header().Get("Set-Cookie"))
				}
			}
			if ok != c.want {
				t.Errorf("%d of 8 new visitors admitted, want %d", ok, c.want)
			}
		})
	}
}

// A 429 on the anonymous grant (new visitors rate limited at Wix) never
// blocks the renewals of existing sessions.
func TestNewVisitorRateLimitNeverBlocksRenewals(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: 429, Grant: "anonymous", Header: http.Header{"Retry-After": {"60"}}})
	resp, err := http.Get(h.app.URL) // a new visitor: refused, the gate closes for a minute
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("new visitor: %d, want 503 while Wix rate limits", resp.StatusCode)
	}
	if code, body := h.get("/"); code != 200 || body != "member" {
		t.Errorf("the member's renewal: %d %q, want 200 member", code, body)
	}
	if n := h.wix.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("refresh calls = %d, want 1", n)
	}
}
