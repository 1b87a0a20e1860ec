package wixauth

import (
	"context"
	"errors"
	"slices"
)

// Login and logout change who the session belongs to. Both renew the
// session ID, so that an ID planted in the browser before (session
// fixation) or copied from it is worth nothing after; the old ID is retired
// for good (see package session). The handlers use these operations, and an
// app that builds its own flow should too.

// RenewSession gives the session a new ID, as scs's RenewToken, and retires
// the old one for good: the store keeps a tombstone under it for as long as
// the session could have lived, so that no save of the old session, however
// late, brings it back or overwrites it. For a minute, a request that still
// carries the old cookie (sent before the new one arrived) is served
// without a session it could save and sets no cookie, so the new cookie
// stays. SignIn and SignOut call it; call it yourself at any other change
// of privilege.
func (a *Auth) RenewSession(ctx context.Context) error {
	if err := a.cfg.Sessions.RenewToken(ctx); err != nil {
		return &StoreError{Op: "renew", Err: err}
	}
	return nil
}

// CompleteLogin completes a login that came back from Wix (the hosted page,
// or a password login through DirectLoginURL): it checks cb's state against
// d, the login's OAuthData kept since it began, exchanges the code with d's
// PKCE verifier and then signs the member in (see SignIn). The caller
// consumes d's state first: it is good once, whatever happens here. An
// exchange that fails leaves the session as it was; a *StoreError says the
// session could not be renewed.
func (c *Client) CompleteLogin(ctx context.Context, cb Callback, d OAuthData) error {
	if c == nil {
		return ErrNoClient
	}
	tok, err := c.GetMemberTokens(ctx, cb.Code, cb.State, d)
	if err != nil {
		return err
	}
	return c.SignIn(ctx, tok)
}

// SignIn makes the session the member's of t, in the order that keeps
// session fixation out: it renews the session ID (see RenewSession), then
// stores t, then calls Config.OnLogin. Use it with the tokens of
// GetMemberTokens or GetMemberTokensForExternalLogin. A *StoreError means
// the session ID could not be renewed, and nothing was stored.
func (c *Client) SignIn(ctx context.Context, t Tokens) error {
	if c == nil {
		return ErrNoClient
	}
	if !t.LoggedIn() {
		return errors.New("wixauth: SignIn needs a member's tokens (from GetMemberTokens or GetMemberTokensForExternalLogin)")
	}
	if err := c.a.RenewSession(c.ctx); err != nil {
		return err
	}
	c.SetTokens(t)
	if c.a.cfg.OnLogin != nil {
		c.a.cfg.OnLogin(ctx, c)
	}
	return nil
}

// SignOut logs the member out: it calls Config.OnLogout (while the session
// is still the member's), asks Wix for its logout page, which ends on
// postFlowURL (see Client.Logout), then empties the session but for the
// keys named in Config.KeepOnLogout, and renews the session ID. The local
// logout always happens: when Wix cannot be reached the URL is "" and the
// error says so. A *StoreError means the session ID could not be renewed.
func (c *Client) SignOut(ctx context.Context, postFlowURL string) (string, error) {
	if c == nil {
		return "", ErrNoClient
	}
	a := c.a
	if a.cfg.OnLogout != nil && c.LoggedIn() {
		a.cfg.OnLogout(ctx, c)
	}
	u, wixErr := c.Logout(ctx, postFlowURL)
	sm := a.cfg.Sessions
	for _, k := range sm.Keys(c.ctx) {
		if !slices.Contains(a.cfg.KeepOnLogout, k) {
			sm.Remove(c.ctx, k)
		}
	}
	if err := a.RenewSession(c.ctx); err != nil {
		return u, err
	}
	return u, wixErr
}
