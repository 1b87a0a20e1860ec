// Package wixauthtest is a kit for testing an app's own handlers with
// wixauth: a fake Wix (package wixtest) and an Auth that share one clock,
// visitor and member sessions in one call, and a Client without HTTP.
//
//	e := wixauthtest.New(t)
//	s := e.Member(t, wixtest.DemoEmail)
//	w := e.Serve(myHandler, s.NewRequest("GET", "/account", nil))
//
//	ctx := s.Context(t) // a handler's context, no HTTP at all
//	cart, err := ecom.CurrentCart(ctx, wixauth.FromContext(ctx))
//
// e.Advance(5 * time.Hour) moves the clock of both: the next request sees
// expired tokens and renews them, as in production.
package wixauthtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

// BaseURL is the app's origin in an Env unless an Option changes it.
const BaseURL = "http://app.test"

// Env is a fake Wix and an Auth that talks to it, sharing its clock.
type Env struct {
	Wix  *wixtest.Server
	Auth *wixauth.Auth
}

type options struct {
	wix  []wixtest.Option
	auth []func(*wixauth.Config)
}

// Option tunes New.
type Option func(*options)

// WithWix passes options to the fake (wixtest.NewServer).
func WithWix(opts ...wixtest.Option) Option {
	return func(o *options) { o.wix = append(o.wix, opts...) }
}

// WithConfig changes the Auth's Config before New builds it (the app's
// session manager from session.New, Lazy, a logger...). Keep
// Config.Now: it is the shared clock.
func WithConfig(fn func(*wixauth.Config)) Option {
	return func(o *options) { o.auth = append(o.auth, fn) }
}

// New starts a fake Wix, closed when the test ends, and an Auth for it with
// BaseURL "http://app.test" and the fake's clock as Config.Now.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	wix := wixtest.NewServer(o.wix...)
	t.Cleanup(wix.Close)
	cfg := wixauth.Config{
		ClientID: wix.ClientID,
		APIURL:   wix.URL,
		APIKey:   wix.APIKey,
		BaseURL:  BaseURL,
		Now:      wix.Clock(),
	}
	for _, fn := range o.auth {
		fn(&cfg)
	}
	a, err := wixauth.New(cfg)
	if err != nil {
		t.Fatalf("wixauthtest: %v", err)
	}
	t.Cleanup(a.Config().HTTPClient.CloseIdleConnections)
	// The callback of handlers mounted under /auth, as registered in the
	// Wix dashboard.
	wix.AllowRedirectURI(a.Config().BaseURL + "/auth/callback")
	return &Env{Wix: wix, Auth: a}
}

// Advance moves the clock of the fake and of the Auth by d.
func (e *Env) Advance(d time.Duration) { e.Wix.Advance(d) }

// Visitor returns a new session holding fresh visitor tokens.
func (e *Env) Visitor(t testing.TB) *Session {
	t.Helper()
	access, refresh := e.Wix.IssueVisitorTokens()
	return e.Seed(t, e.tokens(access, refresh, wixauth.RoleVisitor))
}

// Member returns a new session of the member with that email logged in (a
// member the fake knows, such as wixtest.DemoEmail; see wixtest.AddMember).
func (e *Env) Member(t testing.TB, email string) *Session {
	t.Helper()
	access, refresh := e.Wix.IssueMemberTokens(email)
	return e.Seed(t, e.tokens(access, refresh, wixauth.RoleMember))
}

func (e *Env) tokens(access, refresh string, role wixauth.Role) wixauth.Tokens {
	return wixauth.Tokens{
		AccessToken:  wixauth.AccessToken{Value: access, ExpiresAt: e.Wix.Now().Add(e.Wix.AccessTokenLifetime()).Unix()},
		RefreshToken: wixauth.RefreshToken{Value: refresh, Role: role},
	}
}

// Seed stores a new session holding tok and returns it.
func (e *Env) Seed(t testing.TB, tok wixauth.Tokens) *Session {
	t.Helper()
	sm := e.Auth.Config().Sessions
	ctx, err := sm.Load(context.Background(), "")
	if err != nil {
		t.Fatalf("wixauthtest: loading a new session: %v", err)
	}
	e.Auth.ClientFor(ctx).SetTokens(tok)
	token, _, err := sm.Commit(ctx)
	if err != nil {
		t.Fatalf("wixauthtest: saving the session: %v", err)
	}
	return &Session{e: e, Token: token}
}

// Serve runs r through the Auth's middleware and h, as the app's server
// would, and returns the answer. The session cookie the answer sets, if
// any, is in its Result().Cookies().
func (e *Env) Serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.Auth.Middleware(h).ServeHTTP(w, r)
	return w
}

// Session is a session in the Auth's store.
type Session struct {
	e *Env
	// Token is the session's ID, the value of its cookie.
	Token string
}

// Cookie is the session cookie a browser would send.
func (s *Session) Cookie() *http.Cookie {
	return &http.Cookie{Name: s.e.Auth.Config().Sessions.Cookie.Name, Value: s.Token}
}

// NewRequest is httptest.NewRequest on the app's BaseURL with the session
// cookie, for Env.Serve.
func (s *Session) NewRequest(method, target string, body io.Reader) *http.Request {
	if strings.HasPrefix(target, "/") {
		base := s.e.Auth.Config().BaseURL
		if base == "" {
			base = BaseURL
		}
		target = base + target
	}
	r := httptest.NewRequest(method, target, body)
	r.AddCookie(s.Cookie())
	return r
}

// Context returns a context that carries the session and a Client for it,
// as a handler's request context does behind the middleware, for calling
// code that takes a context without any HTTP. Changes reach the store with
// Save.
func (s *Session) Context(t testing.TB) context.Context {
	t.Helper()
	ctx, err := s.e.Auth.Config().Sessions.Load(context.Background(), s.Token)
	if err != nil {
		t.Fatalf("wixauthtest: loading the session: %v", err)
	}
	return wixauth.NewContext(ctx, s.e.Auth.ClientFor(ctx))
}

// Save writes the session of a context from Context back to the store, as
// the middleware does when the response starts. A session whose ID changed
// (a login or logout in the code under test) is followed.
func (s *Session) Save(t testing.TB, ctx context.Context) {
	t.Helper()
	token, _, err := s.e.Auth.Config().Sessions.Commit(ctx)
	if err != nil {
		t.Fatalf("wixauthtest: saving the session: %v", err)
	}
	s.Token = token
}

// Tokens returns the tokens the store holds for the session now.
func (s *Session) Tokens(t testing.TB) wixauth.Tokens {
	t.Helper()
	return wixauth.FromContext(s.Context(t)).Tokens()
}
