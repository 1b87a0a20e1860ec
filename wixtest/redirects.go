package wixtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Paths of the fake's hosted pages: fullUrl and shortUrl of redirect sessions.
const (
	pagePrefix  = "/_wixtest/redirect/"
	shortPrefix = "/_wixtest/s/"
)

// intents are the redirect session kinds Wix knows; a request names exactly one.
var intents = []string{"auth", "logout", "login", "ecomCheckout", "bookingsCheckout", "eventsCheckout", "paidPlansCheckout", "storesProduct", "membersAccount"}

type redirectSession struct {
	id        string
	intent    string
	details   json.RawMessage // the intent's object, shown on the generic pages
	auth      *authRequest
	prompt    string
	memberID  string // prompt "none": the member of the session token
	callbacks callbacks
	done      bool // auth sessions are single use

	// Hosted login page waiting for an emailed code.
	pendingMemberID string
	verifyCode      string
}

type authRequest struct {
	ClientID            string `json:"clientId"`
	RedirectURI         string `json:"redirectUri"`
	CodeChallenge       string `json:"codeChallenge"`
	CodeChallengeMethod string `json:"codeChallengeMethod"`
	ResponseMode        string `json:"responseMode"`
	ResponseType        string `json:"responseType"`
	Scope               string `json:"scope"`
	State               string `json:"state"`
	SessionToken        string `json:"sessionToken"`
}

type callbacks struct {
	PostFlowURL     string `json:"postFlowUrl"`
	ThankYouPageURL string `json:"thankYouPageUrl"`
	CartPageURL     string `json:"cartPageUrl"`
}

// authCode is an issued authorization code, bound to what the token
// exchange must repeat.
type authCode struct {
	clientID    string
	redirectURI string
	challenge   string
	memberID    string
	issued      time.Time
}

type redirectSessionJSON struct {
	ID           string     `json:"id"`
	FullURL      string     `json:"fullUrl"`
	URLDetails   urlDetails `json:"urlDetails"`
	SessionToken string     `json:"sessionToken"`
	ShortURL     string     `json:"shortUrl"`
}

type urlDetails struct {
	Endpoint     string            `json:"endpoint"`
	SearchParams map[string]string `json:"searchParams"`
}

func absoluteHTTP(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

func (s *Server) handleRedirectSession(w http.ResponseWriter, r *http.Request, body []byte) {
	if s.authenticate(w, r) == nil {
		return
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		writeBadJSON(w, err)
		return
	}
	var found []string
	for _, k := range intents {
		if v, ok := req[k]; ok && string(v) != "null" {
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		writeAppError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "exactly one intent is required (auth, logout, login, ecomCheckout, ...)")
		return
	}
	intent := found[0]
	var obj map[string]json.RawMessage
	if json.Unmarshal(req[intent], &obj) != nil {
		writeFieldError(w, intent, "must be an object", "")
		return
	}
	rs := &redirectSession{id: newUUID(), intent: intent, details: req[intent]}
	if raw, ok := req["callbacks"]; ok {
		if err := json.Unmarshal(raw, &rs.callbacks); err != nil {
			writeFieldError(w, "callbacks", "must be an object", "")
			return
		}
		for field, u := range map[string]string{"postFlowUrl": rs.callbacks.PostFlowURL, "thankYouPageUrl": rs.callbacks.ThankYouPageURL, "cartPageUrl": rs.callbacks.CartPageURL} {
			if u != "" && !absoluteHTTP(u) {
				writeFieldError(w, "callbacks."+field, "must be an absolute http(s) URL", "")
				return
			}
		}
	}
	switch intent {
	case "auth":
		if !s.prepareAuth(w, req[intent], rs) {
			return
		}
	case "logout":
		var lo struct {
			ClientID string `json:"clientId"`
		}
		_ = json.Unmarshal(req[intent], &lo)
		if lo.ClientID == "" {
			writeFieldError(w, "logout.clientId", "must not be empty", "")
			return
		}
		if lo.ClientID != s.ClientID {
			writeAppError(w, http.StatusBadRequest, "INVALID_CLIENT_ID", "unknown client id "+lo.ClientID)
			return
		}
	}

	short := randomB64(6)
	s.mu.Lock()
	s.redirects[rs.id] = rs
	s.shortLinks[short] = rs.id
	s.mu.Unlock()
	base := s.base(r)
	full := base + pagePrefix + rs.id
	writeJSON(w, http.StatusOK, map[string]any{"redirectSession": redirectSessionJSON{
		ID:           rs.id,
		FullURL:      full,
		URLDetails:   urlDetails{Endpoint: full, SearchParams: map[string]string{}},
		SessionToken: randomB64(32),
		ShortURL:     base + shortPrefix + short,
	}})
}

// prepareAuth validates an auth intent and, for prompt "none", spends the
// session token now so that a bad one fails the call rather than the page.
func (s *Server) prepareAuth(w http.ResponseWriter, raw json.RawMessage, rs *redirectSession) bool {
	var a struct {
		AuthRequest *authRequest `json:"authRequest"`
		Prompt      string       `json:"prompt"`
	}
	if err := json.Unmarshal(raw, &a); err != nil || a.AuthRequest == nil {
		writeFieldError(w, "auth.authRequest", "must be an object", "")
		return false
	}
	ar := a.AuthRequest
	field := func(name, desc string) bool {
		writeFieldError(w, "auth.authRequest."+name, desc, "")
		return false
	}
	switch {
	case ar.ClientID == "":
		return field("clientId", "must not be empty")
	case !absoluteHTTP(ar.RedirectURI):
		return field("redirectUri", "must be an absolute http(s) URL")
	case ar.ResponseType != "code":
		return field("responseType", `must be "code"`)
	case !slices.Contains([]string{"query", "fragment", "web_message"}, ar.ResponseMode):
		return field("responseMode", `must be "query", "fragment" or "web_message"`)
	case ar.CodeChallengeMethod != "S256":
		return field("codeChallengeMethod", `must be "S256"`)
	case ar.CodeChallenge == "":
		return field("codeChallenge", "must not be empty")
	case ar.State == "":
		return field("state", "must not be empty")
	case ar.Scope != "offline_access":
		return field("scope", `must be "offline_access"`)
	case a.Prompt != "login" && a.Prompt != "none":
		writeFieldError(w, "auth.prompt", `must be "login" or "none"`, "")
		return false
	}
	if ar.ClientID != s.ClientID {
		writeAppError(w, http.StatusBadRequest, "INVALID_CLIENT_ID", "unknown client id "+ar.ClientID)
		return false
	}
	if s.redirectURIs != nil && !s.redirectURIs[ar.RedirectURI] {
		writeAppError(w, http.StatusBadRequest, "INVALID_REDIRECT_URI", "redirect URI is not allowed for this OAuth app: "+ar.RedirectURI)
		return false
	}
	rs.auth, rs.prompt = ar, a.Prompt
	if a.Prompt == "none" && ar.SessionToken != "" {
		now := s.Now()
		s.mu.Lock()
		rs.memberID = s.useSessionTokenLocked(ar.SessionToken, now)
		s.mu.Unlock()
		if rs.memberID == "" {
			writeAppError(w, http.StatusBadRequest, "INVALID_SESSION_TOKEN", "session token is invalid, used or expired")
			return false
		}
	}
	return true
}
