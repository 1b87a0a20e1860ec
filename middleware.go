package wixauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/wixauth/wixauth/session"
)

// Middleware makes sure every request has valid Wix tokens in its server-side
// session and puts a Client for them in the request context (see
// FromContext). Per request it:
//
//   - loads the session, unless the app already wrapped the handler in the
//     same session manager's LoadAndSave (either way one cookie is written);
//   - gets new visitor tokens when the session has none (within
//     Config.NewVisitorsPerMinute per client address; never for HEAD and
//     OPTIONS), or renews the access token when it is due (see
//     Config.RenewBefore), unless Config.Lazy;
//   - saves the session only when the tokens changed (never for HEAD and
//     OPTIONS), once for all the requests that shared a renewal;
//   - calls Config.ErrorHandler instead of next when Wix cannot give valid
//     tokens.
//
// All of it happens before next runs, because scs saves the session when the
// response starts.
func (a *Auth) Middleware(next http.Handler) http.Handler {
	// c is the Client withSession made, already in r's context, or nil when
	// the session was loaded outside (the app's LoadAndSave) or is a
	// throwaway.
	withTokens := func(w http.ResponseWriter, r *http.Request, c *Client) {
		if c == nil {
			if c := FromContext(r.Context()); c != nil && c.a == a { // wrapped twice
				next.ServeHTTP(w, r)
				return
			}
			c = a.clientFor(r.Context())
			r = r.WithContext(NewContext(r.Context(), c))
		}
		// Set before the handler shares c with anything.
		c.req = r
		c.readOnly = r.Method == http.MethodHead || r.Method == http.MethodOptions
		if !a.cfg.Lazy && r.Context().Value(throwawayKey{}) == nil && !(c.readOnly && c.rec.Empty()) {
			if err := c.Ensure(r.Context()); err != nil {
				a.cfg.ErrorHandler(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.Skip != nil && a.cfg.Skip(r) {
			next.ServeHTTP(w, r)
			return
		}
		a.withSession(w, r, withTokens)
	})
}

// Middleware wraps next with the Default Auth, configured from the
// environment. It panics if WIX_CLIENT_ID is unset or WIX_API_URL is not a
// URL, when the server is being set up rather than on a request.
func Middleware(next http.Handler) http.Handler { return Default().Middleware(next) }

// defaultErrorHandler answers 503 with a plain message and a Retry-After,
// and logs the cause, which carries Wix's request ID but never a token. It
// also answers for a failing session store (a *StoreError), and answers 429
// to a new visitor over Config.NewVisitorsPerMinute.
func defaultErrorHandler(log *slog.Logger) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		var le *NewVisitorLimitError
		if errors.As(err, &le) {
			// At Debug: a bot storm must not flood the log.
			log.Debug("wixauth: new visitor refused", slog.String("path", r.URL.Path), slog.Any("error", err))
			// Seconds, rounded up: a browser retrying earlier is refused again.
			w.Header().Set("Retry-After", strconv.Itoa(int((le.RetryAfter+time.Second-1)/time.Second)))
			http.Error(w, "Too many new visitors from your network right now. Please try again in a few seconds.", http.StatusTooManyRequests)
			return
		}
		log.Error("wixauth: request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		retry := 5 * time.Second
		var ae *APIError
		if errors.As(err, &ae) && ae.RetryAfter > 0 {
			retry = ae.RetryAfter
		}

		w.Header().Set("Retry-After", strconv.Itoa(int(retry.Round(time.Second)/time.Second)))
		msg := "Wix is unavailable right now. Please try again in a moment."
		var se *StoreError
		if errors.As(err, &se) {
			msg = "Sessions are unavailable right now (the session store does not answer). Please try again in a moment."
		}
		http.Error(w, msg, http.StatusServiceUnavailable)
	}
}

// The Client travels in the context under package session's key, in the
// same value as the request's load record (requestState), which the session
// store reads: one context value for both.

// carried is a Client put in a context by NewContext, without a load record.
type carried struct{ c *Client }

func (carried) SessionLoad() *session.Load { return nil }

// FromContext returns the Client that the middleware put in ctx, or nil
// outside the middleware (or for a request that Config.Skip skipped). The
// methods of a nil *Client return ErrNoClient, so a handler mounted outside
// the middleware fails with a message that says so instead of panicking.
func FromContext(ctx context.Context) *Client {
	switch v := session.FromContext(ctx).(type) {
	case *requestState:
		return &v.c
	case carried:
		return v.c
	}
	return nil
}

// FromRequest is FromContext(r.Context()).
func FromRequest(r *http.Request) *Client { return FromContext(r.Context()) }

// NewContext returns a copy of ctx that carries c. The middleware does this
// for every request; it is exported for tests of handlers that run without
// the middleware.
func NewContext(ctx context.Context, c *Client) context.Context {
	return session.NewContext(ctx, carried{c})
}

// ClientFor returns a Client for the session that ctx carries, loaded by
// the Auth's session manager (Config().Sessions.Load), as the middleware makes for
// each request. It is for tests of handlers that run without HTTP (see
// package wixauthtest) and for code that loads sessions itself; the changes
// it makes reach the store when the session is committed.
//
// A ctx without a session of that manager (context.Background() in a
// background job, say) gets a nil Client, whose methods return
// ErrNoClient, and an Error log line naming Auth.NewClient, the Client for
// work outside a request; never scs's panic.
func (a *Auth) ClientFor(ctx context.Context) *Client {
	if !sessionLoaded(ctx, a.cfg.Sessions) {
		a.cfg.Logger.Error("wixauth: Auth.ClientFor got a context without a session loaded by Config().Sessions: " +
			"outside a request (a background job), use Auth.NewClient(tokens, save) with tokens the app stored; " +
			"in a handler, use FromRequest inside Auth.Middleware")
		return nil
	}
	return a.clientFor(ctx)
}

// sessionLoaded reports whether ctx carries a session of sm. scs has no
// probe: every accessor panics ("scs: no session data in context") without
// one, so the panic of Status is the answer.
func sessionLoaded(ctx context.Context, sm *scs.SessionManager) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	sm.Status(ctx)
	return true
}

// Tokens that change after the response started cannot be saved: scs
// writes the session when the response starts. That happens when a handler
// writes (or flushes) before its first use of the Client, which Config.Lazy
// makes possible. It is never silent: the first time on each route it is
// logged at Warn, and every time reported as EventTokensUnsaved.

// maxUnsavedRoutes bounds the routes remembered for the once-per-route
// warning: paths come from the client, and a scan must not grow the map.
const maxUnsavedRoutes = 256

type unsavedRoutes struct {
	mu   sync.Mutex
	seen map[string]bool
}

// first reports whether route is reported for the first time.
func (u *unsavedRoutes) first(route string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.seen[route] || len(u.seen) >= maxUnsavedRoutes {
		return false
	}
	if u.seen == nil {
		u.seen = make(map[string]bool)
	}
	u.seen[route] = true
	return true
}

// reportUnsaved reports tokens of r that changed after its response had
// started.
func (a *Auth) reportUnsaved(ctx context.Context, r *http.Request, role Role) {
	route := r.Pattern // the ServeMux pattern, once the mux has routed r
	if route == "" {
		route = r.Method + " " + r.URL.Path
	}
	if a.unsaved.first(route) {
		a.cfg.Logger.Warn("wixauth: the tokens changed after the response started, so they are not saved and the next request repeats the token call: use the Client before writing the response (see Config.Lazy)",
			slog.String("route", route), slog.String("role", string(role)))
	}
	a.emit(ctx, Event{Kind: EventTokensUnsaved, Role: role})
}
