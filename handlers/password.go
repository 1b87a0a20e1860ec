package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/identity"
)

// PasswordLogin logs a member in with an email/password form: POST with
// "email", "password", optional "returnTo", "recaptchaToken" and
// "invisibleRecaptchaToken", as an HTML form or JSON. On success Wix turns
// the session token into a code (prompt=none), as Config.DirectLogin says:
// the SDK's getMemberTokensForDirectLogin() way, a hidden iframe on
// DirectLoginPage, which hands the code back (the default), or a top-level
// trip through Wix's auth URL back to Callback. If Wix wants the emailed code, the state
// token is kept in the session and the answer asks for the code (see
// Verify). Failures reach Config.Respond as a Result with an error code; a
// wrong email and a wrong password are one code, ErrorCodeInvalidCredentials,
// unless Config.DetailedLoginErrors. Cross-origin POSTs are refused.
func (h *Handlers) PasswordLogin() http.Handler {
	return h.formHandler(FlowLogin, func(w http.ResponseWriter, r *http.Request, f map[string]string) {
		returnTo := h.returnTo(r, f["returnTo"])
		if f["email"] == "" || f["password"] == "" {
			h.respond(w, r, Result{Flow: FlowLogin, State: identity.LoginFailure, ErrorCode: ErrorCodeMissingFields, Status: http.StatusBadRequest, Form: true, ReturnTo: returnTo})
			return
		}
		if !h.spend(w, r, costForm, f["email"]) {
			return
		}
		res, err := identity.Login(r.Context(), wixauth.FromRequest(r), f["email"], f["password"], captcha(f))
		h.finish(w, r, FlowLogin, returnTo, res, err)
	})
}

// Register creates a member from a form: "email", "password", optional
// "firstName", "lastName", "nickname", "returnTo" and captcha tokens. It
// answers as PasswordLogin; a new member is logged in at once unless Wix
// asks for email verification or the owner's approval.
func (h *Handlers) Register() http.Handler {
	return h.formHandler(FlowRegister, func(w http.ResponseWriter, r *http.Request, f map[string]string) {
		returnTo := h.returnTo(r, f["returnTo"])
		if f["email"] == "" || f["password"] == "" {
			h.respond(w, r, Result{Flow: FlowRegister, State: identity.LoginFailure, ErrorCode: ErrorCodeMissingFields, Status: http.StatusBadRequest, Form: true, ReturnTo: returnTo})
			return
		}
		var profile *identity.Profile
		if f["firstName"] != "" || f["lastName"] != "" || f["nickname"] != "" {
			profile = &identity.Profile{FirstName: f["firstName"], LastName: f["lastName"], Nickname: f["nickname"]}
		}
		if !h.spend(w, r, costForm, f["email"]) {
			return
		}
		res, err := identity.Register(r.Context(), wixauth.FromRequest(r), f["email"], f["password"], profile, captcha(f))
		h.finish(w, r, FlowRegister, returnTo, res, err)
	})
}

// Verify completes a login or registration that needed email verification:
// POST with "code", the code from the email. The state token that Wix gave
// stays in the session and never reaches the browser. A wrong code can be
// tried again while the verification has not expired, up to
// Config.MaxVerificationAttempts codes in all: the last wrong one drops the
// verification (ErrorCodeTooManyAttempts), and the member has to log in
// again for a new code.
func (h *Handlers) Verify() http.Handler {
	return h.formHandler(FlowVerify, func(w http.ResponseWriter, r *http.Request, f map[string]string) {
		ctx := r.Context()
		pv, ok := h.pendingVerification(ctx)
		if !ok {
			h.respond(w, r, Result{Flow: FlowVerify, State: identity.LoginFailure, ErrorCode: ErrorCodeNoVerification, Status: http.StatusBadRequest, Form: true})
			return
		}
		if f["code"] == "" {
			h.respond(w, r, Result{Flow: FlowVerify, State: identity.LoginEmailVerificationRequired, ErrorCode: ErrorCodeMissingFields, Status: http.StatusBadRequest, Form: true, ReturnTo: pv.ReturnTo})
			return
		}
		// The attempt counts before Wix sees it, so that racing requests
		// cannot get more codes checked than the limit.
		n, err := h.countAttempt(ctx, pv)
		if err != nil {
			h.storeFailed(w, r, FlowVerify, err)
			return
		}
		if n > h.cfg.MaxVerificationAttempts {
			h.tooManyAttempts(w, r, pv)
			return
		}
		res, err := identity.ProcessVerification(ctx, wixauth.FromRequest(r), f["code"], pv.StateToken)
		if err != nil {
			// Wix did not check the code: the attempt does not count, and
			// the session stays as it was.
			h.releaseAttempt(ctx, pv)
		}
		if err == nil && res.State == identity.LoginFailure {
			if n >= h.cfg.MaxVerificationAttempts {
				h.tooManyAttempts(w, r, pv)
				return
			}
			// The pending verification stays, with its count: the member
			// may have mistyped.
			pv.Tries = n
			h.savePendingVerification(ctx, pv)
			h.respond(w, r, Result{Flow: FlowVerify, State: identity.LoginEmailVerificationRequired, ErrorCode: ErrorCodeWrongCode, Status: http.StatusBadRequest, Form: true, ReturnTo: pv.ReturnTo})
			return
		}
		h.finish(w, r, FlowVerify, pv.ReturnTo, res, err)
	})
}

// tooManyAttempts drops the verification and says so.
func (h *Handlers) tooManyAttempts(w http.ResponseWriter, r *http.Request, pv pendingVerify) {
	h.dropVerification(r.Context())
	h.respond(w, r, Result{Flow: FlowVerify, State: identity.LoginFailure, ErrorCode: ErrorCodeTooManyAttempts, Status: http.StatusTooManyRequests, Form: true, ReturnTo: pv.ReturnTo})
}

// PasswordReset asks Wix to email a password reset link: POST with "email"
// and optional "returnTo", where the member lands after the reset. The
// answer is the same whether or not the email belongs to a member, so that
// the form cannot be used to probe for members.
func (h *Handlers) PasswordReset() http.Handler {
	return h.formHandler(FlowPasswordReset, func(w http.ResponseWriter, r *http.Request, f map[string]string) {
		returnTo := h.returnTo(r, f["returnTo"])
		if f["email"] == "" {
			h.respond(w, r, Result{Flow: FlowPasswordReset, ErrorCode: ErrorCodeMissingFields, Status: http.StatusBadRequest, Form: true, ReturnTo: returnTo})
			return
		}
		if !h.spend(w, r, costReset, f["email"]) {
			return
		}
		target := h.absolute(r, returnTo)
		err := identity.SendPasswordResetEmail(r.Context(), wixauth.FromRequest(r), f["email"], target)
		// Wix refusing the email is not told apart from success.
		var ae *wixauth.APIError
		if err != nil && !(errors.As(err, &ae) && !ae.Temporary()) {
			h.wixFailed(w, r, FlowPasswordReset, err, true)
			return
		}
		h.respond(w, r, Result{Flow: FlowPasswordReset, Form: true, ReturnTo: returnTo})
	})
}

// formHandler refuses cross-origin posts and unreadable bodies before fn.
func (h *Handlers) formHandler(flow Flow, fn func(http.ResponseWriter, *http.Request, map[string]string)) http.Handler {
	return h.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "Method not allowed: send the form with POST.", http.StatusMethodNotAllowed)
			return
		}
		f, err := h.readForm(w, r)
		if err != nil {
			h.badForm(w, r, flow, err)
			return
		}
		// An email of spaces is no email: answer it here rather than spend
		// a call to Wix on it. Passwords are taken as typed.
		if e, ok := f["email"]; ok {
			f["email"] = strings.TrimSpace(e)
		}
		fn(w, r, f)
	}))
}

// finish acts on the outcome of a login, registration or verification.
func (h *Handlers) finish(w http.ResponseWriter, r *http.Request, flow Flow, returnTo string, res identity.Result, err error) {
	ctx := r.Context()
	if err != nil {
		h.wixFailed(w, r, flow, err, true)
		return
	}
	if res.State != identity.LoginEmailVerificationRequired {
		// Any other outcome ends (or replaces) a verification under way:
		// its state token is spent or belongs to an abandoned attempt.
		h.sessions.Remove(ctx, verifyKey)
	}
	switch res.State {
	case identity.LoginSuccess:
		h.beginLogin(w, r, flow, returnTo, res.SessionToken, true)
	case identity.LoginEmailVerificationRequired:
		h.putPendingVerification(ctx, res.StateToken, returnTo)
		h.respond(w, r, Result{Flow: flow, State: res.State, Status: http.StatusAccepted, Form: true, ReturnTo: returnTo})
	case identity.LoginOwnerApprovalRequired:
		h.respond(w, r, Result{Flow: flow, State: res.State, ErrorCode: ErrorCodeOwnerApproval, Status: http.StatusForbidden, Form: true, ReturnTo: returnTo})
	default:
		code := h.failureCode(flow, res.ErrorCode)
		h.respond(w, r, Result{Flow: flow, State: identity.LoginFailure, ErrorCode: code, Status: failureStatus(code), Form: true, ReturnTo: returnTo})
	}
}

func captcha(f map[string]string) *identity.CaptchaTokens {
	if f["recaptchaToken"] == "" && f["invisibleRecaptchaToken"] == "" {
		return nil
	}
	return &identity.CaptchaTokens{RecaptchaToken: f["recaptchaToken"], InvisibleRecaptchaToken: f["invisibleRecaptchaToken"]}
}

func failureStatus(code identity.ErrorCode) int {
	switch code {
	case identity.ErrorCodeInvalidPassword, identity.ErrorCodeInvalidEmail, ErrorCodeInvalidCredentials:
		return http.StatusUnauthorized
	case identity.ErrorCodeEmailAlreadyExists:
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// failureCode is the code a failed login, registration or verification
// reaches Respond with. A login's wrong email, wrong password and
// reset-required account are one code unless Config.DetailedLoginErrors,
// so that the form does not tell who is a member (password reset hides it
// too): Wix answers resetPassword to any password of such an account.
func (h *Handlers) failureCode(flow Flow, code identity.ErrorCode) identity.ErrorCode {
	switch {
	case code == "":
		return ErrorCodeRefused
	case flow == FlowLogin && !h.cfg.DetailedLoginErrors && credentialFailure[code]:
		return ErrorCodeInvalidCredentials
	}
	return code
}

// credentialFailure lists Wix's codes that would tell an unknown email from
// a member's account.
var credentialFailure = map[identity.ErrorCode]bool{
	identity.ErrorCodeInvalidEmail:    true,
	identity.ErrorCodeInvalidPassword: true,
	identity.ErrorCodeResetPassword:   true,
}
