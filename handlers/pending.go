package handlers

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"time"

	"github.com/wixauth/wixauth/oauth"
)

// Session keys of the handlers' own values, next to the tokens.
const (
	pendingKey = "wixauth.pending" // logins waiting for their callback
	verifyKey  = "wixauth.verify"  // a login waiting for its email code
)

// pendingLogin is the server-side half of one login under way: the OAuth
// data, where to land, and when it started.
type pendingLogin struct {
	Data oauth.Data `json:"d"`
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
	if b, ok := h.sessions.Get(ctx, pendingKey).([]byte); ok {
		if json.Unmarshal(b, &list) != nil {
			return nil
		}
	}
	return list
}

func (h *Handlers) putPendingLogins(ctx context.Context, list []pendingLogin) {
	if len(list) == 0 {
		h.sessions.Remove(ctx, pendingKey)
		return
	}
	b, _ := json.Marshal(list)
	h.sessions.Put(ctx, pendingKey, b)
}

// addPendingLogin keeps d until its callback, dropping expired logins and,
// past the cap, the oldest.
func (h *Handlers) addPendingLogin(ctx context.Context, d oauth.Data) {
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
	h.noteStarted(ctx, d.State)
}

// findPendingLogin returns the live login of state without changing the
// session, so that a forged or stale callback leaves it exactly as it was.
func (h *Handlers) findPendingLogin(ctx context.Context, state string) (oauth.Data, bool) {
	now := h.cfg.Now()
	for _, p := range h.pendingLogins(ctx) {
		if subtle.ConstantTimeCompare([]byte(p.Data.State), []byte(state)) == 1 && h.live(p.Started, now) {
			return p.Data, true
		}
	}
	return oauth.Data{}, false
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
	b, ok := h.sessions.Get(ctx, verifyKey).([]byte)
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
	h.sessions.Put(ctx, verifyKey, b)
}

// dropVerification ends a verification for good. Its count stays (until
// the verification would have expired), so that racing requests that
// loaded the session before the drop are refused too.
func (h *Handlers) dropVerification(ctx context.Context) {
	h.sessions.Remove(ctx, verifyKey)
}
