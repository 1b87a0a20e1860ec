package wixauth

import (
	"context"
	"net/http"
)

// Outside a request: a Client for stored tokens, and an http.RoundTripper
// with the same token rules for code that brings its own HTTP client.

// NewClient returns a Client for tokens kept outside a request: in a
// background job, a webhook handler, a WebSocket connection after its
// upgrade. It follows the rules of the Client of a request: the access
// token is renewed when due and after a 401 that says it is stale, sharing
// the renewal with the requests of the same session; a refresh token that
// Wix refused gives new visitor tokens; empty tokens get new visitor
// tokens on first use.
//
// save, if not nil, is called with the tokens each time they change, so
// that the caller can store them back where it keeps them. It runs with
// the Client locked: it must not call the Client. An error from save is
// logged, and the tokens are used anyway. X-Wix-Consistent is kept for the
// Client's life.
func (a *Auth) NewClient(t Tokens, save func(context.Context, Tokens) error) *Client {
	return &Client{a: a, save: save, rec: record{Tokens: t}}
}

// Auth returns the Auth that made c, for the flows of packages identity,
// oauth and redirects, which need its configuration (Auth.Config) or its
// calls outside the session (Auth.Post, Auth.MemberTokens). It is nil for a
// nil Client.
func (c *Client) Auth() *Auth {
	if c == nil {
		return nil
	}
	return c.a
}

// Transport returns an http.RoundTripper that sends each request with the
// Client's tokens, under the rules of Do: the request must be for the Wix
// API host (Config.APIURL); the access token is added, and renewed when due;
// a 401 that says it is stale renews it and sends the request once more if
// its body can be replayed; X-Wix-Consistent is kept and sent back. It is
// what a generated Wix API client, or any library that takes an
// http.RoundTripper, needs, as &http.Client{Transport: c.Transport()}.
// Requests go through the Transport of Config.HTTPClient.
func (c *Client) Transport() http.RoundTripper { return tokenTransport{c} }

type tokenTransport struct{ c *Client }

// RoundTrip implements http.RoundTripper.
func (t tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.c == nil {
		closeBody(req)
		return nil, ErrNoClient
	}
	base := t.c.a.cfg.HTTPClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := t.c.do(req, base.RoundTrip)
	if err != nil {
		closeBody(req) // a RoundTripper closes the body, even on error
	}
	return resp, err
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
