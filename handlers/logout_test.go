package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// member returns a browser logged in as the demo member.
func member(t *testing.T, e *env) *browser {
	t.Helper()
	b := e.browser()
	if p := b.hostedLogin("/", wixtest.DemoEmail, wixtest.DemoPassword); p.Body != "member /" {
		t.Fatalf("login: %d %q", p.StatusCode, p.Body)
	}
	return b
}

// POST /auth/logout goes through Wix's logout page and lands on returnTo
// as a new visitor, with a new session token.
func TestLogout(t *testing.T) {
	e := newEnv(t, options{})
	b := member(t, e)
	memberTok := b.tokens()
	cookie := b.session()
	b.clearHops()

	p := b.post("/auth/logout", url.Values{"returnTo": {"/bye?x=1"}})

	if p.URL().String() != e.app+"/bye?x=1" || p.Body != "visitor /bye?x=1" {
		t.Fatalf("after logout: %s %q, want /bye?x=1 as visitor", p.URL(), p.Body)
	}
	hops := b.hopList()
	if len(hops) != 2 || !strings.HasPrefix(hops[0].String(), e.wix.URL+"/") {
		t.Errorf("hops = %v, want Wix's logout page then /bye", hops)
	}
	if b.session() == cookie {
		t.Errorf("the session token was not renewed at logout")
	}
	if got := b.tokens(); got.RefreshToken.Value == memberTok.RefreshToken.Value || got.AccessToken.Value == memberTok.AccessToken.Value {
		t.Errorf("the member's tokens survived the logout")
	}
	if me := b.get("/me"); me.StatusCode != http.StatusForbidden {
		t.Errorf("members/my after logout: %d %q, want 403", me.StatusCode, me.Body)
	}
	e.assertNoLeaks()
}

// When Wix cannot be reached the member is still logged out here and the
// browser lands on returnTo directly.
func TestLogoutWhenWixFails(t *testing.T) {
	e := newEnv(t, options{})
	b := member(t, e)
	memberTok := b.tokens()
	e.wix.Fail(wixtest.EndpointRedirectSession, wixtest.Fault{Status: http.StatusServiceUnavailable})
	b.clearHops()

	p := b.post("/auth/logout", url.Values{"returnTo": {"/bye"}})

	if p.URL().String() != e.app+"/bye" || p.Body != "visitor /bye" {
		t.Fatalf("after logout with Wix down: %s %q, want /bye as visitor", p.URL(), p.Body)
	}
	for _, h := range b.hopList() {
		if strings.HasPrefix(h.String(), e.wix.URL) {
			t.Errorf("the browser was sent to Wix (%s) although Wix failed", h)
		}
	}
	if got := b.tokens(); got.RefreshToken.Value == memberTok.RefreshToken.Value {
		t.Errorf("the member's refresh token survived a local logout")
	}
	e.assertNoLeaks()
}

// GET cannot log out (an <img> on any page could), unless allowed.
func TestLogoutMethods(t *testing.T) {
	e := newEnv(t, options{})
	b := member(t, e)
	if p := b.get("/auth/logout?returnTo=/bye"); p.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /auth/logout: %d, want 405", p.StatusCode)
	}
	if got := b.role(); got != "member" {
		t.Errorf("role after a refused GET logout = %q", got)
	}

	e2 := newEnv(t, options{handlers: func(c *handlers.Config) { c.AllowGETLogout = true }})
	b2 := member(t, e2)
	if p := b2.get("/auth/logout?returnTo=/bye"); p.Body != "visitor /bye" {
		t.Errorf("GET logout with AllowGETLogout: %d %q, want visitor /bye", p.StatusCode, p.Body)
	}
}

// A JSON logout answers where to go instead of redirecting.
func TestLogoutJSON(t *testing.T) {
	e := newEnv(t, options{})
	b := member(t, e)
	status, res := b.postJSON("/auth/logout", map[string]string{"returnTo": "/bye"})
	if status != http.StatusOK || res.Flow != "logout" || !strings.HasPrefix(res.Redirect, e.wix.URL+"/") {
		t.Fatalf("JSON logout: %d %+v, want 200 with Wix's logout URL", status, res)
	}
	if got := b.role(); got != "visitor" {
		t.Errorf("role after JSON logout = %q", got)
	}
	if p := b.get(res.Redirect); p.URL().String() != e.app+"/bye" {
		t.Errorf("Wix's logout URL led to %s, want /bye", p.URL())
	}
}
