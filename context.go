package wixauth

import (
	"context"
	"net/http"

	"github.com/wixauth/wixauth/session"
)

// The Client travels in the context under package session's key, in the
// same value as the request's load record (requestState), which the session
// store reads: one context value for both.

// carried is a Client put in a context by NewContext, without a load record.
type carried struct{ c *Client }

func (carried) SessionLoad() *session.Load { return nil }

// FromContext returns the Client that the middleware put in ctx, or nil
// outside the middleware (or for a request that Config.Skip skipped). The
// methods of a nil *Client return ErrNoClient, so a handler mounted outside
// the middleware fails with a message that says so instead of panicking.
func FromContext(ctx context.Context) *Client {
	switch v := session.FromContext(ctx).(type) {
	case *requestState:
		return &v.c
	case carried:
		return v.c
	}
	return nil
}

// FromRequest is FromContext(r.Context()).
func FromRequest(r *http.Request) *Client { return FromContext(r.Context()) }

// NewContext returns a copy of ctx that carries c. The middleware does this
// for every request; it is exported for tests of handlers that run without
// the middleware.
func NewContext(ctx context.Context, c *Client) context.Context {
	return session.NewContext(ctx, carried{c})
}

// ClientFor returns a Client for the session that ctx carries, loaded by
// the Auth's session manager (Sessions().Load), as the middleware makes for
// each request. It is for tests of handlers that run without HTTP (see
// package wixauthtest) and for code that loads sessions itself; the changes
// it makes reach the store when the session is committed.
func (a *Auth) ClientFor(ctx context.Context) *Client { return a.clientFor(ctx) }
