package wixauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/wixauth/wixauth/internal/testutil"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/oauth"
	"github.com/wixauth/wixauth/redirects"
	"github.com/wixauth/wixauth/wixtest"
)

// apiFixture runs code with the Client of one browser's session, through
// the real middleware, against a fake Wix.
type apiFixture struct {
	t    *testing.T
	wix  *wixtest.Server
	auth *wixauth.Auth
	logs *testutil.LockedBuffer
	// cookie is the browser's session cookie. It is kept by hand: the
	// https BaseURL makes it Secure, which a cookie jar would not send to
	// the plain-http test server.
	cookie string

	mu  sync.Mutex
	fn  func(*wixauth.Client, *http.Request)
	srv *httptest.Server
}

func newAPIFixture(t *testing.T, tune func(*wixauth.Config)) *apiFixture {
	t.Helper()
	// The callbacks the tests log in with are the OAuth app's allowed ones.
	wix := wixtest.NewServer(wixtest.WithRedirectURIs("https://app.example/auth/callback", "https://app.example/cb"))
	f := &apiFixture{t: t, wix: wix, logs: &testutil.LockedBuffer{}}
	t.Cleanup(f.wix.Close)
	cfg := wixauth.Config{
		ClientID: f.wix.ClientID,
		APIURL:   f.wix.URL,
		APIKey:   f.wix.APIKey,
		BaseURL:  "https://app.example",
		Logger:   slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if tune != nil {
		tune(&cfg)
	}
	a, err := wixauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.auth = a
	f.srv = httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		fn := f.fn
		f.mu.Unlock()
		fn(wixauth.FromRequest(r), r)
	})))
	t.Cleanup(f.srv.Close)
	return f
}

// run calls fn inside one request of the fixture's browser; the session
// keeps what fn saves, for the next run.
func (f *apiFixture) run(fn func(c *wixauth.Client, r *http.Request)) {
	f.t.Helper()
	f.mu.Lock()
	f.fn = fn
	f.mu.Unlock()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL, nil)
	if c := f.cookie; c != "" {
		req.AddCookie(&http.Cookie{Name: f.auth.Config().Sessions.Cookie.Name, Value: c})
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		f.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == f.auth.Config().Sessions.Cookie.Name {
			f.cookie = c.Value
		}
	}
}

func (f *apiFixture) requests(ep wixtest.Endpoint) []wixtest.Request {
	var out []wixtest.Request
	for _, r := range f.wix.Requests() {
		if r.Endpoint == ep {
			out = append(out, r)
		}
	}
	return out
}

func (f *apiFixture) lastBody(ep wixtest.Endpoint) map[string]any {
	f.t.Helper()
	rs := f.requests(ep)
	if len(rs) == 0 {
		f.t.Fatalf("no request to %s", ep)
	}
	var m map[string]any
	if err := json.Unmarshal(rs[len(rs)-1].Body, &m); err != nil {
		f.t.Fatalf("body of %s is not JSON: %q", ep, rs[len(rs)-1].Body)
	}
	return m
}

// followToCallback loads a Wix page (auto-login) and returns where Wix
// sends the browser back.
func (f *apiFixture) followToCallback(fullURL string) *url.URL {
	f.t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(fullURL)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	u, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		f.t.Fatalf("Wix's page: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return u
}

func sortedKeys(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

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

// The programmatic hosted login: GenerateOAuthData, AuthURL, Wix's page,
// ParseCallback, GetMemberTokens, SetTokens.
func TestProgrammaticHostedLogin(t *testing.T) {
	f := newAPIFixture(t, nil)
	f.wix.SetAutoLogin(wixtest.DemoEmail)
	d := oauth.NewData("https://app.example/auth/callback", "/account")
	var full string
	f.run(func(c *wixauth.Client, r *http.Request) {
		var err error
		if full, err = oauth.AuthURL(r.Context(), c, d, oauth.AuthURLOptions{}); err != nil {
			t.Errorf("AuthURL: %v", err)
		}
	})
	body := f.lastBody(wixtest.EndpointRedirectSession)
	if got := sortedKeys(body); !reflect.DeepEqual(got, []string{"auth"}) {
		t.Errorf("body keys = %v", got)
	}
	auth := body["auth"].(map[string]any)
	ar := auth["authRequest"].(map[string]any)
	want := map[string]any{"clientId": f.wix.ClientID, "redirectUri": d.RedirectURI, "codeChallenge": d.CodeChallenge,
		"codeChallengeMethod": "S256", "responseMode": "query", "responseType": "code", "scope": "offline_access", "state": d.State}
	if !reflect.DeepEqual(ar, want) || auth["prompt"] != "login" {
		t.Errorf("auth = %v, want authRequest %v and prompt login", auth, want)
	}

	cb, err := oauth.ParseCallback(f.followToCallback(full))
	if err != nil || cb.State != d.State || cb.Code == "" {
		t.Fatalf("callback %+v, %v", cb, err)
	}
	f.run(func(c *wixauth.Client, r *http.Request) {
		ctx := r.Context()
		// Checked before any call: a missing code, or a state of
		// another login.
		if _, err := oauth.GetMemberTokens(ctx, c, "", cb.State, d); err == nil {
			t.Errorf("GetMemberTokens without a code succeeded")
		}
		if _, err := oauth.GetMemberTokens(ctx, c, cb.Code, "other-state", d); err == nil {
			t.Errorf("GetMemberTokens with another state succeeded")
		}
		if n := f.wix.TokenCalls("authorization_code"); n != 0 {
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
	g := f.lastBody(wixtest.EndpointToken)
	wantG := map[string]any{"clientId": f.wix.ClientID, "grantType": "authorization_code", "redirectUri": d.RedirectURI, "code": cb.Code, "codeVerifier": d.CodeVerifier}
	if !reflect.DeepEqual(g, wantG) {
		t.Errorf("grant body = %v, want %v", g, wantG)
	}
	f.run(func(c *wixauth.Client, r *http.Request) {
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
	f := newAPIFixture(t, nil)
	f.wix.SetAutoLogin(wixtest.DemoEmail)
	d := oauth.NewData("https://app.example/auth/callback", "")
	var full string
	f.run(func(c *wixauth.Client, r *http.Request) {
		full, _ = oauth.AuthURL(r.Context(), c, d, oauth.AuthURLOptions{})
	})
	cb, _ := oauth.ParseCallback(f.followToCallback(full))
	other := oauth.NewData(d.RedirectURI, "")
	other.State = d.State
	f.run(func(c *wixauth.Client, r *http.Request) {
		_, err := oauth.GetMemberTokens(r.Context(), c, cb.Code, cb.State, other)
		var ae *wixauth.APIError
		if !errors.As(err, &ae) || ae.Code != "invalid_grant" {
			t.Errorf("exchange with another verifier: %v, want invalid_grant", err)
		}
	})
}

func TestAuthURLNeedsOAuthData(t *testing.T) {
	f := newAPIFixture(t, nil)
	f.run(func(c *wixauth.Client, r *http.Request) {
		if _, err := oauth.AuthURL(r.Context(), c, oauth.Data{State: "s"}, oauth.AuthURLOptions{}); err == nil {
			t.Errorf("AuthURL without a redirect URI and challenge succeeded")
		}
		if _, err := oauth.DirectLoginURL(r.Context(), c, "", oauth.NewData("https://app.example/cb", "")); err == nil {
			t.Errorf("DirectLoginURL without a session token succeeded")
		}
	})
	if n := f.wix.Count(wixtest.EndpointRedirectSession); n != 0 {
		t.Errorf("%d redirect sessions for refused calls", n)
	}
}

// Logout: the logout redirect session, then empty tokens, even when Wix
// cannot be reached.
func TestProgrammaticLogout(t *testing.T) {
	for _, fail := range []bool{false, true} {
		f := newAPIFixture(t, nil)
		access, refresh := f.wix.IssueMemberTokens(wixtest.DemoEmail)
		if fail {
			f.wix.Fail(wixtest.EndpointRedirectSession, wixtest.Fault{Status: 503})
		}
		f.run(func(c *wixauth.Client, r *http.Request) {
			c.SetTokens(wixauth.Tokens{
				AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: time.Now().Add(time.Hour).Unix()},
				RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleMember},
			})
		})
		f.run(func(c *wixauth.Client, r *http.Request) {
			if !c.LoggedIn() {
				t.Errorf("not logged in before Logout")
			}
			u, err := c.SignOut(r.Context(), "https://app.example/bye")
			if fail != (err != nil) || fail != (u == "") {
				t.Errorf("fail=%v: Logout = %q, %v", fail, u, err)
			}
			if !fail && !strings.HasPrefix(u, f.wix.URL+"/") {
				t.Errorf("logout URL %q is not Wix's", u)
			}
			if c.LoggedIn() || !c.Tokens().Empty() {
				t.Errorf("fail=%v: tokens not emptied", fail)
			}
		})
		body := f.lastBody(wixtest.EndpointRedirectSession)
		want := map[string]any{"logout": map[string]any{"clientId": f.wix.ClientID}, "callbacks": map[string]any{"postFlowUrl": "https://app.example/bye"}}
		if !reflect.DeepEqual(body, want) {
			t.Errorf("logout body = %v, want %v", body, want)
		}
		f.run(func(c *wixauth.Client, r *http.Request) {
			if c.Tokens().Role() != wixauth.RoleVisitor || c.Tokens().RefreshToken.Value == refresh {
				t.Errorf("fail=%v: the next request is %q, want a new visitor", fail, c.Tokens().Role())
			}
		})
	}
}

func TestRedirectSessionAndSyncURL(t *testing.T) {
	f := newAPIFixture(t, nil)
	f.run(func(c *wixauth.Client, r *http.Request) {
		ctx := r.Context()
		rs, err := redirects.To(ctx, c, map[string]any{"ecomCheckout": map[string]any{"checkoutId": "chk-1"}},
			redirects.Callbacks{PostFlowURL: "https://app.example/done", ThankYouPageURL: "https://app.example/thanks"})
		if err != nil || !strings.HasPrefix(rs.FullURL, f.wix.URL+"/") || rs.ID == "" {
			t.Errorf("RedirectSession = %+v, %v", rs, err)
		}
		if _, err := redirects.To(ctx, c, map[string]any{"a": 1, "b": 2}, redirects.Callbacks{}); err == nil {
			t.Errorf("two intents accepted")
		}
	})
	want := map[string]any{"ecomCheckout": map[string]any{"checkoutId": "chk-1"},
		"callbacks": map[string]any{"postFlowUrl": "https://app.example/done", "thankYouPageUrl": "https://app.example/thanks"}}
	if body := f.lastBody(wixtest.EndpointRedirectSession); !reflect.DeepEqual(body, want) {
		t.Errorf("checkout body = %v, want %v", body, want)
	}
	f.run(func(c *wixauth.Client, r *http.Request) {
		if u, err := redirects.SyncURL(r.Context(), c); err != nil || !strings.HasPrefix(u, f.wix.URL+"/") {
			t.Errorf("SyncURL = %q, %v", u, err)
		}
	})
	if body := f.lastBody(wixtest.EndpointRedirectSession); !reflect.DeepEqual(body, map[string]any{"login": map[string]any{}}) {
		t.Errorf("warm-up body = %v, want {\"login\": {}}", body)
	}
	if n := f.wix.Count(wixtest.EndpointRedirectSession); n != 2 {
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
