package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

const base = "https://shop.example.com"

// Payloads that a browser, a proxy or a lax parser could take to another
// site, or to a script.
var hostileReturnTo = []string{
	"https://evil.example/",
	"http://evil.example",
	"//evil.example",
	"//evil.example/path",
	"///evil.example",
	"////evil.example",
	"/\\evil.example",
	"\\\\evil.example",
	"\\/evil.example",
	"/%2fevil.example",
	"/%2Fevil.example",
	"%2f%2fevil.example",
	"/%5cevil.example",
	"/%5Cevil.example",
	"/%2e%2e/%2f/evil.example",
	"/../evil.example",
	"/./../x",
	"/a/../../evil.example",
	"/\t/evil.example",
	"/%09/evil.example",
	"/\r\nLocation: https://evil.example",
	"/%0d%0aSet-Cookie:%20x=1",
	"/\x00x",
	"/%00x",
	"\x7f/x",
	" //evil.example",
	"javascript:alert(1)",
	"JavaScript:alert(1)",
	"javascript://%0aalert(1)",
	"data:text/html,<script>alert(1)</script>",
	"vbscript:msgbox(1)",
	"https:evil.example",
	"https:/evil.example",
	"http://shop.example.com@evil.example/",
	"https://shop.example.com@evil.example/",
	"https://shop.example.com:443@evil.example/",
	"https://user:pw@shop.example.com/",
	"https://shop.example.com.evil.example/",
	"https://evil.example#https://shop.example.com/",
	"https://evil.example?https://shop.example.com/",
	"http://shop.example.com/", // another scheme is another origin
	"https://shop.example.com:8443/",
	"ftp://shop.example.com/",
	"mailto:a@example.com",
	"x",
	"account",
	"./account",
	"%",
	"/%zz",
	"/" + strings.Repeat("a", 3000),
}

func TestSafeReturnToRefuses(t *testing.T) {
	for _, raw := range hostileReturnTo {
		if got, ok := handlers.SafeReturnTo(raw, base); ok || got != "" {
			t.Errorf("SafeReturnTo(%q) = %q, %v; want it refused", raw, got, ok)
		}
	}
}

func TestSafeReturnToAccepts(t *testing.T) {
	for _, tc := range []struct{ raw, base, want string }{
		{"/", base, "/"},
		{"/account", base, "/account"},
		{"/cart?step=2&x=%2F", base, "/cart?step=2&x=%2F"},
		{"/a/b#top", base, "/a/b#top"},
		{"/caf%C3%A9", base, "/caf%C3%A9"},
		{"/a%20b", base, "/a%20b"},
		{"/a/b/", base, "/a/b/"},
		{"https://shop.example.com/account?x=1", base, "/account?x=1"},
		{"HTTPS://SHOP.EXAMPLE.COM/account", base, "/account"},
		{"https://shop.example.com", base, "/"},
		{"/account", "", "/account"},
	} {
		got, ok := handlers.SafeReturnTo(tc.raw, tc.base)
		if !ok || got != tc.want {
			t.Errorf("SafeReturnTo(%q, %q) = %q, %v; want %q, true", tc.raw, tc.base, got, ok, tc.want)
		}
	}
	// Without a base, no absolute URL is accepted.
	if _, ok := handlers.SafeReturnTo("https://shop.example.com/x", ""); ok {
		t.Errorf("an absolute URL was accepted without a base")
	}
}

// End to end: whatever returnTo the login and logout handlers get, every
// redirect the browser follows stays on the app or on Wix, and the last
// one on the app.
func TestReturnToEndToEnd(t *testing.T) {
	e := newEnv(t, options{handlers: noBudgets}) // 3 logins of one member per payload
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	appURL, _ := url.Parse(e.app)
	wixURL, _ := url.Parse(e.wix.URL)
	payloads := append([]string{
		e.app + "@evil.example/",
		"//" + appURL.Host + "@evil.example/",
		"http://evil.example/" + appURL.Host,
	}, hostileReturnTo...)
	check := func(t *testing.T, p page, b *browser) {
		t.Helper()
		for _, h := range b.hopList() {
			if h.Host != appURL.Host && h.Host != wixURL.Host {
				t.Errorf("the browser was sent to %s", h)
			}
		}
		if p.URL().Host != appURL.Host || p.URL().Path != "/" {
			t.Errorf("landed on %s, want the default / of the app", p.URL())
		}
	}
	for _, raw := range payloads {
		t.Run("login "+raw, func(t *testing.T) {
			b := e.browser()
			p := b.get("/auth/login?returnTo=" + url.QueryEscape(raw))
			check(t, p, b)
			if p.Body != "member /" {
				t.Errorf("landing page says %q", p.Body)
			}
		})
		t.Run("password login "+raw, func(t *testing.T) {
			b := e.browser()
			p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}, "returnTo": {raw}})
			check(t, p, b)
		})
		t.Run("logout "+raw, func(t *testing.T) {
			b := e.browser()
			b.get("/auth/login")
			b.clearHops()
			p := b.post("/auth/logout", url.Values{"returnTo": {raw}})
			check(t, p, b)
			if p.Body != "visitor /" {
				t.Errorf("landing page says %q", p.Body)
			}
		})
	}
	// Wix is only ever given postFlowUrls and redirect URIs on the app.
	for _, r := range e.requests(wixtest.EndpointRedirectSession) {
		body := jsonBody(t, r)
		var targets []string
		if cb, ok := body["callbacks"].(map[string]any); ok {
			targets = append(targets, cb["postFlowUrl"].(string))
		}
		if _, ok := body["auth"]; ok {
			if u, ok := authRequest(t, r)["redirectUri"].(string); ok { // none in a web_message login
				targets = append(targets, u)
			}
		}
		for _, s := range targets {
			if u, err := url.Parse(s); err != nil || u.Scheme+"://"+u.Host != e.app || u.User != nil {
				t.Errorf("Wix was given %q, outside the app", s)
			}
		}
	}
	// And the direct redirect of a failed Wix logout.
	e.wix.Fail(wixtest.EndpointRedirectSession, wixtest.Fault{Status: 500})
	for _, raw := range payloads {
		resp := e.browser().raw(e.browser().formRequest("/auth/logout", url.Values{"returnTo": {raw}}))
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("logout with Wix down and returnTo %q: %d to %q, want 303 to /", raw, resp.StatusCode, loc)
		}
	}
}
