package wixauth

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
)

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
