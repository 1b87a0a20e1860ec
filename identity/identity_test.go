package identity_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/internal/flowtest"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/oauth"
	"github.com/wixauth/wixauth/wixtest"
)

// Every outcome of Login maps to the SDK's loginState and errorCode.
func TestLoginOutcomes(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	f.Wix.AddMember(wixtest.Member{Email: "reset@example.com", Password: wixtest.ResetRequiredPassword})
	f.Wix.AddMember(wixtest.Member{Email: "captcha+x@example.com", Password: "captcha-pw"})
	f.Wix.AddMember(wixtest.Member{Email: "approve@example.com", Password: "approve-pw", RequireOwnerApproval: true})
	f.Wix.AddMember(wixtest.Member{Email: "verify@example.com", Password: "verify-pw", RequireEmailVerification: true})
	for _, tc := range []struct {
		email, password string
		captcha         *identity.CaptchaTokens
		state           identity.State
		code            identity.ErrorCode
	}{
		{wixtest.DemoEmail, wixtest.DemoPassword, nil, identity.LoginSuccess, ""},
		{wixtest.DemoEmail, "wrong", nil, identity.LoginFailure, identity.ErrorCodeInvalidPassword},
		{"nobody@example.com", "pw", nil, identity.LoginFailure, identity.ErrorCodeInvalidEmail},
		{"reset@example.com", wixtest.ResetRequiredPassword, nil, identity.LoginFailure, identity.ErrorCodeResetPassword},
		{"captcha+x@example.com", "captcha-pw", nil, identity.LoginFailure, identity.ErrorCodeMissingCaptchaToken},
		{"captcha+x@example.com", "captcha-pw", &identity.CaptchaTokens{RecaptchaToken: "fine"}, identity.LoginSuccess, ""},
		{wixtest.DemoEmail, wixtest.DemoPassword, &identity.CaptchaTokens{InvisibleRecaptchaToken: wixtest.BadCaptchaToken}, identity.LoginFailure, identity.ErrorCodeInvalidCaptchaToken},
		{"approve@example.com", "approve-pw", nil, identity.LoginOwnerApprovalRequired, ""},
		{"verify@example.com", "verify-pw", nil, identity.LoginEmailVerificationRequired, ""},
	} {
		f.Run(func(c *wixauth.Client, r *http.Request) {
			res, err := identity.Login(r.Context(), c, tc.email, tc.password, tc.captcha)
			if err != nil || res.State != tc.state || res.ErrorCode != tc.code {
				t.Errorf("Login(%s, %s) = %+v, %v; want %s %q", tc.email, tc.password, res, err, tc.state, tc.code)
			}
			if (res.State == identity.LoginSuccess) != (res.SessionToken != "") {
				t.Errorf("Login(%s): session token %q with state %s", tc.email, res.SessionToken, res.State)
			}
			if (res.State == identity.LoginEmailVerificationRequired) != (res.StateToken != "") {
				t.Errorf("Login(%s): state token %q with state %s", tc.email, res.StateToken, res.State)
			}
			if res.State == identity.LoginFailure && res.Error == "" {
				t.Errorf("Login(%s): a failure without a message", tc.email)
			}
		})
	}
}

// Transient failures are errors, not refusals: the form must not say
// "wrong password" when Wix is down.
func TestLoginTransientFailureIsAnError(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	f.Wix.Fail(wixtest.EndpointLogin, wixtest.Fault{Status: 503, Times: 1})
	f.Wix.Fail(wixtest.EndpointRegister, wixtest.Fault{Status: 429, Times: 1})
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if res, err := identity.Login(r.Context(), c, wixtest.DemoEmail, wixtest.DemoPassword, nil); err == nil {
			t.Errorf("Login with Wix answering 503 = %+v, nil; want an error", res)
		}
		if res, err := identity.Register(r.Context(), c, "x@example.com", "pw", nil, nil); err == nil {
			t.Errorf("Register with Wix answering 429 = %+v, nil; want an error", res)
		}
	})
}

func TestRegisterOutcomes(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	for _, tc := range []struct {
		email string
		state identity.State
		code  identity.ErrorCode
	}{
		{"fresh@example.com", identity.LoginSuccess, ""},
		{"fresh+verify@example.com", identity.LoginEmailVerificationRequired, ""},
		{"fresh+approve@example.com", identity.LoginOwnerApprovalRequired, ""},
		{wixtest.DemoEmail, identity.LoginFailure, identity.ErrorCodeEmailAlreadyExists},
		{"not an email", identity.LoginFailure, identity.ErrorCodeInvalidEmail},
		{"captcha+new@example.com", identity.LoginFailure, identity.ErrorCodeMissingCaptchaToken},
	} {
		f.Run(func(c *wixauth.Client, r *http.Request) {
			res, err := identity.Register(r.Context(), c, tc.email, "register-pw", &identity.Profile{FirstName: "Ada", Nickname: "ada"}, nil)
			if err != nil || res.State != tc.state || res.ErrorCode != tc.code {
				t.Errorf("Register(%s) = %+v, %v; want %s %q", tc.email, res, err, tc.state, tc.code)
			}
		})
	}
	var body map[string]any
	json.Unmarshal(f.Requests(wixtest.EndpointRegister)[0].Body, &body)
	want := map[string]any{"loginId": map[string]any{"email": "fresh@example.com"}, "password": "register-pw",
		"profile": map[string]any{"firstName": "Ada", "nickname": "ada"}}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("register body = %v, want %v", body, want)
	}
}

// ProcessVerification completes a registration that needed the emailed
// code, and DirectLoginURL turns its session token into member tokens.
func TestVerificationThenDirectLogin(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	const email = "direct+verify@example.com"
	var stateToken string
	f.Run(func(c *wixauth.Client, r *http.Request) {
		res, err := identity.Register(r.Context(), c, email, "pw-direct", nil, nil)
		if err != nil || res.State != identity.LoginEmailVerificationRequired {
			t.Errorf("Register = %+v, %v", res, err)
			return
		}
		stateToken = res.StateToken
		if res, err := identity.ProcessVerification(r.Context(), c, "", ""); err != nil || res.State != identity.LoginFailure {
			t.Errorf("ProcessVerification without a state token = %+v, %v", res, err)
		}
	})
	if n := f.Wix.Count(wixtest.EndpointVerify); n != 0 {
		t.Errorf("%d verify calls without a state token", n)
	}
	code := f.Wix.VerificationCode(email)
	d := oauth.NewData("https://app.example/auth/callback", "")
	var full, sessionToken string
	f.Run(func(c *wixauth.Client, r *http.Request) {
		res, err := identity.ProcessVerification(r.Context(), c, code, stateToken)
		if err != nil || res.State != identity.LoginSuccess || res.SessionToken == "" {
			t.Errorf("ProcessVerification = %+v, %v", res, err)
			return
		}
		sessionToken = res.SessionToken
		if full, err = oauth.DirectLoginURL(r.Context(), c, res.SessionToken, d); err != nil {
			t.Errorf("DirectLoginURL: %v", err)
		}
	})
	if full == "" {
		t.FailNow()
	}
	var body map[string]any
	json.Unmarshal(f.Requests(wixtest.EndpointVerify)[0].Body, &body)
	if !reflect.DeepEqual(body, map[string]any{"code": code, "stateToken": stateToken}) {
		t.Errorf("verify body = %v", body)
	}
	auth := f.LastBody(wixtest.EndpointRedirectSession)["auth"].(map[string]any)
	ar := auth["authRequest"].(map[string]any)
	if auth["prompt"] != "none" || ar["sessionToken"] != sessionToken || ar["responseMode"] != "query" {
		t.Errorf("direct login auth = %v", auth)
	}
	cb, _ := oauth.ParseCallback(f.FollowToCallback(full))
	f.Run(func(c *wixauth.Client, r *http.Request) {
		tok, err := oauth.GetMemberTokens(r.Context(), c, cb.Code, cb.State, d)
		if err != nil || !tok.LoggedIn() {
			t.Errorf("GetMemberTokens after a direct login = %v, %v", tok.Role(), err)
		}
	})
}

func TestSendPasswordResetEmail(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if err := identity.SendPasswordResetEmail(r.Context(), c, wixtest.DemoEmail, "https://app.example/after"); err != nil {
			t.Errorf("SendPasswordResetEmail: %v", err)
		}
	})
	want := map[string]any{"email": wixtest.DemoEmail, "redirect": map[string]any{"url": "https://app.example/after", "clientId": f.Wix.ClientID}}
	if body := f.LastBody(wixtest.EndpointRecovery); !reflect.DeepEqual(body, want) {
		t.Errorf("recovery body = %v, want %v", body, want)
	}
	if got := f.Wix.PasswordResetEmails(); len(got) != 1 || got[0] != wixtest.DemoEmail {
		t.Errorf("reset emails = %v", got)
	}
}

// The external-login grant: the visitor's token and the API key in
// Authorization, the snake_case body, and the key in no error or log.
func TestGetMemberTokensForExternalLogin(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	m, _ := f.Wix.MemberByEmail(wixtest.DemoEmail)
	var visitor string
	f.Run(func(c *wixauth.Client, r *http.Request) {
		visitor = c.Tokens().AccessToken.Value
		tok, err := identity.ExternalLogin(r.Context(), c, m.ID)
		if err != nil || !tok.LoggedIn() {
			t.Errorf("GetMemberTokensForExternalLogin = %v, %v", tok.Role(), err)
			return
		}
		if c.LoggedIn() {
			t.Errorf("the tokens were stored before SetTokens")
		}
		c.SetTokens(tok)
		var me struct {
			Member struct{ LoginEmail string } `json:"member"`
		}
		if err := c.Get(r.Context(), "/members/v1/members/my", &me); err != nil || me.Member.LoginEmail != wixtest.DemoEmail {
			t.Errorf("members/my = %+v, %v", me, err)
		}
	})
	grants := f.Requests(wixtest.EndpointToken)
	g := grants[len(grants)-1]
	for _, gr := range grants {
		if gr.Grant == "authorized_client" {
			g = gr
		}
	}
	if got, want := g.Header.Get("Authorization"), visitor+","+f.Wix.APIKey; got != want {
		t.Errorf("Authorization = %q, want <visitor access>,<API key>", got)
	}
	var body map[string]any
	json.Unmarshal(g.Body, &body)
	if want := map[string]any{"grant_type": "authorized_client", "scope": "offline_access", "member_id": m.ID}; !reflect.DeepEqual(body, want) {
		t.Errorf("body = %v, want %v", body, want)
	}
	if strings.Contains(f.Logs.String(), f.Wix.APIKey) {
		t.Errorf("the API key is in the logs")
	}
}

func TestExternalLoginRefusals(t *testing.T) {
	f := flowtest.NewFixture(t, func(c *wixauth.Config) { c.APIKey = "" })
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if _, err := identity.ExternalLogin(r.Context(), c, "m"); err == nil || !strings.Contains(err.Error(), "APIKey") {
			t.Errorf("without an API key: %v", err)
		}
	})
	if n := f.Wix.TokenCalls("authorized_client"); n != 0 {
		t.Errorf("%d grants without an API key", n)
	}

	const wrongKey = "wrong-api-key-0123456789"
	f = flowtest.NewFixture(t, func(c *wixauth.Config) { c.APIKey = wrongKey })
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if _, err := identity.ExternalLogin(r.Context(), c, ""); err == nil {
			t.Errorf("an empty member ID was accepted")
		}
		_, err := identity.ExternalLogin(r.Context(), c, "9f3c1b7e-2a4d-4e6f-8b1a-0c5d7e9f1a2b")
		var ae *wixauth.APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusForbidden {
			t.Errorf("with a wrong API key: %v, want 403", err)
		}
		if err != nil && (strings.Contains(err.Error(), wrongKey) || strings.Contains(err.Error(), c.Tokens().AccessToken.Value)) {
			t.Errorf("the error carries the API key or the token: %v", err)
		}
		if c.LoggedIn() {
			t.Errorf("logged in after a refused grant")
		}
	})
	if strings.Contains(f.Logs.String(), wrongKey) {
		t.Errorf("the API key is in the logs")
	}
}

// Custom fields go to Wix as the SDK's list of {name, value}; one that Wix
// could not read is refused before the call.
func TestRegisterCustomFields(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	size := 42.0
	f.Run(func(c *wixauth.Client, r *http.Request) {
		p := &identity.Profile{Nickname: "Ada", CustomFields: []identity.CustomField{{Name: "shoeSize", Value: identity.CustomValue{NumValue: &size}}}}
		if res, err := identity.Register(r.Context(), c, "ada@example.com", "pw-ada-123", p, nil); err != nil || res.State != identity.LoginSuccess {
			t.Errorf("Register = %+v, %v", res, err)
		}
		two := &identity.Profile{CustomFields: []identity.CustomField{{Name: "x", Value: identity.CustomValue{NumValue: &size, BoolValue: new(bool)}}}}
		if _, err := identity.Register(r.Context(), c, "bob@example.com", "pw-bob-123", two, nil); err == nil {
			t.Errorf("a custom field with two values was accepted")
		}
	})
	if n := f.Wix.Count(wixtest.EndpointRegister); n != 1 {
		t.Errorf("%d register calls, want 1", n)
	}
	got := f.LastBody(wixtest.EndpointRegister)["profile"].(map[string]any)["customFields"]
	want := []any{map[string]any{"name": "shoeSize", "value": map[string]any{"numValue": 42.0}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("customFields = %#v, want %#v", got, want)
	}
}
