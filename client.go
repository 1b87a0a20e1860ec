package wixauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Client calls Wix on behalf of the visitor or member of one request. The
// middleware puts one in the request context (see FromContext); it is valid
// for that request only. Its methods are safe for concurrent use.
//
// Every method that changes the tokens saves them in the session, which scs
// writes to the store when the response starts: use the Client before writing
// the response, or the change is lost.
type Client struct {
	a    *Auth
	ctx  context.Context // holds the scs session of the request
	load *loadRecord     // what the middleware's load of the session found (session.go)

	mu    sync.Mutex
	rec   record
	ready bool // tokens made valid during this request
}

// ErrNoClient is returned by the methods of a nil *Client, which is what
// FromContext gives outside the middleware.
var ErrNoClient = errors.New("wixauth: no Client in the request context: wrap the handler with Auth.Middleware (or wixauth.Middleware), and check that Config.Skip does not skip this request")

// clientFor reads the tokens of the session in ctx. A value that is missing,
// of another type or undecodable (tampered with, or written by an unknown
// version) means no tokens: a new visitor session, never a failed request.
func (a *Auth) clientFor(ctx context.Context) *Client {
	c := &Client{a: a, ctx: ctx}
	c.readTokens()
	return c
}

// readTokens sets c.rec from the session of c.ctx (see clientFor).
func (c *Client) readTokens() {
	a := c.a
	v := a.cfg.Sessions.Get(c.ctx, a.cfg.SessionKey)
	if v == nil {
		return
	}
	b, ok := v.([]byte)
	rec, err := decodeRecord(b)
	if !ok || err != nil {
		a.cfg.Logger.Warn("wixauth: the session holds an unreadable token record; starting without tokens",
			slog.String("type", fmt.Sprintf("%T", v)))
		return
	}
	c.rec = rec
}

// saveLocked puts the record in the session; the caller holds c.mu.
func (c *Client) saveLocked() {
	c.a.cfg.Sessions.Put(c.ctx, c.a.cfg.SessionKey, c.rec.encode())
}

// setTokensLocked replaces the tokens and saves them if they changed. The
// consistency value belongs to an identity, so a new refresh token drops it.
func (c *Client) setTokensLocked(t Tokens) {
	if t == c.rec.Tokens {
		return
	}
	if t.RefreshToken.Value != c.rec.RefreshToken.Value {
		c.rec.Consistent = ""
	}
	c.rec.Tokens = t
	c.saveLocked()
}

// Ensure makes the tokens valid: new visitor tokens when there are none, a
// renewal when the access token expires within Config.RenewBefore. The
// middleware calls it before the handler unless Config.Lazy is set; in lazy
// mode every method that calls Wix calls it first.
func (c *Client) Ensure(ctx context.Context) error {
	if c == nil {
		return ErrNoClient
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ensureLocked(ctx)
}

func (c *Client) ensureLocked(ctx context.Context) error {
	if c.ready && !c.rec.ExpiresWithin(c.a.cfg.Now(), 0) {
		return nil
	}
	t, err := c.a.resolve(ctx, c.rec.Tokens)
	if err != nil {
		return err
	}
	c.setTokensLocked(t)
	c.ready = true
	return nil
}

// Tokens returns the session's current tokens, as the SDK's getTokens(). It
// makes no call: in lazy mode they may be empty or expired until Ensure.
func (c *Client) Tokens() Tokens {
	if c == nil {
		return Tokens{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rec.Tokens
}

// SetTokens makes t the session's tokens, as the SDK's setTokens(). They are
// checked, and renewed if needed, on the next call to Wix.
func (c *Client) SetTokens(t Tokens) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.LoggedIn() && t.RefreshToken != c.rec.RefreshToken {
		c.a.emit(c.ctx, Event{Kind: EventLogin, Role: RoleMember})
	}
	c.setTokensLocked(t)
	c.ready = false
}

// Role returns the role of the session's tokens.
func (c *Client) Role() Role { return c.Tokens().Role() }

// LoggedIn reports whether the session belongs to a logged-in member.
func (c *Client) LoggedIn() bool { return c.Tokens().LoggedIn() }

// GenerateVisitorTokens applies the SDK's rule to t and returns valid tokens:
// t itself while its access token is valid, t renewed when only the access
// token expired, and a new visitor pair when there is no refresh token or Wix
// refused it. Unlike the SDK, a failure that may pass (timeout, 5xx, 429) is
// returned as an error instead of starting a new visitor session. It does not
// change the session; pass the result to SetTokens for that.
func (c *Client) GenerateVisitorTokens(ctx context.Context, t Tokens) (Tokens, error) {
	if c == nil {
		return Tokens{}, ErrNoClient
	}
	return c.a.resolve(ctx, t)
}

// RenewToken gets a new access token for the session's refresh token now,
// whatever the current one's expiry, saves it and returns the new set, as the
// SDK's renewToken(). A refused refresh token is returned as an *APIError and
// leaves the session as it was.
func (c *Client) RenewToken(ctx context.Context) (Tokens, error) {
	if c == nil {
		return Tokens{}, ErrNoClient
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rec.Empty() {
		return Tokens{}, errors.New("wixauth: RenewToken: the session has no refresh token; call Ensure to start a visitor session")
	}
	t, err := c.a.renewTokens(ctx, c.rec.RefreshToken)
	if err != nil {
		return c.rec.Tokens, err
	}
	c.setTokensLocked(t)
	c.ready = true
	return t, nil
}

// AuthHeaders returns the headers that authorize a Wix call for this session
// (the raw access token in Authorization, as the SDK sends it), for code that
// calls Wix with its own HTTP client. It ensures the tokens first.
func (c *Client) AuthHeaders(ctx context.Context) (http.Header, error) {
	if c == nil {
		return nil, ErrNoClient
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ensureLocked(ctx); err != nil {
		return nil, err
	}
	h := http.Header{"Authorization": {c.rec.AccessToken.Value}}
	if c.rec.Consistent != "" {
		h.Set(consistentHeader, c.rec.Consistent)
	}
	return h, nil
}

// consistentHeader carries Wix's read-your-writes marker.
const consistentHeader = "X-Wix-Consistent"

// Do sends req to Wix with the session's tokens and returns the answer, like
// http.Client.Do: a non-2xx status is not an error, and the caller closes the
// body. A relative req.URL is resolved against Config.APIURL; an absolute one
// must point at the Wix API host, so that tokens never leave for another
// host. When Wix answers 401, the access token is renewed and the request
// sent once more, if its body can be replayed (req.GetBody is set, as
// http.NewRequest does for in-memory bodies).
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if c == nil {
		return nil, ErrNoClient
	}
	ctx := req.Context()
	u, err := c.a.apiURL(req.URL)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	err = c.ensureLocked(ctx)
	rec := c.rec
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}

	resp, err := c.a.cfg.HTTPClient.Do(withAuth(req, u, rec))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized && replayable(req) {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
		resp.Body.Close()
		if rec, err = c.renewAfterRefusal(ctx, rec.AccessToken.Value); err != nil {
			return nil, err
		}
		retry := withAuth(req, u, rec)
		if req.GetBody != nil {
			if retry.Body, err = req.GetBody(); err != nil {
				return nil, fmt.Errorf("wixauth: replaying the body of %s: %w", u.Path, err)
			}
		}
		if resp, err = c.a.cfg.HTTPClient.Do(retry); err != nil {
			return nil, err
		}
	}
	if v := resp.Header.Get(consistentHeader); v != "" {
		c.noteConsistent(v)
	}
	return resp, nil
}

// renewAfterRefusal renews the access token that Wix just refused with a 401.
// Several requests of one session that see the same refusal share one
// renewal; a token already renewed by another request is used as is.
func (c *Client) renewAfterRefusal(ctx context.Context, refused string) (record, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.a
	rt := c.rec.RefreshToken
	usable := func(n Tokens) bool {
		return n.AccessToken.Value != refused && !n.ExpiresWithin(a.cfg.Now(), a.cfg.RenewBefore)
	}
	// Not coordinated across instances: another instance's published
	// result could be the very token Wix just refused.
	t, err := a.renewShared(ctx, rt, usable, a.renewOrRestart)
	if err != nil {
		return c.rec, err
	}
	c.setTokensLocked(t)
	return c.rec, nil
}

func (c *Client) noteConsistent(v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v != c.rec.Consistent {
		c.rec.Consistent = v
		c.saveLocked()
	}
}

// withAuth returns a copy of req aimed at u with the session's headers.
func withAuth(req *http.Request, u *url.URL, rec record) *http.Request {
	r := req.Clone(req.Context())
	r.URL = u
	r.Host = ""
	r.Header.Set("Authorization", rec.AccessToken.Value)
	if rec.Consistent != "" {
		r.Header.Set(consistentHeader, rec.Consistent)
	}
	return r
}

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// apiURL resolves ref against the API base URL and refuses any other host,
// so that a mistaken absolute URL cannot carry a member's token elsewhere.
func (a *Auth) apiURL(ref *url.URL) (*url.URL, error) {
	base, _ := url.Parse(a.cfg.APIURL + "/") // checked in New
	if !ref.IsAbs() && ref.Host == "" {
		rel := *ref
		rel.Path = strings.TrimPrefix(ref.Path, "/")
		rel.RawPath = ""
		return base.ResolveReference(&rel), nil
	}
	if ref.Scheme == base.Scheme && (ref.Host == base.Host || (a.cfg.APIURL == DefaultAPIURL && ref.Host == "edge.wixapis.com")) {
		return ref, nil
	}
	return nil, fmt.Errorf("wixauth: refusing to send Wix tokens to %s://%s: Client.Do only calls the Wix API at %s (use a relative URL)", ref.Scheme, ref.Host, a.cfg.APIURL)
}
