package wixtest

import (
	"github.com/google/uuid"

	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CodeLifetime is how long an authorization code can be exchanged.
const CodeLifetime = 10 * time.Minute

// tokenParams holds the token endpoint's fields whatever the encoding.
type tokenParams map[string]string

// get returns the camelCase field, else its snake_case twin: Wix's gateway
// accepts both.
func (p tokenParams) get(camel, snake string) string {
	if v := p[camel]; v != "" {
		return v
	}
	return p[snake]
}

// parseTokenParams reads a form body or a JSON body, each only under its
// own content type. The SDK always says application/json; a body with no
// content type is refused, the strictest reading of Wix (which documents
// JSON and form bodies, each with its type).
func parseTokenParams(contentType string, body []byte) (tokenParams, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	p := tokenParams{}
	switch mt {
	case "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("malformed form body: %w", err)
		}
		for k, v := range q {
			p[k] = v[0]
		}
		return p, nil
	case "application/json":
	default:
		return nil, fmt.Errorf("Content-Type must be application/json or application/x-www-form-urlencoded, not %q", contentType)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %w", err)
	}
	if m == nil {
		return nil, errors.New("body must be a JSON object")
	}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			p[k] = v
		case nil:
		default:
			b, _ := json.Marshal(v)
			p[k] = string(b)
		}
	}
	return p, nil
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, body []byte) {
	p, err := parseTokenParams(r.Header.Get("Content-Type"), body)
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	switch grant := p.get("grantType", "grant_type"); grant {
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
	case "anonymous":
		s.grantAnonymous(w, p)
	case "refresh_token":
		s.grantRefresh(w, p)
	case "authorization_code":
		s.grantCode(w, p)
	case "authorized_client":
		s.grantAuthorizedClient(w, r, p)
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "unsupported grant type "+grant)
	}
}

// checkClient validates a client ID that must be present.
func (s *Server) checkClient(w http.ResponseWriter, id string) bool {
	if id == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "client_id is required")
		return false
	}
	if id != s.ClientID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_client", "unknown client id "+id)
		return false
	}
	return true
}

func (s *Server) grantAnonymous(w http.ResponseWriter, p tokenParams) {
	if !s.checkClient(w, p.get("clientId", "client_id")) {
		return
	}
	now := s.Now()
	s.mu.Lock()
	resp := s.issuePairLocked(newUUID(), roleVisitor, now)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// grantRefresh answers a new access token and the same refresh token: Wix
// does not rotate refresh tokens. The client ID may be left out, as in the
// REST docs' own example.
func (s *Server) grantRefresh(w http.ResponseWriter, p tokenParams) {
	if id := p.get("clientId", "client_id"); id != "" && !s.checkClient(w, id) {
		return
	}
	rt := p.get("refreshToken", "refresh_token")
	if rt == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "refresh_token is required")
		return
	}
	now := s.Now()
	s.mu.Lock()
	t := s.validRefreshLocked(rt, now)
	var resp tokenResponse
	if t != nil {
		resp = s.issueAccessLocked(rt, t.identity, t.role, now)
	}
	s.mu.Unlock()
	if t == nil {
		s.refuseRefresh(w)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) grantCode(w http.ResponseWriter, p tokenParams) {
	code := p.get("code", "code")
	redirectURI := p.get("redirectUri", "redirect_uri")
	verifier := p.get("codeVerifier", "code_verifier")
	clientID := p.get("clientId", "client_id")
	// redirect_uri is required exactly when the authorization request had
	// one (RFC 6749 4.1.3): the SDK's direct login sends it in neither.
	for _, f := range []struct{ name, v string }{{"code", code}, {"code_verifier", verifier}, {"client_id", clientID}} {
		if f.v == "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", f.name+" is required")
			return
		}
	}
	if !s.checkClient(w, clientID) {
		return
	}
	now := s.Now()
	s.mu.Lock()
	c := s.codes[code]
	// Any attempt burns the code (RFC 6749 4.1.2): a leaked code cannot be
	// retried with guessed verifiers.
	delete(s.codes, code)
	var m *Member
	if c != nil {
		m = s.membersByID[c.memberID]
	}
	s.mu.Unlock()

	var problem string
	switch {
	case c == nil:
		problem = "authorization code is invalid or was already used"
	case !now.Before(c.issued.Add(CodeLifetime)):
		problem = "authorization code has expired"
	case c.clientID != clientID:
		problem = "authorization code was issued to another client"
	case c.redirectURI != redirectURI:
		problem = "redirect_uri does not match the one of the authorization request"
	case !validVerifier(verifier):
		problem = "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]"
	case subtle.ConstantTimeCompare([]byte(pkceChallenge(verifier)), []byte(c.challenge)) != 1:
		problem = "code_verifier does not match the code_challenge (PKCE S256)"
	case m == nil:
		problem = "the member no longer exists"
	}
	if problem != "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", problem)
		return
	}
	s.mu.Lock()
	resp := s.issuePairLocked(m.ID, roleMember, now)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// grantAuthorizedClient is the external-login grant: the caller proves itself
// with a current access token and the site's API key, and names the member.
func (s *Server) grantAuthorizedClient(w http.ResponseWriter, r *http.Request, p tokenParams) {
	if !s.authenticateAPIKey(w, r) {
		return
	}
	memberID := p.get("memberId", "member_id")
	session := p.get("sessionToken", "session_token")
	scope := p.get("scope", "scope")
	switch {
	case memberID == "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "member_id is required")
		return
	case uuid.Validate(memberID) != nil || len(memberID) != 36:
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "member_id must be a member's GUID")
		return
	case session == "" && scope == "":
		// The SDK's sign-on variant sends a session token and no scope.
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "scope is required")
		return
	case scope != "" && scope != "offline_access":
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "scope must be offline_access, not "+scope)
		return
	}
	now := s.Now()
	s.mu.Lock()
	m := s.membersByID[memberID]
	problem := ""
	switch {
	case m == nil:
		problem = "no member with id " + memberID
	case session != "" && s.useSessionTokenLocked(session, now) != memberID:
		problem = "session_token is invalid, used, expired or not the member's"
	}
	var resp tokenResponse
	switch {
	case problem != "":
	case session != "" && s.signOnNoRefresh:
		resp = s.issueAccessLocked("", m.ID, roleMember, now)
	default:
		resp = s.issuePairLocked(m.ID, roleMember, now)
	}
	s.mu.Unlock()
	if problem != "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", problem)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// authenticateAPIKey checks the "<access token>,<API key>" Authorization
// of the external-login calls and answers the error itself.
func (s *Server) authenticateAPIKey(w http.ResponseWriter, r *http.Request) bool {
	tok, key, ok := strings.Cut(r.Header.Get("Authorization"), ",")
	tok, key = strings.TrimSpace(tok), strings.TrimSpace(key)
	switch {
	case !ok || tok == "" || key == "":
		writeAppError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "this call needs Authorization: <access token>,<API key>")
	case s.lookupAccess(tok) == nil:
		writeAppError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "invalid token")
	case subtle.ConstantTimeCompare([]byte(key), []byte(s.APIKey)) != 1:
		writeAppError(w, http.StatusForbidden, "PERMISSION_DENIED", "invalid API key")
	default:
		return true
	}
	return false
}

// pkceChallenge is the S256 transform of RFC 7636.
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, c := range v {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}
