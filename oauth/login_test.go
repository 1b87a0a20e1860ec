package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wixauth/wixauth/internal/flowtest"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/oauth"
	"github.com/wixauth/wixauth/redirects"
	"github.com/wixauth/wixauth/wixtest"
)

func TestParseCallback(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		want    oauth.Callback
		wantErr bool
	}{
		{"https://app/cb?code=c1&state=s1&wixMemberLoggedIn=true", oauth.Callback{Code: "c1", State: "s1"}, false},
		{"https://app/cb#code=c2&state=s2", oauth.Callback{Code: "c2", State: "s2"}, false},
		{"https://app/cb?code=c3&state=s3#code=other&state=other", oauth.Callback{Code: "c3", State: "s3"}, false},
		{"https://app/cb?error=access_denied&error_description=cancelled%20by%20user&state=s4", oauth.Callback{Error: "access_denied", ErrorDescription: "cancelled by user", State: "s4"}, false},
		{"https://app/cb#error=login_required&state=s5", oauth.Callback{Error: "login_required", State: "s5"}, false},
		{"https://app/cb", oauth.Callback{}, false},
		{"https://app/cb?code=a&code=b&state=s", oauth.Callback{}, true},
		{"https://app/cb?code=a&state=s&state=t", oauth.Callback{}, true},
		{"https://app/cb?code=%zz&state=s", oauth.Callback{}, true},
	} {
		u, _ := url.Parse(tc.raw)
		got, err := oauth.ParseCallback(u)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseCallback(%s) = %+v, %v; want %+v, error %v", tc.raw, got, err, tc.want, tc.wantErr)
		}
	}
}

// The programmatic hosted login: NewData, AuthURL, Wix's page,
// ParseCallback, GetMemberTokens, SetTokens.
func TestProgrammaticHostedLogin(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	f.Wix.SetAutoLogin(wixtest.DemoEmail)
	d := oauth.NewData("https://app.example/auth/callback", "/account")
	var full string
	f.Run(func(c *wixauth.Client, r *http.Request) {
		var err error
		if full, err = oauth.AuthURL(r.Context(), c, d, oauth.AuthURLOptions{}); err != nil {
			t.Errorf("AuthURL: %v", err)
		}
	})
	body := f.LastBody(wixtest.EndpointRedirectSession)
	if got := flowtest.SortedKeys(body); !reflect.DeepEqual(got, []string{"auth"}) {
		t.Errorf("body keys = %v", got)
	}
	auth := body["auth"].(map[string]any)
	ar := auth["authRequest"].(map[string]any)
	want := map[string]any{"clientId": f.Wix.ClientID, "redirectUri": d.RedirectURI, "codeChallenge": d.CodeChallenge,
		"codeChallengeMethod": "S256", "responseMode": "query", "responseType": "code", "scope": "offline_access", "state": d.State}
	if !reflect.DeepEqual(ar, want) || auth["prompt"] != "login" {
		t.Errorf("auth = %v, want authRequest %v and prompt login", auth, want)
	}

	cb, err := oauth.ParseCallback(f.FollowToCallback(full))
	if err != nil || cb.State != d.State || cb.Code == "" {
		t.Fatalf("callback %+v, %v", cb, err)
	}
	f.Run(func(c *wixauth.Client, r *http.Request) {
		ctx := r.Context()
		// Checked before any call: a missing code, or a state of
		// another login.
		if _, err := oauth.GetMemberTokens(ctx, c, "", cb.State, d); err == nil {
			t.Errorf("GetMemberTokens without a code succeeded")
		}
		if _, err := oauth.GetMemberTokens(ctx, c, cb.Code, "other-state", d); err == nil {
			t.Errorf("GetMemberTokens with another state succeeded")
		}
		if n := f.Wix.TokenCalls("authorization_code"); n != 0 {
			t.Errorf("%d exchanges for refused callbacks", n)
		}
		tok, err := oauth.GetMemberTokens(ctx, c, cb.Code, cb.State, d)
		if err != nil || tok.Role() != wixauth.RoleMember || tok.Expiry().Before(time.Now().Add(3*time.Hour)) {
			t.Errorf("GetMemberTokens = %+v, %v", tok.Role(), err)
			return
		}
		if c.LoggedIn() {
			t.Errorf("LoggedIn before SetTokens: GetMemberTokens must not store")
		}
		c.SetTokens(tok)
		if !c.LoggedIn() {
			t.Errorf("LoggedIn after SetTokens = false")
		}
	})
	g := f.LastBody(wixtest.EndpointToken)
	wantG := map[string]any{"clientId": f.Wix.ClientID, "grantType": "authorization_code", "redirectUri": d.RedirectURI, "code": cb.Code, "codeVerifier": d.CodeVerifier}
	if !reflect.DeepEqual(g, wantG) {
		t.Errorf("grant body = %v, want %v", g, wantG)
	}
	f.Run(func(c *wixauth.Client, r *http.Request) {
		var me struct {
			Member struct{ LoginEmail string } `json:"member"`
		}
		if err := c.Get(r.Context(), "/members/v1/members/my", &me); err != nil || me.Member.LoginEmail != wixtest.DemoEmail {
			t.Errorf("members/my in the next request: %+v, %v", me, err)
		}
	})
}

// A verifier that is not the login's own is refused by Wix: the code
// alone is useless.
func TestGetMemberTokensWrongVerifier(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	f.Wix.SetAutoLogin(wixtest.DemoEmail)
	d := oauth.NewData("https://app.example/auth/callback", "")
	var full string
	f.Run(func(c *wixauth.Client, r *http.Request) {
		full, _ = oauth.AuthURL(r.Context(), c, d, oauth.AuthURLOptions{})
	})
	cb, _ := oauth.ParseCallback(f.FollowToCallback(full))
	other := oauth.NewData(d.RedirectURI, "")
	other.State = d.State
	f.Run(func(c *wixauth.Client, r *http.Request) {
		_, err := oauth.GetMemberTokens(r.Context(), c, cb.Code, cb.State, other)
		var ae *wixauth.APIError
		if !errors.As(err, &ae) || ae.Code != "invalid_grant" {
			t.Errorf("exchange with another verifier: %v, want invalid_grant", err)
		}
	})
}

func TestAuthURLNeedsOAuthData(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if _, err := oauth.AuthURL(r.Context(), c, oauth.Data{State: "s"}, oauth.AuthURLOptions{}); err == nil {
			t.Errorf("AuthURL without a redirect URI and challenge succeeded")
		}
		if _, err := oauth.DirectLoginURL(r.Context(), c, "", oauth.NewData("https://app.example/cb", "")); err == nil {
			t.Errorf("DirectLoginURL without a session token succeeded")
		}
	})
	if n := f.Wix.Count(wixtest.EndpointRedirectSession); n != 0 {
		t.Errorf("%d redirect sessions for refused calls", n)
	}
}

// Logout: the logout redirect session, then empty tokens, even when Wix
// cannot be reached.
func TestProgrammaticLogout(t *testing.T) {
	for _, fail := range []bool{false, true} {
		f := flowtest.NewFixture(t, nil)
		access, refresh := f.Wix.IssueMemberTokens(wixtest.DemoEmail)
		if fail {
			f.Wix.Fail(wixtest.EndpointRedirectSession, wixtest.Fault{Status: 503})
		}
		f.Run(func(c *wixauth.Client, r *http.Request) {
			c.SetTokens(wixauth.Tokens{
				AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: time.Now().Add(time.Hour).Unix()},
				RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleMember},
			})
		})
		f.Run(func(c *wixauth.Client, r *http.Request) {
			if !c.LoggedIn() {
				t.Errorf("not logged in before Logout")
			}
			u, err := c.SignOut(r.Context(), "https://app.example/bye")
			if fail != (err != nil) || fail != (u == "") {
				t.Errorf("fail=%v: Logout = %q, %v", fail, u, err)
			}
			if !fail && !strings.HasPrefix(u, f.Wix.URL+"/") {
				t.Errorf("logout URL %q is not Wix's", u)
			}
			if c.LoggedIn() || !c.Tokens().Empty() {
				t.Errorf("fail=%v: tokens not emptied", fail)
			}
		})
		body := f.LastBody(wixtest.EndpointRedirectSession)
		want := map[string]any{"logout": map[string]any{"clientId": f.Wix.ClientID}, "callbacks": map[string]any{"postFlowUrl": "https://app.example/bye"}}
		if !reflect.DeepEqual(body, want) {
			t.Errorf("logout body = %v, want %v", body, want)
		}
		f.Run(func(c *wixauth.Client, r *http.Request) {
			if c.Tokens().Role() != wixauth.RoleVisitor || c.Tokens().RefreshToken.Value == refresh {
				t.Errorf("fail=%v: the next request is %q, want a new visitor", fail, c.Tokens().Role())
			}
		})
	}
}

func TestRedirectSessionAndSyncURL(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	f.Run(func(c *wixauth.Client, r *http.Request) {
		ctx := r.Context()
		rs, err := redirects.To(ctx, c, map[string]any{"ecomCheckout": map[string]any{"checkoutId": "chk-1"}},
			redirects.Callbacks{PostFlowURL: "https://app.example/done", ThankYouPageURL: "https://app.example/thanks"})
		if err != nil || !strings.HasPrefix(rs.FullURL, f.Wix.URL+"/") || rs.ID == "" {
			t.Errorf("RedirectSession = %+v, %v", rs, err)
		}
		if _, err := redirects.To(ctx, c, map[string]any{"a": 1, "b": 2}, redirects.Callbacks{}); err == nil {
			t.Errorf("two intents accepted")
		}
	})
	want := map[string]any{"ecomCheckout": map[string]any{"checkoutId": "chk-1"},
		"callbacks": map[string]any{"postFlowUrl": "https://app.example/done", "thankYouPageUrl": "https://app.example/thanks"}}
	if body := f.LastBody(wixtest.EndpointRedirectSession); !reflect.DeepEqual(body, want) {
		t.Errorf("checkout body = %v, want %v", body, want)
	}
	f.Run(func(c *wixauth.Client, r *http.Request) {
		if u, err := redirects.SyncURL(r.Context(), c); err != nil || !strings.HasPrefix(u, f.Wix.URL+"/") {
			t.Errorf("SyncURL = %q, %v", u, err)
		}
	})
	if body := f.LastBody(wixtest.EndpointRedirectSession); !reflect.DeepEqual(body, map[string]any{"login": map[string]any{}}) {
		t.Errorf("warm-up body = %v, want {\"login\": {}}", body)
	}
	if n := f.Wix.Count(wixtest.EndpointRedirectSession); n != 2 {
		t.Errorf("redirect sessions = %d, want 2 (none for two intents)", n)
	}
}

// The methods of a nil Client (outside the middleware) fail with
// ErrNoClient instead of panicking.
func TestMemberMethodsOnNilClient(t *testing.T) {
	var c *wixauth.Client
	ctx := context.Background()
	d := oauth.NewData("https://app.example/cb", "")
	checks := map[string]error{}
	_, checks["GetMemberTokens"] = oauth.GetMemberTokens(ctx, c, "c", d.State, d)
	_, checks["GetMemberTokensForExternalLogin"] = identity.ExternalLogin(ctx, c, "m")
	_, checks["SignOut"] = c.SignOut(ctx, "https://app.example/")
	_, checks["Login"] = identity.Login(ctx, c, "a@b.c", "pw", nil)
	_, checks["Register"] = identity.Register(ctx, c, "a@b.c", "pw", nil, nil)
	_, checks["ProcessVerification"] = identity.ProcessVerification(ctx, c, "1", "st")
	checks["SendPasswordResetEmail"] = identity.SendPasswordResetEmail(ctx, c, "a@b.c", "https://app.example/")
	_, checks["RedirectSession"] = redirects.To(ctx, c, map[string]any{"login": map[string]any{}}, redirects.Callbacks{})
	_, checks["SyncURL"] = redirects.SyncURL(ctx, c)
	_, checks["AuthURL"] = oauth.AuthURL(ctx, c, d, oauth.AuthURLOptions{})
	for name, err := range checks {
		if !errors.Is(err, wixauth.ErrNoClient) {
			t.Errorf("nil Client %s: %v, want ErrNoClient", name, err)
		}
	}
	if c.LoggedIn() {
		t.Errorf("nil Client is logged in")
	}
}

func TestCaptchaSiteKeys(t *testing.T) {
	if identity.CaptchaInvisibleSiteKey != "6LdoPaUfAAAAAJphvHoUoOob7mx0KDlXyXlgrx5v" || identity.CaptchaVisibleSiteKey != "6Ld0J8IcAAAAANyrnxzrRlX1xrrdXsOmsepUYosy" {
		t.Errorf("captcha site keys differ from the SDK's")
	}
}
