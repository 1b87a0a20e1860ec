package handlers_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// Each answer Wix might give a full-page direct login (A1,
// wixtest.WithDirectLoginQuery): with the default web_message finish the
// member is logged in whatever it is, since the knob plays only the
// full-page variant; with the DirectLoginRedirect opt-in the member is
// logged in, or lands on a page that says what to do (Wix's own login
// form, or the app's form with loginCancelled): never a hang, never a 5xx.
func TestFormLoginUnderEachA1Answer(t *testing.T) {
	answers := []struct {
		name string
		q    wixtest.DirectLoginQuery
	}{
		{"redirects", wixtest.QueryRedirects},
		{"needs a cookie", wixtest.QueryNeedsCookie},
		{"shows the login form", wixtest.QueryShowsLoginForm},
		{"refused", wixtest.QueryRefused},
	}
	for _, a := range answers {
		for _, mode := range []handlers.DirectLoginMode{"", handlers.DirectLoginRedirect} {
			t.Run(a.name+"/"+string(mode), func(t *testing.T) {
				e := newEnv(t, options{wix: []wixtest.Option{wixtest.WithDirectLoginQuery(a.q)}, handlers: func(c *handlers.Config) { c.DirectLogin = mode }})
				b := e.browser()
				p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}, "returnTo": {"/account"}})
				if p.StatusCode >= 500 {
					t.Fatalf("a %d at %s", p.StatusCode, p.URL())
				}
				switch {
				case mode == "" || a.q == wixtest.QueryRedirects || a.q == wixtest.QueryNeedsCookie:
					if p.URL().String() != e.app+"/account" || p.Body != "member /account" {
						t.Fatalf("ended at %s with %q, want member /account", p.URL(), p.Body)
					}
				case a.q == wixtest.QueryShowsLoginForm:
					// Wix's login form: the member logs in there again.
					m := formAction.FindStringSubmatch(p.Body)
					if !strings.HasPrefix(p.URL().String(), e.wix.URL+"/") || m == nil {
						t.Fatalf("ended at %s, want Wix's login form", p.URL())
					}
					again := b.Post(html.UnescapeString(m[1]), url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}}, "")
					if again.Body != "member /account" {
						t.Fatalf("after Wix's form: %s %q", again.URL(), again.Body)
					}
				case a.q == wixtest.QueryRefused:
					if p.URL().Path != "/auth/form" || p.URL().Query().Get("errorCode") != "loginCancelled" || p.StatusCode != http.StatusOK {
						t.Fatalf("ended at %d %s, want the form with loginCancelled", p.StatusCode, p.URL())
					}
					if b.role() != "visitor" {
						t.Errorf("a refused direct login left role %q", b.role())
					}
				}
			})
		}
	}
}

// fullUrl with a query string of Wix's own (wixtest.WithFullURLQuery): the
// hosted login, the form login (default finish) and logout still work.
func TestFullURLWithQuery(t *testing.T) {
	e := newEnv(t, options{wix: []wixtest.Option{wixtest.WithFullURLQuery()}})
	b := e.browser()
	if p := b.hostedLogin("/account", wixtest.DemoEmail, wixtest.DemoPassword); p.Body != "member /account" {
		t.Fatalf("hosted login: %s %q", p.URL(), p.Body)
	}
	if b.LastFrame != nil {
		t.Fatalf("a frame ran in the hosted login")
	}
	if p := b.post("/auth/logout", url.Values{"returnTo": {"/"}}); p.Body != "visitor /" {
		t.Fatalf("logout: %s %q", p.URL(), p.Body)
	}
	p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}, "returnTo": {"/account"}})
	if p.Body != "member /account" || b.LastFrame == nil || !strings.Contains(b.LastFrame.AuthURL, wixtest.FullURLQueryParam+"=") {
		t.Fatalf("form login: %s %q, frame %+v", p.URL(), p.Body, b.LastFrame)
	}
}
