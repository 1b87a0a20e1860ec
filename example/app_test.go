package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wixauth/wixauth/ecom"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/internal/testbrowser"
	"github.com/wixauth/wixauth/wixtest"
)

// 1. A new visitor gets tokens once; the browser only gets a session ID.
func TestSessionMintsVisitorTokensOnce(t *testing.T) {
	e := newEnv(t)
	b := e.browser()

	first := b.get("/api/session")
	if first.StatusCode != http.StatusOK {
		t.Fatalf("/api/session: %d %s", first.StatusCode, first.Body)
	}
	if n := e.fake.TokenCalls("anonymous"); n != 1 {
		t.Fatalf("first request: %d anonymous token calls, want 1", n)
	}
	setCookie := strings.Join(first.Header.Values("Set-Cookie"), "\n")
	for _, want := range []string{"wixauth_session=", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", setCookie, want)
		}
	}
	if strings.Contains(setCookie, "Secure") {
		t.Errorf("Set-Cookie %q is Secure on an http:// app", setCookie)
	}
	cookie := b.sessionCookie()
	if cookie == nil {
		t.Fatal("no wixauth_session cookie in the jar")
	}

	second := b.get("/api/session")
	if n := e.fake.TokenCalls(""); n != 1 {
		t.Fatalf("after the second request: %d token calls in all, want 1 (the first's)", n)
	}
	if c := b.sessionCookie(); c == nil || c.Value != cookie.Value {
		t.Errorf("the session cookie changed on the second request")
	}
	if v := cookie.Value; len(v) != 43 || strings.Contains(v, "JWS") || strings.Contains(v, "OauthNG") {
		t.Errorf("session cookie %q is not an opaque 43-character ID", v)
	}

	for _, p := range []page{first, second} {
		var raw map[string]any
		if err := json.Unmarshal([]byte(p.Body), &raw); err != nil {
			t.Fatalf("%v in %s", err, p.Body)
		}
		if len(raw) != 3 || raw["role"] != "visitor" || raw["loggedIn"] != false {
			t.Errorf("/api/session = %s, want exactly role visitor, loggedIn false, expiresAt", p.Body)
		}
		exp, _ := raw["expiresAt"].(float64)
		if d := time.Until(time.Unix(int64(exp), 0)); d < 3*time.Hour || d > 5*time.Hour {
			t.Errorf("expiresAt is %v away, want about 4h", d)
		}
		if strings.Contains(p.Body, "JWS") {
			t.Errorf("/api/session holds a token: %s", p.Body)
		}
	}
}

// 2. The cart through the JSON API and the home page.
func TestCart(t *testing.T) {
	e := newEnv(t)
	b := e.browser()

	if p := b.get("/api/cart"); p.StatusCode != http.StatusOK || strings.TrimSpace(p.Body) != `{"cart":{"lineItems":[]}}` {
		t.Fatalf("empty cart: %d %s", p.StatusCode, p.Body)
	}
	e.wantPage(b.get("/"), "/", "Your cart is empty.")

	added := b.post("/api/cart", nil, "") // as curl: no Origin, no Sec-Fetch-Site
	if added.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/cart: %d %s", added.StatusCode, added.Body)
	}
	if items := cartItems(t, added.Body); len(items) != 1 {
		t.Fatalf("POST /api/cart answered %d line items: %s", len(items), added.Body)
	}
	got := b.get("/api/cart")
	items := cartItems(t, got.Body)
	if len(items) != 1 || items[0].Quantity != 1 || items[0].CatalogReference.CatalogItemID != "demo-item" || items[0].CatalogReference.AppID != ecom.WixStoresAppID {
		t.Fatalf("GET /api/cart = %s, want one demo item", got.Body)
	}

	home := b.get("/")
	e.wantPage(home, "/", "Item demo-item", "$10.00")
	if n := strings.Count(home.Body, `class="line-item"`); n != 1 {
		t.Errorf("home shows %d line items, want 1", n)
	}

	// The page's own button: a same-origin form post, then back home.
	e.wantPage(b.post("/cart/add", nil, e.appURL), "/", "Item demo-item", "$20.00")

	// Cross-origin posts are refused.
	if p := b.post("/cart/add", nil, "http://evil.example"); p.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin POST /cart/add: %d, want 403", p.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, e.appURL+"/api/cart", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.StatusCode != http.StatusForbidden || !strings.Contains(p.Header.Get("Content-Type"), "json") {
		t.Errorf("cross-site POST /api/cart: %d %s, want a JSON 403", p.StatusCode, p.Body)
	}
	if items := cartItems(t, b.get("/api/cart").Body); items[0].Quantity != 2 {
		t.Errorf("quantity %d after the refused posts, want 2", items[0].Quantity)
	}
}

type lineItem struct {
	Quantity         int `json:"quantity"`
	CatalogReference struct {
		AppID         string `json:"appId"`
		CatalogItemID string `json:"catalogItemId"`
	} `json:"catalogReference"`
}

func cartItems(t *testing.T, body string) []lineItem {
	t.Helper()
	var v struct {
		Cart *struct {
			LineItems []lineItem `json:"lineItems"`
		} `json:"cart"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.Cart == nil {
		t.Fatalf("not a cart: %v %s", err, body)
	}
	return v.Cart.LineItems
}

// 3. Wix's hosted login page, with real redirects.
func TestHostedLogin(t *testing.T) {
	t.Run("login form", func(t *testing.T) {
		e := newEnv(t)
		b := e.browser()
		b.get("/") // a visitor first
		visitorCookie := b.sessionCookie().Value

		p := b.get("/auth/login?returnTo=/account")
		if p.Request.URL.Host == strings.TrimPrefix(e.appURL, "http://") || !strings.Contains(p.Body, `id="wixtest-login"`) {
			t.Fatalf("did not land on Wix's login page: %d %s\n%s", p.StatusCode, p.Request.URL, p.Body)
		}
		action := attr(t, formAction, p.Body)
		if !strings.HasPrefix(action, e.fake.URL) {
			t.Fatalf("login form posts to %s, not to the fake", action)
		}
		done := b.post(action, url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}}, e.fake.URL)
		e.wantPage(done, "/account", wixtest.DemoEmail, wixtest.DemoNickname)

		if s := b.session(); s.Role != "member" || !s.LoggedIn {
			t.Errorf("/api/session after login = %+v, want member", s)
		}
		if c := b.sessionCookie(); c.Value == visitorCookie {
			t.Error("the session ID was not renewed at login")
		}
		e.wantPage(b.get("/"), "/", "logged in as a <strong>member</strong>", wixtest.DemoNickname)
	})

	t.Run("auto-login", func(t *testing.T) {
		e := newEnv(t)
		e.fake.SetAutoLogin(wixtest.DemoEmail)
		b := e.browser()
		e.wantPage(b.get("/auth/login?returnTo=/account"), "/account", wixtest.DemoEmail)
		if s := b.session(); s.Role != "member" || !s.LoggedIn {
			t.Errorf("/api/session after login = %+v, want member", s)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		e := newEnv(t)
		b := e.browser()
		p := b.get("/account") // a visitor: sent to Wix's login page
		cancel := attr(t, cancelLink, p.Body)
		done := b.get(cancel)
		e.wantPage(done, "/login", handlers.Message(handlers.ErrorCodeLoginCancelled), `name="returnTo" value="/account"`)
		if strings.Contains(done.Body, "access_denied") {
			t.Errorf("Wix's error text reached the page")
		}
		if s := b.session(); s.Role != "visitor" {
			t.Errorf("/api/session after a cancelled login = %+v, want visitor", s)
		}
	})
}

// 4. The email/password form of the app, completed through Wix.
func TestPasswordLogin(t *testing.T) {
	e := newEnv(t)
	b := e.browser()

	e.wantPage(b.get("/login"), "/login", `action="/auth/login"`, `action="/auth/register"`, `action="/auth/password-reset"`, wixtest.DemoPassword)

	bad := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {"wrong"}, "returnTo": {"/account"}}, e.appURL)
	e.wantPage(bad, "/login", handlers.Message(handlers.ErrorCodeInvalidCredentials))
	if s := b.session(); s.LoggedIn {
		t.Fatal("logged in with a wrong password")
	}

	b.loginWithPassword()
	if s := b.session(); s.Role != "member" || !s.LoggedIn {
		t.Errorf("/api/session after login = %+v, want member", s)
	}

	// A form posted from another site is refused.
	other := e.browser()
	p := other.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}}, "http://evil.example")
	if p.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin login: %d, want 403", p.StatusCode)
	}
}

// 5. Logout goes through Wix's logout page and back home as a visitor.
func TestLogout(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.loginWithPassword()

	p := b.post("/auth/logout", url.Values{"returnTo": {"/"}}, e.appURL)
	e.wantPage(p, "/", "You are a <strong>visitor</strong>")
	if n := e.fake.Count(wixtest.EndpointLogoutPage); n != 1 {
		t.Errorf("the browser saw Wix's logout page %d times, want 1", n)
	}
	if s := b.session(); s.Role != "visitor" || s.LoggedIn {
		t.Errorf("/api/session after logout = %+v, want visitor", s)
	}
	resp, err := b.noFollow().Get(e.appURL + "/account")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("/account after logout: %d, want 303", resp.StatusCode)
	}
}

// 6. The account page sends a visitor to the login.
func TestAccountRedirectsVisitor(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	resp, err := b.noFollow().Get(e.appURL + "/account")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/auth/login?returnTo=%2Faccount" {
		t.Errorf("/account as a visitor: %d Location %q, want 303 /auth/login?returnTo=%%2Faccount", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// 7. Health checks and static files mint no tokens and set no cookie.
func TestHealthzMintsNoTokens(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for _, path := range []string{"/healthz", "/static/style.css"} {
		p := b.get(path)
		if p.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, p.StatusCode)
		}
		if len(p.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("%s sets a cookie", path)
		}
	}
	if p := b.get("/healthz"); p.Body != "ok" {
		t.Errorf("/healthz = %q", p.Body)
	}
	if n := e.fake.TokenCalls(""); n != 0 {
		t.Errorf("%d token calls, want 0", n)
	}
}

// Registration that needs the emailed code, with the verification form.
func TestRegisterWithVerification(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	const email = "new+verify@example.com"
	p := b.post("/auth/register", url.Values{"email": {email}, "password": {"a-new-password"}, "nickname": {"Newbie"}, "returnTo": {"/account"}}, e.appURL)
	e.wantPage(p, "/login", `action="/auth/verify"`, "We emailed you a verification code")
	if q := p.Request.URL.Query(); q.Get("flow") != "register" || q.Get("state") != "EMAIL_VERIFICATION_REQUIRED" {
		t.Errorf("landed on %s", p.Request.URL)
	}

	wrong := b.post("/auth/verify", url.Values{"code": {"000000"}}, e.appURL)
	e.wantPage(wrong, "/login", "The code is not right.", `action="/auth/verify"`)

	code := e.fake.VerificationCode(email)
	if code == "" {
		t.Fatal("the fake sent no code")
	}
	e.wantPage(b.post("/auth/verify", url.Values{"code": {code}}, e.appURL), "/account", email, "Newbie")
}

func TestPasswordReset(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := b.post("/auth/password-reset", url.Values{"email": {wixtest.DemoEmail}}, e.appURL)
	e.wantPage(p, "/login", "If this email belongs to a member, a reset link is on its way.")
	if got := e.fake.PasswordResetEmails(); len(got) != 1 || got[0] != wixtest.DemoEmail {
		t.Errorf("reset emails sent: %v", got)
	}
}

// The login page words error codes with fixed messages: no text from the
// query string reaches it, escaped or not.
func TestLoginPageShowsNoQueryText(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := b.get("/login?flow=login&state=FAILURE&errorCode=%3Cb%3Ebold&error=%3Cscript%3Ealert(1)%3C%2Fscript%3E&loginError=italic&returnTo=https://evil.example/")
	e.wantPage(p, "/login", handlers.Message(handlers.ErrorCodeRefused))
	for _, s := range []string{"<script", "alert(1)", "bold", "italic", "evil.example"} {
		if strings.Contains(p.Body, s) {
			t.Errorf("the page shows %q from the query:\n%s", s, p.Body)
		}
	}
	p = b.get("/login?flow=login&state=FAILURE&errorCode=invalidCredentials")
	e.wantPage(p, "/login", handlers.Message(handlers.ErrorCodeInvalidCredentials))
	p = b.get("/login?flow=callback&state=FAILURE&errorCode=loginCancelled")
	e.wantPage(p, "/login", `id="login-error"`, "cancelled")
}

// Wix failing shows a friendly 502, and the details go to the log only.
func TestWixFailure(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.get("/api/session")
	e.fake.Fail(wixtest.EndpointCart, wixtest.Fault{Status: http.StatusInternalServerError})

	p := b.get("/")
	if p.StatusCode != http.StatusBadGateway || !strings.Contains(p.Body, "Wix could not load your cart right now") {
		t.Errorf("home with Wix failing: %d\n%s", p.StatusCode, p.Body)
	}
	if strings.Contains(p.Body, "x-wix-request-id") || strings.Contains(p.Body, "wixtest fault") {
		t.Errorf("the error page shows Wix's details:\n%s", p.Body)
	}
	api := b.get("/api/cart")
	if api.StatusCode != http.StatusBadGateway || !strings.Contains(api.Header.Get("Content-Type"), "application/json") {
		t.Errorf("/api/cart with Wix failing: %d %s", api.StatusCode, api.Body)
	}
	if !strings.Contains(e.logs.String(), "x-wix-request-id") {
		t.Errorf("the log lacks Wix's request ID:\n%s", e.logs.String())
	}

	// Wix unable to mint tokens at all: the middleware's error page.
	e.fake.Fail(wixtest.EndpointToken, wixtest.Fault{Status: http.StatusServiceUnavailable})
	fresh := e.browser().get("/")
	if fresh.StatusCode != http.StatusServiceUnavailable || fresh.Header.Get("Retry-After") == "" || !strings.Contains(fresh.Body, "Wix is unavailable") {
		t.Errorf("home with the token endpoint failing: %d %v\n%s", fresh.StatusCode, fresh.Header, fresh.Body)
	}
}

// With SESSION_STORE=redis://, two instances of the app share the sessions:
// a member logged in on one is logged in on the other.
func TestRedisSessionStore(t *testing.T) {
	rs := redistest.Start(t)
	e := newEnvWithStore(t, rs.URL)
	b := e.browser()
	b.loginWithPassword()

	other := e.startInstance() // same host, other port: the browser sends the same cookie
	p := b.get(other + "/api/session")
	var s sessionJSON
	if err := json.Unmarshal([]byte(p.Body), &s); err != nil || s.Role != "member" || !s.LoggedIn {
		t.Fatalf("the other instance sees %s (%v), want the member", p.Body, err)
	}
	if n := e.fake.TokenCalls("anonymous"); n != 1 {
		t.Errorf("%d anonymous token calls, want 1: the other instance must reuse the session", n)
	}
	keys, _ := rs.Do(t, "KEYS", "wixauth:session:*").([]any)
	if len(keys) == 0 {
		t.Error("no session in Redis")
	}

	// Log out on the other instance: a visitor on the first.
	b.post(other+"/auth/logout", url.Values{"returnTo": {"/"}}, other)
	if s := b.session(); s.Role != "visitor" || s.LoggedIn {
		t.Errorf("after logging out on the other instance, the first sees %+v, want a visitor", s)
	}
}

// The scripted flow every example passes (internal/testbrowser.Flow):
// visitor, cart, checkout URL, hosted login, members-only page, logout.
func TestScriptedFlow(t *testing.T) {
	e := newEnv(t)
	testbrowser.Flow(t, e.appURL, e.fake.URL)
}

// The visitor's cart follows the login (cartcarry.go): the items a visitor
// added are in the member's cart after Wix's hosted login, and a login
// with an empty visitor cart adds nothing.
func TestVisitorCartFollowsLogin(t *testing.T) {
	e := newEnv(t)
	e.fake.SetAutoLogin(wixtest.DemoEmail)
	b := e.browser()
	if p := b.post("/api/cart", nil, ""); p.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/cart: %d %s", p.StatusCode, p.Body)
	}
	e.wantPage(b.get("/auth/login?returnTo=/account"), "/account", wixtest.DemoEmail)
	if s := b.session(); s.Role != "member" {
		t.Fatalf("after the login: %+v, want member", s)
	}
	items := cartItems(t, b.get("/api/cart").Body)
	if len(items) != 1 || items[0].Quantity != 1 || items[0].CatalogReference.CatalogItemID != "demo-item" {
		t.Fatalf("the member's cart after the login: %+v, want the visitor's demo item", items)
	}

	// The email/password form (its web_message finish completes the login
	// on POST /auth/direct-login, not on the callback) carries the items too.
	form := e.browser()
	if p := form.post("/api/cart", nil, ""); p.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/cart: %d %s", p.StatusCode, p.Body)
	}
	form.loginWithPassword()
	if items := cartItems(t, form.get("/api/cart").Body); len(items) != 1 || items[0].Quantity != 2 {
		t.Fatalf("the member's cart after the form login: %+v, want the demo item twice (one carried by each login)", items)
	}

	// The same member logs in again from a browser with an empty cart: the
	// member's cart keeps its items.
	other := e.browser()
	e.wantPage(other.get("/auth/login?returnTo=/account"), "/account", wixtest.DemoEmail)
	if items := cartItems(t, other.get("/api/cart").Body); len(items) != 1 || items[0].Quantity != 2 {
		t.Errorf("the member's cart after a login with no visitor items: %+v, want the one item", items)
	}
}
