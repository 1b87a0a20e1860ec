// Package identity holds the member flows that run on the app's own pages
// with a request's wixauth.Client: password login, registration, email
// verification and password reset (as the SDK's login, register,
// processVerification and sendPasswordResetEmail), and external login for
// apps that authenticate members themselves (the authorized_client grant).
//
// A successful Login, Register or ProcessVerification gives a session
// token, which oauth.DirectLoginURL turns into the member's tokens; the
// external logins give the tokens at once. Either way Client.SignIn stores
// them. The handlers package wires all of this into pages:
//
//	c := wixauth.FromRequest(r)
//	res, err := identity.Login(ctx, c, email, password, nil)
//	if err == nil && res.State == identity.LoginSuccess {
//		u, err := oauth.DirectLoginURL(ctx, c, res.SessionToken, oauth.NewData(callback, "/"))
//		...
//	}
//
// Wix's refusals (wrong password, unknown email, captcha) are a Result
// with LoginFailure; an error is a failure that may pass.
package identity
