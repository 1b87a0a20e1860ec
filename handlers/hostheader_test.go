package handlers_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// Without BaseURL the handlers refuse to start, with an error that says
// what to set, unless the app opts in to the Host header.
func TestNoBaseURLFailsAtStart(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = handlers.New(a, handlers.Config{})
	if err == nil {
		t.Fatal("New without BaseURL: no error")
	}
	for _, want := range []string{"BaseURL", "BASE_URL", "AllowHostHeader"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error %q does not name %s", err, want)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Mount without BaseURL did not panic")
			}
		}()
		handlers.Mount(http.NewServeMux(), a, "/auth")
	}()
	if _, err := handlers.New(a, handlers.Config{AllowHostHeader: true}); err != nil {
		t.Errorf("New with AllowHostHeader: %v", err)
	}
}

// A forged Host on a password-reset POST (from a client that sends no
// Origin, like curl) does not reach the link Wix emails: it is built on
// BaseURL.
func TestForgedHostOnPasswordReset(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.get("/")
	req, _ := http.NewRequest(http.MethodPost, e.app+"/auth/password-reset", strings.NewReader(url.Values{"email": {wixtest.DemoEmail}, "returnTo": {"/reset-done"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "evil.example"
	if resp := b.raw(req); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("password reset with a forged Host: %d", resp.StatusCode)
	}
	reqs := e.requests(wixtest.EndpointRecovery)
	if len(reqs) != 1 {
		t.Fatalf("%d recovery calls, want 1", len(reqs))
	}
	link := jsonBody(t, reqs[0])["redirect"].(map[string]any)["url"]
	if link != e.app+"/reset-done" {
		t.Errorf("the emailed link leads to %v, want %s/reset-done", link, e.app)
	}
}

// In Host-header mode (AllowHostHeader, no BaseURL) the forged Host does
// reach the link: the reason it is opt-in.
func TestAllowHostHeaderUsesTheHost(t *testing.T) {
	e := newEnv(t, options{
		auth:     func(c *wixauth.Config) { c.BaseURL = "" },
		handlers: func(c *handlers.Config) { c.AllowHostHeader = true },
	})
	b := e.browser()
	b.get("/")
	req, _ := http.NewRequest(http.MethodPost, e.app+"/auth/password-reset", strings.NewReader(url.Values{"email": {wixtest.DemoEmail}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "dev.localhost:1234"
	b.raw(req)
	reqs := e.requests(wixtest.EndpointRecovery)
	if len(reqs) != 1 || jsonBody(t, reqs[0])["redirect"].(map[string]any)["url"] != "http://dev.localhost:1234/" {
		t.Fatalf("recovery calls %v", reqs)
	}
}

// With BaseURL set, only that exact origin may post: an Origin of the same
// host over http (a scheme downgrade) or of another host is refused even
// without Sec-Fetch-Site, which http.CrossOriginProtection alone accepts
// when Origin matches the (forgeable) Host.
func TestOriginMustBeBaseURL(t *testing.T) {
	e := newEnv(t, options{auth: func(c *wixauth.Config) {}})
	b := member(t, e)
	host := strings.TrimPrefix(e.app, "http://")
	for _, tc := range []struct {
		name, origin, host string
		status             int
	}{
		{"scheme downgrade", "https://" + host, "", http.StatusForbidden}, // BaseURL is http://: https is another origin
		{"forged Host matching a foreign Origin", "http://evil.example", "evil.example", http.StatusForbidden},
		{"null origin", "null", "", http.StatusForbidden},
		{"the app itself", e.app, "", http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.app+"/auth/password-reset", strings.NewReader("email="+url.QueryEscape(wixtest.DemoEmail)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", tc.origin)
			if tc.host != "" {
				req.Host = tc.host
			}
			if resp := b.raw(req); resp.StatusCode != tc.status {
				t.Errorf("%d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}

// An https BaseURL refuses the same host's http:// pages.
func TestOriginSchemeDowngradeHTTPS(t *testing.T) {
	e := newEnv(t, options{auth: func(c *wixauth.Config) { c.BaseURL = "https://shop.example" }})
	b := e.browser()
	for origin, want := range map[string]int{"http://shop.example": http.StatusForbidden, "https://shop.example": http.StatusSeeOther} {
		req, _ := http.NewRequest(http.MethodPost, e.app+"/auth/password-reset", strings.NewReader("email=a%40b.example"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		req.Host = "shop.example"
		if resp := b.raw(req); resp.StatusCode != want {
			t.Errorf("Origin %s: %d, want %d", origin, resp.StatusCode, want)
		}
	}
}
