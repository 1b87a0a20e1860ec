package wixauth_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

// A login that completes while other requests of the same browser, sent
// with the old cookie, are still renewing visitor tokens must leave the
// browser logged in, whatever order the responses arrive in.
func TestLoginRacingWithRenewalsKeepsMember(t *testing.T) {
	for _, order := range []string{"late responses after login", "renewal response before login"} {
		t.Run(order, func(t *testing.T) {
			var h *harness
			h = newHarness(t, nil, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/login" { // what the callback handler does
					access, refresh := h.wix.IssueMemberTokens(wixtest.DemoEmail)
					if err := h.auth.RenewSession(r.Context()); err != nil {
						t.Error(err)
					}
					wixauth.FromRequest(r).SetTokens(wixauth.Tokens{
						AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: time.Now().Add(4 * time.Hour).Unix()},
						RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleMember},
					})
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
		})
	}
}
