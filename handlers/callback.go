package handlers

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/oauth"
)

// Callback completes a login when Wix sends the browser back. It checks, in
// order: an error from Wix (the member cancelled), a code and a state, and a
// state of a login under way in this session and not expired. Any of these
// failing is a 400 that leaves the session as it was (for a login this app
// started in another session, as when the browser started it at another
// origin than BaseURL, one that says so). Then it uses the state
// up and completes the login with oauth.CompleteLogin (the code exchanged
// with the login's PKCE verifier, the session ID renewed against session
// fixation, the member's tokens stored, Config.OnLogin called) and redirects
// to the login's return URL. A failed exchange is a 502 that keeps the
// visitor's tokens.
func (h *Handlers) Callback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The callback URL carries a code: keep it out of caches and out of
		// the Referer of whatever the answer leads to.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		cb, err := oauth.ParseCallback(r.URL)
		if err != nil {
			h.respond(w, r, Result{Flow: FlowCallback, Status: http.StatusBadRequest, Error: "The login callback is malformed. Please start the login again."})
			return
		}
		h.complete(w, r, cb, false)
	})
}

// complete finishes a login that came back from Wix, to the callback
// (webMessage false) or handed over by DirectLoginPage from its frame's
// message (webMessage true). Each path completes only its own logins: a
// web_message login was begun without a redirect URI, and its code is
// exchanged without one, as the SDK's.
func (h *Handlers) complete(w http.ResponseWriter, r *http.Request, cb oauth.Callback, webMessage bool) {
	ctx := r.Context()
	if cb.Error != "" {
		h.cancelled(w, r, cb)
		return
	}
	if cb.Code == "" || cb.State == "" {
		h.respond(w, r, Result{Flow: FlowCallback, Status: http.StatusBadRequest, Error: "The login callback has no code or no state. Please start the login again."})
		return
	}
	d, ok := h.findPendingLogin(ctx, cb.State)
	if !ok && !webMessage && h.startedElsewhere(r, cb.State) {
		h.loginElsewhere(w, r)
		return
	}
	if !ok || (d.RedirectURI == "") != webMessage {
		h.respond(w, r, Result{Flow: FlowCallback, Status: http.StatusBadRequest, Error: "This login is unknown, expired or already completed. Please start the login again."})
		return
	}
	// The state is good once, even if Wix refuses its code: a code
	// cannot be exchanged twice anyway.
	h.consumePendingLogin(ctx, cb.State)
	if err := oauth.CompleteLogin(ctx, wixauth.FromContext(ctx), cb, d); err != nil {
		if se := (*wixauth.StoreError)(nil); errors.As(err, &se) {
			h.log.Error("wixauth/handlers: renewing the session token failed", slog.Any("error", err))
			h.respond(w, r, Result{Flow: FlowCallback, Status: http.StatusServiceUnavailable, Error: "The session could not be saved. Please try again."})
			return
		}
		h.log.Error("wixauth/handlers: code exchange failed", slog.Any("error", err))
		h.respond(w, r, Result{Flow: FlowCallback, Status: http.StatusBadGateway, Error: "Wix did not complete the login. Please try again."})
		return
	}
	h.log.Info("wixauth/handlers: member logged in")
	h.fetchMemberAtLogin(ctx)
	h.respond(w, r, Result{Flow: FlowCallback, State: identity.LoginSuccess, Redirect: h.returnTo(r, d.OriginalURI)})
}

// cancelled answers a callback that carries an error from Wix, usually the
// member closing the login page: to the form page (Config.FormPath) with
// ErrorCodeLoginCancelled and the login's returnTo. Not back to returnTo
// itself: a members-only page would send the visitor straight back to
// Wix's login page, in a loop. Wix's own error text goes to the log only.
func (h *Handlers) cancelled(w http.ResponseWriter, r *http.Request, cb oauth.Callback) {
	ctx := r.Context()
	returnTo := h.cfg.DefaultReturnTo
	if d, ok := h.findPendingLogin(ctx, cb.State); ok {
		returnTo = h.returnTo(r, d.OriginalURI)
		h.consumePendingLogin(ctx, cb.State)
	}
	h.log.Info("wixauth/handlers: the hosted login came back with an error", slog.String("error", limit(cb.Error, 64)))
	h.respond(w, r, Result{Flow: FlowCallback, State: identity.LoginFailure, ErrorCode: ErrorCodeLoginCancelled, Form: true, ReturnTo: returnTo})
}

// limit cuts s to n bytes, for text from outside that goes to the log.
func limit(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
