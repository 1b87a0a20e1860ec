package handlers

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/wixauth/wixauth"
)

// Logout logs the member out: POST (GET too only with
// Config.AllowGETLogout) with an optional "returnTo" form field. It logs
// out with Client.SignOut (Wix's logout page asked for, the session emptied
// but for wixauth.Config.KeepOnLogout, its ID renewed) and sends the browser
// to Wix, which lands it on returnTo. If Wix
// cannot be reached, the local logout still happens and the browser goes
// straight to returnTo. Cross-origin POSTs are refused.
func (h *Handlers) Logout() http.Handler {
	return h.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && !(h.cfg.AllowGETLogout && r.Method == http.MethodGet) {
			w.Header().Set("Allow", "POST")
			http.Error(w, "Method not allowed: log out with POST.", http.StatusMethodNotAllowed)
			return
		}
		f, err := h.readForm(w, r)
		if err != nil {
			h.badForm(w, r, FlowLogout, err)
			return
		}
		ctx := r.Context()
		returnTo := h.returnTo(r, f["returnTo"])
		logoutURL, err := wixauth.FromContext(ctx).SignOut(ctx, h.absolute(r, returnTo))
		if se := (*wixauth.StoreError)(nil); errors.As(err, &se) {
			h.log.Error("wixauth/handlers: renewing the session token at logout failed", slog.Any("error", err))
		} else if err != nil {
			h.log.Warn("wixauth/handlers: Wix logout failed; logged out locally", slog.Any("error", err))
		}
		if logoutURL == "" {
			logoutURL = returnTo
		}
		h.log.Info("wixauth/handlers: member logged out")
		h.respond(w, r, Result{Flow: FlowLogout, Redirect: logoutURL})
	}))
}
