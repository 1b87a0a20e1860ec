package wixtest

import (
	"encoding/json"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// sessionTokenOf logs the demo member in and returns the session token.
func sessionTokenOf(t *testing.T, s *Server, access string) string {
	t.Helper()
	r := postJSON(t, s.URL+"/_api/iam/authentication/v2/login", access, loginBodyOf(DemoEmail, DemoPassword))
	expectStatus(t, r, http.StatusOK)
	return str(r.json(t), "sessionToken")
}

// Each answer of WithDirectLoginQuery, seen by an HTTP client as a browser
// without JavaScript would see it.
func TestKnobDirectLoginQuery(t *testing.T) {
	t.Run("QueryRedirects is the default", func(t *testing.T) {
		s := newTestServer()
		defer s.Close()
		access, _ := anonymous(t, s)
		full, verifier, state := authSession(t, s, access, authOpts{prompt: "none", sessionToken: sessionTokenOf(t, s, access)})
		p := callbackParams(t, full)
		if p.Get("state") != state || p.Get("code") == "" {
			t.Fatalf("params %v", p)
		}
		checkPair(t, exchange(t, s, p.Get("code"), verifier))
	})
	t.Run("QueryNeedsCookie", func(t *testing.T) {
		s := newTestServer(WithDirectLoginQuery(QueryNeedsCookie))
		defer s.Close()
		access, _ := anonymous(t, s)
		// Without a cookie jar: a redirect to itself, then a page, never the callback.
		full, _, _ := authSession(t, s, access, authOpts{prompt: "none", sessionToken: sessionTokenOf(t, s, access)})
		hop := get(t, full, "")
		expectStatus(t, hop, http.StatusFound)
		if hop.Header.Get("Set-Cookie") == "" || strings.Contains(hop.Header.Get("Location"), "app.example") {
			t.Fatalf("first answer %v", hop.Header)
		}
		again := get(t, s.URL+hop.Header.Get("Location"), "")
		expectStatus(t, again, http.StatusBadRequest)
		if !strings.Contains(string(again.Body), "cookies") {
			t.Errorf("no cookie, page %s", again.Body)
		}
		// With a jar: the callback.
		full, verifier, state := authSession(t, s, access, authOpts{prompt: "none", sessionToken: sessionTokenOf(t, s, access)})
		jar, _ := cookiejar.New(nil)
		var last *url.URL
		c := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			if r.URL.Host == "app.example" {
				last = r.URL
				return http.ErrUseLastResponse
			}
			return nil
		}}
		res, err := c.Get(full)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if last == nil || last.Query().Get("state") != state {
			t.Fatalf("with cookies: status %d, callback %v", res.StatusCode, last)
		}
		checkPair(t, exchange(t, s, last.Query().Get("code"), verifier))
	})
	t.Run("QueryShowsLoginForm", func(t *testing.T) {
		s := newTestServer(WithDirectLoginQuery(QueryShowsLoginForm))
		defer s.Close()
		access, _ := anonymous(t, s)
		full, verifier, state := authSession(t, s, access, authOpts{prompt: "none", sessionToken: sessionTokenOf(t, s, access)})
		r := get(t, full, "")
		expectStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `id="wixtest-login"`) {
			t.Fatalf("no login form: %s", r.Body)
		}
		// The member logs in again on Wix's page and comes back.
		r = postForm(t, full, url.Values{"email": {DemoEmail}, "password": {DemoPassword}})
		expectStatus(t, r, http.StatusFound)
		u, _ := url.Parse(r.Header.Get("Location"))
		if u.Query().Get("state") != state {
			t.Fatalf("after the form: %v", u)
		}
		checkPair(t, exchange(t, s, u.Query().Get("code"), verifier))
	})
	t.Run("QueryRefused", func(t *testing.T) {
		s := newTestServer(WithDirectLoginQuery(QueryRefused))
		defer s.Close()
		access, _ := anonymous(t, s)
		full, _, state := authSession(t, s, access, authOpts{prompt: "none", sessionToken: sessionTokenOf(t, s, access)})
		p := callbackParams(t, full)
		if p.Get("error") != "invalid_request" || p.Get("state") != state || p.Has("code") {
			t.Fatalf("params %v", p)
		}
	})
	t.Run("web_message is never affected", func(t *testing.T) {
		for _, q := range []DirectLoginQuery{QueryNeedsCookie, QueryShowsLoginForm, QueryRefused} {
			s := newTestServer(WithDirectLoginQuery(q))
			access, _ := anonymous(t, s)
			full, _, state := authSession(t, s, access, authOpts{prompt: "none", mode: "web_message", noRedirect: true, sessionToken: sessionTokenOf(t, s, access)})
			if msg := webMessage(t, get(t, full, "")); msg["state"] != state || msg["code"] == "" {
				t.Errorf("knob %d: message %v", q, msg)
			}
			s.Close()
		}
	})
}

var postMessageRE = regexp.MustCompile(`postMessage\((.*), (.*)\);`)

// webMessage reads what a web_message page posts to its parent.
func webMessage(t *testing.T, r resp) map[string]string {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	m := postMessageRE.FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no postMessage in %s", r.Body)
	}
	var data map[string]string
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &data); err != nil {
		t.Fatalf("message %s: %v", m[1], err)
	}
	return data
}

// The frame's first page redirects to another origin, which posts the code.
func TestKnobFrameRedirect(t *testing.T) {
	s := newTestServer(WithFrameRedirect())
	defer s.Close()
	if s.FrameURL() == "" || s.FrameURL() == s.URL {
		t.Fatalf("FrameURL %q, URL %q", s.FrameURL(), s.URL)
	}
	access, _ := anonymous(t, s)
	full, verifier, state := authSession(t, s, access, authOpts{prompt: "none", mode: "web_message", noRedirect: true, sessionToken: sessionTokenOf(t, s, access)})
	hop := get(t, full, "")
	expectStatus(t, hop, http.StatusFound)
	to := hop.Header.Get("Location")
	if !strings.HasPrefix(to, s.FrameURL()+pagePrefix) {
		t.Fatalf("hop to %q, want the frame origin %s", to, s.FrameURL())
	}
	msg := webMessage(t, get(t, to, ""))
	if msg["state"] != state {
		t.Fatalf("message %v", msg)
	}
	r := postJSON(t, s.URL+"/oauth2/token", "", map[string]string{"clientId": s.ClientID, "grantType": "authorization_code", "code": msg["code"], "codeVerifier": verifier})
	checkPair(t, r)
	// Full-page modes are not moved.
	full, _, _ = authSession(t, s, access, authOpts{prompt: "none", sessionToken: sessionTokenOf(t, s, access)})
	if p := callbackParams(t, full); p.Get("code") == "" {
		t.Errorf("query mode with the frame knob: %v", p)
	}
}

func TestKnobRefusals(t *testing.T) {
	for _, c := range []struct {
		r      Refusal
		status int
		oauth  string // RFC 6749 error, or
		app    string // Wix's applicationError code
	}{
		{RefuseInvalidGrant, 400, "invalid_grant", ""},
		{RefuseInvalidRefreshToken, 400, "", "INVALID_REFRESH_TOKEN"},
		{RefuseUnauthenticated, 401, "", "UNAUTHENTICATED"},
		{RefusePermissionDenied, 403, "", "PERMISSION_DENIED"},
		{RefuseNotFound, 404, "", "NOT_FOUND"},
	} {
		s := newTestServer(WithRefusal(c.r))
		_, refresh := anonymous(t, s)
		s.RevokeRefreshToken(refresh)
		r := postJSON(t, s.URL+"/oauth2/token", "", map[string]string{"clientId": s.ClientID, "grantType": "refresh_token", "refreshToken": refresh})
		if c.oauth != "" {
			expectOAuthError(t, r, c.oauth)
		} else {
			expectAppError(t, r, c.status, c.app)
		}
		s.Close()
	}
}

func TestKnobSignOnWithoutRefreshToken(t *testing.T) {
	s := newTestServer(WithoutSignOnRefreshToken())
	defer s.Close()
	access, _ := anonymous(t, s)
	key := access + "," + s.APIKey
	m := signOn(t, s, key, map[string]any{"loginId": map[string]any{"email": DemoEmail}}).json(t)
	r := postJSON(t, s.URL+"/oauth2/token", key, map[string]string{"grant_type": "authorized_client", "member_id": str(m, "identity.id"), "session_token": str(m, "sessionToken")})
	expectStatus(t, r, http.StatusOK)
	body := r.json(t)
	if _, has := body["refresh_token"]; has || !strings.HasPrefix(str(body, "access_token"), "OauthNG.JWS.") {
		t.Fatalf("answer %s", r.Body)
	}
	if id, role, ok := s.IdentityOf(str(body, "access_token")); !ok || role != roleMember || id != str(m, "identity.id") {
		t.Errorf("access token of %q %q %v", id, role, ok)
	}
	// The scoped grant still answers a pair.
	checkPair(t, postJSON(t, s.URL+"/oauth2/token", key, map[string]string{"grant_type": "authorized_client", "scope": "offline_access", "member_id": str(m, "identity.id")}))
}

func TestKnobNumbersAsStrings(t *testing.T) {
	s := newTestServer(WithNumbersAsStrings())
	defer s.Close()
	r := postJSON(t, s.URL+"/oauth2/token", "", map[string]string{"clientId": s.ClientID, "grantType": "anonymous"})
	expectStatus(t, r, http.StatusOK)
	m := r.json(t)
	if field(m, "expires_in") != "14400" {
		t.Fatalf("expires_in %#v", field(m, "expires_in"))
	}
	info := postJSON(t, s.URL+"/oauth2/token-info", "", map[string]string{"token": str(m, "access_token")}).json(t)
	exp, _ := info["exp"].(string)
	iat, _ := info["iat"].(string)
	if exp == "" || iat == "" || info["active"] != true {
		t.Fatalf("token-info %v", info)
	}
	// The default: numbers.
	d := newTestServer()
	defer d.Close()
	m = postJSON(t, d.URL+"/oauth2/token", "", map[string]string{"clientId": d.ClientID, "grantType": "anonymous"}).json(t)
	info = postJSON(t, d.URL+"/oauth2/token-info", "", map[string]string{"token": str(m, "access_token")}).json(t)
	if _, ok := info["exp"].(float64); !ok || field(m, "expires_in") != float64(14400) {
		t.Fatalf("default: token %v, info %v", m, info)
	}
}

func TestKnobFullURLQuery(t *testing.T) {
	s := newTestServer(WithFullURLQuery())
	defer s.Close()
	access, _ := anonymous(t, s)
	r := postJSON(t, s.URL+"/_api/redirects-api/v1/redirect-session", access, authBody(s, &authOpts{}))
	expectStatus(t, r, http.StatusOK)
	m := r.json(t)
	full, err := url.Parse(str(m, "redirectSession.fullUrl"))
	if err != nil || full.Query().Get(FullURLQueryParam) == "" || str(m, "redirectSession.urlDetails.searchParams."+FullURLQueryParam) != full.Query().Get(FullURLQueryParam) {
		t.Fatalf("redirect session %s", r.Body)
	}
	// The page still answers, with the query and with more added to it.
	q := full.Query()
	q.Set("extra", "1")
	full.RawQuery = q.Encode()
	if p := get(t, full.String(), ""); p.Status != http.StatusOK || !strings.Contains(string(p.Body), `id="wixtest-login"`) {
		t.Fatalf("page %d %s", p.Status, p.Body)
	}
}
