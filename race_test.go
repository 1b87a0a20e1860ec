package wixauth_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

// A login that completes while other requests of the same browser, sent
// with the old cookie, are still renewing visitor tokens must leave the
// browser logged in, whatever order the responses arrive in; with scs's
// IdleTimeout set too, where every request saves its session.
func TestLoginRacingWithRenewalsKeepsMember(t *testing.T) {
	for _, idle := range []time.Duration{0, time.Hour} {
		for _, order := range []string{"late responses after login", "renewal response before login"} {
			t.Run(fmt.Sprintf("idle=%v/%s", idle, order), func(t *testing.T) {
				loginRace(t, idle, order)
			})
		}
	}
}

func loginRace(t *testing.T, idle time.Duration, order string) {
	var h *harness
	h = newHarnessWith(t, nil, func(c *wixauth.Config) { c.Sessions.IdleTimeout = idle }, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" { // what the callback handler does
			signInDemo(t, h.wix, r)
		}
		h.report(w, r)
	})
	h.seed(h.visitorTokens(time.Now().Add(-time.Minute)))
	app, _ := url.Parse(h.app.URL)
	oldCookie := sessionCookie(t, h)

	// In flight with the old cookie: a slow renewal of the visitor.
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Delay: 300 * time.Millisecond, Grant: "refresh_token"})
	slow := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequest("GET", h.app.URL+"/", nil)
		req.AddCookie(oldCookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			close(slow)
			return
		}
		resp.Body.Close()
		slow <- resp
	}()
	time.Sleep(50 * time.Millisecond)
	if order == "renewal response before login" {
		h.jar.SetCookies(app, (<-slow).Cookies())
	}

	if _, body := h.get("/login"); body != "member" {
		t.Fatalf("login: %q", body)
	}

	// Another request sent with the old cookie just before the new
	// one arrived.
	req, _ := http.NewRequest("GET", h.app.URL+"/", nil)
	req.AddCookie(oldCookie)
	late, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	late.Body.Close()
	h.jar.SetCookies(app, late.Cookies())
	if order == "late responses after login" {
		if resp, ok := <-slow; ok {
			h.jar.SetCookies(app, resp.Cookies())
		}
	}

	if _, body := h.get("/"); body != "member" {
		t.Fatalf("after the race the browser is a %q, want member", body)
	}
}

// With an idle timeout, a request of the browser that saved its session
// just before a login renewed it, and whose answer reaches the browser
// after the login's, must not hand the old cookie back: the browser would
// lose the member (issue 15: 3 of 3 tries before the fix).
func TestIdleTimeoutSaveBeforeLoginKeepsMember(t *testing.T) {
	var h *harness
	h = newHarnessWith(t, nil, func(c *wixauth.Config) { c.Sessions.IdleTimeout = time.Hour }, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			signInDemo(t, h.wix, r)
		}
		h.report(w, r)
	})
	h.seed(h.visitorTokens(time.Now().Add(-time.Minute)))
	app, _ := url.Parse(h.app.URL)
	old := sessionCookie(t, h)
	// A renewal, saved and answered before the login...
	req, _ := http.NewRequest("GET", h.app.URL+"/", nil)
	req.AddCookie(old)
	early, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	early.Body.Close()
	if _, body := h.get("/login"); body != "member" {
		t.Fatalf("login: %q", body)
	}
	// ...whose answer arrives after the login's.
	h.jar.SetCookies(app, early.Cookies())
	if _, body := h.get("/"); body != "member" {
		t.Fatalf("the browser is a %q after a late answer of a request saved before the login, want member", body)
	}
}
