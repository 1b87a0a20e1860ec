package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/wixtest"
)

// The whole hosted login through real redirects: the app's login start,
// Wix's login form, the callback, the return URL.
func TestHostedLoginThroughWixForm(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	if got := b.role(); got != "visitor" {
		t.Fatalf("a new browser is %q, want visitor", got)
	}
	before := b.session()

	p := b.hostedLogin("/account?tab=orders", wixtest.DemoEmail, wixtest.DemoPassword)

	if p.StatusCode != http.StatusOK || p.URL().String() != e.app+"/account?tab=orders" {
		t.Fatalf("landed on %s with %d, want %s/account?tab=orders", p.URL(), p.StatusCode, e.app)
	}
	if p.Body != "member /account?tab=orders" {
		t.Errorf("landing page says %q, want a member", p.Body)
	}
	if me := b.get("/me"); me.StatusCode != 200 || me.Body != wixtest.DemoEmail {
		t.Errorf("members/my: %d %q, want %s", me.StatusCode, me.Body, wixtest.DemoEmail)
	}
	after := b.session()
	if after == "" || after == before {
		t.Errorf("the session token was not renewed at login (session fixation)")
	}
	// The hops: Wix's form posted back to the callback, the callback to
	// the return URL.
	hops := b.hopList()
	if len(hops) != 2 || hops[0].Path != "/auth/callback" || hops[1].Path != "/account" {
		t.Errorf("redirect hops after the form post = %v, want callback then /account", hops)
	}
	if got := len(e.tokenRequests("authorization_code")); got != 1 {
		t.Errorf("authorization_code grants = %d, want 1", got)
	}
	e.assertNoLeaks()
}

// With auto-login, Wix's page sends the browser straight back: one GET
// of /auth/login ends on the return URL as a member.
func TestHostedLoginAutoLogin(t *testing.T) {
	e := newEnv(t, options{})
	const email = "auto@example.com"
	e.wix.SetAutoLogin(email)
	b := e.browser()
	p := b.get("/auth/login?returnTo=" + url.QueryEscape("/welcome"))
	if p.URL().String() != e.app+"/welcome" || p.Body != "member /welcome" {
		t.Fatalf("landed on %s saying %q, want /welcome as member", p.URL(), p.Body)
	}
	hops := b.hopList()
	if len(hops) != 3 || !strings.HasPrefix(hops[0].String(), e.wix.URL+"/") || hops[1].Path != "/auth/callback" || hops[2].Path != "/welcome" {
		t.Fatalf("hops = %v, want Wix, callback, /welcome", hops)
	}
	if q := hops[1].Query(); q.Get("code") == "" || q.Get("state") == "" {
		t.Errorf("Wix's callback URL %v has no code or state", hops[1])
	}
	if me := b.get("/me"); me.Body != email {
		t.Errorf("members/my = %q, want %s", me.Body, email)
	}
	e.assertNoLeaks()
}

// Without returnTo the member lands on DefaultReturnTo.
func TestHostedLoginDefaultReturnTo(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	if p := b.get("/auth/login"); p.URL().String() != e.app+"/" || p.Body != "member /" {
		t.Fatalf("landed on %s saying %q, want / as member", p.URL(), p.Body)
	}
}

// GET /auth/login answers 303 to Wix's fullUrl, and each start has its own
// state and PKCE values, none of which reach the browser.
func TestLoginStartIsFreshAndServerSide(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.get("/")
	full1 := b.startLogin("/a")
	full2 := b.startLogin("/b")
	if full1 == full2 {
		t.Errorf("two logins got the same Wix URL")
	}
	rs := e.requests(wixtest.EndpointRedirectSession)
	if len(rs) != 2 {
		t.Fatalf("redirect sessions = %d, want 2", len(rs))
	}
	a1 := authRequest(t, rs[0])
	a2 := authRequest(t, rs[1])
	for _, k := range []string{"state", "codeChallenge"} {
		if a1[k] == a2[k] {
			t.Errorf("%s repeats across logins", k)
		}
		if len(a1[k].(string)) < 43 {
			t.Errorf("%s %q is shorter than 43 characters (256 bits)", k, a1[k])
		}
	}
	// Only the opaque scs token is in the cookie.
	if s := b.session(); len(s) != 43 || strings.Contains(s, a1["state"].(string)) {
		t.Errorf("the cookie %q is not an opaque session token", s)
	}
	for _, x := range e.appOut {
		if strings.Contains(x.body, a1["state"].(string)) {
			t.Errorf("the state reached the browser in a body")
		}
	}
}

// HEAD or other methods than GET and POST on /auth/login.
func TestLoginMethods(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	req, _ := http.NewRequest(http.MethodPut, e.app+"/auth/login", nil)
	if resp := b.raw(req); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" {
		t.Errorf("PUT /auth/login: %d, Allow %q; want 405 with Allow", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// authRequest returns the auth.authRequest of a redirect session body.
func authRequest(t *testing.T, r wixtest.Request) map[string]any {
	t.Helper()
	auth, _ := jsonBody(t, r)["auth"].(map[string]any)
	ar, _ := auth["authRequest"].(map[string]any)
	if ar == nil {
		t.Fatalf("redirect session body has no auth.authRequest: %s", r.Body)
	}
	return ar
}
