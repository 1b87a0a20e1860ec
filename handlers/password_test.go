package handlers_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/wixtest"
)

// An email/password form: login v2, then Wix's auth URL with prompt
// "none": by default in the direct-login page's hidden frame (the SDK's
// web_message way, played by the test browser as its script does), whose
// code the page hands to the app; with DirectLoginRedirect by a top-level
// trip back to the same callback as the hosted login.
func TestPasswordLoginForm(t *testing.T) {
	for _, mode := range []handlers.DirectLoginMode{"", handlers.DirectLoginRedirect} {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, options{handlers: func(c *handlers.Config) { c.DirectLogin = mode }})
			b := e.browser()
			b.get("/")
			cookie := b.session()
			p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}, "returnTo": {"/account"}})
			if p.URL().String() != e.app+"/account" || p.Body != "member /account" {
				t.Fatalf("after the login form: %s %q, want /account as member", p.URL(), p.Body)
			}
			hops := b.hopList()
			if mode == "" {
				f := b.LastFrame
				if len(hops) != 2 || hops[0].Path != "/auth/direct-login" || f == nil || !f.Delivered || !strings.HasPrefix(f.AuthURL, e.wix.URL+"/") {
					t.Errorf("hops = %v, frame %+v, want the direct-login page (its frame on Wix, its message delivered), /account", hops, f)
				}
			} else if len(hops) != 3 || !strings.HasPrefix(hops[0].String(), e.wix.URL+"/") || hops[1].Path != "/auth/callback" {
				t.Errorf("hops = %v, want Wix (prompt none), callback, /account", hops)
			}
			if b.session() == cookie {
				t.Errorf("the session token was not renewed")
			}
			if me := b.get("/me"); me.Body != wixtest.DemoEmail {
				t.Errorf("members/my = %q", me.Body)
			}
			e.assertNoLeaks()
		})
	}
}

// The same with JSON: the answer says where to send the browser, the
// direct-login page (by default) or Wix (DirectLoginRedirect).
func TestPasswordLoginJSON(t *testing.T) {
	for _, mode := range []handlers.DirectLoginMode{"", handlers.DirectLoginRedirect} {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, options{handlers: func(c *handlers.Config) { c.DirectLogin = mode }})
			b := e.browser()
			status, res := b.postJSON("/auth/login", map[string]string{"email": wixtest.DemoEmail, "password": wixtest.DemoPassword, "returnTo": "/account"})
			want := "/auth/direct-login?state="
			if mode == handlers.DirectLoginRedirect {
				want = e.wix.URL + "/"
			}
			if status != http.StatusOK || res.State != "SUCCESS" || res.Flow != "login" || !strings.HasPrefix(res.Redirect, want) {
				t.Fatalf("JSON login: %d %+v, want 200 SUCCESS with a redirect to %s", status, res, want)
			}
			if p := b.get(res.Redirect); p.Body != "member /account" {
				t.Errorf("following the redirect: %q, want member /account", p.Body)
			}
			e.assertNoLeaks()
		})
	}
}

// Email verification: the state token stays on the server, the form asks
// for the code, a wrong code can be retried, the right one logs in.
func TestPasswordLoginWithEmailVerification(t *testing.T) {
	e := newEnv(t, options{})
	const email, pw = "verify-me@example.com", "verify-password-1"
	e.wix.AddMember(wixtest.Member{Email: email, Password: pw, RequireEmailVerification: true})
	b := e.browser()

	p := b.post("/auth/login", url.Values{"email": {email}, "password": {pw}, "returnTo": {"/after"}})
	if p.URL().Path != "/auth/form" || p.URL().Query().Get("state") != "EMAIL_VERIFICATION_REQUIRED" || p.URL().Query().Get("flow") != "login" {
		t.Fatalf("after login needing verification: %s, want the form with state EMAIL_VERIFICATION_REQUIRED", p.URL())
	}
	code := e.wix.VerificationCode(email)
	if code == "" {
		t.Fatal("the fake sent no code")
	}

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	p = b.post("/auth/verify", url.Values{"code": {wrong}})
	if p.URL().Path != "/auth/form" || p.URL().Query().Get("state") != "EMAIL_VERIFICATION_REQUIRED" || p.URL().Query().Get("errorCode") != string(handlers.ErrorCodeWrongCode) {
		t.Fatalf("wrong code: landed on %s, want the form again with errorCode wrongCode", p.URL())
	}
	if got := b.role(); got != "visitor" {
		t.Fatalf("role after a wrong code = %q", got)
	}

	p = b.post("/auth/verify", url.Values{"code": {code}})
	if p.URL().String() != e.app+"/after" || p.Body != "member /after" {
		t.Fatalf("right code: %s %q, want /after as member", p.URL(), p.Body)
	}
	// The verification is used up.
	if p := b.post("/auth/verify", url.Values{"code": {code}}); p.URL().Query().Get("errorCode") != string(handlers.ErrorCodeNoVerification) {
		t.Errorf("a second verify: %s, want errorCode noVerification", p.URL())
	}
	e.assertNoLeaks(pw)
}

func TestVerifyWithoutPendingVerification(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	status, res := b.postJSON("/auth/verify", map[string]string{"code": "123456"})
	if status != http.StatusBadRequest || res.State != "FAILURE" || e.wix.Count(wixtest.EndpointVerify) != 0 {
		t.Errorf("verify with nothing pending: %d %+v, %d calls to Wix", status, res, e.wix.Count(wixtest.EndpointVerify))
	}
}

// Every failure reaches the app as a typed result: JSON for JSON requests,
// a redirect back to the form otherwise.
func TestPasswordLoginFailures(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.AddMember(wixtest.Member{Email: "reset@example.com", Password: wixtest.ResetRequiredPassword})
	e.wix.AddMember(wixtest.Member{Email: "captcha+m@example.com", Password: "captcha-password"})
	e.wix.AddMember(wixtest.Member{Email: "approve@example.com", Password: "approve-password", RequireOwnerApproval: true})
	for _, tc := range []struct {
		name   string
		fields map[string]string
		state  string
		code   identity.ErrorCode
		status int
	}{
		{"wrong password", map[string]string{"email": wixtest.DemoEmail, "password": "not-the-password"}, "FAILURE", handlers.ErrorCodeInvalidCredentials, 401},
		{"unknown email", map[string]string{"email": "nobody@example.com", "password": "whatever-pw"}, "FAILURE", handlers.ErrorCodeInvalidCredentials, 401},
		{"reset required", map[string]string{"email": "reset@example.com", "password": wixtest.ResetRequiredPassword}, "FAILURE", handlers.ErrorCodeInvalidCredentials, 401},
		{"missing captcha", map[string]string{"email": "captcha+m@example.com", "password": "captcha-password"}, "FAILURE", identity.ErrorCodeMissingCaptchaToken, 400},
		{"bad captcha", map[string]string{"email": wixtest.DemoEmail, "password": wixtest.DemoPassword, "recaptchaToken": wixtest.BadCaptchaToken}, "FAILURE", identity.ErrorCodeInvalidCaptchaToken, 400},
		{"owner approval", map[string]string{"email": "approve@example.com", "password": "approve-password"}, "OWNER_APPROVAL_REQUIRED", handlers.ErrorCodeOwnerApproval, 403},
		{"no password", map[string]string{"email": wixtest.DemoEmail}, "FAILURE", handlers.ErrorCodeMissingFields, 400},
	} {
		t.Run(tc.name+"/json", func(t *testing.T) {
			b := e.browser()
			status, res := b.postJSON("/auth/login", tc.fields)
			if status != tc.status || res.State != tc.state || res.ErrorCode != string(tc.code) || res.Error == "" {
				t.Errorf("%d %+v, want %d state %s errorCode %q with a message", status, res, tc.status, tc.state, tc.code)
			}
			if b.role() != "visitor" {
				t.Errorf("logged in after a failure")
			}
		})
		t.Run(tc.name+"/form", func(t *testing.T) {
			b := e.browser()
			form := url.Values{}
			for k, v := range tc.fields {
				form.Set(k, v)
			}
			p := b.post("/auth/login", form)
			q := p.URL().Query()
			if p.URL().Path != "/auth/form" || q.Get("flow") != "login" || q.Get("state") != tc.state || q.Get("errorCode") != string(tc.code) || q.Has("error") {
				t.Errorf("landed on %s, want the form with state %s and errorCode %q, and no free text", p.URL(), tc.state, tc.code)
			}
			if msg := handlers.Message(tc.code); !strings.Contains(html.UnescapeString(p.Body), msg) {
				t.Errorf("the form page does not show %q: %s", msg, p.Body)
			}
		})
	}
	// A correct captcha token passes.
	b := e.browser()
	p := b.post("/auth/login", url.Values{"email": {"captcha+m@example.com"}, "password": {"captcha-password"}, "recaptchaToken": {"good-token"}})
	if p.Body != "member /" {
		t.Errorf("login with a captcha token: %s %q", p.URL(), p.Body)
	}
	e.assertNoLeaks("not-the-password", "captcha-password", "approve-password")
}

// Registration: plain, needing verification, needing approval, an
// existing email, a bad email.
func TestRegister(t *testing.T) {
	e := newEnv(t, options{})
	const pw = "new-member-password"

	t.Run("plain", func(t *testing.T) {
		b := e.browser()
		p := b.post("/auth/register", url.Values{"email": {"new@example.com"}, "password": {pw}, "nickname": {"Newbie"}, "returnTo": {"/welcome"}})
		if p.Body != "member /welcome" {
			t.Fatalf("register: %s %q, want member /welcome", p.URL(), p.Body)
		}
		if me := b.get("/me"); me.Body != "new@example.com" {
			t.Errorf("members/my = %q", me.Body)
		}
	})
	t.Run("verify", func(t *testing.T) {
		b := e.browser()
		status, res := b.postJSON("/auth/register", map[string]string{"email": "new+verify@example.com", "password": pw, "returnTo": "/welcome"})
		if status != http.StatusAccepted || res.State != "EMAIL_VERIFICATION_REQUIRED" || res.Flow != "register" {
			t.Fatalf("register +verify: %d %+v", status, res)
		}
		status, res = b.postJSON("/auth/verify", map[string]string{"code": e.wix.VerificationCode("new+verify@example.com")})
		if status != http.StatusOK || res.State != "SUCCESS" || !strings.HasPrefix(res.Redirect, "/auth/direct-login?state=") {
			t.Fatalf("verify: %d %+v", status, res)
		}
		if p := b.get(res.Redirect); p.Body != "member /welcome" {
			t.Errorf("after verify: %q, want member /welcome", p.Body)
		}
	})
	t.Run("approve", func(t *testing.T) {
		b := e.browser()
		p := b.post("/auth/register", url.Values{"email": {"new+approve@example.com"}, "password": {pw}})
		if p.URL().Path != "/auth/form" || p.URL().Query().Get("state") != "OWNER_APPROVAL_REQUIRED" || p.URL().Query().Get("flow") != "register" {
			t.Errorf("register +approve: %s", p.URL())
		}
		if b.role() != "visitor" {
			t.Errorf("logged in before approval")
		}
	})
	t.Run("existing", func(t *testing.T) {
		b := e.browser()
		status, res := b.postJSON("/auth/register", map[string]string{"email": wixtest.DemoEmail, "password": pw})
		if status != http.StatusConflict || res.ErrorCode != string(identity.ErrorCodeEmailAlreadyExists) {
			t.Errorf("existing email: %d %+v", status, res)
		}
	})
	t.Run("bad email", func(t *testing.T) {
		b := e.browser()
		p := b.post("/auth/register", url.Values{"email": {"not-an-email"}, "password": {pw}})
		if p.URL().Query().Get("errorCode") != string(identity.ErrorCodeInvalidEmail) {
			t.Errorf("bad email: %s", p.URL())
		}
	})
	e.assertNoLeaks(pw)
}

// Password reset answers the same for members and strangers, and the
// reset link leads back into the app.
func TestPasswordReset(t *testing.T) {
	e := newEnv(t, options{})
	for _, email := range []string{wixtest.DemoEmail, "stranger@example.com", "not-an-email"} {
		b := e.browser()
		p := b.post("/auth/password-reset", url.Values{"email": {email}, "returnTo": {"https://evil.example/"}})
		if p.StatusCode != 200 || p.URL().Path != "/auth/form" || p.URL().Query().Get("flow") != "password-reset" || p.URL().Query().Get("errorCode") != "" || !strings.Contains(p.Body, "is on its way") {
			t.Errorf("reset for %s: %d %s", email, p.StatusCode, p.URL())
		}
	}
	got := e.wix.PasswordResetEmails()
	if len(got) != 2 || got[0] != wixtest.DemoEmail || got[1] != "stranger@example.com" {
		t.Errorf("reset emails = %v", got)
	}
	for _, r := range e.requests(wixtest.EndpointRecovery) {
		red := jsonBody(t, r)["redirect"].(map[string]any)
		if red["url"] != e.app+"/" {
			t.Errorf("reset redirect url = %v, want %s/ (returnTo was foreign)", red["url"], e.app)
		}
	}
	// Wix failing is not hidden.
	e.wix.Fail(wixtest.EndpointRecovery, wixtest.Fault{Status: 503})
	status, res := e.browser().postJSON("/auth/password-reset", map[string]string{"email": wixtest.DemoEmail})
	if status != http.StatusBadGateway || res.Error == "" {
		t.Errorf("reset with Wix down: %d %+v, want 502", status, res)
	}
}

// Config.Respond receives every outcome as a typed Result and answers
// in its place.
func TestRespondHook(t *testing.T) {
	var mu sync.Mutex
	var got []handlers.Result
	e := newEnv(t, options{handlers: func(c *handlers.Config) {
		c.Respond = func(w http.ResponseWriter, r *http.Request, res handlers.Result) {
			mu.Lock()
			got = append(got, res)
			mu.Unlock()
			w.WriteHeader(299)
		}
	}})
	b := e.browser()
	p := b.post("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {"wrong-password-1"}})
	if p.StatusCode != 299 {
		t.Fatalf("status %d, want the hook's 299", p.StatusCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("the hook saw %d results", len(got))
	}
	r := got[0]
	if r.Flow != handlers.FlowLogin || r.State != identity.LoginFailure || r.ErrorCode != handlers.ErrorCodeInvalidCredentials || r.Status != http.StatusUnauthorized || !r.Form || r.Error == "" {
		t.Errorf("result = %+v", r)
	}
}

// Bodies the handlers cannot take are refused before any call to Wix.
func TestFormBodies(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	send := func(ct, body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, e.app+"/auth/login", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		return b.raw(req)
	}
	for _, tc := range []struct {
		ct, body string
		status   int
	}{
		{"text/plain", "email=a", http.StatusSeeOther},
		{"application/json", `{"email": 1}`, http.StatusBadRequest},
		{"application/json", `[`, http.StatusBadRequest},
		{"application/x-www-form-urlencoded", "email=a&email=b&password=c", http.StatusSeeOther},
		{"application/json", `{"email":"` + strings.Repeat("a", 70<<10) + `"}`, http.StatusRequestEntityTooLarge},
	} {
		resp := send(tc.ct, tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %.30q: %d, want %d", tc.ct, tc.body, resp.StatusCode, tc.status)
		}
		if resp.StatusCode == http.StatusSeeOther && !strings.HasPrefix(resp.Header.Get("Location"), "/auth/form?") {
			t.Errorf("%s %.30q: to %q, want the form", tc.ct, tc.body, resp.Header.Get("Location"))
		}
	}
	if n := e.wix.Count(wixtest.EndpointLogin); n != 0 {
		t.Errorf("%d login calls for refused bodies", n)
	}
}
