// Package wixauth makes Wix Headless authentication a one-line job for a Go
// web server: it keeps each browser's Wix OAuth tokens in a server-side
// session and gives handlers an authenticated client for the Wix APIs.
//
// # The model
//
// Every Wix API call on behalf of a site's visitor carries an access token
// of that browser. A browser starts as an anonymous visitor with a visitor
// token pair (an access token that lives 4 hours and a long-lived refresh
// token); after a member logs in, the session holds a member pair instead.
// Wix's JavaScript SDK keeps these tokens in the browser. wixauth keeps them
// on the server, in a session of github.com/alexedwards/scs/v2: the browser
// holds only an opaque session cookie, and the tokens never reach it.
//
// # Per request
//
// Auth.Middleware loads the session and makes its tokens valid before the
// handler runs: new visitor tokens when there are none (within
// Config.NewVisitorsPerMinute per client address), a renewal when the
// access token expires within Config.RenewBefore (at most half its
// lifetime). It saves the session only when the tokens changed, so a
// request with valid tokens costs one store read and no write. Concurrent
// renewals of one session share one token call and one session write. A
// refresh token that Wix refuses (invalid_grant) starts a new visitor
// session; a failure that may pass (timeout, 5xx, 429) keeps the tokens, so
// a network blip never logs a member out. Every renewal, whatever asks for
// it, follows that one policy. The handler then finds a Client in the
// request context (FromContext, FromRequest) and calls Wix with Get, Post or
// Do; a 401 that says the token is stale renews it and retries once. With
// Config.Lazy the token work waits for the handler's first use of the
// Client, so pages that never call Wix spend none of Wix's rate limit.
//
// # Outside a request
//
// Auth.NewClient makes a Client from stored tokens, for background jobs,
// webhooks and WebSocket connections, and hands every change of the tokens
// back to be stored. Client.Transport gives code that
// brings its own HTTP client (a generated Wix API client) the same rules.
//
// # Members
//
// Package handlers mounts member login (Wix's hosted page with PKCE, or an
// email and password form), the callback and logout in one call. The flows
// behind them, in packages oauth (AuthURL, CompleteLogin, ...), identity
// (Login, Register, ProcessVerification, ...) and redirects (checkout and
// other Wix pages), mirror the SDK's OAuthStrategy for apps that write
// their own handlers.
//
// # Stores and testing
//
// Sessions live in memory by default; package stores opens Redis from a URL
// for apps that run on several instances, wired in one field
// (Config{Store: st.Sessions, Keys: keys}), which also makes the instances
// renew each session once between them. Package session is how sessions
// are stored (hashed keys, sealing, tombstones, the store contract).
// Package wixtest is an in-process fake of the Wix endpoints, for testing
// an app without reaching Wix.
//
// # Security
//
// Keep SameSite=Lax on the session cookie (Strict drops it on the redirect
// back from Wix), serve the app over https and set Config.BaseURL so the
// cookie is Secure. Never hand tokens, codes, session tokens or the API key
// to the browser: the library never does, nor logs them.
package wixauth
