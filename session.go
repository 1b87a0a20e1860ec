package wixauth

import (
	"context"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/wixauth/wixauth/session"
)

// withSession runs h with the session of r loaded, and saves it when the
// response starts, as scs's LoadAndSave does, under the rules of the
// session store (package session): a save never brings back a session that
// was retired meanwhile, and then sets no cookie. Unlike LoadAndSave, a
// store that fails gets a 503 through Config.ErrorHandler instead of a bare
// 500.
//
// The app may wrap h in the same manager's LoadAndSave (inside this
// middleware): that one then saves the session and sets the cookie, and this
// one checks its outcome, so that there is still one cookie and one write.
// The other order, LoadAndSave outside, fails at the first request: the
// session would be loaded without the record that guards its save.
func (a *Auth) withSession(w http.ResponseWriter, r *http.Request, h func(http.ResponseWriter, *http.Request, *Client)) {
	sm := a.cfg.Sessions
	st := &requestState{}
	// The Client is filled in once the session is loaded.
	st.ctx = session.CarrierContext{Context: r.Context(), Carrier: st}
	lctx := context.Context(&st.ctx)
	token := a.sessionCookie(r, &st.load)
	ctx, err := sm.Load(lctx, token)
	if err != nil {
		a.cfg.ErrorHandler(w, r, &StoreError{Op: "load", Err: err})
		return
	}
	if ctx == lctx { // loaded already
		if v := session.FromContext(r.Context()); v == nil || v.SessionLoad() == nil {
			a.wrongOrder(w, r)
			return
		}
		h(w, r, nil) // by this middleware further out, which saves it
		return
	}
	varyCookie(w.Header(), &st.vary)
	l := &st.load
	if !l.Retired.IsZero() && time.Since(l.Retired) < session.MovedGrace {
		// An old cookie, sent before the session was renewed (a login, a
		// logout): serve the request on a session that is never saved, so
		// that its cookie does not replace the renewed one. Its tokens are
		// made lazily, so it spends no token call unless its handler calls
		// Wix.
		l.Throwaway = true
		ctx = context.WithValue(ctx, throwawayKey{}, true)
	}
	if l.Legacy {
		rewrite(sm, ctx)
	}
	st.c.a, st.c.ctx = a, ctx
	st.c.readTokens()
	// One request copy, carrying both the session and the Client.
	r = r.WithContext(ctx)
	st.sw = sessionWriter{ResponseWriter: w, a: a, r: r, cookie: token, load: l, c: &st.c}
	h(&st.sw, r, &st.c)
	// A handler that wrote nothing leaves the status to whatever writes
	// after it: echo's and gin's error handlers write once the chain has
	// returned, and net/http writes 200 when nothing does. So save now, as
	// LoadAndSave does, and write no status unless the store failed.
	st.sw.save()
}

// requestState holds a request's sessionWriter, Client, load record, the
// context that carries them and its Vary value in one allocation. It is the
// one context value that carries both the Client (FromContext) and the load
// record (for the session store).
type requestState struct {
	sw   sessionWriter
	c    Client
	load session.Load
	ctx  session.CarrierContext
	vary [1]string
}

// varyCookie adds "Vary: Cookie" to h: the answer depends on the session
// cookie, so a shared cache must not serve it to another browser. The value
// lives in the request's state (vary) rather than in a slice of its own, one
// allocation less per request; an Add by the handler appends to a copy, as
// the slice is full.
func varyCookie(h http.Header, vary *[1]string) {
	if _, ok := h["Vary"]; ok {
		h.Add("Vary", "Cookie")
		return
	}
	vary[0] = "Cookie"
	h["Vary"] = vary[:1:1]
}

// SessionLoad hands the session store the request's load record.
func (st *requestState) SessionLoad() *session.Load { return &st.load }

// throwawayKey marks a request served on a throwaway session: its tokens
// are made lazily, so that such requests spend no token call unless their
// handler calls Wix.
type throwawayKey struct{}

// rewrite marks a session read in an older form as modified, so that this
// request writes it back in the current one (sealed, when keys are set).
func rewrite(sm *scs.SessionManager, ctx context.Context) {
	for _, k := range sm.Keys(ctx) {
		sm.Put(ctx, k, sm.Get(ctx, k))
		return
	}
}

// wrongOrder answers a request whose session the app's LoadAndSave loaded
// before this middleware: loudly, at the first request, rather than save
// sessions unguarded.
func (a *Auth) wrongOrder(w http.ResponseWriter, r *http.Request) {
	a.cfg.Logger.Error("wixauth: the session was loaded before Auth.Middleware ran (the app's LoadAndSave is outside it); put the middleware outside: auth.Middleware(sm.LoadAndSave(mux))")
	http.Error(w, "Server misconfigured: wixauth's middleware must wrap the session manager's LoadAndSave, not the other way round.", http.StatusInternalServerError)
}

// sessionCookie returns the session cookie to load. Only values with the
// shape of an scs token (43 characters of base64url) count: anything else,
// garbage or an oversized value, never reaches the store. When several
// well-formed cookies arrive (one tossed by a sibling subdomain, or a stale
// one for another path), the first that names a live session wins, so that
// a cookie sent before the real one cannot hide it. The reads are bounded
// whatever the number of cookies: the first two and the last two are
// probed (browsers send the oldest cookie of a path first, and a tossed one
// comes before it with a longer path or after it as a newer one), at most
// 4 reads, and the winner's read is the load's (l keeps it). The
// "__Host-" cookie name is what keeps a sibling from sending a live
// session of its own choosing.
func (a *Auth) sessionCookie(r *http.Request, l *session.Load) string {
	var buf [8]string
	all := cookiesNamed(r.Header, a.cfg.Sessions.Cookie.Name, buf[:0])
	switch {
	case len(all) == 0:
		return ""
	case len(all) == 1:
		return all[0]
	case len(all) > 4:
		all = append(all[:2], all[len(all)-2:]...)
	}
	var firstKey string
	var first []byte // what the first cookie's key holds, for its load
	for i, c := range all {
		key, v, ok, err := a.store.Probe(r.Context(), c)
		if err != nil {
			return all[0] // the load reads again, and reports the store's failure
		}
		if ok {
			l.Token, l.Key, l.Probed, l.ProbeVal = c, key, true, v
			return c
		}
		if i == 0 {
			firstKey, first = key, v
		}
	}
	// None is live: the first is loaded (a retired one is served as such),
	// from what its probe read.
	l.Token, l.Key, l.Probed, l.ProbeVal = all[0], firstKey, true, first
	return all[0]
}

// cookiesNamed appends to all the distinct well-formed values of the
// cookies named name in h, as r.CookiesNamed would find them (the same
// splitting, trimming, quote stripping and 3,000-cookie limit of net/http)
// but without allocating: the values are substrings of the header.
// A value that is not well-formed is skipped, which also skips every value
// net/http would refuse (a well-formed value is a valid cookie value).
func cookiesNamed(h http.Header, name string, all []string) []string {
	lines := h["Cookie"]
	if len(lines) == 0 || name == "" {
		return all
	}
	n := 0
	for _, line := range lines {
		n += strings.Count(line, ";") + 1
	}
	if n > maxCookies {
		// net/http's default limit, past which it reads no cookie at
		// all unless GODEBUG=httpcookiemaxnum raises it: let it decide.
		// (A GODEBUG limit below the default is not applied here.)
		for _, c := range (&http.Request{Header: h}).CookiesNamed(name) {
			if wellFormed(c.Value) && !slices.Contains(all, c.Value) {
				all = append(all, c.Value)
			}
		}
		return all
	}
	for _, line := range lines {
		line = textproto.TrimString(line)
		var part string
		for len(line) > 0 {
			part, line, _ = strings.Cut(line, ";")
			part = textproto.TrimString(part)
			k, v, _ := strings.Cut(part, "=")
			if textproto.TrimString(k) != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if wellFormed(v) && !slices.Contains(all, v) {
				all = append(all, v)
			}
		}
	}
	return all
}

// maxCookies is net/http's default limit of cookies per request.
const maxCookies = 3000

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

// saveSession saves a modified session and sets its cookie, unless the
// app's LoadAndSave did already. cookie is the session token the request
// came with.
func (a *Auth) saveSession(w http.ResponseWriter, r *http.Request, cookie string, l *session.Load) error {
	sm := a.cfg.Sessions
	ctx := r.Context()
	switch {
	case l.Committed: // by the app's LoadAndSave, which set the cookie
		if l.Failed != nil {
			return &StoreError{Op: "save", Err: l.Failed}
		}
		if l.Refused {
			dropCookie(w.Header(), sm.Cookie.Name)
			return nil
		}
		// The same cookie rule as below: scs's LoadAndSave re-sends the
		// cookie at every save, and with an idle timeout dates it by that.
		if token := sm.Token(ctx); token != "" && sm.Status(ctx) != scs.Destroyed {
			dropCookie(w.Header(), sm.Cookie.Name)
			if cookie != token {
				sm.WriteSessionCookie(ctx, w, token, sm.Deadline(ctx))
			}
		}
		return nil
	case l.Throwaway:
		return nil
	}
	switch sm.Status(ctx) {
	case scs.Modified:
		token, _, err := sm.Commit(ctx)
		if err != nil {
			return &StoreError{Op: "save", Err: err}
		}
		if l.Refused {
			// Retired while this request ran: the cookie of its successor
			// (set by the login or logout) must stay.
			return nil
		}
		// A cookie the browser has already is never sent again: the
		// response of a request that saved just before a login (or
		// logout) renewed the session may reach the browser after the
		// renewed cookie, and would replace it. So the cookie lasts until
		// the session's absolute deadline, and an idle timeout is enforced
		// by the store's expiry alone.
		if token != cookie {
			sm.WriteSessionCookie(ctx, w, token, sm.Deadline(ctx))
		}
	case scs.Destroyed:
		sm.WriteSessionCookie(ctx, w, "", time.Time{})
	}
	return nil
}

// dropCookie removes the Set-Cookie headers of the named cookie.
func dropCookie(h http.Header, name string) {
	vs := h["Set-Cookie"]
	keep := vs[:0]
	for _, v := range vs {
		if !strings.HasPrefix(v, name+"=") {
			keep = append(keep, v)
		}
	}
	if len(keep) == 0 {
		h.Del("Set-Cookie")
		return
	}
	h["Set-Cookie"] = keep
}

// sessionWriter saves the session just before the response starts, the last
// moment its cookie can still be set.
//
// If the store fails, the handler's response is replaced by the
// ErrorHandler's: telling the browser it succeeded when its session (a
// login, new tokens) was lost would be worse.
type sessionWriter struct {
	http.ResponseWriter
	a      *Auth
	r      *http.Request
	cookie string
	load   *session.Load
	c      *Client // the request's Client, which says whether to save (readyToSave)
	saved  bool    // save ran; what is written from then on passes through
	failed bool    // the store failed: the handler's output is discarded
}

// save saves the session and sets its cookie, once, without writing a
// status. A store that fails gets the ErrorHandler's response instead.
func (sw *sessionWriter) save() {
	if sw.saved {
		return
	}
	sw.saved = true
	oneVary(sw.ResponseWriter.Header())
	if !sw.c.readyToSave() {
		return
	}
	if err := sw.a.saveSession(sw.ResponseWriter, sw.r, sw.cookie, sw.load); err != nil {
		sw.failed = true
		h := sw.ResponseWriter.Header()
		for k := range h {
			delete(h, k)
		}
		sw.a.cfg.ErrorHandler(sw.ResponseWriter, sw.r, err)
	}
}

// oneVary keeps one "Vary: Cookie" where this middleware and the app's
// LoadAndSave (inside it) each added one.
func oneVary(h http.Header) {
	vs := h["Vary"]
	if len(vs) < 2 {
		return
	}
	keep, seen := vs[:0], false
	for _, v := range vs {
		if strings.EqualFold(v, "Cookie") {
			if seen {
				continue
			}
			seen = true
		}
		keep = append(keep, v)
	}
	h["Vary"] = keep
}

func (sw *sessionWriter) WriteHeader(code int) {
	sw.save()
	if !sw.failed {
		sw.ResponseWriter.WriteHeader(code)
	}
}

func (sw *sessionWriter) Write(b []byte) (int, error) {
	sw.save()
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
