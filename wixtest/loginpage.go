package wixtest

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// authSnapshot is what answering the callback needs, copied out of the lock.
type authSnapshot struct {
	redirectURI  string
	responseMode string
	state        string
}

func snapshot(rs *redirectSession) authSnapshot {
	return authSnapshot{rs.auth.RedirectURI, rs.auth.ResponseMode, rs.auth.State}
}

// serveAuthPage is the hosted login page: GET shows the form (or answers at
// once for prompt "none" and auto-login), POST checks credentials or the
// emailed code.
func (s *Server) serveAuthPage(w http.ResponseWriter, r *http.Request, body []byte, id string) {
	now := s.Now()
	s.mu.Lock()
	rs := s.redirects[id]
	if rs.done {
		s.mu.Unlock()
		writePage(w, http.StatusBadRequest, page{Title: "Link expired", Message: "This login link was already used."})
		return
	}
	snap := snapshot(rs)
	action := s.baseLocked(r) + pagePrefix + id
	login := page{Kind: "login", Title: "Log In", Action: action, CancelURL: action + "/cancel"}

	formInstead := s.directLoginQuery == QueryShowsLoginForm && snap.responseMode != "web_message"
	if rs.prompt == "none" && r.Method == http.MethodGet {
		// The knobs answer without spending the session, outside the lock.
		s.mu.Unlock()
		if s.hopToFrameOrigin(w, r, snap) || s.answerQueryDirectLogin(w, r, id, snap) {
			return
		}
		s.mu.Lock()
		if rs.done {
			s.mu.Unlock()
			writePage(w, http.StatusBadRequest, page{Title: "Link expired", Message: "This login link was already used."})
			return
		}
	}
	if rs.prompt == "none" && !formInstead {
		params := url.Values{"error": {"login_required"}, "error_description": {"no session token: the member must log in"}, "state": {snap.state}}
		if rs.memberID != "" {
			params = s.completeLocked(rs, rs.memberID, now)
		}
		rs.done = true
		s.mu.Unlock()
		s.toCallback(w, r, snap, params)
		return
	}

	if r.Method == http.MethodGet {
		if s.autoLogin != "" {
			m := s.members[strings.ToLower(s.autoLogin)]
			if m == nil {
				m = s.addMemberLocked(Member{Email: s.autoLogin, Password: DemoPassword})
			}
			params := s.completeLocked(rs, m.ID, now)
			s.mu.Unlock()
			s.toCallback(w, r, snap, params)
			return
		}
		s.mu.Unlock()
		writePage(w, http.StatusOK, login)
		return
	}

	form, err := url.ParseQuery(string(body))
	if err != nil {
		s.mu.Unlock()
		login.Error = "Malformed form."
		writePage(w, http.StatusBadRequest, login)
		return
	}
	var m *Member
	if form.Get("step") == "verify" && rs.pendingMemberID != "" {
		m = s.membersByID[rs.pendingMemberID]
		if m == nil || form.Get("code") != rs.verifyCode {
			email := ""
			if m != nil {
				email = m.Email
			}
			s.mu.Unlock()
			writePage(w, http.StatusOK, page{Kind: "verify", Title: "Verify your email", Email: email, Action: action, CancelURL: action + "/cancel", Error: "Wrong code. Try again."})
			return
		}
		m.RequireEmailVerification = false
		rs.pendingMemberID, rs.verifyCode = "", ""
	} else {
		login.Email = form.Get("email")
		m = s.members[strings.ToLower(login.Email)]
		switch {
		case m == nil || form.Get("password") != m.Password:
			login.Error = "Wrong email or password."
		case m.Password == ResetRequiredPassword:
			login.Error = "You need to reset your password."
		}
		if login.Error != "" {
			s.mu.Unlock()
			writePage(w, http.StatusOK, login)
			return
		}
		if m.RequireEmailVerification {
			rs.pendingMemberID, rs.verifyCode = m.ID, s.sendCodeLocked(m)
			s.mu.Unlock()
			writePage(w, http.StatusOK, page{Kind: "verify", Title: "Verify your email", Email: m.Email, Action: action, CancelURL: action + "/cancel"})
			return
		}
	}
	if m.RequireOwnerApproval {
		s.mu.Unlock()
		writePage(w, http.StatusOK, page{Title: "Pending approval", Message: "Your request to join is waiting for the site owner's approval."})
		return
	}
	params := s.completeLocked(rs, m.ID, now)
	s.mu.Unlock()
	s.toCallback(w, r, snap, params)
}

// serveCancel is the page's Cancel link: back to the app with access_denied.
func (s *Server) serveCancel(w http.ResponseWriter, id string) {
	s.mu.Lock()
	rs := s.redirects[id]
	if rs.done {
		s.mu.Unlock()
		writePage(w, http.StatusBadRequest, page{Title: "Link expired", Message: "This login link was already used."})
		return
	}
	rs.done = true
	snap := snapshot(rs)
	s.mu.Unlock()
	s.toCallback(w, nil, snap, url.Values{
		"error":             {"access_denied"},
		"error_description": {"the member cancelled the login"},
		"state":             {snap.state},
	})
}

// completeLocked ends an auth session with a new authorization code for the
// member and returns the callback parameters.
func (s *Server) completeLocked(rs *redirectSession, memberID string, now time.Time) url.Values {
	code := randomB64(32)
	s.codes[code] = &authCode{
		clientID:    rs.auth.ClientID,
		redirectURI: rs.auth.RedirectURI,
		challenge:   rs.auth.CodeChallenge,
		memberID:    memberID,
		issued:      now,
	}
	rs.done = true
	return url.Values{"code": {code}, "state": {rs.auth.State}, "wixMemberLoggedIn": {"true"}}
}

// toCallback sends the browser back to the app's redirect URI in the
// requested response mode.
func (s *Server) toCallback(w http.ResponseWriter, _ *http.Request, a authSnapshot, params url.Values) {
	u, _ := url.Parse(a.redirectURI) // validated when the session was created
	switch a.responseMode {
	case "fragment":
		u.Fragment = ""
		w.Header().Set("Location", u.String()+"#"+params.Encode())
		w.WriteHeader(http.StatusFound)
	case "web_message":
		data := map[string]string{}
		for k := range params {
			data[k] = params.Get(k)
		}
		// Without a redirect URI (the SDK's direct login sends none) Wix
		// has no origin to aim at that the fake could know: "*", and the
		// listener's check of state is what protects the code.
		origin := "*"
		if a.redirectURI != "" {
			origin = u.Scheme + "://" + u.Host
		}
		writePage(w, http.StatusOK, page{Kind: "web_message", Title: "Signing in", Data: data, Origin: origin})
	default:
		q := u.Query()
		for k, v := range params {
			q[k] = v
		}
		u.RawQuery = q.Encode()
		w.Header().Set("Location", u.String())
		w.WriteHeader(http.StatusFound)
	}
}
