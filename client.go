package wixauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/alexedwards/scs/v2"
	"github.com/wixauth/wixauth/internal/wire"
	"github.com/wixauth/wixauth/session"
)

// Client calls Wix on behalf of the visitor or member of one request. The
// middleware puts one in the request context (see FromContext); it is valid
// for that request only. Auth.NewClient makes one from stored tokens for
// work outside a request. Its methods are safe for concurrent use.
//
// Every method that changes the tokens saves them in the session, which scs
// writes to the store when the response starts: use the Client before writing
// the response, or the change is lost (and reported, see Config.Lazy).
type Client struct {
	a   *Auth
	ctx context.Context // holds the scs session of the request; nil outside a request
	// save stores changed tokens for a Client made by NewClient.
	save func(context.Context, Tokens) error
	// req is the request: its address counts new visitors (newvisitor.go),
	// its route names a late change (middleware.go).
	req *http.Request
	// readOnly marks a HEAD or OPTIONS request: it never mints tokens nor
	// saves its session.
	readOnly bool

	mu    sync.Mutex
	rec   record
	ready bool // tokens made valid during this request
	// pending: rec holds tokens of a renewal that another request saves;
	// they are saved here only if the session is written anyway.
	pending bool
	// started: the response has started, and the session was saved.
	started bool
}

// ErrNoClient is returned by the methods of a nil *Client, which is what
// FromContext gives outside the middleware and Auth.ClientFor gives for a
// context without a loaded session. Its text names the fix for both
// places it comes from: a handler outside the middleware, and code outside
// any request (a background job), which needs Auth.NewClient.
var ErrNoClient = errors.New("wixauth: no Client in this context: in an HTTP handler, wrap it with Auth.Middleware (or wixauth.Middleware) and check that Config.Skip does not skip the request; " +
	"outside a request (a background job, a queue worker), make one with Auth.NewClient(tokens, save) from tokens the app stored")

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
	rec, err := record{}, errBadRecord
	switch v := v.(type) {
	case session.Record: // session.Codec's form: decoded without a copy
		rec, err = decodeRecordString(string(v))
	case []byte: // any other codec's
		rec, err = decodeRecord(v)
	}
	if err != nil {
		a.cfg.Logger.Warn("wixauth: the session holds an unreadable token record; starting without tokens",
			slog.String("type", fmt.Sprintf("%T", v)))
		return
	}
	c.rec = rec
}

// saveLocked stores the record; the caller holds c.mu.
func (c *Client) saveLocked(ctx context.Context) {
	c.pending = false
	switch {
	case c.save != nil:
		if err := c.save(ctx, c.rec.Tokens); err != nil {
			c.a.cfg.Logger.Warn("wixauth: saving the renewed tokens failed; they will be renewed again", slog.Any("error", err))
		}
	case c.ctx != nil:
		c.a.cfg.Sessions.Put(c.ctx, c.a.cfg.SessionKey, c.rec.encode())
	}
}

// setTokensLocked replaces the tokens and, if they changed and own says so,
// saves them. The consistency value belongs to an identity, so a new
// refresh token drops it.
func (c *Client) setTokensLocked(ctx context.Context, t Tokens, own bool) {
	if t == c.rec.Tokens {
		return
	}
	if t.identity() != c.rec.identity() {
		c.rec.Consistent = ""
	}
	c.rec.Tokens = t
	if !own {
		c.pending = true
		return
	}
	if c.started {
		c.a.reportUnsaved(ctx, c.req, t.Role())
	}
	c.saveLocked(ctx)
}

// owns reports whether this Client saves the tokens of r: a Client made by
// NewClient saves every change through its callback; a request saves a
// shared renewal only if it is the first to claim it.
func (c *Client) owns(r renewed) bool {
	return c.ctx == nil || (!c.readOnly && r.own()) // a NewClient never claims
}

// readyToSave is called just before the request's session is saved. It
// reports false for a HEAD or OPTIONS request, whose session is never
// saved. Tokens shared from a renewal that another request saves are put
// in the session here if it is written anyway, so that the write does not
// put the old tokens back.
func (c *Client) readyToSave() bool {
	if c.readOnly {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started = true
	if c.pending && c.a.cfg.Sessions.Status(c.ctx) == scs.Modified {
		c.saveLocked(c.ctx)
	}
	return true
}

// Ensure makes the tokens valid: new visitor tokens when there are none, a
// renewal when the access token is due (see Config.RenewBefore). The
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
	if c.ready && !expired(c.rec.Tokens, c.a.cfg.Now()) {
		return nil
	}
	if c.rec.Empty() || (c.rec.accessOnly() && expired(c.rec.Tokens, c.a.cfg.Now())) {
		// No session, or an access token alone that has run out: nothing
		// can renew it, so a new visitor, as the SDK's
		// generateVisitorTokens does.
		t, err := c.newVisitorLocked(ctx)
		if err != nil {
			return err
		}
		c.setTokensLocked(ctx, t, true)
		c.ready = true
		return nil
	}
	if c.rec.accessOnly() {
		c.ready = true // valid to its expiry, which nothing can extend
		return nil
	}
	r, err := c.a.resolve(ctx, c.rec.Tokens)
	if err != nil {
		return err
	}
	c.setTokensLocked(ctx, r.Tokens, c.owns(r))
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
	c.setTokensLocked(c.ctx, t, true)
	c.ready = false
}

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
	if t.Empty() || (t.accessOnly() && expired(t, c.a.cfg.Now())) {
		return c.a.newVisitorTokens(ctx)
	}
	if t.accessOnly() {
		return t, nil
	}
	r, err := c.a.resolve(ctx, t)
	return r.Tokens, err
}

// RenewToken gets a new access token for the session's refresh token,
// whatever the current one's expiry, saves it and returns the new set, as
// the SDK's renewToken(). It follows the same policy as every renewal (see
// Config.RenewBefore): a renewal of the same session made a moment ago by
// another request is shared rather than repeated, and a refresh token that
// Wix refused starts a new visitor session. A failure that may pass leaves
// the session as it was.
func (c *Client) RenewToken(ctx context.Context) (Tokens, error) {
	if c == nil {
		return Tokens{}, ErrNoClient
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rec.Empty() {
		return Tokens{}, errors.New("wixauth: RenewToken: the session has no refresh token; call Ensure to start a visitor session")
	}
	if c.rec.accessOnly() {
		return c.rec.Tokens, errors.New("wixauth: RenewToken: the session has an access token and no refresh token (Wix granted none at login): it lasts until the access token expires, then Ensure starts a visitor session")
	}
	r, err := c.a.renew(ctx, c.rec.RefreshToken, c.rec.AccessToken.Value)
	if err != nil {
		return c.rec.Tokens, err
	}
	c.setTokensLocked(ctx, r.Tokens, c.owns(r))
	c.ready = true
	return r.Tokens, nil
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
// host.
//
// When Wix answers 401 because the access token is stale (expired or
// revoked at Wix: no code, UNAUTHENTICATED, or RFC 6750's invalid_token),
// the token is renewed and the request sent once more, if its body can be
// replayed (req.GetBody is set, as http.NewRequest does for in-memory
// bodies). A request that carries a password or a one-time code (login,
// register, verify) is never sent twice: the token is renewed and the 401
// returned. Any other 401 is an answer of the application, such as a wrong
// password, and comes back as it is.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if c == nil {
		return nil, ErrNoClient
	}
	return c.do(req, c.a.cfg.HTTPClient.Do)
}

func (c *Client) do(req *http.Request, send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
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

	resp, err := send(withAuth(req, u, rec))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		var stale bool
		if resp, stale = staleTokenAnswer(resp); stale {
			retry := replayable(req) && !carriesSecret(u.Path)
			if retry {
				io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
				resp.Body.Close()
			}
			renewedRec, err := c.renewAfterRefusal(ctx, rec.AccessToken.Value)
			switch {
			case !retry:
				// The answer stands; the next request has a renewed token.
			case err != nil:
				return nil, err
			default:
				if resp, err = c.resend(req, u, renewedRec, send); err != nil {
					return nil, err
				}
			}
		}
	}
	if v := resp.Header.Get(consistentHeader); v != "" {
		c.noteConsistent(v)
	}
	return resp, nil
}

// resend sends req once more with rec's tokens, after a stale-token 401.
func (c *Client) resend(req *http.Request, u *url.URL, rec record, send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	retry := withAuth(req, u, rec)
	if req.GetBody != nil {
		var err error
		if retry.Body, err = req.GetBody(); err != nil {
			return nil, fmt.Errorf("wixauth: replaying the body of %s: %w", u.Path, err)
		}
	}
	return send(retry)
}

// renewAfterRefusal renews the access token that Wix just refused with a
// 401, through the same policy as every renewal (see renewal.go): requests
// of one session that see the same refusal share one renewal, and a token
// renewed meanwhile is used if it is not the refused one.
func (c *Client) renewAfterRefusal(ctx context.Context, refused string) (record, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rec.AccessToken.Value != refused && !c.a.due(c.rec.Tokens, c.a.cfg.Now()) {
		return c.rec, nil // renewed by another call of this Client meanwhile
	}
	r, err := c.a.renew(ctx, c.rec.RefreshToken, refused)
	if err != nil {
		return c.rec, err
	}
	c.setTokensLocked(ctx, r.Tokens, c.owns(r))
	return c.rec, nil
}

func (c *Client) noteConsistent(v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v != c.rec.Consistent {
		c.rec.Consistent = v
		if c.save == nil { // NewClient's callback takes Tokens only: kept in memory
			c.saveLocked(c.ctx)
		}
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

// staleTokenAnswer reports whether a 401 says that the access token itself
// is no good (expired, revoked or unknown at Wix), rather than being an
// answer of the application such as a wrong password (-19976). It reads
// the start of the body to decide, and returns resp with its body whole.
func staleTokenAnswer(resp *http.Response) (*http.Response, bool) {
	if strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
		return resp, true
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	return resp, wire.StaleTokenCode(newAPIError(resp, "", head).Code)
}

// carriesSecret reports whether a request to path carries a password or a
// one-time code, which must never be sent twice.
func carriesSecret(path string) bool {
	switch path {
	case wire.LoginPath, wire.RegisterPath, wire.VerifyPath:
		return true
	}
	return false
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
