package wixtest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
)

// Member is a site member known to the fake.
type Member struct {
	ID       string
	Email    string
	Password string
	Nickname string
	// RequireEmailVerification makes login and register answer
	// REQUIRE_EMAIL_VERIFICATION and "send" a code (see VerificationCode).
	// A successful verification clears it, as on Wix.
	RequireEmailVerification bool
	// RequireOwnerApproval makes login answer REQUIRE_OWNER_APPROVAL until
	// ApproveMember is called.
	RequireOwnerApproval bool
	// Profile is the identity profile as register or sign-on sent it, JSON
	// as received (the SDK's IdentityProfile: names, secondaryEmails,
	// phonesV2, addresses, customFields with list and map values, ...); the
	// identity calls answer it back as identity.identityProfile.
	Profile json.RawMessage
}

// AddMember adds a member, or replaces the one with the same email, and
// returns it with ID (when empty: the replaced member's ID, else a random
// UUID) and Nickname (the email's local part when empty) filled in.
func (s *Server) AddMember(m Member) Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.addMemberLocked(m)
}

func (s *Server) addMemberLocked(m Member) *Member {
	key := strings.ToLower(m.Email)
	old := s.members[key]
	if m.ID == "" && old != nil {
		m.ID = old.ID // keep tokens issued to the member working
	}
	if m.ID == "" {
		m.ID = newUUID()
	}
	if m.Nickname == "" {
		m.Nickname, _, _ = strings.Cut(m.Email, "@")
	}
	if old != nil {
		delete(s.membersByID, old.ID)
	}
	c := m
	s.members[key] = &c
	s.membersByID[m.ID] = &c
	if s.contactIDs[m.ID] == "" {
		s.contactIDs[m.ID] = newUUID()
	}
	return &c
}

// MemberByEmail returns the member with that email (case-insensitive).
func (s *Server) MemberByEmail(email string) (Member, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.members[strings.ToLower(email)]
	if m == nil {
		return Member{}, false
	}
	return *m, true
}

// ApproveMember clears RequireOwnerApproval, as the site owner would; it
// reports whether the member exists.
func (s *Server) ApproveMember(email string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.members[strings.ToLower(email)]
	if m == nil {
		return false
	}
	m.RequireOwnerApproval = false
	return true
}

type memberJSON struct {
	ID             string        `json:"id"`
	LoginEmail     string        `json:"loginEmail"`
	ContactID      string        `json:"contactId"`
	Status         string        `json:"status"`
	PrivacyStatus  string        `json:"privacyStatus"`
	ActivityStatus string        `json:"activityStatus"`
	Profile        memberProfile `json:"profile"`
}

type memberProfile struct {
	Nickname string `json:"nickname"`
	Slug     string `json:"slug"`
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slugOf(nickname string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(nickname), "-"), "-")
}

func (s *Server) handleMembersMy(w http.ResponseWriter, r *http.Request, _ []byte) {
	t := s.authenticate(w, r)
	if t == nil {
		return
	}
	if t.role != roleMember {
		writeAppError(w, http.StatusForbidden, "PERMISSION_DENIED", "the caller is not a member (visitor token)")
		return
	}
	s.mu.Lock()
	m := s.membersByID[t.identity]
	var out memberJSON
	if m != nil {
		status := "APPROVED"
		if m.RequireOwnerApproval {
			status = "PENDING"
		}
		out = memberJSON{
			ID:             m.ID,
			LoginEmail:     m.Email,
			ContactID:      s.contactIDs[m.ID],
			Status:         status,
			PrivacyStatus:  "PUBLIC",
			ActivityStatus: "ACTIVE",
			Profile:        memberProfile{Nickname: m.Nickname, Slug: slugOf(m.Nickname)},
		}
	}
	s.mu.Unlock()
	if m == nil {
		writeAppError(w, http.StatusNotFound, "MEMBER_NOT_FOUND", "member "+t.identity+" not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"member": out})
}

// validEmail is deliberately simple: one @, something before it, a dotted
// domain after it, no spaces.
func validEmail(e string) bool {
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && !strings.ContainsAny(e, " \t\r\n") &&
		!strings.Contains(domain, "@") && strings.Contains(domain, ".") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}
