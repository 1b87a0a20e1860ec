package handlers_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

var (
	pageScripts = regexp.MustCompile(`<script[^>]*>`)
	authURLAttr = regexp.MustCompile(`data-auth-url="([^"]+)"`)
	stateAttr   = regexp.MustCompile(`data-state="([^"]+)"`)
	posted      = regexp.MustCompile(`postMessage\((\{.*?\}),\s*("[^"]*")\)`)
)

// The SDK's iframe path, the default, played by hand: the login form leads
// to the app's own page, which names Wix's web_message auth URL (asked
// without a redirect URI, as the SDK does); what Wix's page posts is
// handed to the app by a same-origin POST, which exchanges the code
// without a redirect URI and logs the member in. (The e2e test runs the
// page's script in a real browser.)
func TestDirectLoginWebMessage(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.NoScript = true
	b.get("/")
	cookie := b.session()
	p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}, "returnTo": {"/account"}})
	if p.StatusCode != http.StatusOK || p.URL().Path != "/auth/direct-login" {
		t.Fatalf("after the form: %d %s, want the direct-login page", p.StatusCode, p.URL())
	}
	rs := e.requests(wixtest.EndpointRedirectSession)
	ar := jsonBody(t, rs[len(rs)-1])["auth"].(map[string]any)["authRequest"].(map[string]any)
	if _, has := ar["redirectUri"]; ar["responseMode"] != "web_message" || ar["sessionToken"] == nil || has {
		t.Errorf("auth request %v, want web_message with the session token and no redirectUri", ar)
	}

	// A page clean under a strict CSP: one script, external, with the nonce
	// the policy names; no inline script or style; frames of Wix only;
	// forms to the app only.
	csp := p.Header.Get("Content-Security-Policy")
	scripts := pageScripts.FindAllString(p.Body, -1)
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(csp)
	if nonce == nil || len(scripts) != 1 || !strings.Contains(scripts[0], `src="/auth/direct-login.js"`) || !strings.Contains(scripts[0], `nonce="`+nonce[1]+`"`) {
		t.Errorf("scripts %v under CSP %q", scripts, csp)
	}
	frames := e.wix.URL + " " + strings.Join(handlers.DefaultFrameOrigins, " ")
	for _, want := range []string{"default-src 'none'", "frame-src " + frames + ";", "child-src " + frames + ";", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(p.Body, "style") || regexp.MustCompile(`\son[a-z]+=`).MatchString(p.Body) {
		t.Errorf("inline script or style in the page:\n%s", p.Body)
	}
	if !strings.Contains(p.Body, `id="wixauth-direct-timeout" hidden`) || !strings.Contains(p.Body, `id="wixauth-direct-retry"`) || !strings.Contains(p.Body, `data-timeout="30000"`) {
		t.Errorf("the page has no timeout message with a retry:\n%s", p.Body)
	}
	js := b.get("/auth/direct-login.js")
	for _, check := range []string{"e.source !== iframe.contentWindow", "!allowed(e.origin)", "d.state !== state", "form.submit()", "setTimeout"} {
		if js.StatusCode != http.StatusOK || !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(js.Body, check) {
			t.Errorf("script: %d %q lacks %q", js.StatusCode, js.Header.Get("Content-Type"), check)
		}
	}

	// The page is good once.
	if again := b.get(p.URL().String()); again.URL().Path == "/auth/direct-login" && again.StatusCode == http.StatusOK {
		t.Errorf("the direct-login page answered twice: %d", again.StatusCode)
	}

	// What the hidden iframe does: load Wix's URL and read the message.
	authURL := strings.ReplaceAll(authURLAttr.FindStringSubmatch(p.Body)[1], "&amp;", "&")
	state := stateAttr.FindStringSubmatch(p.Body)[1]
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := posted.FindStringSubmatch(string(page))
	if err != nil || m == nil {
		t.Fatalf("Wix's page posts nothing (%v):\n%s", err, page)
	}
	var msg map[string]string
	json.Unmarshal([]byte(m[1]), &msg)
	if msg["state"] != state || msg["code"] == "" {
		t.Fatalf("Wix posted %v; want the code with state %q", msg, state)
	}

	// The code is not good at the callback: that path is for logins with a
	// redirect URI. Nor from another site's page.
	if cb := b.get("/auth/callback?" + url.Values{"code": {msg["code"]}, "state": {state}}.Encode()); cb.StatusCode != http.StatusBadRequest {
		t.Errorf("the web_message code at the callback: %d %s", cb.StatusCode, cb.URL())
	}
	hand := url.Values{"code": {msg["code"]}, "state": {state}}
	if x := b.Post("/auth/direct-login", hand, "https://evil.example"); x.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-origin handoff: %d", x.StatusCode)
	}
	done := b.post("/auth/direct-login", hand)
	if done.URL().Path != "/account" || done.Body != "member /account" {
		t.Fatalf("handoff: %s %q", done.URL(), done.Body)
	}
	if b.session() == cookie {
		t.Errorf("the session token was not renewed")
	}
	codes := e.tokenRequests("authorization_code")
	ex := jsonBody(t, codes[len(codes)-1])
	if _, has := ex["redirectUri"]; has || ex["codeVerifier"] == nil || ex["code"] != msg["code"] {
		t.Errorf("code exchange %v, want the code and the verifier, no redirectUri", ex)
	}
	// The state is good once.
	if again := b.post("/auth/direct-login", hand); again.StatusCode != http.StatusBadRequest {
		t.Errorf("a second handoff: %d %s", again.StatusCode, again.URL())
	}
	e.assertNoLeaks()
}

// The handoff completes only web_message logins: a hosted login's state
// is refused there, and an error from the frame goes back to the form.
func TestDirectLoginHandoffRefusals(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.NoScript = true
	// A hosted login, stopped at Wix's redirect to the callback.
	wixPage := b.get(b.startLogin("/account"))
	action := html.UnescapeString(formAction.FindStringSubmatch(wixPage.Body)[1])
	back := b.raw(b.FormRequest(action, url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}}, ""))
	cb, err := url.Parse(back.Header.Get("Location"))
	if err != nil || cb.Query().Get("code") == "" {
		t.Fatalf("Wix's answer to the hosted login: %d %q", back.StatusCode, back.Header.Get("Location"))
	}
	if p := b.post("/auth/direct-login", url.Values{"code": {cb.Query().Get("code")}, "state": {cb.Query().Get("state")}}); p.StatusCode != http.StatusBadRequest {
		t.Errorf("a hosted login's code handed over as a web_message one: %d %s", p.StatusCode, p.URL())
	}
	if p := b.post("/auth/direct-login", url.Values{"state": {"x"}, "error": {"login_required"}}); p.URL().Path != "/auth/form" || p.URL().Query().Get("errorCode") != "loginCancelled" {
		t.Errorf("an error from the frame: %s", p.URL())
	}
	if p := b.post("/auth/direct-login", url.Values{"state": {"x"}, "code": {"a"}, "code ": {"b"}}); p.StatusCode != http.StatusBadRequest {
		t.Errorf("a handoff of an unknown login: %d", p.StatusCode)
	}
}

// Wix's page moves the frame to another origin before it posts
// (wixtest.WithFrameRedirect, A16). With that origin among FrameOrigins the
// member is logged in; without, the frame is blocked by the page's policy
// and the page, rather than hang, shows its timeout message and a retry.
func TestDirectLoginFrameRedirect(t *testing.T) {
	for _, allow := range []bool{true, false} {
		name := map[bool]string{true: "allowed", false: "not allowed"}[allow]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{wix: []wixtest.Option{wixtest.WithFrameRedirect()}, handlersWix: func(c *handlers.Config, w *wixtest.Server) {
				if allow {
					c.FrameOrigins = append([]string{w.FrameURL()}, handlers.DefaultFrameOrigins...)
				}
			}})
			b := e.browser()
			p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}, "returnTo": {"/account"}})
			f := b.LastFrame
			if f == nil || len(f.Hops) < 2 || !strings.HasPrefix(f.Hops[1].String(), e.wix.FrameURL()+"/") {
				t.Fatalf("frame %+v, want it moved to the second origin %s", f, e.wix.FrameURL())
			}
			if allow {
				if p.URL().Path != "/account" || p.Body != "member /account" || f.From != e.wix.FrameURL() || !f.Delivered {
					t.Fatalf("frame redirect allowed: %s %q, frame %+v", p.URL(), p.Body, f)
				}
				return
			}
			if f.Blocked == nil || f.Delivered || p.URL().Path != "/auth/direct-login" || !strings.Contains(p.Body, `id="wixauth-direct-timeout"`) || !strings.Contains(p.Body, "Try again") {
				t.Fatalf("frame redirect not allowed: %s, frame %+v; want the page with its timeout message", p.URL(), f)
			}
			if b.role() != "visitor" {
				t.Errorf("a blocked frame logged the member in")
			}
		})
	}
}

// The page refuses a state that is not the login's, and JSON clients are
// sent to the page too.
func TestDirectLoginPageRefusals(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.NoScript = true
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
	for _, bad := range [][]string{{"iframe"}, {"https://*.wix.com/"}, {"wix.com"}, {"https://a.*.wix.com"}, {"https://WIX.com"}, {"https://wix.com; script-src *"}} {
		c := handlers.Config{FrameOrigins: bad}
		if len(bad) == 1 && bad[0] == "iframe" {
			c = handlers.Config{DirectLogin: "iframe"}
		}
		if _, err := handlers.New(e.auth, c); err == nil {
			t.Errorf("handlers.New took %+v", c)
		}
	}
}

// FrameOriginAllowed matches as CSP source expressions do (and the page's
// script): exact origins, and "*." for hosts under a domain, never the
// domain itself, another scheme or port, or a look-alike.
func TestFrameOriginAllowed(t *testing.T) {
	p := []string{"https://*.wix.com", "http://127.0.0.1:8080"}
	for o, want := range map[string]bool{
		"https://users.wix.com": true, "https://a.b.wix.com": true, "http://127.0.0.1:8080": true,
		"https://wix.com": false, "http://users.wix.com": false, "https://users.wix.com:8443": false,
		"https://evilwix.com": false, "https://wix.com.evil.example": false, "http://127.0.0.1:8081": false, "": false,
	} {
		if got := handlers.FrameOriginAllowed(p, o); got != want {
			t.Errorf("FrameOriginAllowed(%q) = %v, want %v", o, got, want)
		}
	}
}
