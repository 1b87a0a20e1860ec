package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/wixauth/wixauth/identity"
)

// The error codes the handlers add to the SDK's (identity.ErrorCode...).
// Together they are the whole vocabulary an app's form page has to word:
// the handlers never send free text to it.
const (
	// ErrorCodeInvalidCredentials: a wrong email, a wrong password or an
	// account that must reset its password. By
	// default they are not told apart, so that the form cannot be used
	// to probe for members (see Config.DetailedLoginErrors).
	ErrorCodeInvalidCredentials identity.ErrorCode = "invalidCredentials"
	// ErrorCodeMissingFields: a required field of the form was empty.
	ErrorCodeMissingFields identity.ErrorCode = "missingFields"
	// ErrorCodeWrongCode: the emailed verification code was not right; the
	// member may try again (MaxVerificationAttempts in all).
	ErrorCodeWrongCode identity.ErrorCode = "wrongCode"
	// ErrorCodeTooManyAttempts: too many wrong verification codes; the
	// verification is dropped and the member has to log in again.
	ErrorCodeTooManyAttempts identity.ErrorCode = "tooManyAttempts"
	// ErrorCodeNoVerification: no verification is pending (it expired, or
	// was dropped).
	ErrorCodeNoVerification identity.ErrorCode = "noVerification"
	// ErrorCodeOwnerApproval: the account waits for the site owner.
	ErrorCodeOwnerApproval identity.ErrorCode = "ownerApprovalRequired"
	// ErrorCodeLoginCancelled: the hosted login came back with an error,
	// usually the member closing Wix's page.
	ErrorCodeLoginCancelled identity.ErrorCode = "loginCancelled"
	// ErrorCodeUnavailable: Wix could not be reached; trying later may work.
	ErrorCodeUnavailable identity.ErrorCode = "wixUnavailable"
	// ErrorCodeCallbackNotAllowed: Wix refused the login because the
	// callback URL is not on the OAuth app's allowed redirect URIs: the
	// site is set up wrong, and trying again will not help.
	ErrorCodeCallbackNotAllowed identity.ErrorCode = "callbackNotAllowed"
	// ErrorCodeBadRequest: the form could not be read (too large, not
	// UTF-8, a field given twice).
	ErrorCodeBadRequest identity.ErrorCode = "badRequest"
	// ErrorCodeRefused: Wix refused the request for a reason the SDK does
	// not name.
	ErrorCodeRefused identity.ErrorCode = "refused"
)

// messages word every code for the person at the form. Fixed text only:
// nothing that came with the request is ever shown.
var messages = map[identity.ErrorCode]string{
	ErrorCodeInvalidCredentials:           "The email or the password is not right. Forgot it, or asked for a new one? Use “Forgot password”.",
	identity.ErrorCodeInvalidEmail:        "No member has this email, or the email is not valid.",
	identity.ErrorCodeInvalidPassword:     "The password is not right.",
	identity.ErrorCodeResetPassword:       "This account needs a new password: use “Forgot password”.",
	identity.ErrorCodeMissingCaptchaToken: "Please complete the captcha.",
	identity.ErrorCodeInvalidCaptchaToken: "The captcha was not accepted. Please try again.",
	identity.ErrorCodeEmailAlreadyExists:  "A member with this email already exists. Log in instead.",
	ErrorCodeMissingFields:                "Please fill in every field.",
	ErrorCodeWrongCode:                    "The code is not right. Please check the email and try again.",
	ErrorCodeTooManyAttempts:              "Too many wrong codes. Please log in again to get a new one.",
	ErrorCodeNoVerification:               "No verification is pending, or it expired. Please log in again.",
	ErrorCodeOwnerApproval:                "Your account waits for the site owner's approval.",
	ErrorCodeLoginCancelled:               "The login was cancelled. You can try again.",
	ErrorCodeUnavailable:                  "Wix could not be reached. Please try again in a moment.",
	ErrorCodeCallbackNotAllowed:           "Login is not set up for this address of the site yet: Wix does not accept its callback URL. Please tell the site owner.",
	ErrorCodeBadRequest:                   "The form could not be read. Please try again.",
	ErrorCodeRefused:                      "Wix refused the request. Please try again.",
}

// Message words an error code for the person at the form, in English, or
// returns a generic sentence for a code it does not know. An app's own
// form page may use it or word the codes itself.
func Message(code identity.ErrorCode) string {
	if m, ok := messages[code]; ok {
		return m
	}
	return "Something went wrong. Please try again."
}

// Outcome is what a form page learns about the last form post of its
// visitor: which flow, in which state it ended, why it failed, and where
// the visitor was going. It never holds free text.
type Outcome struct {
	Flow      Flow               `json:"flow,omitempty"`
	State     identity.State     `json:"state,omitempty"`
	ErrorCode identity.ErrorCode `json:"errorCode,omitempty"`
	// ReturnTo is a safe local path (SafeReturnTo), or "".
	ReturnTo string `json:"returnTo,omitempty"`
}

// Message is Message(o.ErrorCode), or "" when the outcome is no failure.
func (o Outcome) Message() string {
	if o.ErrorCode == "" {
		if o.State == identity.LoginFailure {
			return Message(ErrorCodeRefused)
		}
		return ""
	}
	return Message(o.ErrorCode)
}

// outcomeKey holds an Outcome with Config.OutcomeInSession.
const outcomeKey = "wixauth.outcome"

// Outcome reads the outcome the handlers sent the browser to the form page
// with: from the session, where Config.OutcomeInSession puts it (read
// once: it is removed), else from the query parameters flow, state,
// errorCode and returnTo. Unknown values are dropped, and returnTo is kept
// only if it is a local path. Call it from the form page's handler, inside
// the middleware, before writing the answer.
func (h *Handlers) Outcome(r *http.Request) Outcome {
	ctx := r.Context()
	if b, ok := h.sessions.Pop(ctx, outcomeKey).([]byte); ok {
		var o Outcome
		if json.Unmarshal(b, &o) == nil {
			return h.clean(r, o)
		}
	}
	q := r.URL.Query()
	return h.clean(r, Outcome{Flow: Flow(q.Get("flow")), State: identity.State(q.Get("state")), ErrorCode: identity.ErrorCode(q.Get("errorCode")), ReturnTo: q.Get("returnTo")})
}

// clean keeps only values the handlers could have sent.
func (h *Handlers) clean(r *http.Request, o Outcome) Outcome {
	switch o.Flow {
	case FlowLogin, FlowCallback, FlowLogout, FlowRegister, FlowVerify, FlowPasswordReset:
	default:
		o.Flow = ""
	}
	switch o.State {
	case identity.LoginSuccess, identity.LoginEmailVerificationRequired, identity.LoginOwnerApprovalRequired, identity.LoginFailure:
	default:
		o.State = ""
	}
	if _, ok := messages[o.ErrorCode]; !ok {
		o.ErrorCode = ""
	}
	if p, ok := SafeReturnTo(o.ReturnTo, ""); ok {
		o.ReturnTo = p
	} else {
		o.ReturnTo = ""
	}
	return o
}

// toForm sends the browser to the form page with o: in the session with
// Config.OutcomeInSession, else in the query.
// A JSON client reads the outcome from the answer itself, so nothing is
// left in its session.
func (h *Handlers) toForm(r *http.Request, o Outcome) string {
	if h.cfg.OutcomeInSession {
		if !WantsJSON(r) {
			b, _ := json.Marshal(o)
			h.sessions.Put(r.Context(), outcomeKey, b)
		}
		return h.cfg.FormPath
	}
	return withQuery(h.cfg.FormPath, "flow", string(o.Flow), "state", string(o.State), "errorCode", string(o.ErrorCode), "returnTo", o.ReturnTo)
}
