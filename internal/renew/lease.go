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

// Extender is a Coordinator that can extend a claim while its holder
// works (stores.RedisCoordinator is one). With it a claim lasts Hold, not
// Wait: a holder that dies or loses the store frees the others about Hold
// after its last extension, instead of Wait after its claim.
type Extender interface {
	Extend(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Hold is how long a claim lasts without an extension, when the
// coordinator can extend it; its holder extends it every Hold/3.
const Hold = time.Second

// Poll is how often an instance that lost the claim looks for the winner's
// result. A renewal takes one round trip, tens of milliseconds.
const Poll = 20 * time.Millisecond

// Lease says how Across runs the protocol.
type Lease struct {
	Co   Coordinator
	Wait time.Duration // how long a loser waits for a result; a claim's life without an Extender
	Keep time.Duration // how long a published result stays readable
	Log  *slog.Logger
}

// Across makes one call for key between the instances that share l.Co: the
// instance that claims key calls local and publishes seal(result); the
// others wait for it and take what open accepts of it (open refuses, say,
// the very value the caller was refused). It reports whether the result
// came from another instance. Whatever goes wrong with the coordination, it
// calls local: a failing coordinator costs calls, never a caller.
//
// A waiter also tries to claim key at every poll: once the holder's claim
// has lapsed (it died, or lost the store, and stopped extending it), one
// waiter takes over and the others wait for that one.
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
	ext, _ := l.Co.(Extender)
	hold := l.Wait
	if ext != nil && Hold < hold {
		hold = Hold
	}
	held := func() (T, bool, error) {
		stop := extend(ctx, ext, key, hold, l.Wait)
		t, err := local(ctx)
		stop()
		if err != nil {
			l.Co.Release(ctx, key)
			return t, false, err
		}
		l.Co.Publish(ctx, key, seal(t), l.Keep)
		return t, false, nil
	}
	won, err := l.Co.Claim(ctx, key, hold)
	if err != nil {
		l.Log.Warn("wixauth: renewal coordinator unavailable; renewing locally", slog.Any("error", err))
		t, err := local(ctx)
		return t, false, err
	}
	if won {
		return held()
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
			if took, err := l.Co.Claim(ctx, key, hold); err == nil && took {
				// The holder's claim lapsed without a result: take over,
				// unless its result landed in between.
				if t, ok := published(); ok {
					l.Co.Release(ctx, key)
					return t, true, nil
				}
				l.Log.Warn("wixauth: the instance that claimed a renewal stopped extending its claim; renewing here")
				return held()
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

// extend keeps the claim of key alive while its holder works, every hold/3,
// for at most limit; stop ends it. Nothing to do without an Extender, whose
// claims last limit anyway.
func extend(ctx context.Context, ext Extender, key string, hold, limit time.Duration) (stop func()) {
	if ext == nil || hold >= limit {
		return func() {}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(hold / 3)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if ok, err := ext.Extend(ctx, key, hold); err != nil || !ok {
					return // lapsed or unreachable: a waiter takes over
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}
