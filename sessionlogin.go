package wixauth

import (
	"context"
	"errors"
	"slices"

	"github.com/wixauth/wixauth/internal/wire"
)

// Login and logout change who the session belongs to. Both renew the
// session ID, so that an ID planted in the browser before (session
// fixation) or copied from it is worth nothing after; the old ID is retired
// for good (see package session). The handlers use these operations, and an
// app that builds its own flow should too.

// RenewSession gives the session a new ID, as scs's RenewToken, and retires
// the old one for good: the store keeps a tombstone under it for as long as
// the session could have lived, so that no save of the old session, however
// late, brings it back or overwrites it. The tombstone is written in one
// step with the renewed session's first save (session.Store.Renew): if the
// store fails then, the save fails (a 503) and the old session is left as
// it was, so the browser's old cookie still works. For a minute, a request that still
// carries the old cookie (sent before the new one arrived) is served
// without a session it could save and sets no cookie, so the new cookie
// stays. SignIn and SignOut call it; call it yourself at any other change
// of privilege.
func (a *Auth) RenewSession(ctx context.Context) error {
	if err := a.store.Renew(ctx); err != nil {
		return &StoreError{Op: "renew", Err: err}
	}
	return nil
}

// MemberTokens makes a member token grant (grant, a wire token request
// such as authorization_code or authorized_client, sent with authorization
// if not empty) and returns the member's tokens without storing them: pass
// them to Client.SignIn. It is the one token call that the member flows of
// packages oauth and identity make outside the renewal policy.
func (a *Auth) MemberTokens(ctx context.Context, grant any, authorization string) (Tokens, error) {
	// A member grant may answer no refresh token (see Tokens.RefreshToken): the
	// SDK takes the tokens, and so does this.
	tr, err := a.requestTokens(ctx, grant, authorization, false)
	if err != nil {
		return Tokens{}, err
	}
	return a.tokensFrom(tr, RefreshToken{Value: tr.RefreshToken, Role: RoleMember}), nil
}

// SignIn makes the session the member's of t, in the order that keeps
// session fixation out: it renews the session ID (see RenewSession), then
// stores t, then calls Config.OnLogin. Use it with the tokens of
// oauth.GetMemberTokens or identity.ExternalLogin (oauth.CompleteLogin
// does both steps). A *StoreError means
// the session ID could not be renewed, and nothing was stored.
func (c *Client) SignIn(ctx context.Context, t Tokens) error {
	if c == nil {
		return ErrNoClient
	}
	if !t.LoggedIn() {
		return errors.New("wixauth: SignIn needs a member's tokens (from oauth.GetMemberTokens or identity.ExternalLogin)")
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
// postFlowURL, and empties the tokens (as the SDK's logout()), then empties the session but for the
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
	u, wixErr := c.logout(ctx, postFlowURL)
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

// logout creates Wix's logout redirect session, which lands on postFlowURL,
// and empties the session's tokens, as the SDK's logout(). The tokens are
// emptied even when Wix cannot be reached, so a local logout always
// happens; the error says Wix's side did not.
func (c *Client) logout(ctx context.Context, postFlowURL string) (string, error) {
	body := struct {
		Logout    wire.LogoutIntent `json:"logout"`
		Callbacks struct {
			PostFlowURL string `json:"postFlowUrl,omitempty"`
		} `json:"callbacks"`
	}{Logout: wire.LogoutIntent{ClientID: c.a.cfg.ClientID}}
	body.Callbacks.PostFlowURL = postFlowURL
	var resp wire.RedirectSessionResponse
	err := c.Post(ctx, wire.RedirectSessionPath, body, &resp)
	if err == nil && resp.RedirectSession.FullURL == "" {
		err = errors.New("wixauth: Wix answered a redirect session without a URL")
	}
	c.SetTokens(Tokens{})
	c.a.emit(ctx, Event{Kind: EventLogout, Role: RoleMember})
	if err != nil {
		return "", err
	}
	return resp.RedirectSession.FullURL, nil
}
