package wixtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Lifetimes of the custom-login tokens. Wix documents neither; both are
// short on Wix too.
const (
	SessionTokenLifetime = 10 * time.Minute
	StateTokenLifetime   = time.Hour
)

// Magic values of the identity calls (documented in the package doc).
const (
	ResetRequiredPassword = "reset-required"
	CaptchaEmailPrefix    = "captcha+"
	BadCaptchaToken       = "bad"

	CodeUnknownEmail       = "-19999"
	CodeInvalidPassword    = "-19976"
	CodeResetPassword      = "-19973"
	CodeMissingCaptcha     = "-19971"
	CodeInvalidCaptcha     = "-19970"
	CodeEmailAlreadyExists = "-19995"
	CodeWrongVerification  = "-19965"
	CodeInvalidStateToken  = "INVALID_STATE_TOKEN"
)

type sessionToken struct {
	memberID string
	expires  time.Time
}

type stateToken struct {
	memberID string
	code     string
	expires  time.Time
}

type loginBody struct {
	LoginID struct {
		Email string `json:"email"`
	} `json:"loginId"`
	Password      string          `json:"password"`
	Profile       *identityInput  `json:"profile"`
	CaptchaTokens json.RawMessage `json:"captchaTokens"`
}

type identityInput struct {
	FirstName    string          `json:"firstName"`
	LastName     string          `json:"lastName"`
	Nickname     string          `json:"nickname"`
	CustomFields json.RawMessage `json:"customFields"`
	raw          json.RawMessage // the whole profile, kept as the member's
}

// UnmarshalJSON keeps the whole profile besides the fields the fake reads.
func (p *identityInput) UnmarshalJSON(b []byte) error {
	type plain identityInput
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = identityInput(v)
	p.raw = append(json.RawMessage(nil), b...)
	return nil
}

// customValueKinds are the members of Wix's custom value oneof.
var customValueKinds = []string{"strValue", "numValue", "dateValue", "listValue", "mapValue", "boolValue"}

// checkProfile answers a field error for a profile Wix would refuse:
// customFields must be a list (the SDK's typings), not an object, each
// entry with a name and exactly one value.
func checkProfile(w http.ResponseWriter, p *identityInput) bool {
	if p == nil || len(p.CustomFields) == 0 || string(p.CustomFields) == "null" {
		return true
	}
	var list []struct {
		Name  string                     `json:"name"`
		Value map[string]json.RawMessage `json:"value"`
	}
	if json.Unmarshal(p.CustomFields, &list) != nil {
		writeFieldError(w, "profile.customFields", "must be a list of {name, value}", "")
		return false
	}
	for i, f := range list {
		if f.Name == "" || !oneCustomValue(f.Value, 0) {
			writeFieldError(w, fmt.Sprintf("profile.customFields[%d]", i), "needs a name and exactly one of "+strings.Join(customValueKinds, ", "), "")
			return false
		}
	}
	return true
}

// oneCustomValue reports whether v holds exactly one known kind of custom
// value, and the lists' and maps' values likewise (to a sane depth).
func oneCustomValue(v map[string]json.RawMessage, depth int) bool {
	if len(v) != 1 || depth > 8 {
		return false
	}
	for k, raw := range v {
		if !slices.Contains(customValueKinds, k) {
			return false
		}
		switch k {
		case "listValue":
			var l struct {
				Value []map[string]json.RawMessage `json:"value"`
			}
			if json.Unmarshal(raw, &l) != nil {
				return false
			}
			for _, x := range l.Value {
				if !oneCustomValue(x, depth+1) {
					return false
				}
			}
		case "mapValue":
			var m struct {
				Value map[string]map[string]json.RawMessage `json:"value"`
			}
			if json.Unmarshal(raw, &m) != nil {
				return false
			}
			for _, x := range m.Value {
				if !oneCustomValue(x, depth+1) {
					return false
				}
			}
		}
	}
	return true
}

// stateResponse is the answer of login, register and verify.
type stateResponse struct {
	State        string        `json:"state"`
	SessionToken string        `json:"sessionToken,omitempty"`
	StateToken   string        `json:"stateToken,omitempty"`
	Identity     *identityJSON `json:"identity,omitempty"`
}

type identityJSON struct {
	ID    string `json:"id"`
	Email struct {
		Address    string `json:"address"`
		IsVerified bool   `json:"isVerified"`
	} `json:"email"`
	IdentityProfile json.RawMessage `json:"identityProfile,omitempty"`
}

// captchaValues collects every string in captchaTokens, whatever its shape
// (the SDK sends an array of objects).
func captchaValues(raw json.RawMessage) []string {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if v != "" {
				out = append(out, v)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// checkCaptcha applies the captcha magic values and answers the error itself.
func checkCaptcha(w http.ResponseWriter, email string, raw json.RawMessage) bool {
	tokens := captchaValues(raw)
	for _, t := range tokens {
		if t == BadCaptchaToken {
			writeAppError(w, http.StatusBadRequest, CodeInvalidCaptcha, "invalid captcha token")
			return false
		}
	}
	if len(tokens) == 0 && strings.HasPrefix(strings.ToLower(email), CaptchaEmailPrefix) {
		writeAppError(w, http.StatusBadRequest, CodeMissingCaptcha, "missing captcha token")
		return false
	}
	return true
}

// answerStateLocked gives the member's next state after a correct password or
// code: verification first, then owner approval, then success.
func (s *Server) answerStateLocked(m *Member, now time.Time) stateResponse {
	id := &identityJSON{ID: m.ID, IdentityProfile: m.Profile}
	id.Email.Address = m.Email
	id.Email.IsVerified = !m.RequireEmailVerification
	switch {
	case m.RequireEmailVerification:
		st := newJWSLike("JWS.", refreshPayloadBytes)
		code := s.sendCodeLocked(m)
		s.stateTokens[st] = &stateToken{memberID: m.ID, code: code, expires: now.Add(StateTokenLifetime)}
		return stateResponse{State: "REQUIRE_EMAIL_VERIFICATION", StateToken: st, Identity: id}
	case m.RequireOwnerApproval:
		return stateResponse{State: "REQUIRE_OWNER_APPROVAL", Identity: id}
	}
	return stateResponse{State: "SUCCESS", SessionToken: s.newSessionTokenLocked(m.ID, now), Identity: id}
}

// sendCodeLocked "emails" a fresh 6-digit verification code to the member.
func (s *Server) sendCodeLocked(m *Member) string {
	code := randomDigits(6)
	s.lastCodes[strings.ToLower(m.Email)] = code
	return code
}

func (s *Server) newSessionTokenLocked(memberID string, now time.Time) string {
	t := newJWSLike("JWS.", refreshPayloadBytes)
	s.sessionTokens[t] = &sessionToken{memberID: memberID, expires: now.Add(SessionTokenLifetime)}
	return t
}

// useSessionTokenLocked consumes a session token and returns its member ID,
// or "" if it is unknown, used or expired.
func (s *Server) useSessionTokenLocked(t string, now time.Time) string {
	st := s.sessionTokens[t]
	delete(s.sessionTokens, t)
	if st == nil || !now.Before(st.expires) || s.membersByID[st.memberID] == nil {
		return ""
	}
	return st.memberID
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request, body []byte) {
	var b loginBody
	if !s.readAuthenticated(w, r, body, &b) {
		return
	}
	email := b.LoginID.Email
	if email == "" {
		writeFieldError(w, "loginId.email", "must not be empty", "EMAIL")
		return
	}
	if b.Password == "" {
		writeFieldError(w, "password", "must not be empty", "")
		return
	}
	if !checkCaptcha(w, email, b.CaptchaTokens) {
		return
	}
	now := s.Now()
	s.mu.Lock()
	m := s.members[strings.ToLower(email)]
	var resp stateResponse
	code, status, desc := "", 0, ""
	switch {
	case m == nil:
		code, status, desc = CodeUnknownEmail, http.StatusNotFound, "no member with this email"
	case b.Password == ResetRequiredPassword || m.Password == ResetRequiredPassword:
		code, status, desc = CodeResetPassword, http.StatusForbidden, "the member must reset their password"
	case b.Password != m.Password:
		code, status, desc = CodeInvalidPassword, http.StatusForbidden, "wrong password"
	default:
		resp = s.answerStateLocked(m, now)
	}
	s.mu.Unlock()
	if code != "" {
		writeAppError(w, status, code, desc)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request, body []byte) {
	var b loginBody
	if !s.readAuthenticated(w, r, body, &b) {
		return
	}
	email := b.LoginID.Email
	if !validEmail(email) {
		writeFieldError(w, "loginId.email", "must be a valid email address", "EMAIL")
		return
	}
	if b.Password == "" {
		writeFieldError(w, "password", "must not be empty", "")
		return
	}
	if !checkCaptcha(w, email, b.CaptchaTokens) || !checkProfile(w, b.Profile) {
		return
	}
	nickname := ""
	var profile json.RawMessage
	if p := b.Profile; p != nil {
		profile = p.raw
		nickname = p.Nickname
		if nickname == "" {
			nickname = strings.TrimSpace(p.FirstName + " " + p.LastName)
		}
	}
	lower := strings.ToLower(email)
	now := s.Now()
	s.mu.Lock()
	if s.members[lower] != nil {
		s.mu.Unlock()
		writeAppError(w, http.StatusConflict, CodeEmailAlreadyExists, "a member with this email already exists")
		return
	}
	m := s.addMemberLocked(Member{
		Email:                    email,
		Password:                 b.Password,
		Nickname:                 nickname,
		RequireEmailVerification: strings.Contains(lower, "+verify"),
		RequireOwnerApproval:     strings.Contains(lower, "+approve"),
		Profile:                  profile,
	})
	resp := s.answerStateLocked(m, now)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request, body []byte) {
	var b struct {
		Code       string `json:"code"`
		StateToken string `json:"stateToken"`
	}
	if !s.readAuthenticated(w, r, body, &b) {
		return
	}
	if b.Code == "" {
		writeFieldError(w, "code", "must not be empty", "")
		return
	}
	now := s.Now()
	s.mu.Lock()
	st := s.stateTokens[b.StateToken]
	var m *Member
	if st != nil && now.Before(st.expires) {
		m = s.membersByID[st.memberID]
	}
	var resp stateResponse
	wrong := false
	switch {
	case m == nil:
	case b.Code != st.code:
		wrong = true
	default:
		delete(s.stateTokens, b.StateToken)
		m.RequireEmailVerification = false
		resp = s.answerStateLocked(m, now)
	}
	s.mu.Unlock()
	switch {
	case m == nil:
		writeAppError(w, http.StatusBadRequest, CodeInvalidStateToken, "state token is invalid, used or expired")
	case wrong:
		writeAppError(w, http.StatusBadRequest, CodeWrongVerification, "wrong verification code")
	default:
		writeJSON(w, http.StatusOK, resp)
	}
}

func (s *Server) handleRecovery(w http.ResponseWriter, r *http.Request, body []byte) {
	var b struct {
		Email    string `json:"email"`
		Redirect *struct {
			URL      string `json:"url"`
			ClientID string `json:"clientId"`
		} `json:"redirect"`
	}
	if !s.readAuthenticated(w, r, body, &b) {
		return
	}
	if !validEmail(b.Email) {
		writeFieldError(w, "email", "must be a valid email address", "EMAIL")
		return
	}
	if b.Redirect != nil && b.Redirect.URL != "" && !absoluteHTTP(b.Redirect.URL) {
		// Wix would have to send the member to it from its own domain, so
		// a relative URL has no meaning there: refused, the strictest reading.
		writeFieldError(w, "redirect.url", "must be an absolute http(s) URL", "")
		return
	}
	if b.Redirect != nil && b.Redirect.ClientID != "" && b.Redirect.ClientID != s.ClientID {
		writeAppError(w, http.StatusBadRequest, "INVALID_CLIENT_ID", "unknown client id "+b.Redirect.ClientID)
		return
	}
	// Answer 200 for unknown emails as well, so as not to leak who is a member.
	s.mu.Lock()
	s.resetEmails = append(s.resetEmails, b.Email)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct{}{})
}

// VerificationCode returns the last verification code "emailed" to that
// member, or "" if none was.
func (s *Server) VerificationCode(email string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastCodes[strings.ToLower(email)]
}

// PasswordResetEmails returns the addresses to which a password reset email
// was "sent", in order, unknown addresses included.
func (s *Server) PasswordResetEmails() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.resetEmails...)
}

// readAuthenticated checks the caller's access token, as Wix does for the
// identity calls, and decodes the JSON body into v. False means it has
// answered already.
func (s *Server) readAuthenticated(w http.ResponseWriter, r *http.Request, body []byte, v any) bool {
	if s.authenticate(w, r) == nil {
		return false
	}
	if err := decodeJSON(body, v); err != nil {
		writeBadJSON(w, err)
		return false
	}
	return true
}
