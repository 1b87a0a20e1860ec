package wixauth

import (
	"context"
	"net/http"
)

type clientKey struct{}

// FromContext returns the Client that the middleware put in ctx, or nil
// outside the middleware (or for a request that Config.Skip skipped). The
// methods of a nil *Client return ErrNoClient, so a handler mounted outside
// the middleware fails with a message that says so instead of panicking.
func FromContext(ctx context.Context) *Client {
	c, _ := ctx.Value(clientKey{}).(*Client)
	return c
}

// FromRequest is FromContext(r.Context()).
func FromRequest(r *http.Request) *Client { return FromContext(r.Context()) }

// NewContext returns a copy of ctx that carries c. The middleware does this
// for every request; it is exported for tests of handlers that run without
// the middleware.
func NewContext(ctx context.Context, c *Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFor returns a Client for the session that ctx carries, loaded by
// the Auth's session manager (Sessions().Load), as the middleware makes for
// each request. It is for tests of handlers that run without HTTP (see
// package wixauthtest) and for code that loads sessions itself; the changes
// it makes reach the store when the session is committed.
func (a *Auth) ClientFor(ctx context.Context) *Client { return a.clientFor(ctx) }
