package wixauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"time"
)

// Coordinator lets the instances of an app that share a session store renew
// a session's access token once between them, instead of once per
// instance. stores.Store.Coordinator gives one over Redis. Each method must
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

// renewAcrossInstances renews rt once for all instances: the instance that
// claims the renewal publishes its result, the others wait for it and use
// it. Whatever goes wrong with the coordination, it renews locally.
func (a *Auth) renewAcrossInstances(ctx context.Context, rt RefreshToken) (Tokens, error) {
	co := a.cfg.Coordinator
	if co == nil {
		return a.renewOrRestart(ctx, rt)
	}
	sum := sha256.Sum256([]byte(rt.Value)) // never a token in a key name
	key := hex.EncodeToString(sum[:])
	if t, ok := a.published(ctx, key); ok {
		return t, nil
	}
	won, err := co.Claim(ctx, key, a.cfg.TokenTimeout)
	if err != nil {
		a.cfg.Logger.Warn("wixauth: renewal coordinator unavailable; renewing locally", slog.Any("error", err))
		return a.renewOrRestart(ctx, rt)
	}
	if won {
		t, err := a.renewOrRestart(ctx, rt)
		if err != nil {
			co.Release(ctx, key)
			return t, err
		}
		co.Publish(ctx, key, a.store.sealRecord(key, record{Tokens: t}.encode()), recentTTL)
		return t, nil
	}
	tick := time.NewTicker(coordinationPoll)
	defer tick.Stop()
	deadline := time.NewTimer(a.cfg.TokenTimeout)
	defer deadline.Stop()
	for {
		select {
		case <-tick.C:
			if t, ok := a.published(ctx, key); ok {
				return t, nil
			}
			continue
		case <-deadline.C:
		case <-ctx.Done():
		}
		a.cfg.Logger.Warn("wixauth: no renewal result from the instance that claimed it; renewing locally")
		return a.renewOrRestart(context.WithoutCancel(ctx), rt)
	}
}

// published returns a usable result that another instance published.
func (a *Auth) published(ctx context.Context, key string) (Tokens, bool) {
	b, ok, err := a.cfg.Coordinator.Result(ctx, key)
	if err != nil || !ok {
		return Tokens{}, false
	}
	rb, ok := a.store.openRecord(key, b)
	if !ok {
		return Tokens{}, false
	}
	r, err := decodeRecord(rb)
	if err != nil || r.Empty() || r.ExpiresWithin(a.cfg.Now(), a.cfg.RenewBefore) {
		return Tokens{}, false
	}
	return r.Tokens, true
}
