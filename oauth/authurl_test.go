package oauth_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wixauth/wixauth/internal/flowtest"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/oauth"
	"github.com/wixauth/wixauth/wixtest"
)

// GetAuthURL answers the SDK's three values, and each response mode, prompt
// and identity provider goes to Wix as the SDK sends it.
func TestGetAuthURLOptions(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	d := oauth.NewData("https://app.example/auth/callback", "")
	for _, tc := range []struct {
		opts             oauth.AuthURLOptions
		mode, prompt, id string
	}{
		{oauth.AuthURLOptions{}, "query", "login", ""},
		{oauth.AuthURLOptions{ResponseMode: "fragment"}, "fragment", "login", ""},
		{oauth.AuthURLOptions{ResponseMode: "web_message", Prompt: "consent"}, "web_message", "consent", ""},
		{oauth.AuthURLOptions{Prompt: "select_account", IDP: "google"}, "query", "select_account", "0e6a50f5-b523-4e29-990d-f37fa2ffdd69"},
		{oauth.AuthURLOptions{IDP: "facebook"}, "query", "login", "3ecad13f-52c3-483d-911f-31dbcf2a6d23"},
		{oauth.AuthURLOptions{IDP: "7d7a0d0e-8a4b-4b8e-9a53-1b7c2a0f9e11"}, "query", "login", "7d7a0d0e-8a4b-4b8e-9a53-1b7c2a0f9e11"},
	} {
		f.Run(func(c *wixauth.Client, r *http.Request) {
			res, err := oauth.GetAuthURL(r.Context(), c, d, tc.opts)
			if err != nil {
				t.Fatalf("%+v: %v", tc.opts, err)
			}
			if !strings.HasPrefix(res.AuthURL, f.Wix.URL+"/") || !strings.HasPrefix(res.AuthURL, res.AuthorizationEndpoint) || res.SessionToken == "" {
				t.Errorf("%+v: result %+v", tc.opts, res)
			}
		})
		body := f.LastBody(wixtest.EndpointRedirectSession)["auth"].(map[string]any)
		ar := body["authRequest"].(map[string]any)
		idp, _ := ar["idp"].(string)
		if ar["responseMode"] != tc.mode || body["prompt"] != tc.prompt || idp != tc.id {
			t.Errorf("%+v: sent %v", tc.opts, body)
		}
	}

	// Bad options fail before any call.
	before := f.Wix.Count(wixtest.EndpointRedirectSession)
	f.Run(func(c *wixauth.Client, r *http.Request) {
		for _, o := range []oauth.AuthURLOptions{{Prompt: "sudo"}, {ResponseMode: "form_post"}} {
			if _, err := oauth.GetAuthURL(r.Context(), c, d, o); err == nil {
				t.Errorf("%+v was accepted", o)
			}
		}
		// Only web_message may go without a redirect URI.
		noURI := d
		noURI.RedirectURI = ""
		if _, err := oauth.GetAuthURL(r.Context(), c, noURI, oauth.AuthURLOptions{}); err == nil {
			t.Errorf("a query-mode auth URL without a redirect URI was accepted")
		}
	})
	if n := f.Wix.Count(wixtest.EndpointRedirectSession) - before; n != 0 {
		t.Errorf("%d redirect sessions for bad options", n)
	}
}

// The SDK's own direct login, done by a server: web_message, no redirect
// URI, the code read from the page Wix posts, and an exchange with no
// redirectUri either.
func TestDirectLoginWebMessageWithoutRedirectURI(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	d := oauth.NewData("", "")
	var full string
	f.Run(func(c *wixauth.Client, r *http.Request) {
		res, err := identity.Login(r.Context(), c, wixtest.DemoEmail, wixtest.DemoPassword, nil)
		if err != nil || res.State != identity.LoginSuccess {
			t.Fatalf("Login = %+v, %v", res, err)
		}
		if full, err = oauth.AuthURL(r.Context(), c, d, oauth.AuthURLOptions{Prompt: "none", SessionToken: res.SessionToken, ResponseMode: "web_message"}); err != nil {
			t.Fatalf("AuthURL: %v", err)
		}
	})
	ar := f.LastBody(wixtest.EndpointRedirectSession)["auth"].(map[string]any)["authRequest"].(map[string]any)
	if _, ok := ar["redirectUri"]; ok {
		t.Errorf("authRequest has a redirectUri: %v", ar)
	}
	resp, err := http.Get(full)
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	m := regexp.MustCompile(`"code":"([^"]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `"state":"`+d.State+`"`) {
		t.Fatalf("Wix's web_message page has no code for the state:\n%s", page)
	}
	f.Run(func(c *wixauth.Client, r *http.Request) {
		tok, err := oauth.GetMemberTokens(r.Context(), c, m[1], d.State, d)
		if err != nil || !tok.LoggedIn() {
			t.Errorf("GetMemberTokens = %v, %v", tok.Role(), err)
		}
	})
	if _, g := f.LastGrant("authorization_code"); g["redirectUri"] != nil {
		t.Errorf("the exchange sent a redirectUri: %v", g)
	}
}

func TestTokenInfo(t *testing.T) {
	f := flowtest.NewFixture(t, nil)
	visitor, _ := f.Wix.IssueVisitorTokens()
	member, memberRefresh := f.Wix.IssueMemberTokens(wixtest.DemoEmail)
	demo, _ := f.Wix.MemberByEmail(wixtest.DemoEmail)
	ctx := t.Context()
	for _, tc := range []struct {
		token, subjectType, subject string
	}{{visitor, "VISITOR", ""}, {member, "MEMBER", demo.ID}, {memberRefresh, "MEMBER", demo.ID}} {
		ti, err := oauth.GetTokenInfo(ctx, f.Auth, tc.token)
		if err != nil || !ti.Active || ti.SubjectType != tc.subjectType || ti.ClientID != f.Wix.ClientID || ti.SubjectID == "" ||
			(tc.subject != "" && ti.SubjectID != tc.subject) || ti.Issued.After(time.Now().Add(time.Minute)) {
			t.Errorf("TokenInfo(%s) = %+v, %v", tc.subjectType, ti, err)
		}
	}
	if ti, err := oauth.GetTokenInfo(ctx, f.Auth, member); err != nil || time.Until(ti.Expires) < 3*time.Hour {
		t.Errorf("a member access token expires at %v, want in 4h", ti.Expires)
	}
	if ti, err := oauth.GetTokenInfo(ctx, f.Auth, "OauthNG.JWS.unknown"); err != nil || ti.Active {
		t.Errorf("an unknown token: %+v, %v; want inactive", ti, err)
	}
	if _, err := oauth.GetTokenInfo(ctx, f.Auth, ""); err == nil {
		t.Errorf("an empty token was accepted")
	}
	if n := f.Wix.Count(wixtest.EndpointTokenInfo); n != 5 {
		t.Errorf("%d token-info calls, want 5", n)
	}
	for _, r := range f.Requests(wixtest.EndpointTokenInfo) {
		if r.Header.Get("Authorization") != "" {
			t.Errorf("token-info was sent an Authorization header")
		}
	}
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
