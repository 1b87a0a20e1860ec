package wixauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"

	"github.com/wixauth/wixauth/internal/wire"
)

// AuthURLOptions tune AuthURL. The zero value asks for Wix's login page with
// the code returned in the callback's query, which is what a server needs.
type AuthURLOptions struct {
	// Prompt is "login" (the default: show Wix's login page) or "none"
	// (log in silently with SessionToken).
	Prompt string
	// ResponseMode is "query" (the default). The browser SDK's "fragment"
	// never reaches a server.
	ResponseMode string
	// SessionToken, from a successful Login, Register or
	// ProcessVerification, logs the member in without a page (Prompt "none").
	SessionToken string
}

// AuthURL creates an auth redirect session for d and returns the URL of
// Wix's login page to send the browser to, as the SDK's getAuthUrl().
func (c *Client) AuthURL(ctx context.Context, d OAuthData, opts AuthURLOptions) (string, error) {
	if c == nil { // reads the client ID below, before any call would say so
		return "", ErrNoClient
	}
	if opts.Prompt == "" {
		opts.Prompt = "login"
	}
	if opts.ResponseMode == "" {
		opts.ResponseMode = "query"
	}
	if d.RedirectURI == "" || d.State == "" || d.CodeChallenge == "" {
		return "", errors.New("wixauth: AuthURL needs OAuthData from GenerateOAuthData with a redirect URI")
	}
	body := struct {
		Auth wire.AuthIntent `json:"auth"`
	}{wire.AuthIntent{
		AuthRequest: wire.AuthRequest{
			ClientID:            c.a.cfg.ClientID,
			RedirectURI:         d.RedirectURI,
			CodeChallenge:       d.CodeChallenge,
			CodeChallengeMethod: "S256",
			ResponseMode:        opts.ResponseMode,
			ResponseType:        "code",
			Scope:               "offline_access",
			State:               d.State,
			SessionToken:        opts.SessionToken,
		},
		Prompt: opts.Prompt,
	}}
	return c.redirectURL(ctx, body)
}

// DirectLoginURL is the server-side counterpart of the SDK's
// getMemberTokensForDirectLogin(): it returns the URL that logs the member
// of sessionToken in without a page, with the code coming back to
// d.RedirectURI like any login. Redirect the browser to it.
func (c *Client) DirectLoginURL(ctx context.Context, sessionToken string, d OAuthData) (string, error) {
	if sessionToken == "" {
		return "", errors.New("wixauth: DirectLoginURL needs the session token of a successful login")
	}
	return c.AuthURL(ctx, d, AuthURLOptions{Prompt: "none", SessionToken: sessionToken})
}

// Callback is what Wix put on the callback URL.
type Callback struct {
	Code, State             string
	Error, ErrorDescription string
}

// ParseCallback reads the callback URL, from its query or else from its
// fragment, as the SDK's parseFromUrl(). A parameter given more than once is
// an error: Wix never does it, so it is someone tampering.
func ParseCallback(u *url.URL) (Callback, error) {
	q, err := url.ParseQuery(u.RawQuery)
	if err == nil && q.Get("code") == "" && q.Get("error") == "" && u.Fragment != "" {
		q, err = url.ParseQuery(u.Fragment)
	}
	if err != nil {
		return Callback{}, fmt.Errorf("wixauth: the callback URL is malformed: %w", err)
	}
	for _, k := range [...]string{"code", "state", "error", "error_description"} {
		if len(q[k]) > 1 {
			return Callback{}, fmt.Errorf("wixauth: the callback URL repeats %q", k)
		}
	}
	return Callback{Code: q.Get("code"), State: q.Get("state"), Error: q.Get("error"), ErrorDescription: q.Get("error_description")}, nil
}

// GetMemberTokens checks the callback against d and exchanges its code for
// member tokens (the authorization_code grant, with d's verifier), as the
// SDK's getMemberTokens(). It returns the tokens without storing them: call
// SetTokens (after renewing the session token, see the handlers package).
func (c *Client) GetMemberTokens(ctx context.Context, code, state string, d OAuthData) (Tokens, error) {
	if c == nil {
		return Tokens{}, ErrNoClient
	}
	if code == "" || state == "" {
		return Tokens{}, errors.New("wixauth: the callback has no code or no state")
	}
	if subtle.ConstantTimeCompare([]byte(state), []byte(d.State)) != 1 {
		return Tokens{}, errors.New("wixauth: the callback's state does not match the login's")
	}
	tr, err := c.a.requestTokens(ctx, wire.TokenRequest{
		ClientID:     c.a.cfg.ClientID,
		GrantType:    wire.GrantAuthorizationCode,
		RedirectURI:  d.RedirectURI,
		Code:         code,
		CodeVerifier: d.CodeVerifier,
	}, "", true)
	if err != nil {
		return Tokens{}, err
	}
	return c.a.tokensFrom(tr, RefreshToken{Value: tr.RefreshToken, Role: RoleMember}), nil
}

// GetMemberTokensForExternalLogin returns member tokens for memberID without
// a password, for apps that authenticate members themselves (the
// authorized_client grant). It needs Config.APIKey, sent with the session's
// visitor token; call it only after your own authentication succeeded, since
// it logs in anyone you name. It does not store the tokens: call SetTokens.
func (c *Client) GetMemberTokensForExternalLogin(ctx context.Context, memberID string) (Tokens, error) {
	if c == nil {
		return Tokens{}, ErrNoClient
	}
	if c.a.cfg.APIKey == "" {
		return Tokens{}, errors.New("wixauth: GetMemberTokensForExternalLogin needs Config.APIKey (WIX_API_KEY), an API key with Contacts & Members permissions")
	}
	if memberID == "" {
		return Tokens{}, errors.New("wixauth: GetMemberTokensForExternalLogin needs a member ID")
	}
	c.mu.Lock()
	err := c.ensureLocked(ctx)
	access := c.rec.AccessToken.Value
	c.mu.Unlock()
	if err != nil {
		return Tokens{}, err
	}
	tr, err := c.a.requestTokens(ctx, wire.AuthorizedClientRequest{
		GrantType: wire.GrantAuthorizedClient,
		Scope:     "offline_access",
		MemberID:  memberID,
	}, access+","+c.a.cfg.APIKey, true)
	if err != nil {
		return Tokens{}, err
	}
	return c.a.tokensFrom(tr, RefreshToken{Value: tr.RefreshToken, Role: RoleMember}), nil
}

// Logout ends the member's session: it creates Wix's logout redirect
// session, which lands on postFlowURL, and empties the session's tokens, as
// the SDK's logout(). The tokens are emptied even when Wix cannot be
// reached, so a local logout always happens; the error says Wix's side did
// not. The next request gets new visitor tokens.
func (c *Client) Logout(ctx context.Context, postFlowURL string) (string, error) {
	if c == nil {
		return "", ErrNoClient
	}
	body := struct {
		Logout    wire.LogoutIntent `json:"logout"`
		Callbacks Callbacks         `json:"callbacks"`
	}{wire.LogoutIntent{ClientID: c.a.cfg.ClientID}, Callbacks{PostFlowURL: postFlowURL}}
	logoutURL, err := c.redirectURL(ctx, body)
	c.SetTokens(Tokens{})
	c.a.emit(ctx, Event{Kind: EventLogout, Role: RoleMember})
	return logoutURL, err
}
