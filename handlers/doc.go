// Package handlers gives a Go web app Wix member login in one call:
//
//	handlers.Mount(mux, auth, "/auth")
//
// mounts, each inside auth's middleware, Wix's hosted login page with PKCE
// (GET /auth/login), an email and password form (POST /auth/login), the
// callback (GET /auth/callback), logout (POST /auth/logout), registration,
// email verification, password reset and a minimal login page (GET
// /auth/form). New with a Config changes the paths, the form page, the
// limits and how outcomes are rendered (Respond).
//
// A login by the app's own form is finished, once Wix accepted the
// password, in one of two ways (Config.DirectLogin, see DirectLoginMode):
// by default the SDK's own hidden iframe with responseMode=web_message and
// no redirect URI, from the page GET /auth/direct-login (no inline script,
// a nonce Content-Security-Policy), which posts the frame's code back to
// the app; or, opt-in, a top-level redirect through Wix with
// responseMode=query (no JavaScript, no third-party frame, but not what the
// official SDK does, so check it on your site with cmd/wixcheck).
//
// Handlers is itself an http.Handler serving every route under its prefix,
// for any router (chi's Mount, gorilla/mux's PathPrefix, echo's
// WrapHandler, http.StripPrefix); Routes lists the routes one by one.
// RequireMember keeps pages for members (RequireMemberAPI keeps APIs: 401,
// never a redirect), and Member gives the logged-in
// member, fetched once per login and kept in the session.
//
// Failed forms go back to the form page with an Outcome made of error
// codes, never free text (see Outcome and Message). A wrong email and a
// wrong password read the same by default, and an emailed code can be
// tried MaxVerificationAttempts times.
//
// The handlers keep everything secret on the server: the PKCE verifier and
// state of each login under way (several tabs at once, each for a bounded
// time), Wix's state token while an emailed code is awaited, and the
// tokens. A callback must carry the state of a login this session started;
// its code is exchanged once, and the session ID is renewed at login and
// logout. Return URLs only ever lead inside the app (SafeReturnTo), and
// cross-origin POSTs are refused: with the Auth's BaseURL, any Origin but
// exactly the app's.
//
// New needs the Auth's BaseURL, the base of the callback URL and of the
// links Wix emails: without it they would come from each request's Host
// header, which a client can forge (Config.AllowHostHeader opts in, for
// local development). Register the callback URL, BaseURL plus
// "/auth/callback", with the OAuth app in the Wix dashboard.
package handlers
