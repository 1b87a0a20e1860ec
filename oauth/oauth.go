package oauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/wire"
	"github.com/wixauth/wixauth/redirects"
)

// AuthURLOptions tune AuthURL. The zero value asks for Wix's login page with
// the code returned in the callback's query, which is what a server needs.
type AuthURLOptions struct {
	// Prompt is "login" (the default: show Wix's login page), "none" (log
	// in silently with SessionToken), or "consent" or "select_account",
	// which are passed through to Wix as they are.
	Prompt string
	// ResponseMode is how the code comes back: "query" (the default, the
	// only one a server sees on its own), "fragment" (after "#", for a page
	// script) or "web_message" (posted by Wix's page to the window that
	// framed it, as the SDK's direct login does; see the handlers package).
	ResponseMode string
	// SessionToken, from a successful Login, Register or
	// ProcessVerification, logs the member in without a page (Prompt "none").
	SessionToken string
	// IDP logs in with an identity provider at once, skipping Wix's choice
	// of providers: "google", "facebook" (the SDK's well-known connection
	// IDs) or the connection ID of another provider of the site.
	IDP string
}

// The SDK's well-known identity provider connections (IDP_CONNECTION_IDS).
var idpConnectionIDs = map[string]string{
	"google":   "0e6a50f5-b523-4e29-990d-f37fa2ffdd69",
	"facebook": "3ecad13f-52c3-483d-911f-31dbcf2a6d23",
}

// AuthURLResult is what GetAuthURL returns, as the SDK's getAuthUrl().
type AuthURLResult struct {
	// AuthURL is where to send the browser (or the hidden iframe).
	AuthURL string
	// AuthorizationEndpoint is Wix's endpoint behind AuthURL, without the
	// redirect session's parameters.
	AuthorizationEndpoint string
	// SessionToken is the redirect session's own token, as Wix answers it.
	SessionToken string
}

// AuthURL creates an auth redirect session for d and returns the URL of
// Wix's login page to send the browser to. See GetAuthURL for the rest of
// the SDK's answer.
func AuthURL(ctx context.Context, c *wixauth.Client, d Data, opts AuthURLOptions) (string, error) {
	res, err := GetAuthURL(ctx, c, d, opts)
	return res.AuthURL, err
}

// GetAuthURL creates an auth redirect session for d, as the SDK's
// getAuthUrl(), and returns its URL, authorization endpoint and session
// token. d.RedirectURI may be empty only with ResponseMode "web_message",
// where the code is posted rather than redirected (the SDK's direct login
// sends none).
func GetAuthURL(ctx context.Context, c *wixauth.Client, d Data, opts AuthURLOptions) (AuthURLResult, error) {
	if c == nil { // reads the client ID below, before any call would say so
		return AuthURLResult{}, wixauth.ErrNoClient
	}
	req, err := authRequest(c.Auth().Config().ClientID, d, opts)
	if err != nil {
		return AuthURLResult{}, err
	}
	rs, err := redirects.CreateFromBody(ctx, c, struct {
		Auth wire.AuthIntent `json:"auth"`
	}{req})
	if err != nil {
		return AuthURLResult{}, err
	}
	return AuthURLResult{AuthURL: rs.FullURL, AuthorizationEndpoint: rs.AuthorizationEndpoint, SessionToken: rs.SessionToken}, nil
}

// authRequest checks opts and builds the auth intent the SDK sends.
func authRequest(clientID string, d Data, opts AuthURLOptions) (wire.AuthIntent, error) {
	if opts.Prompt == "" {
		opts.Prompt = "login"
	}
	if opts.ResponseMode == "" {
		opts.ResponseMode = "query"
	}
	switch opts.Prompt {
	case "login", "none", "consent", "select_account":
	default:
		return wire.AuthIntent{}, fmt.Errorf("wixauth: AuthURLOptions.Prompt %q is not one of login, none, consent, select_account", opts.Prompt)
	}
	switch opts.ResponseMode {
	case "query", "fragment", "web_message":
	default:
		return wire.AuthIntent{}, fmt.Errorf("wixauth: AuthURLOptions.ResponseMode %q is not one of query, fragment, web_message", opts.ResponseMode)
	}
	if (d.RedirectURI == "" && opts.ResponseMode != "web_message") || d.State == "" || d.CodeChallenge == "" {
		return wire.AuthIntent{}, errors.New("wixauth: AuthURL needs Data from GenerateData with a redirect URI")
	}
	idp := opts.IDP
	if id, ok := idpConnectionIDs[idp]; ok {
		idp = id
	}
	return wire.AuthIntent{
		AuthRequest: wire.AuthRequest{
			ClientID:            clientID,
			RedirectURI:         d.RedirectURI,
			CodeChallenge:       d.CodeChallenge,
			CodeChallengeMethod: "S256",
			ResponseMode:        opts.ResponseMode,
			ResponseType:        "code",
			Scope:               "offline_access",
			State:               d.State,
			SessionToken:        opts.SessionToken,
			Idp:                 idp,
		},
		Prompt: opts.Prompt,
	}, nil
}

// DirectLoginURL is the server-side counterpart of the SDK's
// getMemberTokensForDirectLogin(): it returns the URL that logs the member
// of sessionToken in without a page, with the code coming back to
// d.RedirectURI in the query like any login. Redirect the browser to it.
// The SDK's own way, a hidden iframe and responseMode "web_message", is
// AuthURL with Prompt "none", SessionToken and that ResponseMode; the
// handlers package offers both.
func DirectLoginURL(ctx context.Context, c *wixauth.Client, sessionToken string, d Data) (string, error) {
	if sessionToken == "" {
		return "", errors.New("wixauth: DirectLoginURL needs the session token of a successful login")
	}
	return AuthURL(ctx, c, d, AuthURLOptions{Prompt: "none", SessionToken: sessionToken})
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
// SDK's getMemberTokens(). It returns the tokens without storing them: pass
// them to Client.SignIn, or use CompleteLogin, which does both.
func GetMemberTokens(ctx context.Context, c *wixauth.Client, code, state string, d Data) (wixauth.Tokens, error) {
	if c == nil {
		return wixauth.Tokens{}, wixauth.ErrNoClient
	}
	if code == "" || state == "" {
		return wixauth.Tokens{}, errors.New("wixauth: the callback has no code or no state")
	}
	if subtle.ConstantTimeCompare([]byte(state), []byte(d.State)) != 1 {
		return wixauth.Tokens{}, errors.New("wixauth: the callback's state does not match the login's")
	}
	a := c.Auth()
	return a.MemberTokens(ctx, wire.TokenRequest{
		ClientID:     a.Config().ClientID,
		GrantType:    wire.GrantAuthorizationCode,
		RedirectURI:  d.RedirectURI,
		Code:         code,
		CodeVerifier: d.CodeVerifier,
	}, "")
}

// CompleteLogin completes a login that came back from Wix (the hosted page,
// or a password login through DirectLoginURL): it checks cb's state against
// d, the login's Data kept since it began, exchanges the code with d's
// PKCE verifier and then signs the member in (see Client.SignIn). The
// caller consumes d's state first: it is good once, whatever happens here.
// An exchange that fails leaves the session as it was; a
// *wixauth.StoreError says the session could not be renewed.
func CompleteLogin(ctx context.Context, c *wixauth.Client, cb Callback, d Data) error {
	if c == nil {
		return wixauth.ErrNoClient
	}
	tok, err := GetMemberTokens(ctx, c, cb.Code, cb.State, d)
	if err != nil {
		return err
	}
	return c.SignIn(ctx, tok)
}
