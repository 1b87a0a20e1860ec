package wire

// Paths of the identity calls behind the SDK's custom login methods.
const (
	LoginPath         = "/_api/iam/authentication/v2/login"
	RegisterPath      = "/_api/iam/authentication/v2/register"
	VerifyPath        = "/_api/iam/verification/v1/auth/verify"
	PasswordResetPath = "/_api/iam/recovery/v1/send-email"
	SignOnPath        = "/_api/iam/authentication/v2/sign-on"
)

// LoginID names the member by email.
type LoginID struct {
	Email string `json:"email"`
}

// CaptchaToken carries one reCAPTCHA answer, keyed as the SDK keys it.
type CaptchaToken struct {
	Recaptcha          string `json:"Recaptcha,omitempty"`
	InvisibleRecaptcha string `json:"InvisibleRecaptcha,omitempty"`
}

// LoginRequest is the body of LoginPath.
type LoginRequest struct {
	LoginID       LoginID        `json:"loginId"`
	Password      string         `json:"password"`
	CaptchaTokens []CaptchaToken `json:"captchaTokens,omitempty"`
}

// RegisterRequest is the body of RegisterPath.
type RegisterRequest struct {
	LoginID       LoginID        `json:"loginId"`
	Password      string         `json:"password"`
	Profile       any            `json:"profile,omitempty"`
	CaptchaTokens []CaptchaToken `json:"captchaTokens,omitempty"`
}

// VerifyRequest is the body of VerifyPath.
type VerifyRequest struct {
	Code       string `json:"code"`
	StateToken string `json:"stateToken"`
}

// PasswordResetRequest is the body of PasswordResetPath.
type PasswordResetRequest struct {
	Email    string `json:"email"`
	Redirect struct {
		URL      string `json:"url"`
		ClientID string `json:"clientId"`
	} `json:"redirect"`
}

// SignOnRequest is the body of SignOnPath, called with
// "<access token>,<API key>": it logs a member in, or creates it, by email
// alone.
type SignOnRequest struct {
	LoginID              LoginID `json:"loginId"`
	Profile              any     `json:"profile,omitempty"`
	VerifyEmail          *bool   `json:"verifyEmail,omitempty"`
	MergeExistingContact *bool   `json:"mergeExistingContact,omitempty"`
}

// SignOnResponse is the answer of SignOnPath.
type SignOnResponse struct {
	SessionToken string `json:"sessionToken"`
	Identity     struct {
		ID string `json:"id"`
	} `json:"identity"`
}

// StateResponse is the answer of login, register and verify.
type StateResponse struct {
	State        string         `json:"state"`
	SessionToken string         `json:"sessionToken"`
	StateToken   string         `json:"stateToken"`
	Identity     map[string]any `json:"identity"`
}
