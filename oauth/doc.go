// Package oauth holds the member login through Wix's pages with a
// request's wixauth.Client, as the SDK's OAuth strategy: NewData makes the
// state and PKCE (S256) values of one login, AuthURL the URL of Wix's login
// page, ParseCallback reads what Wix sends back, and CompleteLogin checks
// it, exchanges the code (the authorization_code grant) and signs the
// member in. DirectLoginURL finishes a password login of package identity
// the same way, and GetTokenInfo asks Wix about a token.
//
//	d := oauth.NewData(base+"/callback", "/account")
//	// keep d on the server until the callback (the handlers package keeps it in the session)
//	u, err := oauth.AuthURL(ctx, c, d, oauth.AuthURLOptions{})
//	...
//	cb, err := oauth.ParseCallback(r.URL)
//	err = oauth.CompleteLogin(ctx, c, cb, d)
//
// Logging out is Client.SignOut. The handlers package wires all of this
// into routes.
package oauth
