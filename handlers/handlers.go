package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/counter"
)

// Config configures the handlers. The zero value works.
type Config struct {
	// Prefix is the path the handlers are mounted under. The default is
	// "/auth", giving /auth/login, /auth/callback and so on.
	Prefix string

	// CallbackPath is the path of the callback; its absolute URL (BaseURL
	// of the Auth + this path) must be on the OAuth app's list of allowed
	// redirect URIs in the Wix dashboard. The default is Prefix+"/callback".
	CallbackPath string

	// FormPath is the app's page with the email/password form. Form posts
	// that fail, or that need a verification code, and hosted logins that
	// come back cancelled, are sent back to it with the Outcome: error codes
	// in the query (flow, state, errorCode, returnTo), or in the session
	// with OutcomeInSession; the page reads it with Handlers.Outcome and
	// words it with Message. The default is the handlers' own minimal page,
	// Prefix+"/form" (see FormPage), so that an app without a form page
	// never sends a visitor to a 404.
	FormPath string

	// OutcomeInSession makes the outcome of a failed form travel to
	// FormPath in the session (read once by Handlers.Outcome) instead of in
	// the URL, which then stays clean of any state.
	OutcomeInSession bool

	// DetailedLoginErrors makes a failed password login tell a wrong email
	// (identity.ErrorCodeInvalidEmail) from a wrong password
	// (identity.ErrorCodeInvalidPassword) and an account that must reset its password
	// (identity.ErrorCodeResetPassword). By default all three are
	// ErrorCodeInvalidCredentials, so that the form does not reveal who is
	// a member.
	DetailedLoginErrors bool

	// MaxVerificationAttempts bounds the emailed codes one verification may
	// be tried with; after the last wrong one the verification is dropped
	// and the member logs in again for a new code. The default is 5.
	MaxVerificationAttempts int

	// Budgets bound the calls to Wix that make it send mail or create
	// sessions, per session, per email address and for the whole app (see
	// Budgets). The zero value takes the defaults.
	Budgets Budgets

	// Counter keeps the counts that must hold across instances: the codes
	// tried per verification and the Budgets. Set it to the shared store's
	// (stores.Store.Counter) whenever more than one instance serves the
	// app. The default counts in this process.
	Counter Counter

	// AllowHostHeader lets New accept an Auth without BaseURL: the callback
	// URL, password reset links and the origin check are then built from
	// each request's Host header. That is only right for local
	// development: behind a proxy the URLs are wrong, and a forged Host
	// puts another site into the links Wix emails. Set
	// wixauth.Config.BaseURL (BASE_URL) everywhere else.
	AllowHostHeader bool

	// DefaultReturnTo is where the browser lands after login and logout when
	// the request names no safe return URL. The default is "/".
	DefaultReturnTo string

	// PendingLoginTTL bounds how long a started login waits for its
	// callback. The default is 10 minutes, the lifetime of Wix's codes.
	PendingLoginTTL time.Duration

	// MaxPendingLogins caps the logins one session may have under way at
	// once (one per tab); the oldest is dropped past it. The default is 5.
	MaxPendingLogins int

	// DirectLogin says how a login by the app's own form is finished:
	// DirectLoginWebMessage (the default: the SDK's hidden iframe) or
	// DirectLoginRedirect (a top-level redirect, no JavaScript, resting on
	// an assumption no recorded traffic shows). See DirectLoginMode.
	DirectLogin DirectLoginMode

	// FrameOrigins are the origins, besides that of Wix's auth URL, that
	// the hidden frame of DirectLoginWebMessage may be redirected to and
	// take its message from: "https://host[:port]", or "https://*.domain"
	// for any subdomain. Add the site's own domain if Wix's login moves
	// the frame there. The default is DefaultFrameOrigins.
	FrameOrigins []string

	// DirectLoginTimeout bounds how long DirectLoginPage waits for the
	// frame's message before it tells the member that Wix did not answer
	// and offers to try again. The default is 30 seconds.
	DirectLoginTimeout time.Duration

	// AllowGETLogout lets GET log out as well as POST. It is off by default
	// because any page could then log a member out with an <img> tag.
	AllowGETLogout bool

	// TrustedOrigins are other origins whose pages may POST to the handlers
	// (the default is the app's own only), as for
	// http.CrossOriginProtection.AddTrustedOrigin.
	TrustedOrigins []string

	// Respond writes the answer of every handler (see Result). The default
	// is DefaultRespond.
	Respond func(http.ResponseWriter, *http.Request, Result)

	// MaxBodyBytes bounds form and JSON bodies. The default is 64 KiB.
	MaxBodyBytes int64

	// Now returns the current time, for the expiry of pending logins and
	// verifications. The default is the Auth's clock (wixauth.Config.Now).
	Now func() time.Time
}

// Handlers are the member login, callback and logout handlers of one Auth.
// Each must run inside the Auth's middleware (Mount sees to it).
type Handlers struct {
	auth *wixauth.Auth
	// sessions and log are the Auth's (Auth.Config), read once.
	sessions *scs.SessionManager
	log      *slog.Logger
	cfg      Config
	cop      *originCheck
	all      []route          // every route, in the middleware
	byPath   map[string]route // the same, for ServeHTTP
}

// New returns the handlers for auth.
func New(auth *wixauth.Auth, cfg Config) (*Handlers, error) {
	if auth == nil {
		return nil, errors.New("handlers: New needs an *wixauth.Auth")
	}
	if auth.Config().BaseURL == "" && !cfg.AllowHostHeader {
		return nil, errors.New("handlers: the Auth has no BaseURL: set wixauth.Config.BaseURL (BASE_URL) to the app's public origin, such as \"https://shop.example.com\"; " +
			"without it the callback URL and password reset links would come from each request's Host header. For local development only, set handlers.Config.AllowHostHeader")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "/auth"
	}
	cfg.Prefix = "/" + strings.Trim(cfg.Prefix, "/")
	if cfg.CallbackPath == "" {
		cfg.CallbackPath = cfg.Prefix + "/callback"
	}
	if cfg.FormPath == "" {
		cfg.FormPath = cfg.Prefix + formPage
	}
	if cfg.MaxVerificationAttempts <= 0 {
		cfg.MaxVerificationAttempts = 5
	}
	if cfg.DefaultReturnTo == "" {
		cfg.DefaultReturnTo = "/"
	}
	for _, p := range []string{cfg.CallbackPath, cfg.FormPath, cfg.DefaultReturnTo} {
		if _, ok := SafeReturnTo(p, ""); !ok {
			return nil, errors.New("handlers: CallbackPath, FormPath and DefaultReturnTo must be local paths such as \"/account\", not " + p)
		}
	}
	switch cfg.DirectLogin {
	case "":
		cfg.DirectLogin = DirectLoginWebMessage
	case DirectLoginRedirect, DirectLoginWebMessage:
	default:
		return nil, errors.New("handlers: Config.DirectLogin must be DirectLoginWebMessage or DirectLoginRedirect, not " + string(cfg.DirectLogin))
	}
	if cfg.FrameOrigins == nil {
		cfg.FrameOrigins = DefaultFrameOrigins
	}
	for _, o := range cfg.FrameOrigins {
		if err := checkFrameOrigin(o); err != nil {
			return nil, err
		}
	}
	if cfg.DirectLoginTimeout <= 0 {
		cfg.DirectLoginTimeout = 30 * time.Second
	}
	if cfg.PendingLoginTTL <= 0 {
		cfg.PendingLoginTTL = 10 * time.Minute
	}
	if cfg.MaxPendingLogins <= 0 {
		cfg.MaxPendingLogins = 5
	}
	if cfg.Respond == nil {
		cfg.Respond = DefaultRespond
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.Now == nil {
		cfg.Now = auth.Config().Now
	}
	cfg.Budgets = cfg.Budgets.withDefaults()
	if cfg.Counter == nil {
		cfg.Counter = &counter.Memory{}
	}
	cop, err := newOriginCheck(auth.Config().BaseURL, cfg.TrustedOrigins, auth.Config().Logger, cfg.Now)
	if err != nil {
		return nil, err
	}
	acfg := auth.Config()
	h := &Handlers{auth: auth, sessions: acfg.Sessions, log: acfg.Logger, cfg: cfg, cop: cop}
	h.all = h.routes()
	h.byPath = map[string]route{}
	for _, rt := range h.all {
		h.byPath[rt.path] = rt
	}
	return h, nil
}

// origin is the app's public origin: the Auth's BaseURL, or else the
// request's own scheme and host.
func (h *Handlers) origin(r *http.Request) string {
	if b := h.auth.Config().BaseURL; b != "" {
		return b
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// absolute makes a local path absolute on the app's origin.
func (h *Handlers) absolute(r *http.Request, path string) string {
	return h.origin(r) + path
}

// returnTo reads the "returnTo" parameter (query or form) and keeps it only
// if it points inside the app.
func (h *Handlers) returnTo(r *http.Request, raw string) string {
	if p, ok := SafeReturnTo(raw, h.origin(r)); ok {
		return p
	}
	return h.cfg.DefaultReturnTo
}

// withQuery adds key=value pairs to a local path.
func withQuery(path string, kv ...string) string {
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
