package wixauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wixauth/wixauth/internal/wire"
)

// The SDK's public reCAPTCHA site keys, for login and register forms that
// show a captcha.
const (
	CaptchaInvisibleSiteKey = "6LdoPaUfAAAAAJphvHoUoOob7mx0KDlXyXlgrx5v"
	CaptchaVisibleSiteKey   = "6Ld0J8IcAAAAANyrnxzrRlX1xrrdXsOmsepUYosy"
)

// LoginState is the outcome of Login, Register or ProcessVerification, as
// the SDK's loginState.
type LoginState string

// The login states.
const (
	// LoginSuccess: pass SessionToken to DirectLoginURL.
	LoginSuccess LoginState = "SUCCESS"
	// LoginEmailVerificationRequired: Wix emailed a code; keep StateToken on
	// the server and pass both to ProcessVerification.
	LoginEmailVerificationRequired LoginState = "EMAIL_VERIFICATION_REQUIRED"
	// LoginOwnerApprovalRequired: the site owner must approve the member.
	LoginOwnerApprovalRequired LoginState = "OWNER_APPROVAL_REQUIRED"
	// LoginFailure: see ErrorCode and Error.
	LoginFailure LoginState = "FAILURE"
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

// LoginResult is the SDK's StateMachine.
type LoginResult struct {
	State LoginState
	// SessionToken, with LoginSuccess, completes the login through
	// DirectLoginURL. It is a credential: never send it to the browser.
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
// LoginResult with LoginFailure; the error is for failures that may pass
// (Wix unreachable, 5xx, 429) or a session Wix does not accept.
func (c *Client) Login(ctx context.Context, email, password string, captcha *CaptchaTokens) (LoginResult, error) {
	body := wire.LoginRequest{LoginID: wire.LoginID{Email: email}, Password: password, CaptchaTokens: captcha.wire()}
	return c.identityCall(ctx, wire.LoginPath, body, loginFailure)
}

// Register creates a member, as the SDK's register(); results as for Login.
func (c *Client) Register(ctx context.Context, email, password string, profile *Profile, captcha *CaptchaTokens) (LoginResult, error) {
	body := wire.RegisterRequest{LoginID: wire.LoginID{Email: email}, Password: password, CaptchaTokens: captcha.wire()}
	if profile != nil {
		if err := profile.check(); err != nil {
			return LoginResult{}, err
		}
		body.Profile = profile
	}
	return c.identityCall(ctx, wire.RegisterPath, body, registerFailure)
}

// ProcessVerification completes a login or registration that needed email
// verification, with the code from the email and the StateToken of that
// result, as the SDK's processVerification().
func (c *Client) ProcessVerification(ctx context.Context, code, stateToken string) (LoginResult, error) {
	if stateToken == "" {
		return LoginResult{State: LoginFailure, Error: "no verification is pending"}, nil
	}
	return c.identityCall(ctx, wire.VerifyPath, wire.VerifyRequest{Code: code, StateToken: stateToken}, registerFailure)
}

// SendPasswordResetEmail asks Wix to email the member a link to its
// password page, which then leads to redirectURI, as the SDK's
// sendPasswordResetEmail().
func (c *Client) SendPasswordResetEmail(ctx context.Context, email, redirectURI string) error {
	if c == nil {
		return ErrNoClient
	}
	var body wire.PasswordResetRequest
	body.Email = email
	body.Redirect.URL = redirectURI
	body.Redirect.ClientID = c.a.cfg.ClientID
	return c.Post(ctx, wire.PasswordResetPath, body, nil)
}

func (c *Client) identityCall(ctx context.Context, path string, body any, failure func(*APIError) LoginResult) (LoginResult, error) {
	if c == nil {
		return LoginResult{}, ErrNoClient
	}
	var resp wire.StateResponse
	err := c.Post(ctx, path, body, &resp)
	var ae *APIError
	switch {
	case err == nil:
		return stateResult(resp), nil
	case errors.As(err, &ae) && !ae.Temporary() && !(ae.StatusCode == http.StatusUnauthorized && staleTokenCode(ae.Code)):
		// A refusal of the application, such as a wrong password, even
		// with a 401; a 401 about the token is an error, the session's
		// token renewed for the next try (see Client.Do).
		return failure(ae), nil
	default:
		return LoginResult{}, err
	}
}

// stateResult maps Wix's state as the SDK's handleState does.
func stateResult(r wire.StateResponse) LoginResult {
	switch r.State {
	case "SUCCESS":
		return LoginResult{State: LoginSuccess, SessionToken: r.SessionToken}
	case "REQUIRE_OWNER_APPROVAL":
		return LoginResult{State: LoginOwnerApprovalRequired}
	case "REQUIRE_EMAIL_VERIFICATION":
		return LoginResult{State: LoginEmailVerificationRequired, StateToken: r.StateToken}
	}
	return LoginResult{State: LoginFailure, Error: "unsupported login state " + r.State}
}

// loginFailure: any code the SDK does not name means an unknown email.
func loginFailure(e *APIError) LoginResult {
	code, ok := loginErrorCodes[e.Code]
	if !ok || code == ErrorCodeEmailAlreadyExists {
		code = ErrorCodeInvalidEmail
	}
	return LoginResult{State: LoginFailure, ErrorCode: code, Error: firstNonEmpty(e.Message, e.Description, e.Error())}
}

// registerFailure: an EMAIL field violation means a bad email; other codes
// are named only where the SDK names them.
func registerFailure(e *APIError) LoginResult {
	for _, v := range e.FieldViolations {
		if v.Type == "EMAIL" {
			return LoginResult{State: LoginFailure, ErrorCode: ErrorCodeInvalidEmail, Error: v.Description}
		}
	}
	code := loginErrorCodes[e.Code]
	if code == ErrorCodeInvalidPassword || code == ErrorCodeResetPassword {
		code = ""
	}
	return LoginResult{State: LoginFailure, ErrorCode: code, Error: firstNonEmpty(e.Message, e.Description, e.Error())}
}
