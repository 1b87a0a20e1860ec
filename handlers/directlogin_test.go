package handlers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

func webMessage(c *handlers.Config) { c.DirectLogin = handlers.DirectLoginWebMessage }

var (
	pageScripts = regexp.MustCompile(`<script[^>]*>`)
	authURLAttr = regexp.MustCompile(`data-auth-url="([^"]+)"`)
	stateAttr   = regexp.MustCompile(`data-state="([^"]+)"`)
	posted      = regexp.MustCompile(`postMessage\((\{.*?\}),\s*("[^"]*")\)`)
)

// The SDK's iframe path, played by hand: the login form leads to the app's
// own page, which names Wix's web_message auth URL; what Wix's page posts
// goes to the callback, which logs the member in. (The e2e test runs the
// page's script in a real browser.)
func TestDirectLoginWebMessage(t *testing.T) {
	e := newEnv(t, options{handlers: webMessage})
	b := e.browser()
	b.get("/")
	cookie := b.session()
	p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}, "returnTo": {"/account"}})
	if p.StatusCode != http.StatusOK || p.URL().Path != "/auth/direct-login" {
		t.Fatalf("after the form: %d %s, want the direct-login page", p.StatusCode, p.URL())
	}
	rs := e.requests(wixtest.EndpointRedirectSession)
	ar := jsonBody(t, rs[len(rs)-1])["auth"].(map[string]any)["authRequest"].(map[string]any)
	if ar["responseMode"] != "web_message" || ar["sessionToken"] == nil || ar["redirectUri"] != e.app+"/auth/callback" {
		t.Errorf("auth request %v, want web_message with the session token and the callback", ar)
	}

	// A page clean under a strict CSP: one script, external, with the nonce
	// the policy names; no inline script or style; frames of Wix only.
	csp := p.Header.Get("Content-Security-Policy")
	scripts := pageScripts.FindAllString(p.Body, -1)
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(csp)
	if nonce == nil || len(scripts) != 1 || !strings.Contains(scripts[0], `src="/auth/direct-login.js"`) || !strings.Contains(scripts[0], `nonce="`+nonce[1]+`"`) {
		t.Errorf("scripts %v under CSP %q", scripts, csp)
	}
	for _, want := range []string{"default-src 'none'", "frame-src " + e.wix.URL, "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(p.Body, "style") || regexp.MustCompile(`\son[a-z]+=`).MatchString(p.Body) {
		t.Errorf("inline script or style in the page:\n%s", p.Body)
	}
	js := b.get("/auth/direct-login.js")
	if js.StatusCode != http.StatusOK || !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(js.Body, "e.source !== iframe.contentWindow") {
		t.Errorf("script: %d %q", js.StatusCode, js.Header.Get("Content-Type"))
	}

	// The page is good once.
	if again := b.get(p.URL().String()); again.URL().Path == "/auth/direct-login" {
		t.Errorf("the direct-login page answered twice: %d", again.StatusCode)
	}

	// What the hidden iframe does: load Wix's URL and read the message.
	authURL := strings.ReplaceAll(authURLAttr.FindStringSubmatch(p.Body)[1], "&amp;", "&")
	state := stateAttr.FindStringSubmatch(p.Body)[1]
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	html, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := posted.FindStringSubmatch(string(html))
	if err != nil || m == nil {
		t.Fatalf("Wix's page posts nothing (%v):\n%s", err, html)
	}
	var msg map[string]string
	var origin string
	json.Unmarshal([]byte(m[1]), &msg)
	json.Unmarshal([]byte(m[2]), &origin)
	if msg["state"] != state || msg["code"] == "" || origin != e.app {
		t.Fatalf("Wix posted %v to %q; want the code with state %q to %q", msg, origin, state, e.app)
	}
	done := b.get("/auth/callback?" + url.Values{"code": {msg["code"]}, "state": {msg["state"]}}.Encode())
	if done.URL().Path != "/account" || done.Body != "member /account" {
		t.Fatalf("callback: %s %q", done.URL(), done.Body)
	}
	if b.session() == cookie {
		t.Errorf("the session token was not renewed")
	}
	e.assertNoLeaks()
}

// The page refuses a state that is not the login's, and JSON clients are
// sent to the page too.
func TestDirectLoginPageRefusals(t *testing.T) {
	e := newEnv(t, options{handlers: webMessage})
	b := e.browser()
	if p := b.get("/auth/direct-login?state=nothing-under-way"); p.URL().Path == "/auth/direct-login" {
		t.Errorf("a direct-login page without a login: %d", p.StatusCode)
	}
	status, res := b.postJSON("/auth/login", map[string]string{"email": wixtest.DemoEmail, "password": wixtest.DemoPassword})
	if status != http.StatusOK || res.State != "SUCCESS" || !strings.HasPrefix(res.Redirect, "/auth/direct-login?state=") {
		t.Fatalf("JSON login: %d %+v", status, res)
	}
	if p := b.get("/auth/direct-login?state=forged"); p.URL().Path == "/auth/direct-login" {
		t.Errorf("a forged state got the page")
	}
	if p := b.get(res.Redirect); p.StatusCode != http.StatusOK || !strings.Contains(p.Body, "wixauth-direct-login") {
		t.Errorf("the real state after a forged one: %d", p.StatusCode)
	}
	if _, err := handlers.New(e.auth, handlers.Config{DirectLogin: "iframe"}); err == nil {
		t.Errorf("an unknown DirectLogin mode was accepted")
	}
}
