package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"sync"
	"time"

	"github.com/wixauth/wixauth"
)

// Session keys of the handlers' own values, next to the tokens.
const (
	pendingKey = "wixauth.pending" // logins waiting for their callback
	verifyKey  = "wixauth.verify"  // a login waiting for its email code
)

// pendingLogin is the server-side half of one login under way: the OAuth
// data, where to land, and when it started.
type pendingLogin struct {
	Data wixauth.OAuthData `json:"d"`
	// Started is in Unix milliseconds: whole seconds would cut up to a
	// second off every TTL, and make a short TTL expire at once.
	Started int64 `json:"ms"`
}

// pendingVerify is a login or registration that waits for the email code.
type pendingVerify struct {
	StateToken string `json:"s"`
	ReturnTo   string `json:"r"`
	Started    int64  `json:"ms"`
	Tries      int    `json:"n,omitempty"` // codes checked so far
}

// live reports whether something started at started (Unix ms) is still
// within PendingLoginTTL. A start in the future (a clock stepped back, or
// data written by another server) counts as expired rather than as
// living forever.
func (h *Handlers) live(started int64, now time.Time) bool {
	age := now.Sub(time.UnixMilli(started))
	return started > 0 && age >= 0 && age < h.cfg.PendingLoginTTL
}

// pendingLogins reads the logins under way. Unreadable data reads as none.
func (h *Handlers) pendingLogins(ctx context.Context) []pendingLogin {
	var list []pendingLogin
	if b, ok := h.auth.Sessions().Get(ctx, pendingKey).([]byte); ok {
		if json.Unmarshal(b, &list) != nil {
			return nil
		}
	}
	return list
}

func (h *Handlers) putPendingLogins(ctx context.Context, list []pendingLogin) {
	if len(list) == 0 {
		h.auth.Sessions().Remove(ctx, pendingKey)
		return
	}
	b, _ := json.Marshal(list)
	h.auth.Sessions().Put(ctx, pendingKey, b)
}

// addPendingLogin keeps d until its callback, dropping expired logins and,
// past the cap, the oldest.
func (h *Handlers) addPendingLogin(ctx context.Context, d wixauth.OAuthData) {
	now := h.cfg.Now()
	list := []pendingLogin{}
	for _, p := range h.pendingLogins(ctx) {
		if h.live(p.Started, now) {
			list = append(list, p)
		}
	}
	list = append(list, pendingLogin{Data: d, Started: now.UnixMilli()})
	if over := len(list) - h.cfg.MaxPendingLogins; over > 0 {
		list = list[over:]
	}
	h.putPendingLogins(ctx, list)
}

// findPendingLogin returns the live login of state without changing the
// session, so that a forged or stale callback leaves it exactly as it was.
func (h *Handlers) findPendingLogin(ctx context.Context, state string) (wixauth.OAuthData, bool) {
	now := h.cfg.Now()
	for _, p := range h.pendingLogins(ctx) {
		if subtle.ConstantTimeCompare([]byte(p.Data.State), []byte(state)) == 1 && h.live(p.Started, now) {
			return p.Data, true
		}
	}
	return wixauth.OAuthData{}, false
}

// consumePendingLogin removes the login of state: a state is good once.
func (h *Handlers) consumePendingLogin(ctx context.Context, state string) {
	var keep []pendingLogin
	for _, p := range h.pendingLogins(ctx) {
		if p.Data.State != state {
			keep = append(keep, p)
		}
	}
	h.putPendingLogins(ctx, keep)
}

func (h *Handlers) pendingVerification(ctx context.Context) (pendingVerify, bool) {
	var v pendingVerify
	b, ok := h.auth.Sessions().Get(ctx, verifyKey).([]byte)
	if !ok || json.Unmarshal(b, &v) != nil || v.StateToken == "" || !h.live(v.Started, h.cfg.Now()) {
		return pendingVerify{}, false
	}
	return v, true
}

func (h *Handlers) putPendingVerification(ctx context.Context, stateToken, returnTo string) {
	h.savePendingVerification(ctx, pendingVerify{StateToken: stateToken, ReturnTo: returnTo, Started: h.cfg.Now().UnixMilli()})
}

func (h *Handlers) savePendingVerification(ctx context.Context, v pendingVerify) {
	b, _ := json.Marshal(v)
	h.auth.Sessions().Put(ctx, verifyKey, b)
}

// dropVerification ends a verification for good. Its count stays (until
// the verification would have expired), so that racing requests that
// loaded the session before the drop are refused too.
func (h *Handlers) dropVerification(ctx context.Context) {
	h.auth.Sessions().Remove(ctx, verifyKey)
}

// attempts counts the codes checked per verification in this process. The
// session's own count alone would let racing requests, which each load the
// same count, check more codes than the limit; this count is taken under a
// lock before Wix sees the code. Entries live as long as a verification can.
type attempts struct {
	mu sync.Mutex
	m  map[[32]byte]attempt
}

type attempt struct {
	n     int
	until time.Time
}

// add counts one more attempt at the verification of stateToken, of which
// the session has seen sessionTries, and returns the count.
func (a *attempts) add(stateToken string, sessionTries int, now time.Time, ttl time.Duration) int {
	key := sha256.Sum256([]byte(stateToken))
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[[32]byte]attempt{}
	}
	for k, v := range a.m {
		if now.After(v.until) {
			delete(a.m, k)
		}
	}
	e := a.m[key]
	e.n = max(e.n, sessionTries) + 1
	e.until = now.Add(ttl)
	a.m[key] = e
	return e.n
}

// release takes back an attempt that Wix did not check (it failed).
func (a *attempts) release(stateToken string) {
	key := sha256.Sum256([]byte(stateToken))
	a.mu.Lock()
	if e, ok := a.m[key]; ok && e.n > 0 {
		e.n--
		a.m[key] = e
	}
	a.mu.Unlock()
}

func (a *attempts) forget(stateToken string) {
	key := sha256.Sum256([]byte(stateToken))
	a.mu.Lock()
	delete(a.m, key)
	a.mu.Unlock()
}
