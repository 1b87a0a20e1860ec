package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// A login whose callback URL is not on the OAuth app's allowed redirect
// URIs: Wix answers 400 INVALID_REDIRECT_URI when the redirect session is
// created. The visitor is told the site is not set up (not "Wix could not
// be reached", as before), and the log names the URL and where to add it
// (issue #22, item 5).
func TestUnregisteredCallbackSaysSo(t *testing.T) {
	var other *handlers.Handlers // its callback, /other/callback, is not registered
	e := newEnv(t, options{mount: func(h *handlers.Handlers, mux *http.ServeMux) {
		h.Mount(mux)
		mux.Handle("/other/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.ServeHTTP(w, r) }))
	}})
	var err error
	if other, err = handlers.New(e.auth, handlers.Config{Prefix: "/other"}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	req, _ := http.NewRequest(http.MethodGet, e.app+"/other/login?returnTo=/", nil)
	status, _, body := b.fetch(req)
	want := handlers.Message(handlers.ErrorCodeCallbackNotAllowed)
	if status != http.StatusInternalServerError || !strings.Contains(body, want) {
		t.Errorf("login start: %d %q, want 500 with %q", status, body, want)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "Wix refused the callback URL "+e.app+"/other/callback") || !strings.Contains(logs, "allowed redirect URIs in the Wix dashboard") {
		t.Errorf("log: %q, want the callback URL and where to register it", logs)
	}
	t.Logf("answer: %d %s\nlog: %s", status, body, logs)

	// The near miss: the registered callback logs in.
	if p := b.get("/auth/login?returnTo=/"); p.StatusCode != http.StatusOK {
		t.Errorf("registered callback: %d %q", p.StatusCode, p.Body)
	}
}

// An https BaseURL with the site browsed over http (or any other origin
// of the same server): the logout form's post is refused, as before, but
// the answer and a Warn line now say that the page's origin is not
// BaseURL and what to set; before, a bare 403 "Cross-origin request
// refused" and no log line (issue #22, item 5). The Warn line comes once a
// minute at most: anyone can send such a post, and a line for each would
// fill the log. The near miss: a post from another site gets the bare 403
// and no Warn line.
func TestOriginNotBaseURLSaysSo(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	e := newEnv(t, options{
		auth: func(c *wixauth.Config) {
			c.BaseURL = strings.Replace(c.BaseURL, "http://", "https://", 1)
		},
		handlers: func(c *handlers.Config) { c.Now = func() time.Time { return time.Unix(0, clock.Load()) } },
	})
	base := strings.Replace(e.app, "http://", "https://", 1)
	b := e.browser()
	for _, fetchMetadata := range []bool{true, false} {
		req := b.formRequest("/auth/logout", url.Values{})
		if !fetchMetadata {
			req.Header.Del("Sec-Fetch-Site")
		}
		status, _, body := b.fetch(req)
		if status != http.StatusForbidden || !strings.Contains(body, "this page was loaded from "+e.app+", but this site is set up for "+base) {
			t.Errorf("fetch metadata %v: %d %q, want 403 naming both origins", fetchMetadata, status, body)
		}
	}
	logs := e.logs.String()
	want := "refused a post from this site's own page at " + e.app + ", which is not BaseURL " + base
	if n := strings.Count(logs, want); n != 1 || !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "set wixauth.Config.BaseURL (BASE_URL)") {
		t.Errorf("log: %d lines %q, want 1 Warn line for 2 posts, naming both origins and BASE_URL", n, logs)
	}
	t.Logf("log: %s", logs)
	clock.Add(int64(time.Minute))
	if status, _, _ := b.fetch(b.formRequest("/auth/logout", url.Values{})); status != http.StatusForbidden {
		t.Errorf("a minute later: %d, want 403", status)
	}
	if n := strings.Count(e.logs.String(), want); n != 2 {
		t.Errorf("a minute later: %d Warn lines, want 2", n)
	}

	req := b.formRequest("/auth/logout", url.Values{})
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if status, _, body := b.fetch(req); status != http.StatusForbidden || strings.Contains(body, "set up for") {
		t.Errorf("another site: %d %q, want the bare 403", status, body)
	}
	if n := strings.Count(e.logs.String(), "own page"); n != 2 {
		t.Errorf("%d Warn lines after a post from another site, want still 2", n)
	}
}

// A login started in one session whose callback arrives in another, as when
// the browser starts it at 127.0.0.1 and Wix sends it back to BaseURL on
// localhost, where its cookie is another: 400 as before, but the answer
// and a Warn line name BaseURL and the likely cause; before, only "This
// login is unknown, expired or already completed" (issue #22, item 5).
// The near miss: a callback with a state this app never issued keeps the
// old answer and logs nothing.
func TestLoginStartedElsewhereSaysSo(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	elsewhere := e.browser() // the session at the other address
	cb := elsewhere.callbackURL(elsewhere.startLogin("/account"))

	b := e.browser() // the session at BaseURL
	req, _ := http.NewRequest(http.MethodGet, cb, nil)
	status, _, body := b.fetch(req)
	if status != http.StatusBadRequest || !strings.Contains(body, "This login was started at another address of this site than "+e.app) {
		t.Errorf("callback in another session: %d %q, want 400 naming BaseURL", status, body)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "for a login this app started in another session") || !strings.Contains(logs, "set wixauth.Config.BaseURL (BASE_URL)") {
		t.Errorf("log: %q, want a Warn naming the cause and BASE_URL", logs)
	}
	t.Logf("answer: %d %s\nlog: %s", status, body, logs)

	forged := strings.Replace(cb, "state=", "state=x", 1)
	req, _ = http.NewRequest(http.MethodGet, forged, nil)
	if status, _, body := b.fetch(req); status != http.StatusBadRequest || !strings.Contains(body, "unknown, expired or already completed") {
		t.Errorf("forged state: %d %q, want the plain 400", status, body)
	}
	if n := strings.Count(e.logs.String(), "another session"); n != 1 {
		t.Errorf("%d Warn lines after a forged state, want still 1", n)
	}
	// The login itself still works in the session that started it.
	if p := elsewhere.get(cb); p.Body != "member /account" {
		t.Errorf("the session that started the login: %d %q", p.StatusCode, p.Body)
	}
}
