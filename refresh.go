package wixauth

import (
	"context"
	"log/slog"
	"time"

	"github.com/wixauth/wixauth/internal/wire"
)

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
// as the SDK does.
func (a *Auth) tokensFrom(tr wire.TokenResponse, refresh RefreshToken) Tokens {
	return Tokens{
		AccessToken:  AccessToken{Value: tr.AccessToken, ExpiresAt: a.cfg.Now().Unix() + tr.ExpiresIn},
		RefreshToken: refresh,
	}
}

// newVisitorTokens asks for a new anonymous visitor pair. After a failure,
// new visitors fail at once for a back-off instead of each calling Wix.
func (a *Auth) newVisitorTokens(ctx context.Context) (Tokens, error) {
	if err := a.anonymous.closed(time.Now()); err != nil {
		return Tokens{}, err
	}
	tr, err := a.requestTokens(ctx, wire.TokenRequest{ClientID: a.cfg.ClientID, GrantType: wire.GrantAnonymous}, "", true)
	if err != nil {
		a.anonymous.fail(err, time.Now(), a.backoffFor(err))
		a.emit(ctx, Event{Kind: EventError, Err: err})
		return Tokens{}, err
	}
	a.anonymous.open()
	a.emit(ctx, Event{Kind: EventNewVisitor, Role: RoleVisitor})
	a.cfg.Logger.Debug("wixauth: new visitor tokens")
	return a.tokensFrom(tr, RefreshToken{Value: tr.RefreshToken, Role: RoleVisitor}), nil
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

// resolve returns valid tokens for t by the JavaScript SDK's
// generateVisitorTokens rule:
//  1. a present access token that does not expire within RenewBefore is
//     returned unchanged, with no call;
//  2. else a present refresh token is renewed;
//  3. else, or if Wix refused the refresh token, a new visitor pair is made.
//
// Unlike the SDK, only a refusal of the refresh token (400 or 401) ends the
// session: a timeout, a 5xx or a 429 keeps t and returns the error, so that a
// network blip never turns a member into a visitor. If t's access token is
// still valid (only inside the margin), that failure is logged and t is
// returned, so the request goes on.
//
// Renewals of one refresh token are shared by all the requests of this
// process that need it at once, and run detached from any one of them.
func (a *Auth) resolve(ctx context.Context, t Tokens) (Tokens, error) {
	now := a.cfg.Now()
	if !t.Empty() && !t.ExpiresWithin(now, a.cfg.RenewBefore) {
		return t, nil
	}
	if t.Empty() {
		return a.newVisitorTokens(ctx)
	}
	usable := func(n Tokens) bool { return !n.ExpiresWithin(a.cfg.Now(), a.cfg.RenewBefore) }
	nt, err := a.renewShared(ctx, t.RefreshToken, usable, a.renewAcrossInstances)
	if err == nil {
		return nt, nil
	}
	if !t.ExpiresWithin(now, 0) {
		a.cfg.Logger.Warn("wixauth: renewal failed; using the access token until it expires",
			slog.String("role", string(t.Role())), slog.Time("expires", t.Expiry()), slog.Any("error", err))
		return t, nil
	}
	return t, err
}

// renewShared runs renew for rt once for all the requests of this process
// that need it at once (see renewals.do), detached from any one of them:
// the request that started it may go away while others wait for its result.
func (a *Auth) renewShared(ctx context.Context, rt RefreshToken, usable func(Tokens) bool,
	renew func(context.Context, RefreshToken) (Tokens, error)) (Tokens, error) {
	return a.renewals.do(ctx, rt.Value, usable, func() (Tokens, error) {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.TokenTimeout)
		defer cancel()
		return renew(dctx, rt)
	})
}

// renewOrRestart renews rt, and starts a new visitor session only if Wix
// refused rt itself.
func (a *Auth) renewOrRestart(ctx context.Context, rt RefreshToken) (Tokens, error) {
	nt, err := a.renewTokens(ctx, rt)
	if err == nil || !isRefusal(err) {
		return nt, err
	}
	a.cfg.Logger.Info("wixauth: refresh token refused; starting a new visitor session",
		slog.String("role", string(rt.Role)), slog.Any("error", err))
	a.emit(ctx, Event{Kind: EventSessionEnded, Role: rt.Role, Err: err})
	return a.newVisitorTokens(ctx)
}
