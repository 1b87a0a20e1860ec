package wixauth_test

import (
	"errors"
	"github.com/wixauth/wixauth/internal/testutil"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
		io.WriteString(w, string(wixauth.FromRequest(r).Role()))
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
