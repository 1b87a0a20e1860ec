package wixtest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// callbackApp is a stand-in for the app's callback: it records the URLs the
// browser lands on.
type callbackApp struct {
	*httptest.Server
	mu   sync.Mutex
	hits []*url.URL
}

func newCallbackApp(t *testing.T) *callbackApp {
	c := &callbackApp{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.hits = append(c.hits, r.URL)
		c.mu.Unlock()
		_, _ = io.WriteString(w, "app callback")
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *callbackApp) last(t *testing.T) url.Values {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.hits) == 0 {
		t.Fatal("the browser never reached the callback")
	}
	return c.hits[len(c.hits)-1].Query()
}

// browser is an http.Client with a cookie jar that follows redirects.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func browse(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string, *url.URL) {
	t.Helper()
	var res *http.Response
	var err error
	if method == http.MethodPost {
		res, err = c.PostForm(u, form)
	} else {
		res, err = c.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Request.URL
}

func TestLoginPageFormFlow(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	app := newCallbackApp(t)
	access, _ := anonymous(t, s)
	s.AllowRedirectURI(app.URL + "/callback?next=%2Fshop")
	full, verifier, state := authSession(t, s, access, authOpts{redirectURI: app.URL + "/callback?next=%2Fshop"})
	if !strings.HasPrefix(full, s.URL+"/") {
		t.Fatalf("fullUrl %q is not on the fake", full)
	}
	b := browser(t)

	status, page, _ := browse(t, b, "GET", full, nil)
	for _, want := range []string{`id="wixtest-login"`, `name="email"`, `name="password"`, `id="wixtest-cancel"`, "Sign in"} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}

	status, page, _ = browse(t, b, "POST", full, url.Values{"email": {DemoEmail}, "password": {"wrong"}})
	if status != http.StatusOK || !strings.Contains(page, "wixtest-error") || !strings.Contains(page, `id="wixtest-login"`) {
		t.Fatalf("wrong password: status %d page %s", status, page)
	}

	status, _, landed := browse(t, b, "POST", full, url.Values{"email": {DemoEmail}, "password": {DemoPassword}})
	if status != http.StatusOK || landed.Path != "/callback" {
		t.Fatalf("landed on %v with %d", landed, status)
	}
	p := app.last(t)
	if p.Get("state") != state || p.Get("code") == "" || p.Get("next") != "/shop" {
		t.Fatalf("callback query %v", p)
	}
	r := postJSON(t, s.URL+"/oauth2/token", "", map[string]string{
		"clientId": s.ClientID, "grantType": "authorization_code", "redirectUri": app.URL + "/callback?next=%2Fshop",
		"code": p.Get("code"), "codeVerifier": verifier,
	})
	checkPair(t, r)

	// The session is single use.
	if status, _, _ := browse(t, b, "GET", full, nil); status != http.StatusBadRequest {
		t.Errorf("reused login link: status %d", status)
	}
	if n := s.Count(EndpointLoginPage); n != 4 {
		t.Errorf("login-page count %d, want 4", n)
	}
}

func TestLoginPageCancel(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	app := newCallbackApp(t)
	access, _ := anonymous(t, s)
	s.AllowRedirectURI(app.URL + "/callback")
	full, _, state := authSession(t, s, access, authOpts{redirectURI: app.URL + "/callback"})
	b := browser(t)
	_, page, _ := browse(t, b, "GET", full, nil)
	i := strings.Index(page, `id="wixtest-cancel" href="`)
	if i < 0 {
		t.Fatal("no cancel link")
	}
	href := page[i+len(`id="wixtest-cancel" href="`):]
	href = strings.ReplaceAll(href[:strings.Index(href, `"`)], "&amp;", "&")
	_, _, landed := browse(t, b, "GET", href, nil)
	p := app.last(t)
	if landed.Path != "/callback" || p.Get("error") != "access_denied" || p.Get("error_description") == "" || p.Get("state") != state || p.Has("code") {
		t.Fatalf("cancel landed on %v", landed)
	}
}

func TestLoginPageAutoLogin(t *testing.T) {
	s := newTestServer(WithAutoLogin(DemoEmail))
	defer s.Close()
	app := newCallbackApp(t)
	access, _ := anonymous(t, s)
	s.AllowRedirectURI(app.URL + "/cb")
	full, verifier, state := authSession(t, s, access, authOpts{redirectURI: app.URL + "/cb"})
	_, _, landed := browse(t, browser(t), "GET", full, nil)
	p := app.last(t)
	if landed.Path != "/cb" || p.Get("state") != state || p.Get("wixMemberLoggedIn") != "true" {
		t.Fatalf("auto-login landed on %v", landed)
	}
	r := postJSON(t, s.URL+"/oauth2/token", "", map[string]string{"clientId": s.ClientID, "grantType": "authorization_code",
		"redirectUri": app.URL + "/cb", "code": p.Get("code"), "codeVerifier": verifier})
	a, _ := checkPair(t, r)
	demo, _ := s.MemberByEmail(DemoEmail)
	if id, _, _ := s.IdentityOf(a); id != demo.ID {
		t.Error("auto-login signed in someone else")
	}

	// An unknown auto-login email becomes a member.
	s.SetAutoLogin("auto@example.com")
	full, _, _ = authSession(t, s, access, authOpts{})
	callbackParams(t, full)
	if _, ok := s.MemberByEmail("auto@example.com"); !ok {
		t.Error("auto-login member not added")
	}
}

func TestLoginPageEmailVerificationAndApproval(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	s.AddMember(Member{Email: "v@example.com", Password: "pw", RequireEmailVerification: true})
	s.AddMember(Member{Email: "a@example.com", Password: "pw", RequireOwnerApproval: true})
	access, _ := anonymous(t, s)

	full, _, state := authSession(t, s, access, authOpts{})
	form := url.Values{"email": {"v@example.com"}, "password": {"pw"}}
	r := do(t, "POST", full, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, form.Encode())
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `id="wixtest-verify"`) {
		t.Fatalf("no code form: %d %s", r.Status, r.Body)
	}
	code := s.VerificationCode("v@example.com")
	if len(code) != 6 {
		t.Fatalf("code %q", code)
	}
	r = do(t, "POST", full, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, url.Values{"step": {"verify"}, "code": {"000000x"}}.Encode())
	if !strings.Contains(string(r.Body), "wixtest-error") {
		t.Fatalf("wrong code accepted: %s", r.Body)
	}
	r = do(t, "POST", full, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, url.Values{"step": {"verify"}, "code": {code}}.Encode())
	expectStatus(t, r, http.StatusFound)
	if u, _ := url.Parse(r.Header.Get("Location")); u.Query().Get("state") != state || u.Query().Get("code") == "" {
		t.Fatalf("location %s", r.Header.Get("Location"))
	}

	full, _, _ = authSession(t, s, access, authOpts{})
	r = do(t, "POST", full, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, url.Values{"email": {"a@example.com"}, "password": {"pw"}}.Encode())
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Pending approval") {
		t.Fatalf("approval: %d %s", r.Status, r.Body)
	}
}

func TestResponseModes(t *testing.T) {
	s := newTestServer(WithAutoLogin(DemoEmail))
	defer s.Close()
	access, _ := anonymous(t, s)

	full, _, state := authSession(t, s, access, authOpts{mode: "fragment"})
	r := get(t, full, "")
	expectStatus(t, r, http.StatusFound)
	loc, _ := url.Parse(r.Header.Get("Location"))
	frag, _ := url.ParseQuery(loc.Fragment)
	if loc.RawQuery != "" || frag.Get("state") != state || frag.Get("code") == "" {
		t.Fatalf("fragment location %s", loc)
	}

	full, _, state = authSession(t, s, access, authOpts{mode: "web_message"})
	r = get(t, full, "")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), "postMessage") || !strings.Contains(string(r.Body), state) {
		t.Fatalf("web_message page %s", r.Body)
	}
}

func TestPromptNone(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	login := postJSON(t, s.URL+"/_api/iam/authentication/v2/login", access, map[string]any{"loginId": map[string]string{"email": DemoEmail}, "password": DemoPassword})
	expectStatus(t, login, http.StatusOK)
	st := str(login.json(t), "sessionToken")

	full, verifier, state := authSession(t, s, access, authOpts{prompt: "none", sessionToken: st})
	p := callbackParams(t, full)
	if p.Get("state") != state {
		t.Fatalf("params %v", p)
	}
	a, _ := checkPair(t, exchange(t, s, p.Get("code"), verifier))
	demo, _ := s.MemberByEmail(DemoEmail)
	if id, _, _ := s.IdentityOf(a); id != demo.ID {
		t.Error("wrong member")
	}

	// The session token is spent.
	o := authOpts{prompt: "none", sessionToken: st}
	expectAppError(t, postJSON(t, s.URL+"/_api/redirects-api/v1/redirect-session", access, authBody(s, &o)), http.StatusBadRequest, "INVALID_SESSION_TOKEN")
	o = authOpts{prompt: "none", sessionToken: "JWS.bogus"}
	expectAppError(t, postJSON(t, s.URL+"/_api/redirects-api/v1/redirect-session", access, authBody(s, &o)), http.StatusBadRequest, "INVALID_SESSION_TOKEN")

	// Without one the member must log in.
	full, _, state = authSession(t, s, access, authOpts{prompt: "none"})
	p = callbackParams(t, full)
	if p.Get("error") != "login_required" || p.Get("state") != state || p.Has("code") {
		t.Fatalf("params %v", p)
	}
}

func TestRedirectSessionValidation(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	rs := s.URL + "/_api/redirects-api/v1/redirect-session"

	expectAppError(t, postJSON(t, rs, access, map[string]any{}), http.StatusBadRequest, "INVALID_ARGUMENT")
	expectAppError(t, postJSON(t, rs, access, map[string]any{"login": map[string]any{}, "logout": map[string]any{"clientId": s.ClientID}}), http.StatusBadRequest, "INVALID_ARGUMENT")
	expectAppError(t, postJSON(t, rs, "", map[string]any{"login": map[string]any{}}), http.StatusUnauthorized, "UNAUTHENTICATED")
	expectAppError(t, do(t, "POST", rs, http.Header{"Authorization": {access}}, "{oops"), http.StatusBadRequest, "INVALID_ARGUMENT")

	for _, tc := range []struct{ key, value, field string }{
		{"redirectUri", "/callback", "auth.authRequest.redirectUri"},
		{"redirectUri", "", "auth.authRequest.redirectUri"},
		{"responseType", "token", "auth.authRequest.responseType"},
		{"responseMode", "form_post", "auth.authRequest.responseMode"},
		{"codeChallengeMethod", "plain", "auth.authRequest.codeChallengeMethod"},
		{"codeChallenge", "", "auth.authRequest.codeChallenge"},
		{"state", "", "auth.authRequest.state"},
		{"scope", "openid", "auth.authRequest.scope"},
		{"clientId", "", "auth.authRequest.clientId"},
		{"prompt", "sudo", "auth.prompt"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			o := authOpts{}
			body := authBody(s, &o)
			if tc.key == "prompt" {
				body["auth"].(map[string]any)["prompt"] = tc.value
			} else {
				body["auth"].(map[string]any)["authRequest"].(map[string]any)[tc.key] = tc.value
			}
			r := postJSON(t, rs, access, body)
			expectStatus(t, r, http.StatusBadRequest)
			fv, _ := field(r.json(t), "details.validationError.fieldViolations").([]any)
			if len(fv) != 1 || fv[0].(map[string]any)["field"] != tc.field {
				t.Fatalf("body %s", r.Body)
			}
		})
	}

	o := authOpts{}
	body := authBody(s, &o)
	body["auth"].(map[string]any)["authRequest"].(map[string]any)["clientId"] = "other"
	expectAppError(t, postJSON(t, rs, access, body), http.StatusBadRequest, "INVALID_CLIENT_ID")
	o = authOpts{redirectURI: "https://evil.example/callback"}
	expectAppError(t, postJSON(t, rs, access, authBody(s, &o)), http.StatusBadRequest, "INVALID_REDIRECT_URI")
	expectAppError(t, postJSON(t, rs, access, map[string]any{"logout": map[string]any{"clientId": "other"}}), http.StatusBadRequest, "INVALID_CLIENT_ID")
	expectStatus(t, postJSON(t, rs, access, map[string]any{"logout": map[string]any{}}), http.StatusBadRequest)
	expectStatus(t, postJSON(t, rs, access, map[string]any{"login": map[string]any{}, "callbacks": map[string]any{"postFlowUrl": "not a url"}}), http.StatusBadRequest)
}

func TestLogoutAndOtherPages(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := s.IssueMemberTokens(DemoEmail)
	rs := s.URL + "/redirect-session/v1/redirect-session"

	r := postJSON(t, rs, access, map[string]any{"logout": map[string]any{"clientId": s.ClientID}, "callbacks": map[string]any{"postFlowUrl": "https://app.example/bye"}})
	expectStatus(t, r, http.StatusOK)
	m := r.json(t)
	for _, k := range []string{"id", "fullUrl", "urlDetails.endpoint", "sessionToken", "shortUrl"} {
		if str(m, "redirectSession."+k) == "" {
			t.Errorf("redirectSession.%s missing: %s", k, r.Body)
		}
	}
	if _, ok := field(m, "redirectSession.urlDetails.searchParams").(map[string]any); !ok {
		t.Errorf("searchParams missing")
	}
	page := get(t, str(m, "redirectSession.fullUrl"), "")
	expectStatus(t, page, http.StatusFound)
	if page.Header.Get("Location") != "https://app.example/bye" {
		t.Errorf("logout location %q", page.Header.Get("Location"))
	}
	short := get(t, str(m, "redirectSession.shortUrl"), "")
	expectStatus(t, short, http.StatusFound)
	if s.Count(EndpointLogoutPage) != 2 {
		t.Errorf("logout-page count %d", s.Count(EndpointLogoutPage))
	}

	r = postJSON(t, rs, access, map[string]any{"login": map[string]any{}})
	expectStatus(t, r, http.StatusOK)
	expectStatus(t, get(t, str(r.json(t), "redirectSession.fullUrl"), ""), http.StatusOK)

	r = postJSON(t, rs, access, map[string]any{"ecomCheckout": map[string]any{"checkoutId": "chk-1"},
		"callbacks": map[string]any{"postFlowUrl": "https://app.example/shop", "thankYouPageUrl": "https://app.example/thanks"}})
	expectStatus(t, r, http.StatusOK)
	page = get(t, str(r.json(t), "redirectSession.fullUrl"), "")
	expectStatus(t, page, http.StatusOK)
	for _, want := range []string{"ecomCheckout", "chk-1", "https://app.example/shop", "https://app.example/thanks"} {
		if !strings.Contains(string(page.Body), want) {
			t.Errorf("checkout page lacks %q", want)
		}
	}
	if s.Count(EndpointRedirectPage) != 2 {
		t.Errorf("redirect-page count %d", s.Count(EndpointRedirectPage))
	}
	expectStatus(t, get(t, s.URL+pagePrefix+"nope", ""), http.StatusNotFound)
}

func TestHandlerWithSetURL(t *testing.T) {
	s := NewUnstartedServer()
	defer s.Close()
	hs := httptest.NewServer(http.StripPrefix("/wix", s.Handler()))
	defer hs.Close()
	s.SetURL(hs.URL + "/wix/")
	if s.URL != hs.URL+"/wix" {
		t.Fatalf("URL %q", s.URL)
	}
	access, _ := anonymous(t, s)
	r := postJSON(t, s.URL+"/_api/redirects-api/v1/redirect-session", access, map[string]any{"login": map[string]any{}})
	expectStatus(t, r, http.StatusOK)
	full := str(r.json(t), "redirectSession.fullUrl")
	if !strings.HasPrefix(full, hs.URL+"/wix/_wixtest/") {
		t.Fatalf("fullUrl %q", full)
	}
	expectStatus(t, get(t, full, ""), http.StatusOK)
}
