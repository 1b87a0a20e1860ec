package wixtest

import (
	"net/http"
	"strings"
)

// handleSignOn is Wix's sign-on for members authenticated by the app
// itself: with "<access token>,<API key>", it logs in the member with the
// email, or creates it, and answers a session token for the
// authorized_client grant (member_id and session_token), as the SDK's
// getMemberTokensForExternalLoginWithSession() uses it.
func (s *Server) handleSignOn(w http.ResponseWriter, r *http.Request, body []byte) {
	if !s.authenticateAPIKey(w, r) {
		return
	}
	var b struct {
		LoginID struct {
			Email string `json:"email"`
		} `json:"loginId"`
		Profile              *identityInput `json:"profile"`
		VerifyEmail          *bool          `json:"verifyEmail"`
		MergeExistingContact *bool          `json:"mergeExistingContact"`
	}
	if err := decodeJSON(body, &b); err != nil {
		writeBadJSON(w, err)
		return
	}
	email := b.LoginID.Email
	if !validEmail(email) {
		writeFieldError(w, "loginId.email", "must be a valid email address", "EMAIL")
		return
	}
	if !checkProfile(w, b.Profile) {
		return
	}
	now := s.Now()
	s.mu.Lock()
	m := s.members[strings.ToLower(email)]
	if m == nil {
		nm := Member{Email: email, Password: randomB64(24)} // no password anyone knows
		if p := b.Profile; p != nil {
			nm.Nickname = firstNonEmpty(p.Nickname, strings.TrimSpace(p.FirstName+" "+p.LastName))
			nm.Profile = p.raw
		}
		m = s.addMemberLocked(nm)
	} else if p := b.Profile; p != nil {
		m.Profile = p.raw // Wix updates an existing member's profile
		if p.Nickname != "" {
			m.Nickname = p.Nickname
		}
	}
	if b.VerifyEmail != nil && *b.VerifyEmail {
		m.RequireEmailVerification = false
	}
	id := &identityJSON{ID: m.ID, IdentityProfile: m.Profile}
	id.Email.Address = m.Email
	id.Email.IsVerified = !m.RequireEmailVerification
	resp := stateResponse{State: "SUCCESS", SessionToken: s.newSessionTokenLocked(m.ID, now), Identity: id}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
