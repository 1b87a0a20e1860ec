package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

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
	if ae := (*wixauth.APIError)(nil); errors.As(err, &ae) && redirectURIRefused(ae) {
		// Wix answered: not an outage, and no retry helps.
		h.log.Error("wixauth/handlers: Wix refused the callback URL "+h.absolute(r, h.cfg.CallbackPath)+
			": add it to the OAuth app's allowed redirect URIs in the Wix dashboard (Headless Settings), exactly as written, "+
			"or set wixauth.Config.BaseURL (BASE_URL) to the origin already registered there",
			slog.String("flow", string(flow)), slog.Any("error", err))
		h.respond(w, r, Result{Flow: flow, Status: http.StatusInternalServerError, Form: form, ErrorCode: ErrorCodeCallbackNotAllowed})
		return
	}
	h.log.Error("wixauth/handlers: Wix call failed", slog.String("flow", string(flow)), slog.Any("error", err))
	status := http.StatusBadGateway
	if errors.Is(err, wixauth.ErrNoClient) {
		status = http.StatusInternalServerError
	}
	h.respond(w, r, Result{Flow: flow, Status: status, Form: form, ErrorCode: ErrorCodeUnavailable})
}

// redirectURIRefused reports whether Wix refused a call for its redirect
// URI: 400 INVALID_REDIRECT_URI, as wixtest answers for a URI not on the
// OAuth app's list (docs/protocol.md, A4), or a 400 whose code or text
// names the redirect URI.
func redirectURIRefused(ae *wixauth.APIError) bool {
	if ae.StatusCode != http.StatusBadRequest {
		return false
	}
	if ae.Code == "INVALID_REDIRECT_URI" {
		return true
	}
	text := strings.ToLower(ae.Code + " " + ae.Description + " " + ae.Message)
	return strings.Contains(text, "redirect uri") || strings.Contains(text, "redirect_uri") || strings.Contains(text, "redirecturi")
}
