package wixauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/wixauth/wixauth/internal/sameorigin"
)

// DefaultAPIURL is Wix's API host.
const DefaultAPIURL = "https://www.wixapis.com"

// Config configures an Auth. Only ClientID is required.
type Config struct {
	// ClientID is the OAuth app's client ID from the Wix dashboard's Headless
	// Settings. Wix Headless OAuth needs no client secret. Required.
	ClientID string

	// APIURL is the base URL of the Wix API. The default is
	// "https://www.wixapis.com"; tests point it at a wixtest server.
	APIURL string

	// BaseURL is the app's public URL, such as "https://shop.example.com".
	// The login handlers build the absolute callback URL from it and keep
	// return URLs inside it; when it is https the session cookie must be
	// Secure (the manager New makes also gives it the "__Host-" prefix).
	// New accepts it empty (the middleware alone needs no URL; the cookie
	// is then not Secure), but handlers.New refuses to start without it
	// unless handlers.Config.AllowHostHeader opts in to each request's
	// Host, for local development only.
	BaseURL string

	// APIKey is a Wix API key with Contacts & Members permissions. It is only
	// needed for identity.ExternalLogin. It is never logged and must
	// never reach a browser. Optional.
	APIKey string

	// Store holds the sessions: stores.Open(url).Sessions, or any
	// scs.Store. The default is in memory. A store that also coordinates
	// renewals (the Redis store does) is the Coordinator too: one field
	// wires both. Leave it nil when Sessions is set.
	Store scs.Store

	// Keys seal the sessions at rest, each bound to its store key (see
	// session.Options.Keys and session.ParseKeys). Leave it nil when
	// Sessions is set.
	Keys [][]byte

	// Sessions manages the server-side sessions that hold the tokens, when
	// the app shares the manager with its own handlers; otherwise leave it
	// nil, and New makes one from Store and Keys, with cookie
	// "wixauth_session" (HttpOnly, SameSite=Lax), "__Host-wixauth_session"
	// and Secure when BaseURL is https, lifetime 24 hours. It must come
	// from session.New, whose store hashes the keys, seals the values to
	// their key (with keys) and makes a login's or logout's retirement of a
	// session final; New fails with a message that says what to change
	// otherwise, and never changes the manager itself. New finds the
	// Coordinator through its store as through Store. Wrap the app's
	// LoadAndSave inside Auth.Middleware, never outside it.
	Sessions *scs.SessionManager

	// KeepOnLogout names the session keys of the app that survive a logout.
	// Everything else in the session (the app's data put there while the
	// member was logged in, the pending logins) is dropped by SignOut.
	KeepOnLogout []string

	// OnLogin, if set, is called by SignIn (and so by the callback handler)
	// once the member's tokens are in the renewed session; c is then the
	// member's. It runs before the response: it may put values in the
	// session or call Wix (a profile, say). Keep it short.
	OnLogin func(ctx context.Context, c *Client)

	// OnLogout, if set, is called by SignOut before the member's tokens and
	// the session's data are dropped; c is still the member's.
	OnLogout func(ctx context.Context, c *Client)

	// Coordinator makes the instances of the app that share a session
	// store renew each session once between them. The default is the
	// session store itself when it has Coordinator's methods (the Redis
	// store of package stores does), else none: each instance renews on
	// its own. Set it only for a coordinator other than the store.
	Coordinator Coordinator

	// HTTPClient makes the calls to Wix. When nil, a client with a 15 second
	// timeout that keeps up to 64 idle connections to Wix is used; wixauth
	// never uses http.DefaultClient.
	HTTPClient *http.Client

	// RenewBefore is the safety margin: an access token that expires within
	// it is renewed before the request goes on, so that a handler never holds
	// a token that expires in the middle of its work. The default is 5
	// minutes; access tokens live 4 hours. The margin never exceeds half the
	// lifetime Wix gave a token, so that a token with a short life (Wix may
	// give one shorter than the margin) is used for half of it, not renewed
	// again at once.
	RenewBefore time.Duration

	// TokenTimeout bounds one token call (new visitor tokens or a renewal).
	// Renewals shared by several requests run detached from any one request,
	// under this timeout alone. The default is 10 seconds.
	TokenTimeout time.Duration

	// RetryBackoff is how long a failed token call is not repeated: during
	// it, requests of the failing session (or new visitors, after a failed
	// anonymous grant) get the same error at once instead of calling Wix
	// again. A longer Retry-After from Wix wins. The default is 2 seconds.
	RetryBackoff time.Duration

	// GiveUpAfter bounds how long a session's refresh token may keep
	// failing with answers that are not transient yet name no refusal (a
	// 4xx with no code, such as a proxy's page, or one about the request
	// or the client, such as invalid_client) before the session ends as a
	// new visitor, logged at Warn and reported as EventSessionEnded. It
	// counts from the first such failure, however far apart the requests.
	// A refresh token that Wix refuses in words (invalid_grant whatever the
	// status, or another code with a 4xx: INVALID_REFRESH_TOKEN,
	// UNAUTHENTICATED, ...) ends its session at once, as the SDK does; a
	// timeout, a 5xx or a 429 never does. The default is
	// 1 minute.
	GiveUpAfter time.Duration

	// NewVisitorsPerMinute is how many new visitor sessions one client
	// address may start a minute (a burst of as many, refilled evenly): a
	// request without tokens past it gets no token call and no session;
	// the ErrorHandler gets a *NewVisitorLimitError (by default a 429 with
	// Retry-After). Sessions that have tokens are never limited. The
	// default is 60; a negative value turns
	// the limit off. HEAD and OPTIONS requests never start a session.
	//
	// Connections from loopback and private addresses are not counted
	// unless TrustedAddrHeader names the client: they come through a proxy
	// in front of the app, and all visitors would count as one.
	NewVisitorsPerMinute int

	// TrustedAddrHeader names the request header that holds the client's
	// address, set by the app's own reverse proxy, such as
	// "X-Forwarded-For" (its last address is used: the one the proxy
	// added), "X-Real-IP", "CF-Connecting-IP" or "Fly-Client-IP". New
	// visitors are counted by it (see NewVisitorsPerMinute). Set it only
	// behind such a proxy: a client can send any header. The default is
	// empty: the connection's remote address. A request whose header is
	// missing, empty or not an address is counted by the connection's
	// address (the proxy's, all such requests as one), never let through
	// uncounted.
	TrustedAddrHeader string

	// TrustedHops is how many proxies of the app's own append to
	// TrustedAddrHeader: 1 (the default) for a load balancer, 2 for a CDN
	// in front of it, and so on. The address used is the TrustedHops-th
	// from the end, the one the outermost own proxy saw; what comes before
	// it, the client wrote.
	TrustedHops int

	// OnEvent, if set, is called for every token event (new visitor,
	// renewal, session ended, login, logout, error), for metrics. It runs
	// on the request's goroutine: keep it fast and never block.
	OnEvent func(context.Context, Event)

	// Lazy defers minting and renewing tokens until a handler first uses the
	// Client, instead of doing it on every request. It saves Wix's rate limit
	// (about 200 requests a minute per app instance) on pages that never call
	// Wix. The default is false (eager).
	//
	// The rule: with Lazy, a handler must use the Client (or call
	// Client.Ensure) before it writes or flushes its response, because scs
	// saves the session when the response starts. Tokens made after that
	// cannot be saved: the next request repeats the token call, and a new
	// visitor's cart is lost. This is never silent: it is logged at Warn
	// once per route and reported as EventTokensUnsaved every time.
	Lazy bool

	// Skip, when it returns true, passes the request to the next handler
	// untouched: no session, no tokens, no Client in the context. Use it for
	// health checks, static files and the like. The default skips nothing.
	Skip func(*http.Request) bool

	// ErrorHandler answers a request whose tokens could not be made valid
	// (Wix unreachable, rate limited, failing). The default answers 503 with
	// a short plain-text message and a Retry-After header; the details go to
	// Logger.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// Logger receives structured logs: renewals and new visitors at Debug,
	// failures at Warn and Error, with Wix's request ID, never a token or key.
	// The default is slog.Default().
	Logger *slog.Logger

	// SessionKey is the key under which the tokens are kept in the session.
	// The default is "wixauth.tokens". Change it only if it clashes.
	SessionKey string

	// Now returns the current time. The default is time.Now; tests set it.
	Now func() time.Time
}

// Defaults used where Config leaves a field at its zero value.
const (
	DefaultRenewBefore  = 5 * time.Minute
	DefaultTokenTimeout = 10 * time.Second
	defaultHTTPTimeout  = 15 * time.Second
	defaultSessionKey   = "wixauth.tokens"
)

// ConfigFromEnv reads WIX_CLIENT_ID, WIX_API_URL, WIX_API_KEY and BASE_URL.
func ConfigFromEnv() Config {
	return Config{
		ClientID: strings.TrimSpace(os.Getenv("WIX_CLIENT_ID")),
		APIURL:   strings.TrimSpace(os.Getenv("WIX_API_URL")),
		APIKey:   strings.TrimSpace(os.Getenv("WIX_API_KEY")),
		BaseURL:  strings.TrimSpace(os.Getenv("BASE_URL")),
	}
}

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if c.ClientID == "" {
		return c, errors.New("wixauth: Config.ClientID is empty: set it (or WIX_CLIENT_ID) to the client ID of your OAuth app in the Wix dashboard's Headless Settings")
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	u, err := url.Parse(c.APIURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return c, fmt.Errorf("wixauth: Config.APIURL %q is not a base URL such as %q", c.APIURL, DefaultAPIURL)
	}
	c.APIURL = strings.TrimSuffix(c.APIURL, "/")
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return c, fmt.Errorf("wixauth: Config.BaseURL %q is not an origin such as \"https://shop.example.com\"", c.BaseURL)
		}
		c.BaseURL = u.Scheme + "://" + u.Host
	}
	if c.RenewBefore < 0 || c.TokenTimeout < 0 {
		return c, errors.New("wixauth: Config.RenewBefore and Config.TokenTimeout must not be negative")
	}
	if c.RenewBefore == 0 {
		c.RenewBefore = DefaultRenewBefore
	}
	if c.TokenTimeout == 0 {
		c.TokenTimeout = DefaultTokenTimeout
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = defaultRetryBackoff
	}
	if c.GiveUpAfter <= 0 {
		c.GiveUpAfter = defaultGiveUpAfter
	}
	if c.TrustedHops < 0 {
		return c, errors.New("wixauth: Config.TrustedHops must not be negative: it is the number of the app's own proxies that append to TrustedAddrHeader")
	}
	if c.TrustedHops == 0 {
		c.TrustedHops = 1
	}
	if c.NewVisitorsPerMinute == 0 {
		c.NewVisitorsPerMinute = defaultNewVisitorsPerMinute
	}
	if c.HTTPClient == nil {
		// http.DefaultTransport keeps 2 idle connections per host: a burst of
		// new visitors would then open (and TLS-handshake) a connection to
		// Wix per token call.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		c.HTTPClient = &http.Client{Timeout: defaultHTTPTimeout, Transport: t}
	}
	// Token grants and API calls never follow a redirect to another
	// origin; a copy, so that the caller's client stays as it was.
	hc := *c.HTTPClient
	hc.CheckRedirect = sameorigin.CheckRedirect(hc.CheckRedirect)
	c.HTTPClient = &hc
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ErrorHandler == nil {
		c.ErrorHandler = defaultErrorHandler(c.Logger)
	}
	if c.SessionKey == "" {
		c.SessionKey = defaultSessionKey
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// EventKind names what happened to a session.
type EventKind string

// The events passed to Config.OnEvent. One token call is one event: a
// renewal shared by many requests is reported once.
const (
	EventNewVisitor   EventKind = "new_visitor"   // new visitor tokens
	EventRenewal      EventKind = "renewal"       // an access token renewed
	EventSessionEnded EventKind = "session_ended" // Wix refused a refresh token, or it kept failing (Config.GiveUpAfter)
	EventLogin        EventKind = "login"         // member tokens stored
	EventLogout       EventKind = "logout"        // member logged out
	EventError        EventKind = "error"         // a token call failed
	// EventTokensUnsaved: tokens changed after the response started, so
	// they could not be saved (see Config.Lazy).
	EventTokensUnsaved EventKind = "tokens_unsaved"
	// EventRequestRefused: the middleware answered through
	// Config.ErrorHandler instead of the app's handler; Err says why (a
	// *NewVisitorLimitError, a *StoreError, or Wix's failure).
	EventRequestRefused EventKind = "request_refused"
)

// Event is what Config.OnEvent receives. It never holds a token.
type Event struct {
	Kind EventKind
	// Role is the role of the session the event is about.
	Role Role
	// Err is the failure, for EventError and EventSessionEnded; an
	// *APIError carries Wix's request ID.
	Err error
}

func (a *Auth) emit(ctx context.Context, e Event) {
	if a.cfg.OnEvent != nil {
		a.cfg.OnEvent(ctx, e)
	}
}
