package handlers_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// Cross-origin posts to every state-changing handler are refused with
// 403, before any call to Wix and without touching the session.
func TestCrossOriginPostsRefused(t *testing.T) {
	e := newEnv(t, options{})
	b := member(t, e)
	memberTok := b.tokens()
	forms := map[string]url.Values{
		"/auth/login":          {"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}},
		"/auth/logout":         {"returnTo": {"/"}},
		"/auth/register":       {"email": {"csrf@example.com"}, "password": {"csrf-password"}},
		"/auth/verify":         {"code": {"123456"}},
		"/auth/password-reset": {"email": {wixtest.DemoEmail}},
	}
	attacks := map[string]func(*http.Request){
		"Sec-Fetch-Site cross-site": func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
		"foreign Origin":            func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") },
		"Sec-Fetch-Site same-site":  func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-site") },
	}
	e.wix.ResetCounters()
	for path, form := range forms {
		for name, attack := range attacks {
			t.Run(path+" "+name, func(t *testing.T) {
				unchanged(t, e, b, func() {
					req, _ := http.NewRequest(http.MethodPost, e.app+path, strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					attack(req)
					resp := b.raw(req)
					if resp.StatusCode != http.StatusForbidden {
						t.Errorf("%d, want 403", resp.StatusCode)
					}
				})
			})
		}
	}
	if n := len(e.wix.Requests()); n != 0 {
		t.Errorf("%d calls reached Wix from refused cross-origin posts", n)
	}
	if b.tokens() != memberTok {
		t.Errorf("the member's session changed")
	}
	if _, ok := e.wix.MemberByEmail("csrf@example.com"); ok {
		t.Errorf("a cross-origin register created a member")
	}
}

// Origins in TrustedOrigins may post.
func TestTrustedOrigin(t *testing.T) {
	e := newEnv(t, options{handlers: func(c *handlers.Config) { c.TrustedOrigins = []string{"https://trusted.example"} }})
	b := member(t, e)
	req, _ := http.NewRequest(http.MethodPost, e.app+"/auth/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://trusted.example")
	if resp := b.raw(req); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout from a trusted origin: %d, want 303", resp.StatusCode)
	}
}

// The session cookie is HttpOnly and SameSite=Lax always, and Secure when
// the app's BaseURL is https, with the default session manager and with
// one of the app's own.
func TestSessionCookieAttributes(t *testing.T) {
	wix := wixtest.NewServer(wixtest.WithRedirectURIs("https://shop.example.com/auth/callback", "http://localhost:8080/auth/callback"))
	defer wix.Close()
	for _, tc := range []struct {
		base   string
		secure bool
	}{{"https://shop.example.com", true}, {"http://localhost:8080", false}} {
		a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: tc.base,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		handlers.Mount(mux, a, "/auth")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/auth/login", nil))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("%s: GET /auth/login = %d", tc.base, rec.Code)
		}
		cookies := rec.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("%s: %d cookies, want 1", tc.base, len(cookies))
		}
		c := cookies[0]
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secure || c.Path != "/" {
			t.Errorf("%s: cookie %q: HttpOnly %v, SameSite %v, Secure %v, Path %q; want HttpOnly, Lax, Secure %v, /",
				tc.base, rec.Header().Get("Set-Cookie"), c.HttpOnly, c.SameSite, c.Secure, c.Path, tc.secure)
		}
		// The redirect URI is built on BaseURL, not on the request's Host.
		var body struct {
			Auth struct {
				AuthRequest struct {
					RedirectURI string `json:"redirectUri"`
				} `json:"authRequest"`
			} `json:"auth"`
		}
		reqs := wix.Requests()
		last := reqs[len(reqs)-1]
		if err := jsonUnmarshal(last.Body, &body); err != nil || body.Auth.AuthRequest.RedirectURI != tc.base+"/auth/callback" {
			t.Errorf("%s: redirectUri = %q", tc.base, body.Auth.AuthRequest.RedirectURI)
		}
	}
}

// Every flow at once, then one look at the logs (Debug level) and at
// everything the app sent to browsers: no token, code, verifier, session
// or state token, password or API key.
func TestNoSecretsInLogsOrAnswers(t *testing.T) {
	e := newEnv(t, options{})
	const pw = "register-password-9"

	b := member(t, e) // hosted login with the form
	b.post("/auth/logout", nil)
	b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}})
	b.postJSON("/auth/login", map[string]string{"email": wixtest.DemoEmail, "password": "wrong-password-7"})
	b.post("/auth/register", url.Values{"email": {"leak+verify@example.com"}, "password": {pw}})
	b.post("/auth/verify", url.Values{"code": {e.wix.VerificationCode("leak+verify@example.com")}})
	b.post("/auth/password-reset", url.Values{"email": {wixtest.DemoEmail}})
	m, _ := e.wix.MemberByEmail(wixtest.DemoEmail)
	b.post("/external?member="+m.ID, nil)
	// Failures log the most.
	e.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: 400, Body: `{"error":"invalid_grant"}`, Grant: "authorization_code", Times: 1})
	b.hostedLogin("/", wixtest.DemoEmail, wixtest.DemoPassword)
	e.wix.Fail(wixtest.EndpointRedirectSession, wixtest.Fault{Status: 500, Times: 1})
	b.post("/auth/logout", nil)
	e.wix.Fail(wixtest.EndpointLogin, wixtest.Fault{Status: 503, Times: 1})
	b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}})

	if !strings.Contains(e.logs.String(), "level=") {
		t.Fatalf("nothing was logged: the check would prove nothing")
	}
	sec := e.secrets(pw, "wrong-password-7")
	kinds := map[string]bool{}
	for _, k := range sec {
		kinds[k] = true
	}
	for _, k := range []string{"authorization code", "access_token", "refresh_token", "sessionToken", "stateToken", "codeVerifier", "API key", "password"} {
		if !kinds[k] {
			t.Errorf("no %s was collected: the flows did not run as meant", k)
		}
	}
	e.assertNoLeaks(pw, "wrong-password-7")
}
