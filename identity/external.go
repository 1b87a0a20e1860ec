package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/wire"
)

// ExternalLogin returns member tokens for memberID without
// a password, for apps that authenticate members themselves (the
// authorized_client grant), as the SDK's getMemberTokensForExternalLogin().
// It needs Config.APIKey, sent with the session's visitor token; call it
// only after your own authentication succeeded, since it logs in anyone you
// name. memberID must be a Wix member ID (a UUID). It does not store the
// tokens: pass them to Client.SignIn.
func ExternalLogin(ctx context.Context, c *wixauth.Client, memberID string) (wixauth.Tokens, error) {
	const name = "ExternalLogin"
	if err := externalReady(c, name); err != nil {
		return wixauth.Tokens{}, err
	}
	if err := checkMemberID(name, memberID); err != nil {
		return wixauth.Tokens{}, err
	}
	authz, err := externalAuthorization(ctx, c)
	if err != nil {
		return wixauth.Tokens{}, err
	}
	return c.Auth().MemberTokens(ctx, wire.AuthorizedClientRequest{
		GrantType: wire.GrantAuthorizedClient,
		Scope:     "offline_access",
		MemberID:  memberID,
	}, authz)
}

// SignOnOptions tune ExternalLoginWithSession, as the
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

// ExternalLoginWithSession logs in the member with that
// email, creating it if there is none, for apps that authenticate members
// themselves, as the SDK's getMemberTokensForExternalLoginWithSession(): Wix's
// sign-on call gives a session token and the member's ID, and the
// authorized_client grant turns them into member tokens. Unlike
// ExternalLogin, the member gets a Wix session, as after
// a password login. It needs Config.APIKey; call it only after your own
// authentication succeeded. It does not store the tokens: pass them to
// Client.SignIn.
func ExternalLoginWithSession(ctx context.Context, c *wixauth.Client, email string, opts *SignOnOptions) (wixauth.Tokens, error) {
	const name = "ExternalLoginWithSession"
	if err := externalReady(c, name); err != nil {
		return wixauth.Tokens{}, err
	}
	if email == "" {
		return wixauth.Tokens{}, errors.New("wixauth: " + name + " needs the member's email")
	}
	body := wire.SignOnRequest{LoginID: wire.LoginID{Email: email}}
	if opts != nil {
		if opts.Profile != nil {
			if err := opts.Profile.check(); err != nil {
				return wixauth.Tokens{}, err
			}
			body.Profile = opts.Profile
		}
		body.VerifyEmail, body.MergeExistingContact = opts.VerifyEmail, opts.MergeExistingContact
	}
	authz, err := externalAuthorization(ctx, c)
	if err != nil {
		return wixauth.Tokens{}, err
	}
	var so wire.SignOnResponse
	if err := c.Auth().Post(ctx, wire.SignOnPath, authz, body, &so); err != nil {
		return wixauth.Tokens{}, err
	}
	// What Wix answers goes back to Wix in the grant: check it as we would
	// check an ID from the app.
	if err := checkMemberID("Wix's sign-on answer", so.Identity.ID); err != nil {
		return wixauth.Tokens{}, err
	}
	if so.SessionToken == "" {
		return wixauth.Tokens{}, errors.New("wixauth: Wix's sign-on answer has no session token")
	}
	return c.Auth().MemberTokens(ctx, wire.AuthorizedSessionRequest{
		GrantType:    wire.GrantAuthorizedClient,
		MemberID:     so.Identity.ID,
		SessionToken: so.SessionToken,
	}, authz)
}

// externalReady checks what both external logins need before any call.
func externalReady(c *wixauth.Client, name string) error {
	if c == nil {
		return wixauth.ErrNoClient
	}
	if c.Auth().Config().APIKey == "" {
		return errors.New("wixauth: " + name + " needs Config.APIKey (WIX_API_KEY), an API key with Contacts & Members permissions")
	}
	return nil
}

// externalAuthorization is "<current access token>,<API key>", the
// Authorization of the external-login calls, after making the session's
// tokens valid.
func externalAuthorization(ctx context.Context, c *wixauth.Client) (string, error) {
	if err := c.Ensure(ctx); err != nil {
		return "", err
	}
	return c.Tokens().AccessToken.Value + "," + c.Auth().Config().APIKey, nil
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
