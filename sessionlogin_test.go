package wixauth_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/wixauth/wixauth"
)

// SignIn and SignOut call the hooks once each: OnLogin with the member's
// Client in the renewed session, OnLogout while the Client is still the
// member's. What OnLogin puts in the session is there on the next request.
func TestLoginLogoutHooks(t *testing.T) {
	var mu sync.Mutex
	var events []string
	var h *harness
	h = newHarness(t, func(c *wixauth.Config) {
		c.OnLogin = func(ctx context.Context, cl *wixauth.Client) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, "login "+string(cl.Tokens().Role()))
			c.Sessions.Put(ctx, "app.profile", "Demo")
		}
		c.OnLogout = func(ctx context.Context, cl *wixauth.Client) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, "logout "+string(cl.Tokens().Role()))
		}
	}, func(w http.ResponseWriter, r *http.Request) {
		c := wixauth.FromRequest(r)
		switch r.URL.Path {
		case "/login":
			signInDemo(t, h.wix, r)
		case "/visitor-login":
			if err := c.SignIn(r.Context(), c.Tokens()); err == nil {
				t.Error("SignIn with visitor tokens succeeded")
			}
		case "/logout":
			if _, err := c.SignOut(r.Context(), "http://app.example/"); err != nil {
				t.Error(err)
			}
		case "/profile":
			w.Write([]byte(h.sm.GetString(r.Context(), "app.profile")))
			return
		}
		h.report(w, r)
	})
	h.get("/visitor-login")
	before := sessionCookie(t, h).Value
	if _, body := h.get("/login"); body != "member" {
		t.Fatalf("login: %q", body)
	}
	if sessionCookie(t, h).Value == before {
		t.Error("SignIn kept the session ID")
	}
	if _, body := h.get("/profile"); body != "Demo" {
		t.Errorf("what OnLogin stored: %q", body)
	}
	h.get("/logout")
	if _, body := h.get("/profile"); body != "" {
		t.Errorf("after logout the profile is %q, want it gone", body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 || events[0] != "login member" || events[1] != "logout member" {
		t.Errorf("hook calls = %q, want [login member, logout member]", events)
	}
}
