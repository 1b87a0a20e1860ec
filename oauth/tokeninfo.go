package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/wire"
)

// TokenInfo is what Wix knows of a token, from POST /oauth2/token-info.
type TokenInfo struct {
	// Active is false for a token that expired or was revoked.
	Active bool
	// SubjectType is "VISITOR", "MEMBER", "USER", "APP" or "UNKNOWN".
	SubjectType string
	// SubjectID is the visitor's or member's ID.
	SubjectID string
	// Expires and Issued are the token's exp and iat.
	Expires, Issued time.Time
	ClientID        string
	SiteID          string
	InstanceID      string
}

// GetTokenInfo asks Wix about token, an access or refresh token, as the
// SDK's getTokenInfo(), with a's configuration. The call needs no session and no API key. It does not
// validate the token for you: check Active, SubjectType and ClientID.
func GetTokenInfo(ctx context.Context, a *wixauth.Auth, token string) (TokenInfo, error) {
	if token == "" {
		return TokenInfo{}, errors.New("wixauth: GetTokenInfo needs a token")
	}
	var ti wire.TokenInfo
	if err := a.Post(ctx, wire.TokenInfoPath, "", wire.TokenInfoRequest{Token: token}, &ti); err != nil {
		return TokenInfo{}, err
	}
	return TokenInfo{
		Active:      ti.Active,
		SubjectType: ti.SubjectType,
		SubjectID:   ti.SubjectID,
		Expires:     time.Unix(ti.Exp, 0),
		Issued:      time.Unix(ti.Iat, 0),
		ClientID:    ti.ClientID,
		SiteID:      ti.SiteID,
		InstanceID:  ti.InstanceID,
	}, nil
}
