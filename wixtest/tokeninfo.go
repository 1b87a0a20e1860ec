package wixtest

import (
	"net/http"
	"strings"
)

// SiteID is the fake's site, in token-info answers.
const SiteID = "5e0f8c4c-6a5b-4c8e-9a3e-2f1d7c9b0a11"

// tokenInfo is the answer of POST /oauth2/token-info, as the SDK types it.
type tokenInfo struct {
	Active      bool   `json:"active"`
	SubjectType string `json:"subjectType,omitempty"`
	SubjectID   string `json:"subjectId,omitempty"`
	Exp         any    `json:"exp,omitempty"` // numbers, or strings with WithNumbersAsStrings
	Iat         any    `json:"iat,omitempty"`
	ClientID    string `json:"clientId,omitempty"`
	SiteID      string `json:"siteId,omitempty"`
}

// handleTokenInfo answers what an access or refresh token is. It needs no
// Authorization, as the SDK calls it. A token the fake does not know, or
// one that expired, answers 200 {"active": false}, as RFC 7662
// introspection does: Wix documents no body for it.
func (s *Server) handleTokenInfo(w http.ResponseWriter, r *http.Request, body []byte) {
	var b struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(body, &b); err != nil {
		writeBadJSON(w, err)
		return
	}
	if b.Token == "" {
		writeFieldError(w, "token", "must not be empty", "")
		return
	}
	now := s.Now()
	info := tokenInfo{}
	s.mu.Lock()
	if t := s.access[b.Token]; t != nil && now.Before(t.expires) {
		info = tokenInfo{Active: true, SubjectID: t.identity, SubjectType: strings.ToUpper(t.role),
			Exp: s.number(t.expires.Unix()), Iat: s.number(t.expires.Add(-s.accessLifetime).Unix())}
	} else if t := s.validRefreshLocked(b.Token, now); t != nil {
		info = tokenInfo{Active: true, SubjectID: t.identity, SubjectType: strings.ToUpper(t.role), Iat: s.number(t.issued.Unix())}
		if s.refreshLifetime > 0 {
			info.Exp = s.number(t.issued.Add(s.refreshLifetime).Unix())
		}
	}
	s.mu.Unlock()
	if info.Active {
		info.ClientID, info.SiteID = s.ClientID, SiteID
	}
	writeJSON(w, http.StatusOK, info)
}
