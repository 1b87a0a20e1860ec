package handlers

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"github.com/wixauth/wixauth/identity"
)

// Flow names the handler a Result comes from.
type Flow string

// The flows.
const (
	FlowLogin         Flow = "login"          // hosted login start, or the email/password form
	FlowCallback      Flow = "callback"       // the return from Wix
	FlowLogout        Flow = "logout"         // logout
	FlowRegister      Flow = "register"       // registration form
	FlowVerify        Flow = "verify"         // email verification code
	FlowPasswordReset Flow = "password-reset" // password reset email
)

// Result is the outcome of a handler, handed to Config.Respond. It never
// holds a token, code, verifier or password.
type Result struct {
	Flow Flow `json:"flow"`
	// State is the login state of the identity flows, such as
	// identity.LoginSuccess or identity.LoginEmailVerificationRequired.
	State identity.State `json:"state,omitempty"`
	// ErrorCode says why a form failed: the SDK's errorCode of a failed
	// login or registration, or one of the handlers' own (ErrorCode...).
	ErrorCode identity.ErrorCode `json:"errorCode,omitempty"`
	// Error is a fixed message for the person at the browser (Message of
	// ErrorCode for forms), or "". It never holds text from the request.
	Error string `json:"error,omitempty"`
	// ReturnTo is where a form was going (a local path), kept for the form
	// page when the form failed.
	ReturnTo string `json:"returnTo,omitempty"`
	// Status is the HTTP status that fits the outcome.
	Status int `json:"-"`
	// Redirect is where the browser goes next, if anywhere: Wix's page, the
	// return URL, or the form.
	Redirect string `json:"redirect,omitempty"`
	// Form is true for outcomes of a posted form, which a browser expects
	// to be sent back to the form page (Config.FormPath) when they have no
	// Redirect.
	Form bool `json:"-"`
}

// DefaultRespond answers JSON requests (a JSON body, or an Accept header
// that prefers JSON) with the Result as JSON and its Status (200 instead of
// a redirect status: the client follows Result.Redirect itself). Other requests
// are redirected (303) to Result.Redirect; failed forms are redirected back
// to the form page (Config.FormPath) with the Outcome (flow, state,
// errorCode, returnTo: codes, never free text) in the query or, with
// Config.OutcomeInSession, in the session; any other failure is a short
// plain-text page with its status.
func DefaultRespond(w http.ResponseWriter, r *http.Request, res Result) {
	switch {
	case WantsJSON(r):
		status := res.Status
		if status >= 300 && status < 400 {
			// A 3xx without Location is no redirect to fetch() and odd to
			// any client: the redirect is in the body.
			status = http.StatusOK
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(res)
	case res.Redirect != "":
		http.Redirect(w, r, res.Redirect, http.StatusSeeOther)
	default:
		http.Error(w, res.Error, res.Status)
	}
}

// WantsJSON reports whether r is an API call rather than a page load: its
// body is JSON, or it accepts JSON and not HTML.
func WantsJSON(r *http.Request) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// respond fills in what every Result of a form needs and hands it to the
// configured Respond.
func (h *Handlers) respond(w http.ResponseWriter, r *http.Request, res Result) {
	if res.Status == 0 {
		res.Status = http.StatusOK
		if res.Redirect != "" {
			res.Status = http.StatusSeeOther
		}
	}
	if res.Error == "" && res.ErrorCode != "" {
		res.Error = Message(res.ErrorCode)
	}
	if res.Form && res.Redirect == "" {
		res.Redirect = h.toForm(r, Outcome{Flow: res.Flow, State: res.State, ErrorCode: res.ErrorCode, ReturnTo: res.ReturnTo})
	}
	h.cfg.Respond(w, r, res)
}
