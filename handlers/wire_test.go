package handlers_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/wixtest"
)

// keysOf returns the sorted keys of a JSON object.
func keysOf(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func wantKeys(t *testing.T, what string, v any, keys ...string) map[string]any {
	t.Helper()
	sort.Strings(keys)
	if got := keysOf(v); !reflect.DeepEqual(got, keys) {
		t.Errorf("%s keys = %v, want %v", what, got, keys)
	}
	m, _ := v.(map[string]any)
	return m
}

func wantEq(t *testing.T, what string, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// The hosted login's calls, as the JavaScript SDK's getAuthUrl() and
// getMemberTokens() send them.
func TestWireHostedLogin(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	b.get("/")
	visitor := b.tokens()
	e.wix.ResetCounters()
	b.get("/auth/login?returnTo=/account")

	rs := e.requests(wixtest.EndpointRedirectSession)
	if len(rs) != 1 {
		t.Fatalf("redirect sessions = %d, want 1", len(rs))
	}
	wantEq(t, "redirect session Authorization", rs[0].Header.Get("Authorization"), visitor.AccessToken.Value)
	wantEq(t, "redirect session Content-Type", rs[0].Header.Get("Content-Type"), "application/json")
	body := wantKeys(t, "body", jsonBody(t, rs[0]), "auth")
	auth := wantKeys(t, "auth", body["auth"], "authRequest", "prompt")
	wantEq(t, "prompt", auth["prompt"], "login")
	ar := wantKeys(t, "authRequest", auth["authRequest"], "clientId", "redirectUri", "codeChallenge", "codeChallengeMethod", "responseMode", "responseType", "scope", "state")
	wantEq(t, "clientId", ar["clientId"], e.wix.ClientID)
	wantEq(t, "redirectUri", ar["redirectUri"], e.app+"/auth/callback")
	wantEq(t, "codeChallengeMethod", ar["codeChallengeMethod"], "S256")
	wantEq(t, "responseMode", ar["responseMode"], "query")
	wantEq(t, "responseType", ar["responseType"], "code")
	wantEq(t, "scope", ar["scope"], "offline_access")

	grants := e.tokenRequests("authorization_code")
	if len(grants) != 1 {
		t.Fatalf("authorization_code grants = %d, want 1", len(grants))
	}
	g := wantKeys(t, "authorization_code grant", jsonBody(t, grants[0]), "clientId", "grantType", "redirectUri", "code", "codeVerifier")
	wantEq(t, "grantType", g["grantType"], "authorization_code")
	wantEq(t, "clientId", g["clientId"], e.wix.ClientID)
	wantEq(t, "grant redirectUri", g["redirectUri"], ar["redirectUri"])
	verifier, _ := g["codeVerifier"].(string)
	if n := len(verifier); n < 43 || n > 128 || strings.Trim(verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") != "" {
		t.Errorf("codeVerifier %q is not 43-128 characters of the RFC 7636 alphabet", verifier)
	}
	sum := sha256.Sum256([]byte(verifier))
	wantEq(t, "codeChallenge", ar["codeChallenge"], base64.RawURLEncoding.EncodeToString(sum[:]))
	// The code exchanged is the one Wix put on the callback, whose state is
	// the one of the auth request.
	var cb *url.URL
	for _, h := range b.hopList() {
		if h.Path == "/auth/callback" {
			cb = h
		}
	}
	if cb == nil {
		t.Fatal("no callback hop")
	}
	wantEq(t, "exchanged code", g["code"], cb.Query().Get("code"))
	wantEq(t, "callback state", cb.Query().Get("state"), ar["state"])
	if h := grants[0].Header.Get("Authorization"); h != "" {
		t.Errorf("the code exchange sent Authorization %q, want none", h)
	}
}

// The custom login: login v2, then the auth session with prompt "none"
// and the session token.
func TestWirePasswordLogin(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.get("/")
	visitor := b.tokens()
	e.wix.ResetCounters()
	b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword},
		"recaptchaToken": {"rc-token"}, "invisibleRecaptchaToken": {"irc-token"}})

	logins := e.requests(wixtest.EndpointLogin)
	if len(logins) != 1 {
		t.Fatalf("login calls = %d", len(logins))
	}
	wantEq(t, "login Authorization", logins[0].Header.Get("Authorization"), visitor.AccessToken.Value)
	lb := wantKeys(t, "login body", jsonBody(t, logins[0]), "loginId", "password", "captchaTokens")
	wantEq(t, "loginId.email", wantKeys(t, "loginId", lb["loginId"], "email")["email"], wixtest.DemoEmail)
	wantEq(t, "password", lb["password"], wixtest.DemoPassword)
	ct, _ := lb["captchaTokens"].([]any)
	if len(ct) != 1 {
		t.Fatalf("captchaTokens = %v, want one object", lb["captchaTokens"])
	}
	c := wantKeys(t, "captchaTokens[0]", ct[0], "Recaptcha", "InvisibleRecaptcha")
	wantEq(t, "Recaptcha", c["Recaptcha"], "rc-token")
	wantEq(t, "InvisibleRecaptcha", c["InvisibleRecaptcha"], "irc-token")

	rs := e.requests(wixtest.EndpointRedirectSession)
	if len(rs) != 1 {
		t.Fatalf("redirect sessions = %d", len(rs))
	}
	auth := wantKeys(t, "auth", jsonBody(t, rs[0])["auth"], "authRequest", "prompt")
	wantEq(t, "prompt", auth["prompt"], "none")
	// The default finish is the SDK's: web_message, no redirectUri here
	// or in the exchange (TestDirectLoginMatchesSDK compares it with the
	// SDK's recorded requests).
	ar := wantKeys(t, "authRequest", auth["authRequest"], "clientId", "codeChallenge", "codeChallengeMethod", "responseMode", "responseType", "scope", "state", "sessionToken")
	wantEq(t, "responseMode", ar["responseMode"], "web_message")
	if tok, _ := ar["sessionToken"].(string); tok == "" {
		t.Errorf("no sessionToken in the prompt-none auth request")
	}
	wantEq(t, "authorization_code grants", len(e.tokenRequests("authorization_code")), 1)

	// Without captcha tokens the key is left out.
	e.wix.ResetCounters()
	e.browser().post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}})
	wantKeys(t, "login body without captcha", jsonBody(t, e.requests(wixtest.EndpointLogin)[0]), "loginId", "password")
}

func TestWireRegisterVerifyRecovery(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.post("/auth/register", url.Values{"email": {"wire+verify@example.com"}, "password": {"wire-password"},
		"firstName": {"Ada"}, "lastName": {"Lovelace"}, "nickname": {"ada"}})
	regs := e.requests(wixtest.EndpointRegister)
	if len(regs) != 1 {
		t.Fatalf("register calls = %d", len(regs))
	}
	rb := wantKeys(t, "register body", jsonBody(t, regs[0]), "loginId", "password", "profile")
	wantEq(t, "loginId.email", wantKeys(t, "loginId", rb["loginId"], "email")["email"], "wire+verify@example.com")
	wantEq(t, "password", rb["password"], "wire-password")
	p := wantKeys(t, "profile", rb["profile"], "firstName", "lastName", "nickname")
	wantEq(t, "firstName", p["firstName"], "Ada")
	wantEq(t, "lastName", p["lastName"], "Lovelace")
	wantEq(t, "nickname", p["nickname"], "ada")

	code := e.wix.VerificationCode("wire+verify@example.com")
	b.post("/auth/verify", url.Values{"code": {code}})
	vs := e.requests(wixtest.EndpointVerify)
	if len(vs) != 1 {
		t.Fatalf("verify calls = %d", len(vs))
	}
	vb := wantKeys(t, "verify body", jsonBody(t, vs[0]), "code", "stateToken")
	wantEq(t, "code", vb["code"], code)
	if st, _ := vb["stateToken"].(string); !strings.HasPrefix(st, "JWS.") {
		t.Errorf("stateToken = %q, want the one from the register answer", st)
	}
	if got := b.role(); got != "member" {
		t.Errorf("role after verify = %q", got)
	}

	b.post("/auth/password-reset", url.Values{"email": {wixtest.DemoEmail}, "returnTo": {"/after-reset"}})
	rec := e.requests(wixtest.EndpointRecovery)
	if len(rec) != 1 {
		t.Fatalf("recovery calls = %d", len(rec))
	}
	body := wantKeys(t, "recovery body", jsonBody(t, rec[0]), "email", "redirect")
	wantEq(t, "email", body["email"], wixtest.DemoEmail)
	red := wantKeys(t, "redirect", body["redirect"], "url", "clientId")
	wantEq(t, "redirect.url", red["url"], e.app+"/after-reset")
	wantEq(t, "redirect.clientId", red["clientId"], e.wix.ClientID)
}

func TestWireLogout(t *testing.T) {
	e := newEnv(t, options{})
	b := member(t, e)
	memberTok := b.tokens()
	e.wix.ResetCounters()
	b.post("/auth/logout", url.Values{"returnTo": {"/bye"}})
	rs := e.requests(wixtest.EndpointRedirectSession)
	if len(rs) != 1 {
		t.Fatalf("redirect sessions = %d", len(rs))
	}
	wantEq(t, "logout Authorization", rs[0].Header.Get("Authorization"), memberTok.AccessToken.Value)
	body := wantKeys(t, "logout body", jsonBody(t, rs[0]), "logout", "callbacks")
	wantEq(t, "logout.clientId", wantKeys(t, "logout", body["logout"], "clientId")["clientId"], e.wix.ClientID)
	wantEq(t, "callbacks.postFlowUrl", wantKeys(t, "callbacks", body["callbacks"], "postFlowUrl")["postFlowUrl"], e.app+"/bye")
}

// External login: the authorized_client grant with the visitor's token
// and the API key, then members/my works.
func TestExternalLogin(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.get("/")
	visitor := b.tokens()
	cookie := b.session()
	m, _ := e.wix.MemberByEmail(wixtest.DemoEmail)

	p := b.post("/external?member="+m.ID, nil)
	if p.URL().Path != "/account" || p.Body != "member /account" {
		t.Fatalf("external login: %s %q", p.URL(), p.Body)
	}
	if me := b.get("/me"); me.Body != wixtest.DemoEmail {
		t.Errorf("members/my after external login = %d %q", me.StatusCode, me.Body)
	}
	if b.session() == cookie {
		t.Errorf("the session token was not renewed")
	}
	grants := e.tokenRequests("authorized_client")
	if len(grants) != 1 {
		t.Fatalf("authorized_client grants = %d", len(grants))
	}
	wantEq(t, "Authorization", grants[0].Header.Get("Authorization"), visitor.AccessToken.Value+","+e.wix.APIKey)
	g := wantKeys(t, "authorized_client body", jsonBody(t, grants[0]), "grant_type", "scope", "member_id")
	wantEq(t, "grant_type", g["grant_type"], "authorized_client")
	wantEq(t, "scope", g["scope"], "offline_access")
	wantEq(t, "member_id", g["member_id"], m.ID)

	// An unknown member fails, and the session stays a visitor's.
	b2 := e.browser()
	if p := b2.post("/external?member=no-such-member", nil); p.StatusCode != http.StatusBadGateway {
		t.Errorf("external login of an unknown member: %d", p.StatusCode)
	}
	if got := b2.role(); got != "visitor" {
		t.Errorf("role = %q", got)
	}
	e.assertNoLeaks()
}
