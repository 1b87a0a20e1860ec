package handlers_test

import (
	"net/http"
	"testing"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// Two tabs of one browser start a login each; the first completes after
// the second started. Both stay valid until used, and each lands on its
// own return URL.
func TestTwoTabsLogInIndependently(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	b.get("/")
	full1 := b.startLogin("/one")
	full2 := b.startLogin("/two")
	cb1 := b.callbackURL(full1)
	cb2 := b.callbackURL(full2)

	if p := b.get(cb1); p.Body != "member /one" {
		t.Fatalf("first tab: %d %q, want member /one", p.StatusCode, p.Body)
	}
	if p := b.get(cb2); p.Body != "member /two" {
		t.Fatalf("second tab after the first completed: %d %q, want member /two", p.StatusCode, p.Body)
	}
	// Each is single use.
	for _, cb := range []string{cb1, cb2} {
		if p := b.get(cb); p.StatusCode != http.StatusBadRequest {
			t.Errorf("second use of a tab's callback: %d, want 400", p.StatusCode)
		}
	}
}

// Past MaxPendingLogins the oldest login is dropped; the others still work.
func TestPendingLoginsCapped(t *testing.T) {
	e := newEnv(t, options{handlers: func(c *handlers.Config) { c.MaxPendingLogins = 2 }})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	var cbs []string
	for _, rt := range []string{"/1", "/2", "/3"} {
		cbs = append(cbs, b.callbackURL(b.startLogin(rt)))
	}
	if p := b.get(cbs[0]); p.StatusCode != http.StatusBadRequest {
		t.Errorf("the oldest of 3 logins with a cap of 2: %d %q, want 400", p.StatusCode, p.Body)
	}
	if got := b.role(); got != "visitor" {
		t.Errorf("role = %q after the dropped login's callback", got)
	}
	if p := b.get(cbs[2]); p.Body != "member /3" {
		t.Errorf("newest login: %q, want member /3", p.Body)
	}
	if p := b.get(cbs[1]); p.Body != "member /2" {
		t.Errorf("second login: %q, want member /2", p.Body)
	}
}

// The default cap is 5: a browser cannot grow its session without bound
// by starting logins.
func TestPendingLoginsDefaultCap(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	var cbs []string
	for i := 0; i < 8; i++ {
		cbs = append(cbs, b.callbackURL(b.startLogin("/")))
	}
	size := len(b.stored())
	b.callbackURL(b.startLogin("/"))
	if grown := len(b.stored()) - size; grown > 64 {
		t.Errorf("the session grew by %d bytes with a 9th pending login, want it capped", grown)
	}
	for i, cb := range cbs {
		p := b.get(cb)
		if want := i >= 4; (p.StatusCode == http.StatusSeeOther || p.Body == "member /") != want {
			t.Errorf("login %d of 9: %d %q; want usable=%v", i+1, p.StatusCode, p.Body, want)
		}
	}
}
