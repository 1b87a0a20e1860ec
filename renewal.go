package wixauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/wixauth/wixauth/internal/renew"
	"github.com/wixauth/wixauth/internal/wire"
)

// This file is where an access token is renewed.
//
// Every path that needs a new access token goes through Auth.renew: a token
// that expires (Client.Ensure, before the handler runs), a 401 from Wix that
// says the token is stale (Client.Do and Client.Transport), and
// Client.RenewToken. renew applies one policy, composed once of four
// layers, outermost first:
//
//  1. one renewal per process (renew.Share): the requests of this process
//     that need the same refresh token renewed share one call; a recent
//     result serves the requests that loaded their session before it was
//     saved; a failure is repeated without a call until its back-off ends
//     (backoffFor);
//  2. one renewal across instances (renew.Across): with a Coordinator,
//     one instance holds a short lease and publishes its result for the
//     others;
//  3. a new visitor on refusal (renewOrRestart, below): a refresh token Wix
//     refused, in any of its words, ends the session as a new visitor at
//     once; one that keeps failing with answers that name no refusal and
//     are not transient ends it Config.GiveUpAfter after the first such
//     failure, however far apart the requests;
//  4. the grant (renewTokens, at the end of this file): the refresh_token
//     call itself.
//
// The mechanisms of layers 1 and 2 are in internal/renew, which knows
// nothing of tokens; this file is the policy that composes them.
//
// When a token is due is decided here too (due and margin). New visitor
// tokens, which are minted rather than renewed, are in newvisitor.go.

// renew returns a usable access token for rt, through the layers above.
// stale is the access token the caller holds and wants replaced (expiring,
// refused by Wix, or to be renewed on request): a shared or recent result
// equal to it is never handed back, since Wix may have just refused it.
func (a *Auth) renew(ctx context.Context, rt RefreshToken, stale string) (renewed, error) {
	usable := func(t Tokens) bool { return t.AccessToken.Value != stale && !a.due(t, a.cfg.Now()) }
	t, f, err := a.share.Do(ctx, rt.Value, usable, func() (Tokens, bool, error) {
		// Detached from the request that started it: the others waiting
		// for it must not fail because that one went away.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.TokenTimeout)
		defer cancel()
		return a.renewAcrossInstances(dctx, rt, usable)
	})
	return renewed{Tokens: t, flight: f}, err
}

// renewed is the result of a renewal, which several requests may share.
type renewed struct {
	Tokens
	flight *renew.Flight[Tokens] // nil: the caller's own result
}

// own reports whether the caller is the one that saves these tokens in
// its session: true for exactly one of the requests that share a renewal
// made in this process, so that a renewal storm writes the session once,
// and false for all of them when another instance made the renewal (its
// own request saves it).
func (r renewed) own() bool { return r.flight == nil || r.flight.ClaimSave() }

// Coordinator lets the instances of an app that share a session store renew
// a session's access token once between them, instead of once per
// instance. The Redis store of package stores is one, and New uses it as
// one when it holds the sessions. Each method must be bounded in time; any
// error makes wixauth renew locally, so a failing coordinator costs token
// calls, never requests. A coordinator that also has
// Extend(ctx, key, ttl) (bool, error), keeping a claim alive for another
// ttl (the Redis store's does), gets claims of a second that the holder
// extends while it renews: a holder that dies or loses the store frees
// the others within about a second; without it a claim lasts TokenTimeout.
type Coordinator interface {
	// Claim tries to take the right to renew key for ttl; false means
	// another instance holds it.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Publish hands the result of a renewal to the other instances for
	// ttl and gives up the claim.
	Publish(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Result returns the value published for key, if any.
	Result(ctx context.Context, key string) ([]byte, bool, error)
	// Release gives up a claim without a result, after a failed renewal.
	Release(ctx context.Context, key string) error
}

// renewAcrossInstances is the layer "one renewal across instances": the
// instance that claims the renewal of rt publishes its result, sealed to
// the lease's key like a session, and the others wait for it and use it if
// usable accepts it (it may be the very token Wix just refused them). It
// reports whether the result came from another instance. Whatever goes
// wrong with the coordination, it renews locally.
func (a *Auth) renewAcrossInstances(ctx context.Context, rt RefreshToken, usable func(Tokens) bool) (Tokens, bool, error) {
	local := func(ctx context.Context) (Tokens, error) { return a.renewOrRestart(ctx, rt) }
	co := a.cfg.Coordinator
	if co == nil {
		t, err := local(ctx)
		return t, false, err
	}
	sum := sha256.Sum256([]byte(rt.Value)) // never a token in a key name
	key := hex.EncodeToString(sum[:])
	lease := renew.Lease{Co: co, Wait: a.cfg.TokenTimeout, Keep: renew.RecentTTL, Log: a.cfg.Logger}
	return renew.Across(ctx, lease, key, local,
		func(t Tokens) []byte { return a.store.SealRecord(key, record{Tokens: t}.encode()) },
		func(b []byte) (Tokens, bool) { return a.published(key, b, usable) })
}

// published opens a result that another instance published under key, if
// usable accepts it.
func (a *Auth) published(key string, b []byte, usable func(Tokens) bool) (Tokens, bool) {
	rb, ok := a.store.OpenRecord(key, b)
	if !ok {
		return Tokens{}, false
	}
	r, err := decodeRecord(rb)
	if err != nil || r.Empty() || !usable(r.Tokens) {
		return Tokens{}, false
	}
	return r.Tokens, true
}

// margin is how long before its expiry a token is renewed:
// Config.RenewBefore, but at most half the lifetime Wix gave the token, so
// that a token just issued is never due at once, however short its life.
func (a *Auth) margin(t AccessToken) time.Duration {
	m := a.cfg.RenewBefore
	if d, ok := t.lifetime(); ok && d/2 < m {
		m = d / 2
	}
	return m
}

// due reports whether t must be renewed before it is used.
func (a *Auth) due(t Tokens, now time.Time) bool {
	return t.AccessToken.Value == "" || !now.Before(t.AccessToken.expiry().Add(-a.margin(t.AccessToken)))
}

// expired reports whether t can no longer be used at all.
func expired(t Tokens, now time.Time) bool {
	return t.AccessToken.Value == "" || !now.Before(t.AccessToken.expiry())
}

// resolve returns valid tokens for t, which holds a refresh token, by the
// JavaScript SDK's generateVisitorTokens rule: t itself while it is not
// due, else t renewed (a new visitor if Wix refused its refresh token).
//
// Unlike the SDK, a failure that may pass (a timeout, a 5xx, a 429) keeps
// t and returns the error, so that a network blip never turns a member into
// a visitor; and if t's access token is still valid (only inside the
// margin), the failure is logged and t is returned, so the request goes on.
func (a *Auth) resolve(ctx context.Context, t Tokens) (renewed, error) {
	now := a.cfg.Now()
	if !a.due(t, now) {
		return renewed{Tokens: t}, nil
	}
	r, err := a.renew(ctx, t.RefreshToken, t.AccessToken.Value)
	if err == nil {
		return r, nil
	}
	if !expired(t, now) {
		a.cfg.Logger.Warn("wixauth: renewal failed; using the access token until it expires",
			slog.String("role", string(t.Role())), slog.Time("expires", t.AccessToken.expiry()), slog.Any("error", err))
		return renewed{Tokens: t}, nil
	}
	return renewed{Tokens: t}, err
}

// defaultRetryBackoff is how long a failed token call is not repeated.
const defaultRetryBackoff = 2 * time.Second

// maxRetryBackoff caps a Retry-After from Wix.
const maxRetryBackoff = 5 * time.Minute

// backoffFor is how long to wait after err before calling the token
// endpoint again: Wix's Retry-After if it said more, else RetryBackoff.
// Renewals (renew.Share) and new visitors (renew.Gate) both wait by it.
func (a *Auth) backoffFor(err error) time.Duration {
	d := a.cfg.RetryBackoff
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > d {
		d = min(ae.RetryAfter, maxRetryBackoff)
	}
	return d
}

// defaultGiveUpAfter is how long a refresh token may keep failing with
// answers that are not transient before its session ends.
const defaultGiveUpAfter = time.Minute

// renewOrRestart renews rt, and starts a new visitor session when Wix
// refused rt (see isRefusal), or when the renewals of rt have failed with
// answers that are not transient (see isPermanent) since Config.GiveUpAfter
// ago: no answer can leave a session failing until it expires. A timeout, a
// 5xx or a 429 never ends a session, however long it lasts.
//
// Why at once: the SDK starts a new visitor on any failed renewal
// (generateVisitorTokens in OAuthStrategy.js), and Wix's words for a dead
// refresh token are not known (docs/protocol.md, A6): a 400
// INVALID_REFRESH_TOKEN or a 401 UNAUTHENTICATED kept a member on 503s
// before, for good when the requests were far apart.
func (a *Auth) renewOrRestart(ctx context.Context, rt RefreshToken) (Tokens, error) {
	t, err := a.renewTokens(ctx, rt)
	if err == nil {
		a.failing.clear(rt.Value)
		return t, nil
	}
	var why string
	switch {
	case isRefusal(err):
		why = "Wix refused the refresh token"
	case isPermanent(err) && a.failing.note(rt.Value, time.Now(), a.cfg.GiveUpAfter):
		why = "the refresh token kept failing with answers that are not transient"
	default:
		return Tokens{}, err
	}
	a.failing.clear(rt.Value)
	a.cfg.Logger.Warn("wixauth: "+why+"; starting a new visitor session",
		slog.String("role", string(rt.Role)), slog.Any("error", err))
	a.emit(ctx, Event{Kind: EventSessionEnded, Role: rt.Role, Err: err})
	return a.newVisitorTokens(ctx)
}

// isRefusal reports whether the token endpoint refused the grant in words:
// "invalid_grant" whatever the HTTP status (RFC 6749 section 5.2: a refresh
// token "invalid, expired, revoked" or "issued to another client"), or any
// other code with a 4xx that is not transient (isPermanent), such as Wix's
// INVALID_REFRESH_TOKEN, UNAUTHENTICATED, PERMISSION_DENIED or NOT_FOUND.
// The codes about the request or the client (requestCodes) are not: they
// are the same for every session of the app, so ending this one would not
// help; they, and 4xx answers with no code (a proxy's page), count as
// permanent failures instead.
func isRefusal(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Code == "invalid_grant" || (ae.Code != "" && !requestCodes[ae.Code] && isPermanent(err))
}

// requestCodes are the answers that fault the request or the app's client
// rather than the refresh token: RFC 6749's, and the gateway's
// INVALID_ARGUMENT.
var requestCodes = map[string]bool{
	"invalid_request": true, "invalid_client": true, "unauthorized_client": true,
	"unsupported_grant_type": true, "invalid_scope": true, "INVALID_ARGUMENT": true,
}

// isPermanent reports whether a failed token call will fail the same way
// if repeated: a 4xx answer other than 408 (timeout), 425 (too early) and
// 429 (rate limit). Anything else (a 5xx, a timeout, a malformed answer,
// which may come from a proxy in between) may pass.
func isPermanent(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode < 400 || ae.StatusCode > 499 {
		return false
	}
	switch ae.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	}
	return true
}

// failingSince remembers, per refresh token, since when its renewals fail
// with answers that are not transient. A run ends only with a success
// (clear): a pause between requests does not restart it, or a member who
// comes back every few minutes would get 503s for good.
type failingSince struct {
	mu   sync.Mutex
	runs map[string]failingRun
}

type failingRun struct{ since, last time.Time }

// note records a permanent failure of rt at now and reports whether rt has
// been failing for d or longer, counted from its first failure.
func (f *failingSince) note(rt string, now time.Time, d time.Duration) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.runs == nil {
		f.runs = make(map[string]failingRun)
	}
	r, running := f.runs[rt]
	if !running {
		r.since = now
	}
	r.last = now
	f.runs[rt] = r
	if len(f.runs) >= 1024 {
		// Bounded memory: a token not seen for a day belongs to a
		// session that has gone, or will fail once more and start again.
		for k, r := range f.runs {
			if now.Sub(r.last) > max(d, 24*time.Hour) {
				delete(f.runs, k)
			}
		}
	}
	return now.Sub(r.since) >= d
}

func (f *failingSince) clear(rt string) {
	f.mu.Lock()
	delete(f.runs, rt)
	f.mu.Unlock()
}

// The grant: the innermost layer of renewal, and the token calls that the
// other grants (new visitors, logins) share.

// requestTokens calls the token endpoint under TokenTimeout.
func (a *Auth) requestTokens(ctx context.Context, body any, authz string, needRefresh bool) (wire.TokenResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.TokenTimeout)
	defer cancel()
	var tr wire.TokenResponse
	if err := a.postJSON(ctx, wire.TokenPath, authz, body, &tr); err != nil {
		return tr, err
	}
	if err := tr.Check(needRefresh); err != nil {
		return tr, &APIError{StatusCode: 502, Endpoint: wire.TokenPath, Code: "malformed_response", Description: err.Error()}
	}
	return tr, nil
}

// tokensFrom turns a token answer into a Tokens, dating the expiry from now
// as the SDK does, and keeping the arrival time that bounds the renewal
// margin (see Auth.margin).
func (a *Auth) tokensFrom(tr wire.TokenResponse, refresh RefreshToken) Tokens {
	now := a.cfg.Now()
	return Tokens{
		AccessToken:  AccessToken{Value: tr.AccessToken, ExpiresAt: now.Unix() + tr.ExpiresIn, issued: now.UnixMilli()},
		RefreshToken: refresh,
	}
}

// renewTokens gets a new access token for rt. Wix does not rotate refresh
// tokens, so rt and its role are kept, as the SDK does.
func (a *Auth) renewTokens(ctx context.Context, rt RefreshToken) (Tokens, error) {
	tr, err := a.requestTokens(ctx, wire.TokenRequest{ClientID: a.cfg.ClientID, GrantType: wire.GrantRefreshToken, RefreshToken: rt.Value}, "", false)
	if err != nil {
		a.emit(ctx, Event{Kind: EventError, Role: rt.Role, Err: err})
		return Tokens{}, err
	}
	a.emit(ctx, Event{Kind: EventRenewal, Role: rt.Role})
	a.cfg.Logger.Debug("wixauth: renewed access token", slog.String("role", string(rt.Role)))
	return a.tokensFrom(tr, rt), nil
}
