// Package wixtest is an in-process fake of the Wix Headless API endpoints that
// wixauth talks to: the OAuth token endpoint, redirect sessions with their
// hosted pages (login, logout, checkout), the custom-login identity calls,
// members/my and the current cart. It follows the wire protocol of the
// repository's docs/protocol.md (bodies, headers, error shapes) and is written
// independently of the wixauth client, so that client bugs show up as test
// failures.
//
// # Use in a test
//
//	srv := wixtest.NewServer(wixtest.WithRedirectURIs("https://app.example/auth/callback"))
//	defer srv.Close()
//	// point the client's API base URL (and edge base URL) at srv.URL,
//	// with client ID srv.ClientID
//
// # As strict as Wix, or stricter
//
// The fake refuses what Wix refuses as far as the SDK's recorded traffic,
// its typings and the published docs tell; where they are silent, it takes
// the strictest reading, so that code passing against the fake has the
// best chance against Wix. Those readings (docs/protocol.md lists them as
// assumptions to check against a real site) are:
//   - Redirect URIs: an allow-list, on by default and empty, as the OAuth
//     app's list in the Wix dashboard. An auth request's redirectUri must be
//     on it exactly (scheme, host, port, path and query): register it with
//     WithRedirectURIs or AllowRedirectURI, or the request fails with 400
//     INVALID_REDIRECT_URI. WithAnyRedirectURI turns the check off, for load
//     tests only. A redirectUri may be left out only with responseMode
//     web_message (the SDK's direct login does so); that page then posts to
//     the target origin "*".
//   - Token requests need Content-Type application/json or
//     application/x-www-form-urlencoded; a body without one is refused with
//     invalid_request.
//   - The code exchange must repeat the auth request's redirectUri, and
//     must leave it out when the auth request had none (RFC 6749 4.1.3).
//   - The password-reset redirect URL must be absolute http(s).
//   - Profile customFields are a list of {name, value} with exactly one
//     value (strValue, numValue, dateValue, listValue, mapValue, boolValue);
//     an object is refused.
//   - Redirect sessions: exactly one intent of auth, logout, login,
//     ecomCheckout, bookingsCheckout, eventsCheckout, paidPlansCheckout,
//     storesProduct, bookingsBook, ecomOrderPaymentRequest, membersAccount;
//     no other top-level field than callbacks, preferences and origin;
//     fields typed GUID must be GUIDs and fields marked Required present;
//     callbacks absolute http(s) URLs of at most 2048 characters; preferences
//     only the four known fields; origin a bare scheme://host[:port].
//     preferences.additionalQueryParameters are added to fullUrl.
//   - prompt is login (also when absent), none, consent or select_account.
//   - member_id of the authorized_client grant must be a GUID: any other
//     string is invalid_request, an unknown GUID invalid_grant.
//
// # Knobs for what Wix does not show
//
// Where neither the SDK's code nor its typings show how Wix answers, an
// Option makes the fake answer each way Wix might, so that a test shows
// what the client does under each (knobs.go; docs/protocol.md lists the
// evidence of each assumption). The defaults are what the SDK's code and
// typings show:
//   - WithDirectLoginQuery: a full-page direct login (prompt "none",
//     responseMode query) redirects to the callback (default), needs its
//     cookie back, shows the login form, or is refused (A1).
//   - WithFrameRedirect: the web_message page first redirects to a second
//     origin of the fake (FrameURL), which posts the message (A16).
//   - WithRefusal: a refresh token Wix will not renew is answered 400
//     invalid_grant (default), 400 INVALID_REFRESH_TOKEN, 401
//     UNAUTHENTICATED, 403 PERMISSION_DENIED or 404 NOT_FOUND (A6).
//   - WithoutSignOnRefreshToken: the grant after a sign-on answers no
//     refresh_token (A12).
//   - WithNumbersAsStrings: expires_in and token-info exp/iat as JSON
//     strings (A19).
//   - WithFullURLQuery: every fullUrl carries a query of its own (A20).
//
// Member, visitor and contact IDs are version 4 UUIDs from
// github.com/google/uuid, the shape wixauth checks before sending one.
//
// The server keeps a log of every request (Requests, Count, TokenCalls), can
// inject faults per endpoint (Fail), and has a clock that tests move with
// Advance to expire access tokens and authorization codes.
//
// A demo member exists from the start: DemoEmail / DemoPassword
// ("demo@example.com" / "wix-demo-password", nickname "Demo Member").
//
// # Tokens
//
// Access tokens look like "OauthNG.JWS.…" (about 1,400 characters) and
// refresh tokens like "JWS.…" (about 230): they are opaque random strings the
// fake looks up. API calls take the raw access token in Authorization; a
// "Bearer " prefix makes it an unknown token (401 UNAUTHENTICATED). Refresh
// tokens are not rotated and never expire unless WithRefreshTokenLifetime is
// used. Authorization codes are single use (any exchange attempt spends one)
// and live CodeLifetime (10 minutes).
//
// Token endpoint errors are RFC 6749 bodies with HTTP 400: invalid_request
// (missing field, body neither JSON nor form), invalid_client (unknown client
// ID), invalid_grant (unknown, revoked or expired refresh token; bad, used,
// expired or mismatched code; PKCE failure; unknown member_id),
// unsupported_grant_type, invalid_scope. The authorized_client grant takes
// scope "offline_access" and member_id, or, after a sign-on, member_id and
// that sign-on's session_token (single use, the member's own) with no
// scope. It answers
// Wix error bodies for its header: 401 UNAUTHENTICATED when the
// "<access token>,<API key>" header is missing or its token invalid, 403
// PERMISSION_DENIED for a wrong API key.
//
// # Magic values of the identity calls
//
// Login (POST /_api/iam/authentication/v2/login), checked in this order:
//   - a captchaTokens value equal to "bad" (BadCaptchaToken): 400, code "-19970" (invalidCaptchaToken);
//   - an email starting with "captcha+" (CaptchaEmailPrefix) and no captchaTokens: 400, code "-19971" (missingCaptchaToken);
//   - an unknown email: 404, code "-19999" (any unmapped code: the SDK's invalidEmail);
//   - password "reset-required" (ResetRequiredPassword), given or stored: 403, code "-19973" (resetPassword);
//   - a wrong password: 403, code "-19976" (invalidPassword);
//   - then, in order: REQUIRE_EMAIL_VERIFICATION with a stateToken when the
//     member has RequireEmailVerification (a 6-digit code is "sent": see
//     VerificationCode), REQUIRE_OWNER_APPROVAL when it has
//     RequireOwnerApproval (until ApproveMember), else SUCCESS with a
//     sessionToken.
//
// Register (POST /_api/iam/authentication/v2/register): an invalid email
// answers 400 with a validationError on field "loginId.email", data.type
// "EMAIL"; the same captcha rules apply; an existing email answers 409 with
// code "-19995" (emailAlreadyExists). The new member requires email
// verification when its email contains "+verify" and owner approval when it
// contains "+approve"; otherwise the answer is SUCCESS with a sessionToken.
//
// Verify (POST /_api/iam/verification/v1/auth/verify): a wrong code answers
// 400 with code "-19965" (CodeWrongVerification); an unknown, used or expired
// stateToken (StateTokenLifetime, 1 hour) 400 with code "INVALID_STATE_TOKEN".
// Success clears the member's RequireEmailVerification and answers as login
// does after a correct password.
//
// Session tokens (from a SUCCESS) are single use and live
// SessionTokenLifetime (10 minutes). They are spent when the redirect session
// with prompt "none" is created; a bad one fails that call with 400
// INVALID_SESSION_TOKEN. A prompt "none" auth without a session token sends
// the browser back with error=login_required.
//
// Sign-on (POST /_api/iam/authentication/v2/sign-on), with the
// authorized_client grant's "<access token>,<API key>" Authorization, logs
// in the member of loginId.email, creating it (with the profile's nickname)
// when there is none, and answers {sessionToken, identity}; verifyEmail
// true marks the email verified.
//
// Token info (POST /oauth2/token-info, no Authorization) answers
// {active, subjectType, subjectId, exp, iat, clientId, siteId} for a live
// access or refresh token, and 200 {"active": false} for any other token
// (as RFC 7662 does; Wix documents no answer for it).
//
// Password recovery (POST /_api/iam/recovery/v1/send-email) answers 200 {}
// for any well-formed email, member or not, and records it
// (PasswordResetEmails).
//
// # Hosted pages
//
// The fullUrl of a redirect session is s.URL + "/_wixtest/redirect/<id>"
// (shortUrl: s.URL + "/_wixtest/s/<short id>"). For auth with prompt "login"
// it is a login form (inputs "email" and "password", button id
// "wixtest-login", a Cancel link id "wixtest-cancel" that returns
// error=access_denied). A correct POST redirects (302) to the redirect URI
// with code, state and wixMemberLoggedIn=true (after "#" in fragment mode; a
// postMessage page in web_message mode); wrong credentials show the form again
// with status 200 and an element id "wixtest-error". A member that needs
// email verification gets a code form (input "code", button id
// "wixtest-verify"); one waiting for owner approval gets a "Pending approval"
// page. Auth sessions are single use. With auto-login (WithAutoLogin,
// SetAutoLogin) the GET redirects at once. Logout pages redirect to
// callbacks.postFlowUrl; the others show a small page with links to the
// callbacks.
//
// # Members and cart
//
// GET /members/v1/members/my answers the member behind a member token, and
// 403 PERMISSION_DENIED for a visitor token. Carts belong to the identity
// behind the token (visitor ID or member ID; logging in does not move a
// visitor's cart). GET /ecom/v1/carts/current answers 404
// OWNED_CART_NOT_FOUND until the identity adds something, as Wix does. Every
// item costs UnitPriceCents (USD 10.00). POST
// /ecom/v1/carts/current/create-checkout (body {"channelType": "WEB"})
// answers {"checkoutId": ...} for the current cart, 404 OWNED_CART_NOT_FOUND
// without one; CheckoutByID shows what a checkout holds. add-to-cart answers an
// X-Wix-Consistent header; whether clients send it back can be read in the
// request log.
//
// Every response has an x-wix-request-id header. Everything is safe for
// concurrent use.
package wixtest
