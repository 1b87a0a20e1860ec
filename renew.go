package wixauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// movedKey marks a session whose token was renewed: it holds the new token.
// Kept under the old token for movedGrace, it lets requests still in flight
// with the old cookie tell "renewed a moment ago" from "no session".
const movedKey = "wixauth.moved"

// movedGrace outlives any request that was in flight at the renewal.
const movedGrace = time.Minute

// RenewSession gives the session a new token, as scs's RenewToken, and
// leaves a marker under the old one for a minute. Call it whenever the
// privilege level changes, at login and logout, against session fixation.
//
// The marker is why: scs deletes the old session at once, so a request of
// the same browser that was sent with the old cookie before the new one
// arrived would find no session, start a new visitor session and send its
// cookie, logging the member out again. A request that finds the marker is
// served without a session it could save and sets no cookie, and the new
// cookie stays. The marker never leads to the new session, so a planted old
// token gains an attacker nothing.
func (a *Auth) RenewSession(ctx context.Context) error {
	sm := a.cfg.Sessions
	old := sm.Token(ctx)
	if err := sm.RenewToken(ctx); err != nil {
		return &StoreError{Op: "renew", Err: err}
	}
	if old == "" {
		return nil
	}
	expiry := time.Now().Add(movedGrace)
	b, err := sm.Codec.Encode(expiry, map[string]interface{}{movedKey: true})
	if err != nil {
		return err
	}
	if err := sm.Store.Commit(a.storeKey(old), b, expiry); err != nil {
		return &StoreError{Op: "renew", Err: err}
	}
	return nil
}

// moved reports whether the session in ctx is such a marker.
func (a *Auth) moved(ctx context.Context) bool {
	v, _ := a.cfg.Sessions.Get(ctx, movedKey).(bool)
	return v
}

// storeKey is the store key of a session token, hashed as scs hashes it
// with HashTokenInStore.
func (a *Auth) storeKey(token string) string {
	if !a.cfg.Sessions.HashTokenInStore {
		return token
	}
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
