package wixtest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
)

// Knobs: where Wix's behaviour is not known, the fake can answer each way
// Wix might. The default of each is what the official SDK's code and
// typings show (docs/protocol.md names the evidence of every assumption);
// an Option turns on the other answers, so that a test can show what the
// client does under each.

// DirectLoginQuery is how the fake answers a direct login (prompt "none",
// a session token) asked with responseMode "query" or "fragment": the
// full-page variant of getMemberTokensForDirectLogin, which the SDK never
// uses (assumption A1).
type DirectLoginQuery int

// The answers to a full-page direct login.
const (
	// QueryRedirects: a 302 to the redirect URI with code and state. The
	// default: the redirects typings describe a full-page redirect with
	// sessionToken ("When using a full-page redirect instead, you must
	// pass this field explicitly"), though no recorded traffic shows it.
	QueryRedirects DirectLoginQuery = iota
	// QueryNeedsCookie: the first answer sets a cookie and redirects to
	// itself; only a browser that sends the cookie back reaches the
	// redirect URI (without it: a 400 page). Real identity providers often
	// work this way; an HTTP client without a cookie jar fails it.
	QueryNeedsCookie
	// QueryShowsLoginForm: Wix ignores the session token in a full page
	// and shows its login form, as for prompt "login": the member logs in
	// again on Wix's page.
	QueryShowsLoginForm
	// QueryRefused: back to the redirect URI with error=invalid_request:
	// Wix honours prompt "none" only in a frame (web_message).
	QueryRefused
)

// WithDirectLoginQuery sets how a full-page direct login is answered (A1;
// default QueryRedirects).
func WithDirectLoginQuery(q DirectLoginQuery) Option {
	return func(s *Server) { s.directLoginQuery = q }
}

// WithFrameRedirect makes a web_message auth page (the hidden iframe of
// the SDK's direct login) answer with a 302 to the same page on another
// origin, a second listener of the fake, which then posts the message: a
// real Wix login page may hop between its hosts inside the frame (A16).
// The frame's policy must let that through. The second origin starts with
// Start (NewServer) or SetURL: FrameURL is its URL.
func WithFrameRedirect() Option { return func(s *Server) { s.frameRedirect = true } }

// FrameURL is the second origin of WithFrameRedirect ("" without it).
func (s *Server) FrameURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frameURL
}

// Refusal is the shape of the token endpoint's answer to a refresh token
// it will not renew: unknown, revoked or expired (A6).
type Refusal int

// The refusal shapes. The SDK treats any non-200 answer alike (fetchTokens
// throws, generateVisitorTokens starts a new visitor), so none of them is
// more likely by its code; only the first is documented (for a revoked
// session).
const (
	// RefuseInvalidGrant: 400 {"error": "invalid_grant"} (RFC 6749 5.2),
	// the default.
	RefuseInvalidGrant Refusal = iota
	// RefuseInvalidRefreshToken: 400 with Wix's gateway body and
	// applicationError code INVALID_REFRESH_TOKEN.
	RefuseInvalidRefreshToken
	// RefuseUnauthenticated: 401 with Wix's gateway body, code
	// UNAUTHENTICATED.
	RefuseUnauthenticated
	// RefusePermissionDenied: 403 with Wix's gateway body, code
	// PERMISSION_DENIED.
	RefusePermissionDenied
	// RefuseNotFound: 404 with Wix's gateway body, code NOT_FOUND (a
	// session Wix no longer has).
	RefuseNotFound
)

// WithRefusal sets the shape of refresh-token refusals (default
// RefuseInvalidGrant).
func WithRefusal(r Refusal) Option { return func(s *Server) { s.refusal = r } }

// refuseRefresh answers a refresh token that will not be renewed.
func (s *Server) refuseRefresh(w http.ResponseWriter) {
	const desc = "refresh token is invalid, expired or revoked"
	switch s.refusal {
	case RefuseInvalidRefreshToken:
		writeAppError(w, http.StatusBadRequest, "INVALID_REFRESH_TOKEN", desc)
	case RefuseUnauthenticated:
		writeAppError(w, http.StatusUnauthorized, "UNAUTHENTICATED", desc)
	case RefusePermissionDenied:
		writeAppError(w, http.StatusForbidden, "PERMISSION_DENIED", desc)
	case RefuseNotFound:
		writeAppError(w, http.StatusNotFound, "NOT_FOUND", desc)
	default:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", desc)
	}
}

// WithoutSignOnRefreshToken makes the authorized_client grant after a
// sign-on (member_id and session_token, no scope) answer an access token
// and no refresh_token: the redirects typings say of scope "If this field
// is left empty, only an access token is granted", and the SDK keeps
// whatever refresh_token is, even none (A12). The default answers a
// refresh token, as the scoped grant does.
func WithoutSignOnRefreshToken() Option { return func(s *Server) { s.signOnNoRefresh = true } }

// WithNumbersAsStrings makes the token endpoint write expires_in, and
// token-info exp and iat, as JSON strings ("14400"), as Wix's gateway
// writes the 64-bit integers of its protobuf messages. The default is JSON
// numbers, as Wix's docs show expires_in and the SDK's typings type exp
// and iat; the SDK reads expires_in with Number(...), which takes both.
func WithNumbersAsStrings() Option { return func(s *Server) { s.numbersAsStrings = true } }

// number writes n as the fake's knob says.
func (s *Server) number(n int64) any {
	if s.numbersAsStrings {
		return strconv.FormatInt(n, 10)
	}
	return n
}

// WithFullURLQuery makes every redirect session's fullUrl carry a query
// string of Wix's own (urlDetails.searchParams has it too), as the SDK's
// typings allow (urlDetails.searchParams): a client must add to such a URL,
// never build it by appending "?...". The default adds a query only for
// preferences.additionalQueryParameters.
func WithFullURLQuery() Option { return func(s *Server) { s.fullURLQuery = true } }

// FullURLQueryParam is the parameter WithFullURLQuery adds to fullUrl.
const FullURLQueryParam = "wixtestRef"

// startFrameOrigin starts the second listener of WithFrameRedirect, once.
func (s *Server) startFrameOrigin() {
	if !s.frameRedirect || s.frameTS != nil {
		return
	}
	s.frameTS = httptest.NewServer(s.handler)
	s.mu.Lock()
	s.frameURL = s.frameTS.URL
	s.mu.Unlock()
}

// hopToFrameOrigin sends a web_message page request to the second origin
// unless it is there already; it reports whether it answered.
func (s *Server) hopToFrameOrigin(w http.ResponseWriter, r *http.Request, a authSnapshot) bool {
	s.mu.Lock()
	frame := s.frameURL
	s.mu.Unlock()
	if a.responseMode != "web_message" || frame == "" || r == nil {
		return false
	}
	fu, err := url.Parse(frame)
	if err != nil || r.Host == fu.Host {
		return false
	}
	to := *r.URL
	to.Scheme, to.Host = fu.Scheme, fu.Host
	http.Redirect(w, r, to.String(), http.StatusFound)
	return true
}

// directLoginCookie is the cookie of QueryNeedsCookie.
const directLoginCookie = "wixtest-session"

// answerQueryDirectLogin applies WithDirectLoginQuery to a full-page direct
// login; it reports whether it answered (false: redirect as usual).
// Called without s.mu.
func (s *Server) answerQueryDirectLogin(w http.ResponseWriter, r *http.Request, id string, a authSnapshot) bool {
	if a.responseMode == "web_message" || r == nil {
		return false
	}
	switch s.directLoginQuery {
	case QueryNeedsCookie:
		c, err := r.Cookie(directLoginCookie)
		if err == nil && c.Value == id {
			return false
		}
		if r.URL.Query().Get("wixtestHop") != "" {
			writePage(w, http.StatusBadRequest, page{Title: "Cookies needed", Message: "This page needs cookies: the session cookie did not come back."})
			return true
		}
		http.SetCookie(w, &http.Cookie{Name: directLoginCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		to := *r.URL
		q := to.Query()
		q.Set("wixtestHop", "1")
		to.RawQuery = q.Encode()
		http.Redirect(w, r, to.RequestURI(), http.StatusFound)
		return true
	case QueryShowsLoginForm:
		action := s.base(r) + pagePrefix + id
		writePage(w, http.StatusOK, page{Kind: "login", Title: "Log In", Action: action, CancelURL: action + "/cancel"})
		return true
	case QueryRefused:
		s.mu.Lock()
		s.redirects[id].done = true
		s.mu.Unlock()
		s.toCallback(w, r, a, url.Values{
			"error":             {"invalid_request"},
			"error_description": {`prompt "none" needs responseMode "web_message"`},
			"state":             {a.state},
		})
		return true
	}
	return false
}
