package wixauthtest_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixauthtest"
	"github.com/wixauth/wixauth/wixtest"
)

// A login (the app's own, with SignIn) and a logout (the real handlers'
// form, posted as a browser posts it), each served by Serve: the Session
// follows the renewed cookie each time, as a browser would.
func TestSessionFollowsLoginAndLogout(t *testing.T) {
	e := wixauthtest.New(t)
	h, err := handlers.New(e.Auth, handlers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	role := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(wixauth.FromRequest(r).Tokens().Role()))
	})
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		access, refresh := e.Wix.IssueMemberTokens(wixtest.DemoEmail)
		tok := wixauth.Tokens{
			AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: e.Wix.Now().Add(time.Hour).Unix()},
			RefreshToken: wixauth.RefreshToken{Value: refresh, Role: wixauth.RoleMember},
		}
		if err := wixauth.FromRequest(r).SignIn(r.Context(), tok); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	s := e.Visitor(t)
	visitor := s.Token

	if w := e.Serve(login, s.NewForm("/my-login", nil)); w.Code != http.StatusOK {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	if s.Token == visitor || s.Token == "" {
		t.Fatalf("the session did not follow the login's renewed cookie")
	}
	if got := e.Serve(role, s.NewRequest(http.MethodGet, "/", nil)).Body.String(); got != "member" {
		t.Fatalf("after the login: %q, want member", got)
	}

	member := s.Token
	if w := e.Serve(h, s.NewForm("/auth/logout", nil)); w.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d %s, want 303", w.Code, w.Body)
	}
	if s.Token == member || s.Token == "" {
		t.Fatalf("the session did not follow the logout's renewed cookie")
	}
	if got := e.Serve(role, s.NewRequest(http.MethodGet, "/", nil)).Body.String(); got != "visitor" {
		t.Fatalf("after the logout: %q, want visitor", got)
	}
}

// The handlers' email/password form reads the post as a browser sends it:
// with NewForm it is a login (a redirect on its way to Wix), not a 400 for
// a form it cannot read.
func TestNewFormReachesTheLoginForm(t *testing.T) {
	e := wixauthtest.New(t)
	h, err := handlers.New(e.Auth, handlers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := e.Visitor(t)
	w := e.Serve(h, s.NewForm("/auth/login", url.Values{"email": {wixtest.DemoEmail}, "password": {wixtest.DemoPassword}}))
	if w.Code != http.StatusSeeOther || strings.Contains(w.Header().Get("Location"), "error") {
		t.Fatalf("login form: %d %s %s, want a 303 to Wix", w.Code, w.Header().Get("Location"), w.Body)
	}
}

// A form post carries what a browser sends with it.
func TestNewFormIsABrowserForm(t *testing.T) {
	e := wixauthtest.New(t)
	s := e.Visitor(t)
	r := s.NewForm("/cart/add", url.Values{"item": {"sock"}})
	if got := r.Header.Get("Origin"); got != wixauthtest.BaseURL {
		t.Errorf("Origin %q, want %q", got, wixauthtest.BaseURL)
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("item") != "sock" {
		t.Errorf("the form does not parse: %v %v", r.PostForm, err)
	}
	if got := s.NewRequest(http.MethodGet, "/", nil).Header.Get("Origin"); got != "" {
		t.Errorf("a GET carries Origin %q; browsers send none on same-origin GETs", got)
	}
}

// Context makes the tokens valid as the middleware does before a handler:
// after the clock moved past the access token's expiry, the context's
// tokens are renewed ones, and Save keeps them.
func TestContextRenews(t *testing.T) {
	e := wixauthtest.New(t)
	s := e.Member(t, wixtest.DemoEmail)
	e.Advance(5 * time.Hour)
	ctx := s.Context(t)
	tok := wixauth.FromContext(ctx).Tokens()
	if !time.Unix(tok.AccessToken.ExpiresAt, 0).After(e.Wix.Now()) {
		t.Fatalf("the context's access token expired at %v, before the clock's %v", time.Unix(tok.AccessToken.ExpiresAt, 0), e.Wix.Now())
	}
	if n := e.Wix.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("%d renewals, want 1", n)
	}
	s.Save(t, ctx)
	if got := s.Tokens(t); got.AccessToken != tok.AccessToken {
		t.Errorf("Save did not keep the renewed token")
	}
}

// The Auth logs to the test's logger, not to the process's default one.
func TestLogsGoToTheTest(t *testing.T) {
	var def bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&def, nil)))
	defer slog.SetDefault(old)

	rec := &recordingTB{TB: t}
	e := wixauthtest.New(rec)
	s := e.Visitor(t)
	e.Wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: 503})
	e.Advance(5 * time.Hour)
	e.Serve(http.HandlerFunc(cartHandler), s.NewRequest(http.MethodGet, "/", nil))
	if def.Len() != 0 {
		t.Errorf("the default logger got: %s", def.String())
	}
	if !strings.Contains(strings.Join(rec.lines, "\n"), "wixauth") {
		t.Errorf("the test's log got no wixauth line: %q", rec.lines)
	}

	var own bytes.Buffer
	e = wixauthtest.New(t, wixauthtest.WithLogger(slog.New(slog.NewTextHandler(&own, nil))))
	s = e.Visitor(t)
	e.Wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: 503})
	e.Advance(5 * time.Hour)
	e.Serve(http.HandlerFunc(cartHandler), s.NewRequest(http.MethodGet, "/", nil))
	if !strings.Contains(own.String(), "wixauth") || def.Len() != 0 {
		t.Errorf("WithLogger's logger got %q, the default %q", own.String(), def.String())
	}
}

// recordingTB keeps what is logged to a test.
type recordingTB struct {
	testing.TB
	lines []string
}

func (r *recordingTB) Log(args ...any) {
	for _, a := range args {
		r.lines = append(r.lines, a.(string))
	}
	r.TB.Log(args...)
}
