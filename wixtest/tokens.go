package wixtest

import (
	"net/http"
	"strings"
	"time"
)

// Sizes chosen so that tokens are as long as real ones (about 1,400 and 230
// characters): clients that put them in cookies must cope with that.
const (
	accessPayloadBytes  = 976
	refreshPayloadBytes = 104
)

// Roles, as in the refresh token's role of the SDK.
const (
	roleVisitor = "visitor"
	roleMember  = "member"
)

type accessToken struct {
	identity string
	role     string
	expires  time.Time
}

type refreshToken struct {
	identity string
	role     string
	issued   time.Time
}

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    any    `json:"expires_in"` // a number, or a string with WithNumbersAsStrings
	RefreshToken string `json:"refresh_token,omitempty"`
}

// issuePairLocked mints a new refresh token and a first access token for it.
func (s *Server) issuePairLocked(identity, role string, now time.Time) tokenResponse {
	rt := newJWSLike("JWS.", refreshPayloadBytes)
	s.refresh[rt] = &refreshToken{identity: identity, role: role, issued: now}
	return s.issueAccessLocked(rt, identity, role, now)
}

func (s *Server) issueAccessLocked(rt, identity, role string, now time.Time) tokenResponse {
	at := newJWSLike("OauthNG.JWS.", accessPayloadBytes)
	s.access[at] = &accessToken{identity: identity, role: role, expires: now.Add(s.accessLifetime)}
	return tokenResponse{
		AccessToken:  at,
		TokenType:    "Bearer",
		ExpiresIn:    s.number(int64(s.accessLifetime / time.Second)),
		RefreshToken: rt,
	}
}

// validRefreshLocked looks a refresh token up, honouring the optional lifetime.
func (s *Server) validRefreshLocked(rt string, now time.Time) *refreshToken {
	t := s.refresh[rt]
	if t == nil {
		return nil
	}
	if s.refreshLifetime > 0 && !now.Before(t.issued.Add(s.refreshLifetime)) {
		return nil
	}
	return t
}

// lookupAccess returns the identity behind a raw access token, or nil if it
// is unknown or expired by the fake's clock.
func (s *Server) lookupAccess(raw string) *accessToken {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.access[raw]
	if t == nil || !now.Before(t.expires) {
		return nil
	}
	c := *t
	return &c
}

// authenticate checks the Authorization header of an API call and answers
// 401 itself when it fails. Wix wants the raw token: "Bearer x" is just an
// unknown token, which catches clients that add the prefix.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) *accessToken {
	raw := r.Header.Get("Authorization")
	if raw == "" {
		writeAppError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "missing Authorization header")
		return nil
	}
	t := s.lookupAccess(raw)
	if t == nil {
		desc := "invalid token"
		if strings.HasPrefix(raw, "Bearer ") {
			desc = "invalid token (Wix expects the raw access token, without \"Bearer \")"
		}
		writeAppError(w, http.StatusUnauthorized, "UNAUTHENTICATED", desc)
		return nil
	}
	return t
}

// IssueVisitorTokens mints a visitor token pair directly, as the anonymous
// grant would, for tests that want to seed a session.
func (s *Server) IssueVisitorTokens() (access, refresh string) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.issuePairLocked(newUUID(), roleVisitor, now)
	return p.AccessToken, p.RefreshToken
}

// IssueMemberTokens mints a member token pair for the member with that email.
// It panics if there is no such member (add one with AddMember first).
func (s *Server) IssueMemberTokens(email string) (access, refresh string) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.members[strings.ToLower(email)]
	if m == nil {
		panic("wixtest: IssueMemberTokens: no member with email " + email)
	}
	p := s.issuePairLocked(m.ID, roleMember, now)
	return p.AccessToken, p.RefreshToken
}

// IdentityOf reports the identity (visitor ID or member ID) and role
// ("visitor" or "member") behind an access token, and whether it is valid now.
func (s *Server) IdentityOf(accessToken string) (id, role string, ok bool) {
	t := s.lookupAccess(accessToken)
	if t == nil {
		return "", "", false
	}
	return t.identity, t.role, true
}

// RevokeRefreshToken makes later refresh_token grants with that token fail
// with 400 invalid_grant, as after a revoked session on Wix. Access tokens
// already issued stay valid until they expire, like real signed tokens.
func (s *Server) RevokeRefreshToken(refreshToken string) {
	s.mu.Lock()
	delete(s.refresh, refreshToken)
	s.mu.Unlock()
}

// RevokeAll invalidates every token issued so far: access tokens, refresh
// tokens, unused session tokens and authorization codes.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	clear(s.access)
	clear(s.refresh)
	clear(s.sessionTokens)
	clear(s.codes)
	s.mu.Unlock()
}
