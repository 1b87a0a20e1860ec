package handlers

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
)

// A callback whose state this session does not know is usually a stale or
// replayed one. But it is also what a browser sees when it started the
// login at another origin than BaseURL (127.0.0.1 for localhost, http for
// https): the callback comes to BaseURL, where the browser's cookie is
// another one, or none. To tell the two apart, each login start is noted
// in the shared Counter under a hash of its state; a callback of an unknown
// state that the Counter knows was started by this app, in another session.

// startedKind names the Counter keys of login starts.
const startedKind = "started"

// noteStarted notes that this app started the login of state. A failing
// Counter costs only the diagnosis, never the login.
func (h *Handlers) noteStarted(ctx context.Context, state string) {
	if _, err := h.cfg.Counter.Add(ctx, hashKey(startedKind, state), 1, h.cfg.PendingLoginTTL); err != nil {
		h.log.Debug("wixauth/handlers: noting a login start failed", slog.Any("error", err))
	}
}

// startedElsewhere reports whether this app started the login of state in
// another session than r's: one r's session does not hold even expired.
func (h *Handlers) startedElsewhere(r *http.Request, state string) bool {
	for _, p := range h.pendingLogins(r.Context()) {
		if subtle.ConstantTimeCompare([]byte(p.Data.State), []byte(state)) == 1 {
			return false
		}
	}
	n, err := h.cfg.Counter.Add(r.Context(), hashKey(startedKind, state), 0, h.cfg.PendingLoginTTL)
	return err == nil && n > 0
}

// loginElsewhere answers the callback of a login started in another
// session: 400, as for any unknown login, but saying the likely cause to
// the browser and in a Warn line.
func (h *Handlers) loginElsewhere(w http.ResponseWriter, r *http.Request) {
	base := h.origin(r)
	h.log.Warn("wixauth/handlers: a login callback came to "+base+" for a login this app started in another session: "+
		"the browser most likely started it at another origin than BaseURL "+base+" (127.0.0.1 for localhost, http for https), "+
		"and cookies belong to the origin that set them: browse "+base+", or set wixauth.Config.BaseURL (BASE_URL) to the origin browsers use",
		slog.String("host", r.Host))
	h.respond(w, r, Result{Flow: FlowCallback, Status: http.StatusBadRequest,
		Error: "This login was started at another address of this site than " + base +
			" (127.0.0.1 and localhost are two addresses, and so are http and https), whose session this one cannot see. Open " + base + " and log in from there."})
}
