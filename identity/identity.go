package identity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/wire"
)

// The SDK's public reCAPTCHA site keys, for login and register forms that
// show a captcha.
const (
	CaptchaInvisibleSiteKey = "6LdoPaUfAAAAAJphvHoUoOob7mx0KDlXyXlgrx5v"
	CaptchaVisibleSiteKey   = "6Ld0J8IcAAAAANyrnxzrRlX1xrrdXsOmsepUYosy"
)

// State is the outcome of Login, Register or ProcessVerification, as the
// SDK's loginState.
type State string

// The login states.
const (
	// LoginSuccess: pass SessionToken to oauth.DirectLoginURL.
	LoginSuccess State = "SUCCESS"
	// LoginEmailVerificationRequired: Wix emailed a code; keep StateToken on
	// the server and pass both to ProcessVerification.
	LoginEmailVerificationRequired State = "EMAIL_VERIFICATION_REQUIRED"
	// LoginOwnerApprovalRequired: the site owner must approve the member.
	LoginOwnerApprovalRequired State = "OWNER_APPROVAL_REQUIRED"
	// LoginFailure: see ErrorCode and Error.
	LoginFailure State = "FAILURE"
)

// ErrorCode says why a login or registration failed, as the SDK's errorCode.
type ErrorCode string

// The error codes, mapped from Wix's applicationError codes as the SDK maps
// them.
const (
	ErrorCodeInvalidEmail        ErrorCode = "invalidEmail"
	ErrorCodeInvalidPassword     ErrorCode = "invalidPassword"
	ErrorCodeResetPassword       ErrorCode = "resetPassword"
	ErrorCodeMissingCaptchaToken ErrorCode = "missingCaptchaToken"
	ErrorCodeInvalidCaptchaToken ErrorCode = "invalidCaptchaToken"
	ErrorCodeEmailAlreadyExists  ErrorCode = "emailAlreadyExists"
)

var loginErrorCodes = map[string]ErrorCode{
	"-19976": ErrorCodeInvalidPassword,
	"-19973": ErrorCodeResetPassword,
	"-19971": ErrorCodeMissingCaptchaToken,
	"-19970": ErrorCodeInvalidCaptchaToken,
	"-19995": ErrorCodeEmailAlreadyExists,
}

// Result is the outcome of a login flow, as the SDK's StateMachine.
type Result struct {
	State State
	// SessionToken, with LoginSuccess, completes the login through
	// oauth.DirectLoginURL. It is a credential: never send it to the browser.
	SessionToken string
	// StateToken, with LoginEmailVerificationRequired, goes to
	// ProcessVerification. Keep it on the server.
	StateToken string
	// ErrorCode and Error, with LoginFailure, say what went wrong. ErrorCode
	// is empty for failures the SDK does not name either.
	ErrorCode ErrorCode
	Error     string
}

// CaptchaTokens are reCAPTCHA answers for Login and Register.
type CaptchaTokens struct {
	RecaptchaToken          string
	InvisibleRecaptchaToken string
}

// Profile describes a registering member.
type Profile struct {
	FirstName     string        `json:"firstName,omitempty"`
	LastName      string        `json:"lastName,omitempty"`
	Nickname      string        `json:"nickname,omitempty"`
	Picture       string        `json:"picture,omitempty"`
	Emails        []string      `json:"emails,omitempty"`
	Phones        []string      `json:"phones,omitempty"`
	Labels        []string      `json:"labels,omitempty"`
	Language      string        `json:"language,omitempty"`
	PrivacyStatus string        `json:"privacyStatus,omitempty"`
	CustomFields  []CustomField `json:"customFields,omitempty"`
}

// CustomField is one custom profile field, a list entry as the SDK sends
// it. Name is the extended field's key without its "custom." prefix.
type CustomField struct {
	Name  string      `json:"name"`
	Value CustomValue `json:"value"`
}

// CustomValue holds exactly one of its fields, as Wix's custom value.
type CustomValue struct {
	StrValue  *string    `json:"strValue,omitempty"`
	NumValue  *float64   `json:"numValue,omitempty"`
	DateValue *time.Time `json:"dateValue,omitempty"`
	BoolValue *bool      `json:"boolValue,omitempty"`
}

// check refuses custom fields that Wix could only reject or misread.
func (p *Profile) check() error {
	for i, f := range p.CustomFields {
		v := f.Value
		n := 0
		for _, set := range []bool{v.StrValue != nil, v.NumValue != nil, v.DateValue != nil, v.BoolValue != nil} {
			if set {
				n++
			}
		}
		if f.Name == "" || n != 1 {
			return fmt.Errorf("wixauth: Profile.CustomFields[%d] needs a Name and exactly one value (StrValue, NumValue, DateValue or BoolValue)", i)
		}
	}
	return nil
}

func (t *CaptchaTokens) wire() []wire.CaptchaToken {
	if t == nil {
		return nil
	}
	return []wire.CaptchaToken{{Recaptcha: t.RecaptchaToken, InvisibleRecaptcha: t.InvisibleRecaptchaToken}}
}

// Login checks a member's email and password, as the SDK's login(). Wix's
// refusals (wrong password, unknown email, captcha) come back as a
// Result with LoginFailure; the error is for failures that may pass
// (Wix unreachable, 5xx, 429) or a session Wix does not accept.
func Login(ctx context.Context, c *wixauth.Client, email, password string, captcha *CaptchaTokens) (Result, error) {
	body := wire.LoginRequest{LoginID: wire.LoginID{Email: email}, Password: password, CaptchaTokens: captcha.wire()}
	return call(ctx, c, wire.LoginPath, body, loginFailure)
}

// Register creates a member, as the SDK's register(); results as for Login.
func Register(ctx context.Context, c *wixauth.Client, email, password string, profile *Profile, captcha *CaptchaTokens) (Result, error) {
	body := wire.RegisterRequest{LoginID: wire.LoginID{Email: email}, Password: password, CaptchaTokens: captcha.wire()}
	if profile != nil {
		if err := profile.check(); err != nil {
			return Result{}, err
		}
		body.Profile = profile
	}
	return call(ctx, c, wire.RegisterPath, body, registerFailure)
}

// ProcessVerification completes a login or registration that needed email
// verification, with the code from the email and the StateToken of that
// result, as the SDK's processVerification().
func ProcessVerification(ctx context.Context, c *wixauth.Client, code, stateToken string) (Result, error) {
	if stateToken == "" {
		return Result{State: LoginFailure, Error: "no verification is pending"}, nil
	}
	return call(ctx, c, wire.VerifyPath, wire.VerifyRequest{Code: code, StateToken: stateToken}, registerFailure)
}

// SendPasswordResetEmail asks Wix to email the member a link to its
// password page, which then leads to redirectURI, as the SDK's
// sendPasswordResetEmail().
func SendPasswordResetEmail(ctx context.Context, c *wixauth.Client, email, redirectURI string) error {
	if c == nil {
		return wixauth.ErrNoClient
	}
	var body wire.PasswordResetRequest
	body.Email = email
	body.Redirect.URL = redirectURI
	body.Redirect.ClientID = c.Auth().Config().ClientID
	return c.Post(ctx, wire.PasswordResetPath, body, nil)
}

func call(ctx context.Context, c *wixauth.Client, path string, body any, failure func(*wixauth.APIError) Result) (Result, error) {
	if c == nil {
		return Result{}, wixauth.ErrNoClient
	}
	var resp wire.StateResponse
	err := c.Post(ctx, path, body, &resp)
	var ae *wixauth.APIError
	switch {
	case err == nil:
		return stateResult(resp), nil
	case errors.As(err, &ae) && !ae.Temporary() && !(ae.StatusCode == http.StatusUnauthorized && wire.StaleTokenCode(ae.Code)):
		// A refusal of the application, such as a wrong password, even
		// with a 401; a 401 about the token is an error, the session's
		// token renewed for the next try (see wixauth.Client.Do).
		return failure(ae), nil
	default:
		return Result{}, err
	}
}

// stateResult maps Wix's state as the SDK's handleState does.
func stateResult(r wire.StateResponse) Result {
	switch r.State {
	case "SUCCESS":
		return Result{State: LoginSuccess, SessionToken: r.SessionToken}
	case "REQUIRE_OWNER_APPROVAL":
		return Result{State: LoginOwnerApprovalRequired}
	case "REQUIRE_EMAIL_VERIFICATION":
		return Result{State: LoginEmailVerificationRequired, StateToken: r.StateToken}
	}
	return Result{State: LoginFailure, Error: "unsupported login state " + r.State}
}

// loginFailure: any code the SDK does not name means an unknown email.
func loginFailure(e *wixauth.APIError) Result {
	code, ok := loginErrorCodes[e.Code]
	if !ok || code == ErrorCodeEmailAlreadyExists {
		code = ErrorCodeInvalidEmail
	}
	return Result{State: LoginFailure, ErrorCode: code, Error: firstNonEmpty(e.Message, e.Description, e.Error())}
}

// registerFailure: an EMAIL field violation means a bad email; other codes
// are named only where the SDK names them.
func registerFailure(e *wixauth.APIError) Result {
	for _, v := range e.FieldViolations {
		if v.Type == "EMAIL" {
			return Result{State: LoginFailure, ErrorCode: ErrorCodeInvalidEmail, Error: v.Description}
		}
	}
	code := loginErrorCodes[e.Code]
	if code == ErrorCodeInvalidPassword || code == ErrorCodeResetPassword {
		code = ""
	}
	return Result{State: LoginFailure, ErrorCode: code, Error: firstNonEmpty(e.Message, e.Description, e.Error())}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
