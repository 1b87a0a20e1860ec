package wire

import (
	"errors"
	"fmt"
)

// Grant types of POST /oauth2/token.
const (
	GrantAnonymous         = "anonymous"
	GrantRefreshToken      = "refresh_token"
	GrantAuthorizationCode = "authorization_code"
	GrantAuthorizedClient  = "authorized_client"
)

// TokenPath is the one token endpoint for every grant.
const TokenPath = "/oauth2/token"

// TokenRequest is the camelCase body the SDK sends for the anonymous,
// refresh_token and authorization_code grants.
type TokenRequest struct {
	ClientID     string `json:"clientId,omitempty"`
	GrantType    string `json:"grantType"`
	RefreshToken string `json:"refreshToken,omitempty"`
	RedirectURI  string `json:"redirectUri,omitempty"`
	Code         string `json:"code,omitempty"`
	CodeVerifier string `json:"codeVerifier,omitempty"`
}

// AuthorizedClientRequest is the body of the external-login grant, which the
// SDK sends in snake_case.
type AuthorizedClientRequest struct {
	GrantType string `json:"grant_type"`
	Scope     string `json:"scope"`
	MemberID  string `json:"member_id"`
}

// AuthorizedSessionRequest is the body of the external-login grant after a
// sign-on: the SDK sends the member and the sign-on's session token, and no
// scope.
type AuthorizedSessionRequest struct {
	GrantType    string `json:"grant_type"`
	MemberID     string `json:"member_id"`
	SessionToken string `json:"session_token"`
}

// TokenInfoPath answers what a token is, for whom and until when.
const TokenInfoPath = "/oauth2/token-info"

// TokenInfoRequest is the body of TokenInfoPath.
type TokenInfoRequest struct {
	Token string `json:"token"`
}

// TokenInfo is the answer of TokenInfoPath, as the SDK's getTokenInfo types it.
type TokenInfo struct {
	Active      bool   `json:"active"`
	SubjectType string `json:"subjectType"`
	SubjectID   string `json:"subjectId"`
	// Exp and Iat are Unix seconds: numbers in the SDK's typings
	// (get-token-info.d.ts), taken as strings too (see Seconds).
	Exp        int64  `json:"exp"`
	Iat        int64  `json:"iat"`
	ClientID   string `json:"clientId,omitempty"`
	SiteID     string `json:"siteId"`
	InstanceID string `json:"instanceId,omitempty"`
}

// TokenResponse is the token endpoint's snake_case answer. Fields it does
// not name are ignored, as the SDK ignores them.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	// ExpiresIn is a number in Wix's docs; a string of one is taken too, as
	// the SDK's Number(expires_in) takes it (see Seconds).
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// MaxExpiresIn bounds a believable access token lifetime (Wix's are 4
// hours): a larger one is a broken answer, and adding it to the clock could
// overflow into the past.
const MaxExpiresIn = 7 * 24 * 60 * 60

// ErrMalformedToken marks a 200 answer that cannot be used as tokens.
var ErrMalformedToken = errors.New("malformed token response")

// Check refuses answers that would leave a session unusable: a missing access
// token or a lifetime that is already over. needRefresh is the caller's to
// set: false for a grant that may answer an access token alone, such as the
// scope-less authorized_client grant after a sign-on (the redirects
// typings: "If this field is left empty, only an access token is granted";
// the SDK keeps whatever refresh_token is, even none).
func (r *TokenResponse) Check(needRefresh bool) error {
	switch {
	case r.AccessToken == "":
		return fmt.Errorf("%w: no access_token", ErrMalformedToken)
	case r.ExpiresIn <= 0 || r.ExpiresIn > MaxExpiresIn:
		return fmt.Errorf("%w: expires_in is %d", ErrMalformedToken, r.ExpiresIn)
	case needRefresh && r.RefreshToken == "":
		return fmt.Errorf("%w: no refresh_token", ErrMalformedToken)
	}
	return nil
}
