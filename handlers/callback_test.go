package handlers_test

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// visitorWithCart is a browser with visitor tokens and one item in its
// cart, the state that a bad callback must leave alone.
func visitorWithCart(t *testing.T, e *env) *browser {
	t.Helper()
	b := e.browser()
	if p := b.post("/cart?item=sock", nil); p.Body != "added" {
		t.Fatalf("add to cart: %d %q", p.StatusCode, p.Body)
	}
	if got := b.get("/cart").Body; got != "sock x1" {
		t.Fatalf("cart = %q, want sock x1", got)
	}
	return b
}

// unchanged checks that a step left the browser's session exactly as it
// was: same cookie, same stored bytes, no write to the store.
func unchanged(t *testing.T, e *env, b *browser, step func()) {
	t.Helper()
	cookie, stored := b.session(), b.stored()
	commits := e.store.commits.Load()
	step()
	if b.session() != cookie {
		t.Errorf("the session cookie changed")
	}
	if !bytes.Equal(b.stored(), stored) {
		t.Errorf("the stored session changed")
	}
	if n := e.store.commits.Load() - commits; n != 0 {
		t.Errorf("%d writes to the session store, want none", n)
	}
}

func TestCallbackRefusesBadStateAndChangesNothing(t *testing.T) {
	e := newEnv(t, options{})
	b := visitorWithCart(t, e)
	full := b.startLogin("/account")
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	cb, _ := url.Parse(b.callbackURL(full))
	code, state := cb.Query().Get("code"), cb.Query().Get("state")
	visitor := b.tokens()

	for _, tc := range []struct{ name, query, want string }{
		{"forged state", url.Values{"code": {code}, "state": {"forged-" + state}}.Encode(), "unknown, expired or already completed"},
		{"no code", url.Values{"state": {state}}.Encode(), "no code or no state"},
		{"no state", url.Values{"code": {code}}.Encode(), "no code or no state"},
		{"empty", "", "no code or no state"},
		{"repeated state", "code=" + code + "&state=" + state + "&state=" + state, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unchanged(t, e, b, func() {
				p := b.get("/auth/callback?" + tc.query)
				if p.StatusCode != http.StatusBadRequest || !strings.Contains(p.Body, tc.want) {
					t.Errorf("%d %q, want 400 saying %q", p.StatusCode, p.Body, tc.want)
				}
			})
		})
	}
	if n := len(e.tokenRequests("authorization_code")); n != 0 {
		t.Errorf("%d code exchanges for refused callbacks, want 0", n)
	}
	if got := b.tokens(); got != visitor {
		t.Errorf("the visitor's tokens changed")
	}
	if got := b.get("/cart").Body; got != "sock x1" {
		t.Errorf("cart = %q after refused callbacks, want sock x1", got)
	}
	// The real callback still works: nothing was used up.
	if p := b.get(cb.String()); p.Body != "member /account" {
		t.Errorf("the genuine callback after the refused ones: %d %q", p.StatusCode, p.Body)
	}
}

// A replayed callback is refused, in the browser that used it and in
// another one, and the code is exchanged only once.
func TestCallbackReplay(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	cb := b.callbackURL(b.startLogin("/account"))
	if p := b.get(cb); p.Body != "member /account" {
		t.Fatalf("first callback: %d %q", p.StatusCode, p.Body)
	}
	member := b.tokens()

	unchanged(t, e, b, func() {
		if p := b.get(cb); p.StatusCode != http.StatusBadRequest {
			t.Errorf("replay in the same browser: %d %q, want 400", p.StatusCode, p.Body)
		}
	})
	if b.tokens() != member {
		t.Errorf("the replay changed the member's tokens")
	}

	other := e.browser()
	other.get("/")
	unchanged(t, e, other, func() {
		if p := other.get(cb); p.StatusCode != http.StatusBadRequest {
			t.Errorf("replay in another browser: %d %q, want 400", p.StatusCode, p.Body)
		}
	})
	if got := other.role(); got != "visitor" {
		t.Errorf("the other browser is %q after the replay, want visitor", got)
	}
	if n := len(e.tokenRequests("authorization_code")); n != 1 {
		t.Errorf("authorization_code grants = %d, want 1", n)
	}
}

// The member cancels on Wix's page: to the form page with the error and the
// return URL, still a visitor, and the login is used up.
func TestCallbackCancelled(t *testing.T) {
	e := newEnv(t, options{})
	b := visitorWithCart(t, e)
	visitor := b.tokens()
	full := b.startLogin("/shop")
	p := b.get(full + "/cancel")
	q := p.URL().Query()
	if p.URL().Path != "/auth/form" || q.Get("errorCode") != string(handlers.ErrorCodeLoginCancelled) || q.Get("returnTo") != "/shop" || p.StatusCode != http.StatusOK {
		t.Fatalf("after cancel: %d %s, want the form page with errorCode loginCancelled and returnTo /shop", p.StatusCode, p.URL())
	}
	// The built-in page words the code and offers the login again, back
	// to /shop; nothing of Wix's error text reaches it.
	for _, want := range []string{handlers.Message(handlers.ErrorCodeLoginCancelled), `href="/auth/login?returnTo=%2Fshop"`, `name="returnTo" value="/shop"`} {
		if !strings.Contains(html.UnescapeString(p.Body), want) {
			t.Errorf("the form page lacks %q: %s", want, p.Body)
		}
	}
	if strings.Contains(p.Body, "access_denied") {
		t.Errorf("Wix's error text reached the page")
	}
	if b.role() != "visitor" {
		t.Errorf("not a visitor after the cancel")
	}
	if b.tokens() != visitor || b.get("/cart").Body != "sock x1" {
		t.Errorf("cancelling changed the visitor's tokens or cart")
	}
	if n := e.wix.TokenCalls("authorization_code"); n != 0 {
		t.Errorf("%d code exchanges after a cancel", n)
	}
}

// An error callback with an unknown state must not redirect anywhere the
// attacker chose: it goes to DefaultReturnTo.
func TestCallbackErrorWithUnknownState(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.get("/")
	p := b.get("/auth/callback?error=access_denied&error_description=x&state=nope&returnTo=https://evil.example/")
	if want := e.app + cancelledForm; p.URL().String() != want {
		t.Errorf("landed on %s, want %s", p.URL(), want)
	}
}

// A pending login expires after PendingLoginTTL.
func TestCallbackExpiredPendingLogin(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	e := newEnv(t, options{handlers: func(c *handlers.Config) {
		c.PendingLoginTTL = 5 * time.Minute
		c.Now = clock.Now
	}})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := visitorWithCart(t, e)

	// Just inside the TTL: fine.
	cb := b.callbackURL(b.startLogin("/in-time"))
	clock.Advance(5*time.Minute - time.Millisecond)
	if p := b.get(cb); p.Body != "member /in-time" {
		t.Fatalf("callback just inside the TTL: %d %q", p.StatusCode, p.Body)
	}

	// Just past it: refused, nothing changes.
	b2 := visitorWithCart(t, e)
	cb = b2.callbackURL(b2.startLogin("/late"))
	clock.Advance(5 * time.Minute)
	unchanged(t, e, b2, func() {
		if p := b2.get(cb); p.StatusCode != http.StatusBadRequest || !strings.Contains(p.Body, "expired") {
			t.Errorf("expired login: %d %q, want 400", p.StatusCode, p.Body)
		}
	})
	if got := b2.get("/cart").Body; got != "sock x1" || b2.role() != "visitor" {
		t.Errorf("after an expired callback: role %q, cart %q", b2.role(), got)
	}
}

// A short TTL on the real clock: the pending login must live for it, not
// be cut by rounding to whole seconds.
func TestPendingLoginShortTTLRealClock(t *testing.T) {
	e := newEnv(t, options{handlers: func(c *handlers.Config) { c.PendingLoginTTL = 400 * time.Millisecond }})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	if p := b.get("/auth/login?returnTo=/quick"); p.Body != "member /quick" {
		t.Fatalf("a login completed well within a 400ms TTL: %d %q", p.StatusCode, p.Body)
	}
	cb := b.callbackURL(b.startLogin("/slow"))
	time.Sleep(500 * time.Millisecond)
	if p := b.get(cb); p.StatusCode != http.StatusBadRequest {
		t.Errorf("a login past its 400ms TTL: %d %q, want 400", p.StatusCode, p.Body)
	}
}

// A failed code exchange is a 502 and the visitor keeps its tokens and
// cart, whether Wix fails or refuses the code.
func TestCallbackExchangeFails(t *testing.T) {
	for _, f := range []wixtest.Fault{
		{Status: http.StatusInternalServerError, Grant: "authorization_code", Times: 1},
		{Status: http.StatusBadRequest, Body: `{"error":"invalid_grant","error_description":"bad code"}`, Grant: "authorization_code", Times: 1},
	} {
		t.Run(http.StatusText(f.Status), func(t *testing.T) {
			e := newEnv(t, options{})
			e.wix.SetAutoLogin(wixtest.DemoEmail)
			b := visitorWithCart(t, e)
			visitor := b.tokens()
			cookie := b.session()
			cb := b.callbackURL(b.startLogin("/account"))
			e.wix.Fail(wixtest.EndpointToken, f)
			p := b.get(cb)
			if p.StatusCode != http.StatusBadGateway || !strings.Contains(p.Body, "Wix did not complete the login") {
				t.Errorf("failed exchange: %d %q, want 502 with a clear message", p.StatusCode, p.Body)
			}
			if n := e.wix.TokenCalls("authorization_code"); n != 1 {
				t.Errorf("code exchanges = %d, want 1", n)
			}
			if b.tokens() != visitor {
				t.Errorf("the visitor's tokens changed after a failed exchange")
			}
			if b.session() != cookie {
				t.Errorf("the session token was renewed although nobody logged in")
			}
			if got := b.get("/cart").Body; got != "sock x1" {
				t.Errorf("cart = %q after a failed exchange, want sock x1", got)
			}
			e.assertNoLeaks()
		})
	}
}

// The old session token is dead after login: someone who planted or
// learned it does not share the member's session.
func TestCallbackPreventsSessionFixation(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	victim := e.browser()
	victim.get("/")
	planted := victim.session()

	if p := victim.get("/auth/login"); p.Body != "member /" {
		t.Fatalf("login: %q", p.Body)
	}
	attacker := e.browser()
	u, _ := url.Parse(e.app)
	attacker.Jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: planted}})
	// Within a minute the old token is a RenewSession marker: served
	// without tokens until used, never as the member.
	if got := attacker.role(); got != "none" {
		t.Errorf("the pre-login session token gives %q, want no session", got)
	}
	if victim.session() == planted {
		t.Errorf("the session token did not change at login")
	}
}

// Callback answers must not be cached or leak the URL (with its code) as
// Referer.
func TestCallbackHeaders(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	cb := b.callbackURL(b.startLogin("/x"))
	resp := b.rawGet(cb)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/x" {
		t.Fatalf("callback: %d to %q, want 303 to /x", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("callback headers: Cache-Control %q, Referrer-Policy %q", resp.Header.Get("Cache-Control"), resp.Header.Get("Referrer-Policy"))
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
