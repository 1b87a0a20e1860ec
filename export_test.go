package wixauth

import "context"

// LeaseRenew runs the layer "one renewal across instances" (renewal.go, over renew.Across)
// on its own, without the per-process sharing above it, for its direct
// tests. It reports whether the result came from another instance.
func (a *Auth) LeaseRenew(ctx context.Context, rt RefreshToken, stale string) (Tokens, bool, error) {
	usable := func(t Tokens) bool { return t.AccessToken.Value != stale && !a.due(t, a.cfg.Now()) }
	return a.renewAcrossInstances(ctx, rt, usable)
}
