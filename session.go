package wixauth

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
)

// withSession runs h with the session of r loaded, and saves it when the
// response starts, as scs's LoadAndSave does. If the app already wrapped the
// handler in LoadAndSave of the same manager, the session is left to it, so
// that exactly one cookie is written. Unlike LoadAndSave, a store that fails
// gets a 503 through Config.ErrorHandler instead of a bare 500.
func (a *Auth) withSession(w http.ResponseWriter, r *http.Request, h func(http.ResponseWriter, *http.Request, *Client)) {
	sm := a.cfg.Sessions
	token := sessionToken(r, sm.Cookie.Name)
	ctx, err := sm.Load(r.Context(), token)
	if err != nil {
		a.cfg.ErrorHandler(w, r, &StoreError{Op: "load", Err: err})
		return
	}
	if ctx == r.Context() { // already loaded: the app's LoadAndSave saves it
		h(w, r, nil)
		return
	}
	w.Header().Add("Vary", "Cookie")
	st := &requestState{c: Client{a: a, ctx: ctx}}
	st.c.readTokens()
	// A RenewSession marker holds no tokens, so a session with tokens
	// needs no second lookup.
	if st.c.rec.Empty() && a.moved(ctx) {
		// An old cookie, sent before the session was renewed: serve the
		// request on a throwaway session that is never saved, so that its
		// cookie does not replace the renewed one.
		ctx, _ = sm.Load(context.WithValue(r.Context(), throwawayKey{}, true), "")
		h(w, r.WithContext(ctx), nil)
		return
	}
	// One request copy, carrying both the session and the Client.
	r = r.WithContext(NewContext(ctx, &st.c))
	// token is the session's token when the store had it (what
	// sm.Token(ctx) returns); when it did not, saveSession's comparison
	// fails either way, since the session has no token until Commit.
	st.sw = sessionWriter{ResponseWriter: w, a: a, r: r, cookie: token, c: &st.c}
	h(&st.sw, r, &st.c)
	if !st.sw.written {
		st.sw.WriteHeader(http.StatusOK)
	}
}

// requestState holds a request's sessionWriter and Client in one
// allocation.
type requestState struct {
	sw sessionWriter
	c  Client
}

// throwawayKey marks a request served on a throwaway session: its tokens
// are made lazily, so that such requests spend no token call unless their
// handler calls Wix.
type throwawayKey struct{}

// sessionToken returns the first session cookie that has the shape of an
// scs token (43 characters of base64url). Anything else, garbage or an
// oversized value, is treated as no cookie, so it never reaches the store;
// and a garbage cookie sent before the real one (a stale one set for
// another path or domain) does not hide it.
func sessionToken(r *http.Request, name string) string {
	for _, c := range r.CookiesNamed(name) {
		if wellFormed(c.Value) {
			return c.Value
		}
	}
	return ""
}

func wellFormed(token string) bool {
	if len(token) != 43 {
		return false
	}
	for i := 0; i < len(token); i++ {
		switch b := token[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '-', b == '_':
		default:
			return false
		}
	}
	return true
}

// saveSession saves a modified session and sets its cookie. cookie is the
// session token the request came with.
func (a *Auth) saveSession(w http.ResponseWriter, r *http.Request, cookie string) error {
	sm := a.cfg.Sessions
	ctx := r.Context()
	switch sm.Status(ctx) {
	case scs.Modified:
		same := cookie != "" && sm.Token(ctx) == cookie
		if same && a.renewedMeanwhile(ctx, cookie) {
			// Another request renewed this session (a login, a logout)
			// while this one ran: its tokens win.
			return nil
		}
		token, expiry, err := sm.Commit(ctx)
		if err != nil {
			return &StoreError{Op: "save", Err: err}
		}
		// The browser has this cookie already; sending it again could
		// only replace a newer one set by a concurrent login. With an idle
		// timeout the expiry moves, so it must be sent.
		if !same || sm.IdleTimeout > 0 {
			sm.WriteSessionCookie(ctx, w, token, expiry)
		}
	case scs.Destroyed:
		sm.WriteSessionCookie(ctx, w, "", time.Time{})
	}
	return nil
}

// renewedMeanwhile reports whether the stored session of token became a
// RenewSession marker after this request loaded it. It costs a store read,
// only on the rare requests that change an existing session.
func (a *Auth) renewedMeanwhile(ctx context.Context, token string) bool {
	sm := a.cfg.Sessions
	b, found, err := sm.Store.Find(a.storeKey(token))
	if err != nil || !found {
		return false
	}
	_, values, err := sm.Codec.Decode(b)
	moved, _ := values[movedKey].(bool)
	return err == nil && moved
}

// sessionWriter saves the session just before the response starts, the last
// moment its cookie can still be set.
//
// If the store fails, the handler's response is replaced by the
// ErrorHandler's: telling the browser it succeeded when its session (a
// login, new tokens) was lost would be worse.
type sessionWriter struct {
	http.ResponseWriter
	a       *Auth
	r       *http.Request
	cookie  string
	c       *Client // the request's Client, which says whether to save (readyToSave)
	written bool
	failed  bool // the store failed: the handler's output is discarded
}

func (sw *sessionWriter) WriteHeader(code int) {
	if sw.written {
		if !sw.failed {
			sw.ResponseWriter.WriteHeader(code)
		}
		return
	}
	sw.written = true
	if !sw.c.readyToSave() {
		sw.ResponseWriter.WriteHeader(code)
		return
	}
	if err := sw.a.saveSession(sw.ResponseWriter, sw.r, sw.cookie); err != nil {
		sw.failed = true
		h := sw.ResponseWriter.Header()
		for k := range h {
			delete(h, k)
		}
		sw.a.cfg.ErrorHandler(sw.ResponseWriter, sw.r, err)
		return
	}
	sw.ResponseWriter.WriteHeader(code)
}

func (sw *sessionWriter) Write(b []byte) (int, error) {
	if !sw.written {
		sw.WriteHeader(http.StatusOK)
	}
	if sw.failed {
		return len(b), nil
	}
	return sw.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush, Hijack and deadlines.
func (sw *sessionWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

// StoreError reports that the session store failed, for example Redis being
// down. The middleware hands it to Config.ErrorHandler.
type StoreError struct {
	Op  string // "load", "save" or "renew"
	Err error
}

// Error says which store operation failed and why.
func (e *StoreError) Error() string {
	return "wixauth: the session store failed to " + e.Op + " the session (is it reachable?): " + e.Err.Error()
}

// Unwrap returns the store's own error.
func (e *StoreError) Unwrap() error { return e.Err }

// tolerantCodec turns session data that cannot be decoded (tampered with, or
// written by an incompatible version) into a new, empty session instead of
// an error that would fail every request of that browser.
type tolerantCodec struct {
	scs.Codec
	lifetime time.Duration
	log      *slog.Logger
}

func (c tolerantCodec) Decode(b []byte) (time.Time, map[string]interface{}, error) {
	deadline, values, err := c.Codec.Decode(b)
	if err != nil {
		c.log.Warn("wixauth: undecodable session data; starting a new session", slog.Any("error", err))
		return time.Now().Add(c.lifetime).UTC(), make(map[string]interface{}), nil
	}
	return deadline, values, nil
}
