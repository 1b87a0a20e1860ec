package wixtest

import (
	"encoding/json"

	"github.com/google/uuid"
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
var intents = []string{"auth", "logout", "login", "ecomCheckout", "bookingsCheckout", "eventsCheckout", "paidPlansCheckout", "storesProduct", "bookingsBook", "ecomOrderPaymentRequest", "membersAccount"}

// guidFields are the intents' fields that Wix types as GUIDs (@format GUID
// in the SDK): the fake refuses anything else there, as Wix's validation
// would.
var guidFields = map[string][]string{
	"bookingsBook":            {"resourceId"},
	"ecomOrderPaymentRequest": {"paymentRequestId"},
	"paidPlansCheckout":       {"planId"},
	"eventsCheckout":          {"reservationId"},
}

// requiredFields are the intents' fields the SDK marks Required.
var requiredFields = map[string][]string{
	"ecomOrderPaymentRequest": {"paymentRequestId"},
	"ecomCheckout":            {"checkoutId"},
	"paidPlansCheckout":       {"planId"},
	"eventsCheckout":          {"reservationId", "eventSlug"},
	"storesProduct":           {"productSlug"},
	"logout":                  {"clientId"},
}

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
	Idp                 string `json:"idp"`
}

type callbacks struct {
	PostFlowURL            string `json:"postFlowUrl"`
	ThankYouPageURL        string `json:"thankYouPageUrl"`
	CartPageURL            string `json:"cartPageUrl"`
	LoginURL               string `json:"loginUrl"`
	BookingsServiceListURL string `json:"bookingsServiceListUrl"`
	PlanListURL            string `json:"planListUrl"`
}

// urls lists the callbacks by their JSON names, for validation.
func (c callbacks) urls() map[string]string {
	return map[string]string{"postFlowUrl": c.PostFlowURL, "thankYouPageUrl": c.ThankYouPageURL, "cartPageUrl": c.CartPageURL,
		"loginUrl": c.LoginURL, "bookingsServiceListUrl": c.BookingsServiceListURL, "planListUrl": c.PlanListURL}
}

// preferences are the redirect session's preferences; unknown fields and
// wrong types are refused.
type preferences struct {
	UseGenericWixPages        *bool             `json:"useGenericWixPages"`
	MaintainIdentity          *bool             `json:"maintainIdentity"`
	AdditionalQueryParameters map[string]string `json:"additionalQueryParameters"`
	CheckIfPublish            *bool             `json:"checkIfPublish"`
}

// maxURLLength is Wix's @maxLength of callback URLs and the origin.
const maxURLLength = 2048

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

// isOrigin accepts scheme://host[:port] with nothing after it.
func isOrigin(o string) bool {
	p, err := url.Parse(o)
	return err == nil && len(o) <= maxURLLength && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" &&
		p.Path == "" && p.RawQuery == "" && p.Fragment == "" && p.User == nil
}

// stringField reads obj[name] as a string; ok is false when it is absent.
func stringField(obj map[string]json.RawMessage, name string) (v string, ok bool) {
	raw, ok := obj[name]
	if !ok {
		return "", false
	}
	_ = json.Unmarshal(raw, &v) // a value of another type reads as ""
	return v, true
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
		if err := decodeStrict(raw, &rs.callbacks); err != nil {
			writeFieldError(w, "callbacks", "must be an object of callback URLs: "+err.Error(), "")
			return
		}
		for field, u := range rs.callbacks.urls() {
			if u != "" && (!absoluteHTTP(u) || len(u) > maxURLLength) {
				writeFieldError(w, "callbacks."+field, "must be an absolute http(s) URL of at most 2048 characters", "")
				return
			}
		}
	}
	var prefs preferences
	if raw, ok := req["preferences"]; ok {
		if err := decodeStrict(raw, &prefs); err != nil {
			writeFieldError(w, "preferences", "must be an object of useGenericWixPages, maintainIdentity, additionalQueryParameters, checkIfPublish: "+err.Error(), "")
			return
		}
	}
	if raw, ok := req["origin"]; ok {
		var origin string
		if json.Unmarshal(raw, &origin) != nil || !isOrigin(origin) {
			writeFieldError(w, "origin", "must be an origin such as https://shop.example, at most 2048 characters", "")
			return
		}
	}
	for k := range req {
		if !slices.Contains(intents, k) && k != "callbacks" && k != "preferences" && k != "origin" {
			writeFieldError(w, k, "is not a field of a redirect session request", "")
			return
		}
	}
	for _, f := range requiredFields[intent] {
		if v, _ := stringField(obj, f); v == "" {
			writeFieldError(w, intent+"."+f, "is required", "")
			return
		}
	}
	for _, f := range guidFields[intent] {
		if v, ok := stringField(obj, f); ok && (len(v) != 36 || uuid.Validate(v) != nil) {
			writeFieldError(w, intent+"."+f, "must be a GUID", "")
			return
		}
	}
	switch intent {
	case "auth":
		if !s.prepareAuth(w, req[intent], rs) {
			return
		}
	case "logout":
		if lo, _ := stringField(obj, "clientId"); lo != s.ClientID {
			writeAppError(w, http.StatusBadRequest, "INVALID_CLIENT_ID", "unknown client id in logout.clientId")
			return
		}
	}

	short := randomB64(6)
	s.mu.Lock()
	s.redirects[rs.id] = rs
	s.shortLinks[short] = rs.id
	s.mu.Unlock()
	base := s.base(r)
	endpoint := base + pagePrefix + rs.id
	params := map[string]string{}
	q := url.Values{}
	for k, v := range prefs.AdditionalQueryParameters {
		params[k] = v
		q.Set(k, v)
	}
	if s.fullURLQuery {
		ref := randomB64(8)
		params[FullURLQueryParam] = ref
		q.Set(FullURLQueryParam, ref)
	}
	full := endpoint
	if len(q) > 0 {
		full += "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, map[string]any{"redirectSession": redirectSessionJSON{
		ID:           rs.id,
		FullURL:      full,
		URLDetails:   urlDetails{Endpoint: endpoint, SearchParams: params},
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
	if a.Prompt == "" {
		a.Prompt = "login" // what Wix does with no prompt, and what the SDK sends for one it has no enum value for
	}
	switch {
	case ar.ClientID == "":
		return field("clientId", "must not be empty")
	case ar.RedirectURI == "" && ar.ResponseMode != "web_message":
		return field("redirectUri", `must not be empty unless responseMode is "web_message"`)
	case ar.RedirectURI != "" && !absoluteHTTP(ar.RedirectURI):
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
	case ar.Idp != "" && uuid.Validate(ar.Idp) != nil:
		return field("idp", "must be the GUID of an identity provider connection")
	case !slices.Contains([]string{"login", "none", "consent", "select_account"}, a.Prompt):
		writeFieldError(w, "auth.prompt", `must be "login", "none", "consent" or "select_account"`, "")
		return false
	}
	if ar.ClientID != s.ClientID {
		writeAppError(w, http.StatusBadRequest, "INVALID_CLIENT_ID", "unknown client id "+ar.ClientID)
		return false
	}
	if ar.RedirectURI != "" && !s.redirectURIAllowed(ar.RedirectURI) {
		writeAppError(w, http.StatusBadRequest, "INVALID_REDIRECT_URI", "redirect URI is not allowed for this OAuth app (add it to the allowed redirect URIs; wixtest: WithRedirectURIs or AllowRedirectURI): "+ar.RedirectURI)
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
