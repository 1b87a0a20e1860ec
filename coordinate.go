package wixauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"time"
)

// One renewal across instances: the second layer of renewal (see
// renewal.go).

// Coordinator lets the instances of an app that share a session store renew
// a session's access token once between them, instead of once per
// instance. The Redis store of package stores is one, and New uses it as
// one when it holds the sessions. Each method must
// be bounded in time; any error makes wixauth renew locally, so a failing
// coordinator costs token calls, never requests.
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

// coordinationPoll is how often an instance that lost the claim looks for
// the winner's result. A renewal takes one round trip to Wix, tens of
// milliseconds.
const coordinationPoll = 20 * time.Millisecond

// renewAcrossInstances is the layer "one renewal across instances" (see
// renewal.go): the instance that claims the renewal of rt publishes its
// result, the others wait for it and use it if usable accepts it (it may be
// the very token Wix just refused them). It reports whether the result came
// from another instance. Whatever goes wrong with the coordination, it
// renews locally.
func (a *Auth) renewAcrossInstances(ctx context.Context, rt RefreshToken, usable func(Tokens) bool) (Tokens, bool, error) {
	co := a.cfg.Coordinator
	if co == nil {
		t, err := a.renewOrRestart(ctx, rt)
		return t, false, err
	}
	sum := sha256.Sum256([]byte(rt.Value)) // never a token in a key name
	key := hex.EncodeToString(sum[:])
	if t, ok := a.published(ctx, key, usable); ok {
		return t, true, nil
	}
	won, err := co.Claim(ctx, key, a.cfg.TokenTimeout)
	if err != nil {
		a.cfg.Logger.Warn("wixauth: renewal coordinator unavailable; renewing locally", slog.Any("error", err))
		t, err := a.renewOrRestart(ctx, rt)
		return t, false, err
	}
	if won {
		t, err := a.renewOrRestart(ctx, rt)
		if err != nil {
			co.Release(ctx, key)
			return t, false, err
		}
		co.Publish(ctx, key, a.store.SealRecord(key, record{Tokens: t}.encode()), recentTTL)
		return t, false, nil
	}
	tick := time.NewTicker(coordinationPoll)
	defer tick.Stop()
	deadline := time.NewTimer(a.cfg.TokenTimeout)
	defer deadline.Stop()
	for {
		select {
		case <-tick.C:
			if t, ok := a.published(ctx, key, usable); ok {
				return t, true, nil
			}
			continue
		case <-deadline.C:
		case <-ctx.Done():
		}
		a.cfg.Logger.Warn("wixauth: no renewal result from the instance that claimed it; renewing locally")
		t, err := a.renewOrRestart(context.WithoutCancel(ctx), rt)
		return t, false, err
	}
}

// published returns a result that another instance published, if usable
// accepts it.
func (a *Auth) published(ctx context.Context, key string, usable func(Tokens) bool) (Tokens, bool) {
	b, ok, err := a.cfg.Coordinator.Result(ctx, key)
	if err != nil || !ok {
		return Tokens{}, false
	}
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
