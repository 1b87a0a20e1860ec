package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"time"
)

// Counter keeps the counts that must hold across every instance of an
// app: the codes tried per verification (Config.MaxVerificationAttempts)
// and the budgets of Config.Budgets. Each count is one atomic step in the
// store the instances share, so that racing requests, on one instance or
// several, never read the same count. stores.Store.Counter implements it
// (one Lua script on Redis). The default counts in this process only,
// which holds for an app of one instance.
type Counter interface {
	// Add adds delta to the count at key and returns the new count. A key
	// that does not exist (or expired) starts at 0 and expires ttl after
	// the Add that created it; later Adds keep that expiry.
	Add(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error)
}

// hashKey turns a secret (a state token, an email, a session token) into
// a counter key, so that the store holds none of them.
func hashKey(kind, secret string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + secret))
	return kind + ":" + base64.RawURLEncoding.EncodeToString(sum[:18])
}

// countAttempt counts one more code tried at pv before Wix sees it, and
// returns the count. The shared count is the truth; the session's own
// count only covers a counter that lost its keys (a flushed Redis).
func (h *Handlers) countAttempt(ctx context.Context, pv pendingVerify) (int, error) {
	n, err := h.cfg.Counter.Add(ctx, hashKey("verify", pv.StateToken), 1, h.cfg.PendingLoginTTL)
	if err != nil {
		return 0, err
	}
	return max(int(n), pv.Tries+1), nil
}

// releaseAttempt takes back an attempt that Wix did not check (it failed).
func (h *Handlers) releaseAttempt(ctx context.Context, pv pendingVerify) {
	h.cfg.Counter.Add(ctx, hashKey("verify", pv.StateToken), -1, h.cfg.PendingLoginTTL)
}

// storeFailed answers a request whose count could not be taken: the
// shared store is down, and a code or a mail is never let through
// uncounted.
func (h *Handlers) storeFailed(w http.ResponseWriter, r *http.Request, flow Flow, err error) {
	h.log.Error("wixauth/handlers: counting in the shared store failed", slog.String("flow", string(flow)), slog.Any("error", err))
	w.Header().Set("Retry-After", "5")
	h.respond(w, r, Result{Flow: flow, Status: http.StatusServiceUnavailable, Form: true, ErrorCode: ErrorCodeUnavailable})
}
