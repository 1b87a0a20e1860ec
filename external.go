package wixauth

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/wixauth/wixauth/internal/wire"
)

// GetMemberTokensForExternalLogin returns member tokens for memberID without
// a password, for apps that authenticate members themselves (the
// authorized_client grant), as the SDK's getMemberTokensForExternalLogin().
// It needs Config.APIKey, sent with the session's visitor token; call it
// only after your own authentication succeeded, since it logs in anyone you
// name. memberID must be a Wix member ID (a UUID). It does not store the
// tokens: call SetTokens.
func (c *Client) GetMemberTokensForExternalLogin(ctx context.Context, memberID string) (Tokens, error) {
	const name = "GetMemberTokensForExternalLogin"
	if err := c.externalReady(name); err != nil {
		return Tokens{}, err
	}
	if err := checkMemberID(name, memberID); err != nil {
		return Tokens{}, err
	}
	authz, err := c.externalAuthorization(ctx)
	if err != nil {
		return Tokens{}, err
	}
	return c.externalGrant(ctx, wire.AuthorizedClientRequest{
		GrantType: wire.GrantAuthorizedClient,
		Scope:     "offline_access",
		MemberID:  memberID,
	}, authz)
}

// SignOnOptions tune GetMemberTokensForExternalLoginWithSession, as the
// SDK's sign-on options.
type SignOnOptions struct {
	// Profile updates the member's profile, or makes the new member's.
	Profile *Profile
	// VerifyEmail marks the email as verified without sending a code. Wix's
	// default is false.
	VerifyEmail *bool
	// MergeExistingContact links a new member to the site's contact of the
	// same email. Wix's default is true.
	MergeExistingContact *bool
}

// GetMemberTokensForExternalLoginWithSession logs in the member with that
// email, creating it if there is none, for apps that authenticate members
// themselves, as the SDK's getMemberTokensForExternalLoginWithSession(): Wix's
// sign-on call gives a session token and the member's ID, and the
// authorized_client grant turns them into member tokens. Unlike
// GetMemberTokensForExternalLogin, the member gets a Wix session, as after
// a password login. It needs Config.APIKey; call it only after your own
// authentication succeeded. It does not store the tokens: call SetTokens.
func (c *Client) GetMemberTokensForExternalLoginWithSession(ctx context.Context, email string, opts *SignOnOptions) (Tokens, error) {
	const name = "GetMemberTokensForExternalLoginWithSession"
	if err := c.externalReady(name); err != nil {
		return Tokens{}, err
	}
	if email == "" {
		return Tokens{}, errors.New("wixauth: " + name + " needs the member's email")
	}
	body := wire.SignOnRequest{LoginID: wire.LoginID{Email: email}}
	if opts != nil {
		if opts.Profile != nil {
			if err := opts.Profile.check(); err != nil {
				return Tokens{}, err
			}
			body.Profile = opts.Profile
		}
		body.VerifyEmail, body.MergeExistingContact = opts.VerifyEmail, opts.MergeExistingContact
	}
	authz, err := c.externalAuthorization(ctx)
	if err != nil {
		return Tokens{}, err
	}
	var so wire.SignOnResponse
	if err := c.a.postJSON(ctx, wire.SignOnPath, authz, body, &so); err != nil {
		return Tokens{}, err
	}
	// What Wix answers goes back to Wix in the grant: check it as we would
	// check an ID from the app.
	if err := checkMemberID("Wix's sign-on answer", so.Identity.ID); err != nil {
		return Tokens{}, err
	}
	if so.SessionToken == "" {
		return Tokens{}, errors.New("wixauth: Wix's sign-on answer has no session token")
	}
	return c.externalGrant(ctx, wire.AuthorizedSessionRequest{
		GrantType:    wire.GrantAuthorizedClient,
		MemberID:     so.Identity.ID,
		SessionToken: so.SessionToken,
	}, authz)
}

// externalReady checks what both external logins need before any call.
func (c *Client) externalReady(name string) error {
	if c == nil {
		return ErrNoClient
	}
	if c.a.cfg.APIKey == "" {
		return errors.New("wixauth: " + name + " needs Config.APIKey (WIX_API_KEY), an API key with Contacts & Members permissions")
	}
	return nil
}

// externalAuthorization is "<current access token>,<API key>", the
// Authorization of the external-login calls, after making the session's
// tokens valid.
func (c *Client) externalAuthorization(ctx context.Context) (string, error) {
	c.mu.Lock()
	err := c.ensureLocked(ctx)
	access := c.rec.AccessToken.Value
	c.mu.Unlock()
	if err != nil {
		return "", err
	}
	return access + "," + c.a.cfg.APIKey, nil
}

func (c *Client) externalGrant(ctx context.Context, body any, authz string) (Tokens, error) {
	tr, err := c.a.requestTokens(ctx, body, authz, true)
	if err != nil {
		return Tokens{}, err
	}
	return c.a.tokensFrom(tr, RefreshToken{Value: tr.RefreshToken, Role: RoleMember}), nil
}

// checkMemberID refuses anything but a UUID in its canonical 36-character
// form, which is what Wix's member IDs are: a typo, an email or a
// contact's slug fails here with a clear error instead of reaching Wix.
func checkMemberID(who, id string) error {
	if id == "" {
		return fmt.Errorf("wixauth: %s needs a member ID", who)
	}
	if len(id) != 36 {
		return fmt.Errorf("wixauth: %s: member ID %q is not a Wix member ID (a UUID such as 0e6a50f5-b523-4e29-990d-f37fa2ffdd69)", who, truncateID(id))
	}
	if _, err := uuid.Parse(id); err != nil {
		return fmt.Errorf("wixauth: %s: member ID %q is not a Wix member ID (a UUID such as 0e6a50f5-b523-4e29-990d-f37fa2ffdd69): %v", who, truncateID(id), err)
	}
	return nil
}

// truncateID keeps an error readable when the bad ID is something long.
func truncateID(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
