package wixauth

import (
	"context"
	"log/slog"

	"github.com/wixauth/wixauth/internal/wire"
)

// The grant: the innermost layer of renewal (see renewal.go), and the token
// calls that the other grants share.

// requestTokens calls the token endpoint under TokenTimeout.
func (a *Auth) requestTokens(ctx context.Context, body any, authz string, needRefresh bool) (wire.TokenResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.TokenTimeout)
	defer cancel()
	var tr wire.TokenResponse
	if err := a.postJSON(ctx, wire.TokenPath, authz, body, &tr); err != nil {
		return tr, err
	}
	if err := tr.Check(needRefresh); err != nil {
		return tr, &APIError{StatusCode: 502, Endpoint: wire.TokenPath, Code: "malformed_response", Description: err.Error()}
	}
	return tr, nil
}

// tokensFrom turns a token answer into a Tokens, dating the expiry from now
// as the SDK does, and keeping the arrival time that bounds the renewal
// margin (see Auth.margin).
func (a *Auth) tokensFrom(tr wire.TokenResponse, refresh RefreshToken) Tokens {
	now := a.cfg.Now()
	return Tokens{
		AccessToken:  AccessToken{Value: tr.AccessToken, ExpiresAt: now.Unix() + tr.ExpiresIn, issued: now.UnixMilli()},
		RefreshToken: refresh,
	}
}

// renewTokens gets a new access token for rt. Wix does not rotate refresh
// tokens, so rt and its role are kept, as the SDK does.
func (a *Auth) renewTokens(ctx context.Context, rt RefreshToken) (Tokens, error) {
	tr, err := a.requestTokens(ctx, wire.TokenRequest{ClientID: a.cfg.ClientID, GrantType: wire.GrantRefreshToken, RefreshToken: rt.Value}, "", false)
	if err != nil {
		a.emit(ctx, Event{Kind: EventError, Role: rt.Role, Err: err})
		return Tokens{}, err
	}
	a.emit(ctx, Event{Kind: EventRenewal, Role: rt.Role})
	a.cfg.Logger.Debug("wixauth: renewed access token", slog.String("role", string(rt.Role)))
	return a.tokensFrom(tr, rt), nil
}
