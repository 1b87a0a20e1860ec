package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/members"
)

// memberKey holds the cached profile of the logged-in member.
const memberKey = "wixauth.member"

// cachedMember is the member's profile with the login it belongs to.
type cachedMember struct {
	// Login identifies the login the profile was fetched for: a hash of
	// its refresh token, which Wix issues anew at every login. A profile of
	// another login (another member, or one logged out since) is never
	// served.
	Login  string          `json:"l"`
	Member *members.Member `json:"m"`
}

// loginID is the hash cachedMember.Login compares: of the refresh token,
// or of the access token of a login Wix granted no refresh token.
func loginID(t wixauth.Tokens) string {
	id := t.RefreshToken.Value
	if id == "" && t.AccessToken.Value != "" {
		id = "a:" + t.AccessToken.Value
	}
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// Member returns the logged-in member of r's session. The callback fetches
// it at login and keeps it in the session (a login by other means fetches
// it on first use), so that showing the member's name on every page costs
// no call to Wix. A visitor gets wixauth.ErrNotMember. A profile is tied to
// its login: logout drops it with the rest of the session, and one cached
// for another login is never returned. Call it inside the middleware,
// before writing the answer: a fetch saves the profile in the session.
func (h *Handlers) Member(r *http.Request) (*members.Member, error) {
	return h.member(r.Context())
}

func (h *Handlers) member(ctx context.Context) (*members.Member, error) {
	c := wixauth.FromContext(ctx)
	if c == nil {
		return nil, wixauth.ErrNoClient
	}
	tok := c.Tokens()
	if !tok.LoggedIn() {
		return nil, wixauth.ErrNotMember
	}
	sm := h.sessions
	id := loginID(tok)
	if b, ok := sm.Get(ctx, memberKey).([]byte); ok {
		var cm cachedMember
		if json.Unmarshal(b, &cm) == nil && cm.Login == id && cm.Member != nil {
			return cm.Member, nil
		}
	}
	m, err := members.Current(ctx, c)
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(cachedMember{Login: id, Member: m})
	sm.Put(ctx, memberKey, b)
	return m, nil
}

// fetchMemberAtLogin puts the new member's profile in the session. A
// failure only costs a fetch on first use: the login stands.
func (h *Handlers) fetchMemberAtLogin(ctx context.Context) {
	if _, err := h.member(ctx); err != nil {
		h.log.Warn("wixauth/handlers: fetching the member's profile at login failed; it will be fetched on first use", slog.Any("error", err))
	}
}

// ForgetMember drops the cached profile of the session, so that the next
// Member fetches it again (after the member changed it, say).
func (h *Handlers) ForgetMember(r *http.Request) {
	h.sessions.Remove(r.Context(), memberKey)
}

// RequireMember lets only logged-in members through to next: a session
// whose member tokens are valid or renewable, checked here whatever the
// mode (with Config.Lazy the middleware has not renewed them), never the
// role the session stores, which outlives a member Wix revoked.
//
// A visitor loading a page is sent to the hosted login with returnTo set
// to the page, and comes back to it after logging in. Everything else gets
// 401 with the login URL as JSON ({"errorCode": "notMember", "login": ...}),
// since a redirect would lose its body or hand a script an HTML page: a
// method other than GET and HEAD, a JSON request (see WantsJSON), and a
// browser's fetch() or XMLHttpRequest, which say so with a Sec-Fetch-Mode
// other than "navigate". A client that sends neither (curl, another
// server, an old browser's script: Accept: */*) is taken for a page load;
// mount APIs behind RequireMemberAPI, which never redirects.
//
// next must run inside the Auth's middleware, as everything behind
// RequireMember does when the app wraps its router in it. Without it every
// visitor would be sent to the login and back in a loop: RequireMember
// answers 500 instead and logs an Error naming the fix.
func (h *Handlers) RequireMember(next http.Handler) http.Handler {
	return h.requireMember(next, false)
}

// RequireMemberAPI is RequireMember for API routes: a visitor always gets
// 401 with the login URL as JSON, never a redirect, whatever the request's
// method or headers (fetch() and curl send Accept: */*).
func (h *Handlers) RequireMemberAPI(next http.Handler) http.Handler {
	return h.requireMember(next, true)
}

func (h *Handlers) requireMember(next http.Handler, api bool) http.Handler {
	name := map[bool]string{false: "RequireMember", true: "RequireMemberAPI"}[api]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := wixauth.FromRequest(r)
		if c == nil {
			h.outsideMiddleware(w, r, name)
			return
		}
		if ok, err := memberTokens(r, c); err != nil {
			h.log.Error("wixauth/handlers: checking the member's tokens failed", slog.Any("error", err))
			w.Header().Set("Retry-After", "5")
			http.Error(w, "Wix cannot be reached to check your login. Please try again in a few seconds.", http.StatusServiceUnavailable)
			return
		} else if ok {
			next.ServeHTTP(w, r)
			return
		}
		returnTo, ok := SafeReturnTo(r.URL.RequestURI(), "")
		if !ok {
			returnTo = h.cfg.DefaultReturnTo
		}
		login := h.cfg.Prefix + "/login?returnTo=" + url.QueryEscape(returnTo)
		w.Header().Set("Cache-Control", "no-store")
		if !api && pageLoad(r) {
			http.Redirect(w, r, login, http.StatusSeeOther)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(struct {
			Error     string `json:"error"`
			ErrorCode string `json:"errorCode"`
			Login     string `json:"login"`
		}{"Log in as a member to use this.", "notMember", login})
	})
}

// pageLoad reports whether r is a browser loading a page, which a redirect
// to the login serves, rather than a script or an API client, which needs
// a status it can act on.
func pageLoad(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if WantsJSON(r) {
		return false
	}
	mode := r.Header.Get("Sec-Fetch-Mode")
	return mode == "" || mode == "navigate"
}

// outsideMiddleware answers a request that reached name (RequireMember)
// without the Auth's middleware: 500 and an Error line naming the fix. A
// redirect to the login would come back here without a session, forever.
func (h *Handlers) outsideMiddleware(w http.ResponseWriter, r *http.Request, name string) {
	h.log.Error("wixauth/handlers: "+name+" ran without the Auth's middleware, so it cannot see any login: "+
		"wrap the router (or this route) in Auth.Middleware, outside "+name+", and check that wixauth.Config.Skip does not skip this path",
		slog.String("method", r.Method), slog.String("path", r.URL.Path))
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "Server misconfiguration: "+name+" runs without the wixauth middleware. "+
		"Wrap the router in Auth.Middleware (see the server log).", http.StatusInternalServerError)
}

// memberTokens reports whether r's session holds member tokens that Wix
// still honours: Ensure renews them when due, and a refused refresh token
// ends the session as a visitor's. An error is a renewal that could not be
// tried (Wix down) with the access token already expired.
func memberTokens(r *http.Request, c *wixauth.Client) (bool, error) {
	if !c.LoggedIn() {
		return false, nil
	}
	if err := c.Ensure(r.Context()); err != nil {
		return false, err
	}
	return c.LoggedIn(), nil
}
