package handlers_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// The tests of this file pin the meaning of each rule with the near miss
// next to it (issue #20, finding 9): an exact origin and the same origin
// as a prefix, a TTL and the TTL to the millisecond, a state and a part of
// it, and so on. Each near miss is one of the subtle mutants of
// scripts/mutants.txt.

// originPost posts a password reset to e with the given Host, Origin and
// Sec-Fetch-Site ("" leaves a header out) and returns the status.
func originPost(t *testing.T, e *env, host, origin, site string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.app+"/auth/password-reset", strings.NewReader("email=a%40example.com"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = host
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if site != "" {
		req.Header.Set("Sec-Fetch-Site", site)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// The Origin must be exactly BaseURL's: an origin that starts with it
// (another host under an attacker's domain, another port) is refused even
// where http.CrossOriginProtection alone would let it through (a Host to
// match, or Sec-Fetch-Site saying same-origin).
func TestOriginExactNotPrefix(t *testing.T) {
	e := newEnv(t, options{auth: func(c *wixauth.Config) { c.BaseURL = "https://shop.example.com" }})
	if got := originPost(t, e, "shop.example.com", "https://shop.example.com", "same-origin"); got == http.StatusForbidden {
		t.Fatalf("the app's own origin: 403")
	}
	for _, o := range []string{"https://shop.example.com.evil.net", "https://shop.example.com:8443", "https://shop.example.comm"} {
		host := strings.TrimPrefix(o, "https://")
		if got := originPost(t, e, host, o, ""); got != http.StatusForbidden {
			t.Errorf("Origin %s with a matching Host, no fetch metadata: %d, want 403", o, got)
		}
		if got := originPost(t, e, "shop.example.com", o, "same-origin"); got != http.StatusForbidden {
			t.Errorf("Origin %s with Sec-Fetch-Site: same-origin: %d, want 403", o, got)
		}
	}
}

// TrustedOrigins are compared as browsers send origins, lower case,
// whatever the case they were configured in; another origin is not
// trusted.
func TestTrustedOriginCase(t *testing.T) {
	e := newEnv(t, options{handlers: func(c *handlers.Config) { c.TrustedOrigins = []string{"https://Partner.Example"} }})
	host := strings.TrimPrefix(e.app, "http://")
	if got := originPost(t, e, host, "https://partner.example", "cross-site"); got == http.StatusForbidden {
		t.Errorf("a trusted origin configured as https://Partner.Example, sent lower case: 403")
	}
	if got := originPost(t, e, host, "https://partner.example.evil.net", "cross-site"); got != http.StatusForbidden {
		t.Errorf("an origin starting with a trusted one: %d, want 403", got)
	}
}

// h.Logout() mounted on the app's own router, without Mount's method
// filter, refuses GET itself: an <img src=/bye> on any page must not log
// the member out. With AllowGETLogout, GET logs out.
func TestLogoutHandlerRefusesGETWithoutMount(t *testing.T) {
	for _, allow := range []bool{false, true} {
		e := newEnv(t, options{
			handlers: func(c *handlers.Config) { c.AllowGETLogout = allow },
			mount: func(h *handlers.Handlers, mux *http.ServeMux) {
				h.Mount(mux)
				mux.Handle("/bye", h.Logout()) // the app's own route, any method
			},
		})
		b := member(t, e)
		p := b.get("/bye?returnTo=/after")
		if !allow && (p.StatusCode != http.StatusMethodNotAllowed || b.role() != "member") {
			t.Errorf("GET on the app's own logout route: %d, role %s; want 405 and still a member", p.StatusCode, b.role())
		}
		if allow && p.Body != "visitor /after" {
			t.Errorf("GET with AllowGETLogout: %d %q, want visitor /after", p.StatusCode, p.Body)
		}
	}
}

// A pending login lives PendingLoginTTL and not a millisecond more; one
// started in the future (a clock stepped back) is expired, not immortal.
func TestPendingLoginTTLBoundary(t *testing.T) {
	// A whole millisecond, as the start is stored: the age at the callback
	// is then exactly the TTL.
	clock := &fakeClock{now: time.Now().Truncate(time.Millisecond)}
	e := newEnv(t, options{handlers: func(c *handlers.Config) {
		c.PendingLoginTTL = 5 * time.Minute
		c.Now = clock.Now
	}})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	cb := b.callbackURL(b.startLogin("/exact"))
	clock.Advance(5 * time.Minute)
	if p := b.get(cb); p.StatusCode != http.StatusBadRequest {
		t.Errorf("callback at exactly the TTL: %d %q, want 400", p.StatusCode, p.Body)
	}
	b2 := e.browser()
	cb = b2.callbackURL(b2.startLogin("/future"))
	clock.Advance(-time.Minute) // the login now started a minute from now
	if p := b2.get(cb); p.StatusCode != http.StatusBadRequest {
		t.Errorf("callback of a login started in the future: %d %q, want 400", p.StatusCode, p.Body)
	}
}

// Only the whole state finds its login: a prefix of it (what a
// comparison cut to the shorter length would accept) is refused.
func TestCallbackStatePrefixRefused(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	cb, _ := url.Parse(b.callbackURL(b.startLogin("/x")))
	q := cb.Query()
	for _, n := range []int{1, 16, len(q.Get("state")) - 1} {
		short := url.Values{"code": {q.Get("code")}, "state": {q.Get("state")[:n]}}
		if p := b.get("/auth/callback?" + short.Encode()); p.StatusCode != http.StatusBadRequest {
			t.Errorf("the state's first %d characters: %d %q, want 400", n, p.StatusCode, p.Body)
		}
	}
	if p := b.get(cb.String()); p.Body != "member /x" {
		t.Errorf("the whole state after the refused prefixes: %d %q", p.StatusCode, p.Body)
	}
}

// A verification lives PendingLoginTTL: past it, even the right code
// finds none.
func TestVerificationExpires(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	e := newEnv(t, options{handlers: func(c *handlers.Config) { c.Now = clock.Now }})
	b, code := awaitingCode(t, e, "expires@example.com")
	clock.Advance(10 * time.Minute)
	p := b.post("/auth/verify", url.Values{"code": {code}})
	if p.URL().Query().Get("errorCode") != string(handlers.ErrorCodeNoVerification) || b.role() != "visitor" {
		t.Errorf("the right code after 10 minutes: %s as %s, want noVerification", p.URL(), b.role())
	}
	if n := e.wix.Count(wixtest.EndpointVerify); n != 0 {
		t.Errorf("%d codes reached Wix for an expired verification", n)
	}
}

// The session keeps its own count of codes tried, so that a counter that
// lost its keys (a restarted process, a flushed Redis) does not grant five
// more: 3 wrong codes, the counter emptied, then the 5th in all is the
// last.
func TestVerifyCountSurvivesAnEmptiedCounter(t *testing.T) {
	ctr := &flushableCounter{}
	e := newEnv(t, options{handlers: func(c *handlers.Config) { c.Counter = ctr }})
	b, code := awaitingCode(t, e, "flushed@example.com")
	for range 3 {
		b.post("/auth/verify", url.Values{"code": {wrongCode(code)}})
	}
	ctr.flush()
	want := []string{"wrongCode", "tooManyAttempts"}
	for i, w := range want {
		p := b.post("/auth/verify", url.Values{"code": {wrongCode(code)}})
		if got := p.URL().Query().Get("errorCode"); got != w {
			t.Fatalf("wrong code %d after the counter lost its keys: %q, want %q", i+4, got, w)
		}
	}
	if n := e.wix.Count(wixtest.EndpointVerify); n != 5 {
		t.Errorf("%d codes reached Wix, want 5", n)
	}
}

// Return URLs with a dot segment, "." included, are refused: a browser
// removes them and may land somewhere the check did not see.
func TestSafeReturnToDotSegments(t *testing.T) {
	for _, raw := range []string{"/./account", "/.//evil.example", "/a/./b", "/a/."} {
		if got, ok := handlers.SafeReturnTo(raw, ""); ok {
			t.Errorf("SafeReturnTo(%q) = %q, want refused", raw, got)
		}
	}
	for _, raw := range []string{"/.well-known/x", "/a.b/c", "/..x"} {
		if _, ok := handlers.SafeReturnTo(raw, ""); !ok {
			t.Errorf("SafeReturnTo(%q) refused; it has no dot segment", raw)
		}
	}
}

// A member who logs in as another member on the same browser, without
// logging out, sees the second member's profile: a cached profile belongs
// to its login.
func TestMemberProfileOfSecondLoginWithoutLogout(t *testing.T) {
	e := newEnv(t, options{})
	b := member(t, e)
	if p := b.get("/profile"); p.Body != wixtest.DemoEmail+" "+wixtest.DemoNickname {
		t.Fatalf("first member's profile: %q", p.Body)
	}
	e.wix.AddMember(wixtest.Member{Email: "other@example.com", Password: "other-password", Nickname: "Other"})
	p := b.post("/auth/login", url.Values{"email": {"other@example.com"}, "password": {"other-password"}})
	if p.Body != "member /" {
		t.Fatalf("second login: %d %q", p.StatusCode, html.UnescapeString(p.Body))
	}
	if p := b.get("/profile"); p.Body != "other@example.com Other" {
		t.Errorf("profile after the second login: %q, want the second member's", p.Body)
	}
}

// The address budget counts an address however it is written: case and
// spaces do not make a new one.
func TestBudgetAddressCaseAndSpaces(t *testing.T) {
	e := newEnv(t, options{auth: func(c *wixauth.Config) { c.NewVisitorsPerMinute = -1 }})
	for _, addr := range []string{"victim@example.com", "VICTIM@example.com", " Victim@Example.COM ", "victim@EXAMPLE.com", "vIctim@example.com"} {
		b := e.browser()
		b.get("/")
		sendRaw(t, b, resetRequest(e, addr))
	}
	if got := e.wix.PasswordResetEmails(); len(got) != 3 {
		t.Errorf("%d reset emails for five spellings of one address, want 3", len(got))
	}
}

// flushableCounter is a Counter whose keys can all be lost at once.
type flushableCounter struct {
	mu sync.Mutex
	m  map[string]int64
}

func (c *flushableCounter) Add(_ context.Context, key string, delta int64, _ time.Duration) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int64{}
	}
	c.m[key] += delta
	return c.m[key], nil
}

func (c *flushableCounter) flush() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
