package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wixauth/wixauth"
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
	// that fail, or that need a verification code, are sent back to it with
	// the outcome in the query (see Result). The default is "/login".
	FormPath string

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
	// DirectLoginRedirect (the default: a top-level redirect, no
	// JavaScript) or DirectLoginWebMessage (the SDK's hidden iframe). See
	// DirectLoginMode.
	DirectLogin DirectLoginMode

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
	// verifications. The default is time.Now; tests set it.
	Now func() time.Time
}

// Handlers are the member login, callback and logout handlers of one Auth.
// Each must run inside the Auth's middleware (Mount sees to it).
type Handlers struct {
	auth *wixauth.Auth
	cfg  Config
	cop  *http.CrossOriginProtection
}

// New returns the handlers for auth.
func New(auth *wixauth.Auth, cfg Config) (*Handlers, error) {
	if auth == nil {
		return nil, errors.New("handlers: New needs an *wixauth.Auth")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "/auth"
	}
	cfg.Prefix = "/" + strings.Trim(cfg.Prefix, "/")
	if cfg.CallbackPath == "" {
		cfg.CallbackPath = cfg.Prefix + "/callback"
	}
	if cfg.FormPath == "" {
		cfg.FormPath = "/login"
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
		cfg.DirectLogin = DirectLoginRedirect
	case DirectLoginRedirect, DirectLoginWebMessage:
	default:
		return nil, errors.New("handlers: Config.DirectLogin must be DirectLoginRedirect or DirectLoginWebMessage, not " + string(cfg.DirectLogin))
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
		cfg.Now = time.Now
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Cross-origin request refused: this form must be posted from the site itself.", http.StatusForbidden)
	}))
	return &Handlers{auth: auth, cfg: cfg, cop: cop}, nil
}

// origin is the app's public origin: the Auth's BaseURL, or else the
// request's own scheme and host.
func (h *Handlers) origin(r *http.Request) string {
	if b := h.auth.BaseURL(); b != "" {
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
