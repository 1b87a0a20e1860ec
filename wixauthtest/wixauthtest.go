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
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
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
	wix    []wixtest.Option
	auth   []func(*wixauth.Config)
	logger *slog.Logger
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

// WithLogger gives the Auth (Config.Logger) this logger instead of the
// test's own (see New).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// New starts a fake Wix, closed when the test ends, and an Auth for it with
// BaseURL "http://app.test" and the fake's clock as Config.Now. The Auth
// logs to the test (t.Log, shown with -v or when the test fails) unless
// WithLogger or WithConfig gives it another logger, so that a test's log
// lines stay with that test instead of the process's default logger.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	if o.logger == nil {
		o.logger = TestLogger(t)
	}
	wix := wixtest.NewServer(o.wix...)
	t.Cleanup(wix.Close)
	cfg := wixauth.Config{
		ClientID: wix.ClientID,
		APIURL:   wix.URL,
		APIKey:   wix.APIKey,
		BaseURL:  BaseURL,
		Now:      wix.Clock(),
		Logger:   o.logger,
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
// any, is in its Result().Cookies(). When r comes from Session.NewRequest
// or Session.NewForm, the Session follows that cookie as a browser would:
// after a login or logout (which renew the session ID) its next requests
// carry the new session, and after the session is destroyed, none.
func (e *Env) Serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.Auth.Middleware(h).ServeHTTP(w, r)
	if s, ok := r.Context().Value(sessionKey{}).(*Session); ok {
		s.follow(w.Result().Cookies())
	}
	return w
}

// sessionKey marks a request made by a Session, for Serve to follow its
// cookie.
type sessionKey struct{}

// follow takes the session cookie of an answer, if it set one.
func (s *Session) follow(cookies []*http.Cookie) {
	name := s.e.Auth.Config().Sessions.Cookie.Name
	for _, c := range cookies {
		if c.Name != name {
			continue
		}
		if c.MaxAge < 0 || c.Value == "" {
			s.Token = ""
		} else {
			s.Token = c.Value
		}
	}
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
// cookie, for Env.Serve, which then follows the cookie the answer sets. A
// request of a method other than GET, HEAD or OPTIONS carries the app's own
// Origin, as a browser sends it with a same-origin post, so that the
// cross-origin checks of the handlers (and of http.CrossOriginProtection)
// let it through.
func (s *Session) NewRequest(method, target string, body io.Reader) *http.Request {
	base := s.e.Auth.Config().BaseURL
	if base == "" {
		base = BaseURL
	}
	if strings.HasPrefix(target, "/") {
		target = base + target
	}
	r := httptest.NewRequest(method, target, body)
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		r.Header.Set("Origin", base)
	}
	if s.Token != "" {
		r.AddCookie(s.Cookie())
	}
	return r.WithContext(context.WithValue(r.Context(), sessionKey{}, s))
}

// NewForm is a POST of form to target as a browser submits a form of the
// app's own page: Content-Type application/x-www-form-urlencoded, the
// app's Origin and the session cookie.
func (s *Session) NewForm(target string, form url.Values) *http.Request {
	r := s.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// Context returns a context that carries the session and a Client for it,
// as a handler's request context does behind the middleware (without
// Config.Lazy), for calling code that takes a context without any HTTP. As
// the middleware does before a handler, it makes the tokens valid first:
// an access token due for renewal (the clock advanced) is renewed, with a
// token call to the fake, and a session without tokens gets visitor
// tokens. Changes, renewed tokens included, reach the store with Save.
func (s *Session) Context(t testing.TB) context.Context {
	t.Helper()
	ctx, err := s.e.Auth.Config().Sessions.Load(context.Background(), s.Token)
	if err != nil {
		t.Fatalf("wixauthtest: loading the session: %v", err)
	}
	c := s.e.Auth.ClientFor(ctx)
	if err := c.Ensure(ctx); err != nil {
		t.Fatalf("wixauthtest: making the session's tokens valid: %v", err)
	}
	return wixauth.NewContext(ctx, c)
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

// Tokens returns the tokens the store holds for the session now, as they
// are: an expired access token is not renewed (Context renews).
func (s *Session) Tokens(t testing.TB) wixauth.Tokens {
	t.Helper()
	ctx, err := s.e.Auth.Config().Sessions.Load(context.Background(), s.Token)
	if err != nil {
		t.Fatalf("wixauthtest: loading the session: %v", err)
	}
	return s.e.Auth.ClientFor(ctx).Tokens()
}

// TestLogger returns a logger that writes to t.Log: its lines show with
// the test that caused them (with -v, or when it fails). Lines logged
// after the test ended (by a goroutine still running) are dropped.
func TestLogger(t testing.TB) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.end)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testWriter writes log lines to a test until it ends.
type testWriter struct {
	mu    sync.Mutex
	t     testing.TB
	ended bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.ended {
		w.t.Helper()
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) end() {
	w.mu.Lock()
	w.ended = true
	w.mu.Unlock()
}
