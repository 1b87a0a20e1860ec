// Package handlers gives a Go web app Wix member login in one call:
//
//	handlers.Mount(mux, auth, "/auth")
//
// mounts, each inside auth's middleware, Wix's hosted login page with PKCE
// (GET /auth/login), an email and password form (POST /auth/login), the
// callback (GET /auth/callback), logout (POST /auth/logout), registration,
// email verification and password reset. New with a Config changes the
// paths, the form page, the limits and how outcomes are rendered (Respond).
//
// The handlers keep everything secret on the server: the PKCE verifier and
// state of each login under way (several tabs at once, each for a bounded
// time), Wix's state token while an emailed code is awaited, and the
// tokens. A callback must carry the state of a login this session started;
// its code is exchanged once, and the session ID is renewed at login and
// logout. Return URLs only ever lead inside the app (SafeReturnTo), and
// cross-origin POSTs are refused (http.CrossOriginProtection).
//
// Register the callback URL, the app's BaseURL plus "/auth/callback", with
// the OAuth app in the Wix dashboard.
package handlers
