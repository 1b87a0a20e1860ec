package renew

import (
	"context"
	"log/slog"
	"time"
)

// Coordinator is the store that the instances of an app share a lease
// through: wixauth.Coordinator, restated here so that the mechanism does
// not import the root package.
type Coordinator interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	Publish(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Result(ctx context.Context, key string) ([]byte, bool, error)
	Release(ctx context.Context, key string) error
}

// Poll is how often an instance that lost the claim looks for the winner's
// result. A renewal takes one round trip, tens of milliseconds.
const Poll = 20 * time.Millisecond

// Lease says how Across runs the protocol.
type Lease struct {
	Co   Coordinator
	Wait time.Duration // how long a claim lasts, and a loser waits for its result
	Keep time.Duration // how long a published result stays readable
	Log  *slog.Logger
}

// Across makes one call for key between the instances that share l.Co: the
// instance that claims key calls local and publishes seal(result); the
// others wait for it and take what open accepts of it (open refuses, say,
// the very value the caller was refused). It reports whether the result
// came from another instance. Whatever goes wrong with the coordination, it
// calls local: a failing coordinator costs calls, never a caller.
func Across[T any](ctx context.Context, l Lease, key string, local func(context.Context) (T, error), seal func(T) []byte, open func([]byte) (T, bool)) (T, bool, error) {
	published := func() (T, bool) {
		var zero T
		b, ok, err := l.Co.Result(ctx, key)
		if err != nil || !ok {
			return zero, false
		}
		return open(b)
	}
	if t, ok := published(); ok {
		return t, true, nil
	}
	won, err := l.Co.Claim(ctx, key, l.Wait)
	if err != nil {
		l.Log.Warn("wixauth: renewal coordinator unavailable; renewing locally", slog.Any("error", err))
		t, err := local(ctx)
		return t, false, err
	}
	if won {
		t, err := local(ctx)
		if err != nil {
			l.Co.Release(ctx, key)
			return t, false, err
		}
		l.Co.Publish(ctx, key, seal(t), l.Keep)
		return t, false, nil
	}
	tick := time.NewTicker(Poll)
	defer tick.Stop()
	deadline := time.NewTimer(l.Wait)
	defer deadline.Stop()
	for {
		select {
		case <-tick.C:
			if t, ok := published(); ok {
				return t, true, nil
			}
			continue
		case <-deadline.C:
		case <-ctx.Done():
		}
		l.Log.Warn("wixauth: no renewal result from the instance that claimed it; renewing locally")
		t, err := local(context.WithoutCancel(ctx))
		return t, false, err
	}
}
