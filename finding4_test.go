package wixauth_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/wixtest"
)

// With the app's LoadAndSave inside the middleware (the supported order),
// a request that saved the session just before a login, and whose answer
// reaches the browser after the login's, must not log the member out: a
// cookie the browser already has is never sent again, in this order too,
// and a new cookie lasts until the session's absolute deadline (issue #20,
// finding 4). On memory and a real redis-server, IdleTimeout off and 1 h.
func TestCookieRuleWithAppLoadAndSaveInside(t *testing.T) {
	backends(t, func(t *testing.T, backend func() session.AtomicStore) {
		for _, idle := range []time.Duration{0, time.Hour} {
			t.Run("idle "+idle.String(), func(t *testing.T) {
				wix := wixtest.NewServer()
				defer wix.Close()
				log := slog.New(slog.NewTextHandler(io.Discard, nil))
				sm, err := session.New(session.Options{Store: backend(), Logger: log})
				if err != nil {
					t.Fatal(err)
				}
				sm.IdleTimeout = idle
				a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Sessions: sm, Logger: log})
				if err != nil {
					t.Fatal(err)
				}
				mux := http.NewServeMux()
				mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
					io.WriteString(w, string(wixauth.FromRequest(r).Tokens().Role()))
				})
				mux.HandleFunc("/touch", func(w http.ResponseWriter, r *http.Request) {
					sm.Put(r.Context(), "app.seen", strconv.FormatInt(time.Now().UnixNano(), 10))
				})
				mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) { signInDemo(t, wix, r) })
				srv := httptest.NewServer(a.Middleware(sm.LoadAndSave(mux)))
				defer srv.Close()
				jar, _ := cookiejar.New(nil)
				browser := &http.Client{Jar: jar}
				get := func(path string) string {
					resp, err := browser.Get(srv.URL + path)
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					b, _ := io.ReadAll(resp.Body)
					return string(b)
				}
				if got := get("/"); got != "visitor" {
					t.Fatalf("first visit: %q", got)
				}
				u, _ := url.Parse(srv.URL)
				old := jar.Cookies(u)
				req, _ := http.NewRequest("GET", srv.URL+"/touch", nil)
				for _, c := range old {
					req.AddCookie(c)
				}
				early, err := http.DefaultClient.Do(req) // saved before the login...
				if err != nil {
					t.Fatal(err)
				}
				early.Body.Close()
				if n := len(early.Cookies()); n != 0 {
					t.Errorf("a save of a session the browser has re-sent its cookie (%d Set-Cookie)", n)
				}
				if got := get("/login"); got != "" {
					t.Fatalf("login: %q", got)
				}
				if got := get("/"); got != "member" {
					t.Fatalf("after the login: %q", got)
				}
				jar.SetCookies(u, early.Cookies()) // ...answered after it
				if got := get("/"); got != "member" {
					t.Errorf("after the late answer of a request saved before the login: %q, want member", got)
				}
			})
		}
	})
}
