package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/wixauth/wixauth"
)

// PasswordLogin logs a member in with an email/password form: POST with
// "email", "password", optional "returnTo", "recaptchaToken" and
// "invisibleRecaptchaToken", as an HTML form or JSON. On success it finishes
// the login the way the SDK's getMemberTokensForDirectLogin() does, but on
// the server: the browser is sent through Wix's auth URL (prompt=none) and
// the code comes back to Callback. If Wix wants the emailed code, the state
// token is kept in the session and the answer asks for the code (see
// Verify). Failures reach Config.Respond as a Result with the SDK's
// errorCode. Cross-origin POSTs are refused.
func (h *Handlers) PasswordLogin() http.Handler {
	return h.formHandler(FlowLogin, func(w http.ResponseWriter, r *http.Request, f map[string]string) {
		if f["email"] == "" || f["password"] == "" {
			h.respond(w, r, Result{Flow: FlowLogin, State: wixauth.LoginFailure, Status: http.StatusBadRequest, Form: true, Error: "Enter your email and password."})
			return
		}
		res, err := wixauth.FromRequest(r).Login(r.Context(), f["email"], f["password"], captcha(f))
		h.finish(w, r, FlowLogin, h.returnTo(r, f["returnTo"]), res, err)
	})
}

// Register creates a member from a form: "email", "password", optional
// "firstName", "lastName", "nickname", "returnTo" and captcha tokens. It
// answers as PasswordLogin; a new member is logged in at once unless Wix
// asks for email verification or the owner's approval.
func (h *Handlers) Register() http.Handler {
	return h.formHandler(FlowRegister, func(w http.ResponseWriter, r *http.Request, f map[string]string) {
		if f["email"] == "" || f["password"] == "" {
			h.respond(w, r, Result{Flow: FlowRegister, State: wixauth.LoginFailure, Status: http.StatusBadRequest, Form: true, Error: "Enter an email and a password."})
			return
		}
		var profile *wixauth.Profile
		if f["firstName"] != "" || f["lastName"] != "" || f["nickname"] != "" {
			profile = &wixauth.Profile{FirstName: f["firstName"], LastName: f["lastName"], Nickname: f["nickname"]}
		}
		res, err := wixauth.FromRequest(r).Register(r.Context(), f["email"], f["password"], profile, captcha(f))
		h.finish(w, r, FlowRegister, h.returnTo(r, f["returnTo"]), res, err)
	})
}

// Verify completes a login or registration that needed email verification:
// POST with "code", the code from the email. The state token that Wix gave
// stays in the session and never reaches the browser. A wrong code can be
// tried again while the verification has not expired.
func (h *Handlers) Verify() http.Handler {
	return h.formHandler(FlowVerify, func(w http.ResponseWriter, r *http.Request, f map[string]string) {
		pv, ok := h.pendingVerification(r.Context())
		if !ok {
			h.respond(w, r, Result{Flow: FlowVerify, State: wixauth.LoginFailure, Status: http.StatusBadRequest, Form: true, Error: "No verification is pending, or it expired. Please log in again."})
			return
		}
		if f["code"] == "" {
			h.respond(w, r, Result{Flow: FlowVerify, State: wixauth.LoginEmailVerificationRequired, Status: http.StatusBadRequest, Form: true, Error: "Enter the code from the email."})
			return
		}
		res, err := wixauth.FromRequest(r).ProcessVerification(r.Context(), f["code"], pv.StateToken)
		if err == nil && res.State == wixauth.LoginFailure {
			// The pending verification stays: the member may have mistyped.
			h.respond(w, r, Result{Flow: FlowVerify, State: wixauth.LoginEmailVerificationRequired, Status: http.StatusBadRequest, Form: true,
				Error: "The code is not right. Please check the email and try again."})
			return
		}
		h.finish(w, r, FlowVerify, pv.ReturnTo, res, err)
	})
}

// PasswordReset asks Wix to email a password reset link: POST with "email"
// and optional "returnTo", where the member lands after the reset. The
// answer is the same whether or not the email belongs to a member, so that
// the form cannot be used to probe for members.
func (h *Handlers) PasswordReset() http.Handler {
	return h.formHandler(FlowPasswordReset, func(w http.ResponseWriter, r *http.Request, f map[string]string) {
		if f["email"] == "" {
			h.respond(w, r, Result{Flow: FlowPasswordReset, Status: http.StatusBadRequest, Form: true, Error: "Enter your email."})
			return
		}
		target := h.absolute(r, h.returnTo(r, f["returnTo"]))
		err := wixauth.FromRequest(r).SendPasswordResetEmail(r.Context(), f["email"], target)
		// Wix refusing the email is not told apart from success.
		var ae *wixauth.APIError
		if err != nil && !(errors.As(err, &ae) && !ae.Temporary()) {
			h.wixFailed(w, r, FlowPasswordReset, err, true)
			return
		}
		h.respond(w, r, Result{Flow: FlowPasswordReset, Form: true})
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
func (h *Handlers) finish(w http.ResponseWriter, r *http.Request, flow Flow, returnTo string, res wixauth.LoginResult, err error) {
	ctx := r.Context()
	if err != nil {
		h.wixFailed(w, r, flow, err, true)
		return
	}
	if res.State != wixauth.LoginEmailVerificationRequired {
		// Any other outcome ends (or replaces) a verification under way:
		// its state token is spent or belongs to an abandoned attempt.
		h.auth.Sessions().Remove(ctx, verifyKey)
	}
	switch res.State {
	case wixauth.LoginSuccess:
		h.beginLogin(w, r, flow, returnTo, res.SessionToken, true)
	case wixauth.LoginEmailVerificationRequired:
		h.putPendingVerification(ctx, res.StateToken, returnTo)
		h.respond(w, r, Result{Flow: flow, State: res.State, Status: http.StatusAccepted, Form: true})
	case wixauth.LoginOwnerApprovalRequired:
		h.respond(w, r, Result{Flow: flow, State: res.State, Status: http.StatusForbidden, Form: true,
			Error: "Your account waits for the site owner's approval."})
	default:
		h.respond(w, r, Result{Flow: flow, State: wixauth.LoginFailure, ErrorCode: res.ErrorCode, Status: failureStatus(res.ErrorCode), Form: true,
			Error: failureMessage(res)})
	}
}

func captcha(f map[string]string) *wixauth.CaptchaTokens {
	if f["recaptchaToken"] == "" && f["invisibleRecaptchaToken"] == "" {
		return nil
	}
	return &wixauth.CaptchaTokens{RecaptchaToken: f["recaptchaToken"], InvisibleRecaptchaToken: f["invisibleRecaptchaToken"]}
}

func failureStatus(code wixauth.ErrorCode) int {
	switch code {
	case wixauth.ErrorCodeInvalidPassword, wixauth.ErrorCodeInvalidEmail:
		return http.StatusUnauthorized
	case wixauth.ErrorCodeEmailAlreadyExists:
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// failureMessage words each errorCode for the person at the form.
func failureMessage(res wixauth.LoginResult) string {
	switch res.ErrorCode {
	case wixauth.ErrorCodeInvalidEmail:
		return "No member has this email, or the email is not valid."
	case wixauth.ErrorCodeInvalidPassword:
		return "The password is not right."
	case wixauth.ErrorCodeResetPassword:
		return "This account needs a new password: use “Forgot password”."
	case wixauth.ErrorCodeMissingCaptchaToken:
		return "Please complete the captcha."
	case wixauth.ErrorCodeInvalidCaptchaToken:
		return "The captcha was not accepted. Please try again."
	case wixauth.ErrorCodeEmailAlreadyExists:
		return "A member with this email already exists. Log in instead."
	}
	return "Wix refused the request: " + truncate(res.Error, 200)
}
