package handlers

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
	"github.com/wixauth/wixauth/oauth"
)

// Login starts a member login. GET sends the browser to Wix's hosted login
// page (PKCE, S256); the optional "returnTo" query parameter says where to
// land afterwards. POST takes an email/password form (see PasswordLogin).
func (h *Handlers) Login() http.Handler {
	form := h.PasswordLogin()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			if !h.spend(w, r, costStart, "") {
				return
			}
			h.beginLogin(w, r, FlowLogin, h.returnTo(r, r.URL.Query().Get("returnTo")), "", false)
		case http.MethodPost:
			form.ServeHTTP(w, r)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			http.Error(w, "Method not allowed: GET starts the login, POST takes the login form.", http.StatusMethodNotAllowed)
		}
	})
}

// beginLogin keeps fresh OAuth data in the session and sends the browser to
// Wix: to the login page, or, with the session token of a successful
// password login, straight back to the callback with a code.
func (h *Handlers) beginLogin(w http.ResponseWriter, r *http.Request, flow Flow, returnTo, sessionToken string, form bool) {
	ctx := r.Context()
	c := wixauth.FromContext(ctx)
	d := oauth.NewData(h.absolute(r, h.cfg.CallbackPath), returnTo)
	if sessionToken != "" && h.cfg.DirectLogin == DirectLoginWebMessage {
		h.beginDirectLogin(w, r, flow, d, sessionToken)
		return
	}
	var (
		u   string
		err error
	)
	if sessionToken == "" {
		u, err = oauth.AuthURL(ctx, c, d, oauth.AuthURLOptions{})
	} else {
		u, err = oauth.DirectLoginURL(ctx, c, sessionToken, d)
	}
	if err != nil {
		h.wixFailed(w, r, flow, err, form)
		return
	}
	h.addPendingLogin(ctx, d)
	res := Result{Flow: flow, Redirect: u}
	if sessionToken != "" {
		res.State = identity.LoginSuccess
	}
	h.respond(w, r, res)
}

// wixFailed answers a call to Wix that failed for reasons the visitor cannot
// fix. The details, with Wix's request ID, go to the log only.
func (h *Handlers) wixFailed(w http.ResponseWriter, r *http.Request, flow Flow, err error, form bool) {
	h.log.Error("wixauth/handlers: Wix call failed", slog.String("flow", string(flow)), slog.Any("error", err))
	status := http.StatusBadGateway
	if errors.Is(err, wixauth.ErrNoClient) {
		status = http.StatusInternalServerError
	}
	h.respond(w, r, Result{Flow: flow, Status: status, Form: form, ErrorCode: ErrorCodeUnavailable})
}
