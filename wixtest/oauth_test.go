package wixtest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func checkPair(t *testing.T, r resp) (access, refresh string) {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	m := r.json(t)
	access, refresh = str(m, "access_token"), str(m, "refresh_token")
	if !strings.HasPrefix(access, "OauthNG.JWS.") || len(access) < 1300 || len(access) > 1500 {
		t.Errorf("access token %d chars, prefix %.12q", len(access), access)
	}
	if !strings.HasPrefix(refresh, "JWS.") || len(refresh) < 200 || len(refresh) > 260 {
		t.Errorf("refresh token %d chars, prefix %.4q", len(refresh), refresh)
	}
	if str(m, "token_type") != "Bearer" || field(m, "expires_in") != float64(14400) {
		t.Errorf("token_type/expires_in: %s", r.Body)
	}
	if r.Header.Get("x-wix-request-id") == "" {
		t.Error("no x-wix-request-id")
	}
	return access, refresh
}

func TestAnonymousGrantEncodings(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	tok := s.URL + "/oauth2/token"
	cases := map[string]resp{
		"json camel": postJSON(t, tok, "", map[string]string{"clientId": s.ClientID, "grantType": "anonymous"}),
		"json snake": postJSON(t, tok, "", map[string]string{"client_id": s.ClientID, "grant_type": "anonymous"}),
		"form snake": postForm(t, tok, url.Values{"client_id": {s.ClientID}, "grant_type": {"anonymous"}}),
		"form camel": postForm(t, tok, url.Values{"clientId": {s.ClientID}, "grantType": {"anonymous"}}),
	}
	seen := map[string]bool{}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			a, _ := checkPair(t, r)
			if id, role, ok := s.IdentityOf(a); !ok || role != "visitor" || seen[id] {
				t.Errorf("identity %q role %q ok %v (each call is a new visitor)", id, role, ok)
			}
			seen[a] = true
		})
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	tok := s.URL + "/oauth2/token"
	expectOAuthError(t, postJSON(t, tok, "", map[string]string{"clientId": "nope", "grantType": "anonymous"}), "invalid_client")
	expectOAuthError(t, postJSON(t, tok, "", map[string]string{"grantType": "anonymous"}), "invalid_request")
	expectOAuthError(t, postJSON(t, tok, "", map[string]string{"clientId": s.ClientID}), "invalid_request")
	expectOAuthError(t, postJSON(t, tok, "", map[string]string{"clientId": s.ClientID, "grantType": "password"}), "unsupported_grant_type")
	expectOAuthError(t, do(t, "POST", tok, http.Header{"Content-Type": {"application/json"}}, "not json"), "invalid_request")
	r := get(t, tok, "")
	expectStatus(t, r, http.StatusMethodNotAllowed)
	if r.Header.Get("Allow") != "POST" {
		t.Errorf("Allow %q", r.Header.Get("Allow"))
	}
}

func TestRefreshGrant(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	tok := s.URL + "/oauth2/token"
	access, refresh := anonymous(t, s)
	visitor, _, _ := s.IdentityOf(access)

	for name, r := range map[string]resp{
		"json camel":              postJSON(t, tok, "", map[string]string{"clientId": s.ClientID, "grantType": "refresh_token", "refreshToken": refresh}),
		"json mixed, no clientId": postJSON(t, tok, "", map[string]string{"grantType": "refresh_token", "refresh_token": refresh}),
		"form snake":              postForm(t, tok, url.Values{"client_id": {s.ClientID}, "grant_type": {"refresh_token"}, "refresh_token": {refresh}}),
	} {
		t.Run(name, func(t *testing.T) {
			a, rt := checkPair(t, r)
			if rt != refresh {
				t.Error("refresh token was rotated")
			}
			if a == access {
				t.Error("same access token")
			}
			if id, role, _ := s.IdentityOf(a); id != visitor || role != "visitor" {
				t.Errorf("identity %q role %q, want the same visitor", id, role)
			}
		})
	}

	expectOAuthError(t, postJSON(t, tok, "", map[string]string{"clientId": "other", "grantType": "refresh_token", "refreshToken": refresh}), "invalid_client")
	expectOAuthError(t, postJSON(t, tok, "", map[string]string{"clientId": s.ClientID, "grantType": "refresh_token", "refreshToken": "JWS.unknown"}), "invalid_grant")
	expectOAuthError(t, postJSON(t, tok, "", map[string]string{"clientId": s.ClientID, "grantType": "refresh_token"}), "invalid_request")

	s.RevokeRefreshToken(refresh)
	expectOAuthError(t, postJSON(t, tok, "", map[string]string{"clientId": s.ClientID, "grantType": "refresh_token", "refreshToken": refresh}), "invalid_grant")
}

func TestRefreshKeepsMemberRole(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	_, refresh := s.IssueMemberTokens(DemoEmail)
	r := postJSON(t, s.URL+"/oauth2/token", "", map[string]string{"clientId": s.ClientID, "grantType": "refresh_token", "refreshToken": refresh})
	a, _ := checkPair(t, r)
	expectStatus(t, get(t, s.URL+"/members/v1/members/my", a), http.StatusOK)
}

func TestRevokeAll(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, refresh := anonymous(t, s)
	s.RevokeAll()
	expectOAuthError(t, postJSON(t, s.URL+"/oauth2/token", "", map[string]string{"grantType": "refresh_token", "refreshToken": refresh}), "invalid_grant")
	expectAppError(t, get(t, s.URL+"/ecom/v1/carts/current", access), http.StatusUnauthorized, "UNAUTHENTICATED")
}

func TestRefreshTokenLifetime(t *testing.T) {
	s := newTestServer(WithRefreshTokenLifetime(time.Hour))
	defer s.Close()
	_, refresh := anonymous(t, s)
	body := map[string]string{"grantType": "refresh_token", "refreshToken": refresh}
	expectStatus(t, postJSON(t, s.URL+"/oauth2/token", "", body), http.StatusOK)
	s.Advance(time.Hour)
	expectOAuthError(t, postJSON(t, s.URL+"/oauth2/token", "", body), "invalid_grant")
}

func TestAccessTokenExpiry(t *testing.T) {
	s := newTestServer(WithAccessTokenLifetime(time.Minute))
	defer s.Close()
	r := postJSON(t, s.URL+"/oauth2/token", "", map[string]string{"clientId": s.ClientID, "grantType": "anonymous"})
	expectStatus(t, r, http.StatusOK)
	if got := field(r.json(t), "expires_in"); got != float64(60) {
		t.Fatalf("expires_in %v", got)
	}
	access := str(r.json(t), "access_token")
	s.Advance(59 * time.Second)
	expectAppError(t, get(t, s.URL+"/ecom/v1/carts/current", access), http.StatusNotFound, "OWNED_CART_NOT_FOUND")
	s.Advance(time.Second)
	expectAppError(t, get(t, s.URL+"/ecom/v1/carts/current", access), http.StatusUnauthorized, "UNAUTHENTICATED")
}

func TestBearerPrefixRejected(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	expectAppError(t, get(t, s.URL+"/ecom/v1/carts/current", "Bearer "+access), http.StatusUnauthorized, "UNAUTHENTICATED")
	expectAppError(t, get(t, s.URL+"/ecom/v1/carts/current", ""), http.StatusUnauthorized, "UNAUTHENTICATED")
}

func TestClockOption(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s := newTestServer(WithClock(func() time.Time { return start }))
	defer s.Close()
	s.Advance(time.Minute)
	if !s.Now().Equal(start.Add(time.Minute)) {
		t.Fatalf("Now %v", s.Now())
	}
	anonymous(t, s)
	if got := s.Requests()[0].Time; !got.Equal(start.Add(time.Minute)) {
		t.Fatalf("logged time %v", got)
	}
}

// memberCode runs the hosted login (auto-login) and returns a fresh code and
// its verifier.
func memberCode(t *testing.T, s *Server, o authOpts) (code, verifier string) {
	t.Helper()
	s.SetAutoLogin(DemoEmail)
	defer s.SetAutoLogin("")
	access, _ := anonymous(t, s)
	full, verifier, state := authSession(t, s, access, o)
	p := callbackParams(t, full)
	if p.Get("state") != state || p.Get("code") == "" {
		t.Fatalf("callback params %v", p)
	}
	return p.Get("code"), verifier
}

func TestAuthorizationCodeGrant(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	tok := s.URL + "/oauth2/token"
	demo, _ := s.MemberByEmail(DemoEmail)

	t.Run("json camel", func(t *testing.T) {
		code, v := memberCode(t, s, authOpts{})
		a, _ := checkPair(t, exchange(t, s, code, v))
		if id, role, _ := s.IdentityOf(a); id != demo.ID || role != "member" {
			t.Errorf("identity %q role %q", id, role)
		}
	})
	t.Run("form snake", func(t *testing.T) {
		code, v := memberCode(t, s, authOpts{})
		checkPair(t, postForm(t, tok, url.Values{"client_id": {s.ClientID}, "grant_type": {"authorization_code"},
			"redirect_uri": {"https://app.example/callback"}, "code": {code}, "code_verifier": {v}}))
	})
	t.Run("json snake", func(t *testing.T) {
		code, v := memberCode(t, s, authOpts{})
		checkPair(t, postJSON(t, tok, "", map[string]string{"client_id": s.ClientID, "grant_type": "authorization_code",
			"redirect_uri": "https://app.example/callback", "code": code, "code_verifier": v}))
	})
	t.Run("reuse", func(t *testing.T) {
		code, v := memberCode(t, s, authOpts{})
		checkPair(t, exchange(t, s, code, v))
		expectOAuthError(t, exchange(t, s, code, v), "invalid_grant")
	})
	t.Run("pkce mismatch", func(t *testing.T) {
		code, _ := memberCode(t, s, authOpts{})
		other, _ := pkce()
		expectOAuthError(t, exchange(t, s, code, other), "invalid_grant")
	})
	t.Run("verifier is the challenge", func(t *testing.T) {
		s.SetAutoLogin(DemoEmail)
		defer s.SetAutoLogin("")
		access, _ := anonymous(t, s)
		o := authOpts{}
		body := authBody(s, &o)
		challenge := body["auth"].(map[string]any)["authRequest"].(map[string]any)["codeChallenge"].(string)
		r := postJSON(t, s.URL+"/redirect-session/v1/redirect-session", access, body)
		expectStatus(t, r, http.StatusOK)
		p := callbackParams(t, str(r.json(t), "redirectSession.fullUrl"))
		expectOAuthError(t, exchange(t, s, p.Get("code"), challenge), "invalid_grant")
	})
	t.Run("short verifier", func(t *testing.T) {
		code, v := memberCode(t, s, authOpts{})
		expectOAuthError(t, exchange(t, s, code, v[:42]), "invalid_grant")
	})
	t.Run("redirect uri mismatch", func(t *testing.T) {
		code, v := memberCode(t, s, authOpts{redirectURI: "https://app.example/other"})
		expectOAuthError(t, exchange(t, s, code, v), "invalid_grant")
	})
	t.Run("unknown client", func(t *testing.T) {
		code, v := memberCode(t, s, authOpts{})
		expectOAuthError(t, postJSON(t, tok, "", map[string]string{"clientId": "x", "grantType": "authorization_code",
			"redirectUri": "https://app.example/callback", "code": code, "codeVerifier": v}), "invalid_client")
	})
	t.Run("missing verifier", func(t *testing.T) {
		code, _ := memberCode(t, s, authOpts{})
		expectOAuthError(t, postJSON(t, tok, "", map[string]string{"clientId": s.ClientID, "grantType": "authorization_code",
			"redirectUri": "https://app.example/callback", "code": code}), "invalid_request")
	})
	t.Run("expired", func(t *testing.T) {
		code, v := memberCode(t, s, authOpts{})
		s.Advance(10 * time.Minute)
		expectOAuthError(t, exchange(t, s, code, v), "invalid_grant")
	})
	t.Run("just in time", func(t *testing.T) {
		code, v := memberCode(t, s, authOpts{})
		s.Advance(10*time.Minute - time.Second)
		checkPair(t, exchange(t, s, code, v))
	})
	t.Run("unknown code", func(t *testing.T) {
		v, _ := pkce()
		expectOAuthError(t, exchange(t, s, "nope", v), "invalid_grant")
	})
}

func TestAuthorizedClientGrant(t *testing.T) {
	s := newTestServer(WithAPIKey("secret-key"))
	defer s.Close()
	tok := s.URL + "/oauth2/token"
	demo, _ := s.MemberByEmail(DemoEmail)
	access, _ := anonymous(t, s)
	body := map[string]string{"grant_type": "authorized_client", "scope": "offline_access", "member_id": demo.ID}

	a, _ := checkPair(t, postJSON(t, tok, access+",secret-key", body))
	if id, role, _ := s.IdentityOf(a); id != demo.ID || role != "member" {
		t.Errorf("identity %q role %q", id, role)
	}
	checkPair(t, postJSON(t, tok, access+",secret-key", map[string]string{"grantType": "authorized_client", "scope": "offline_access", "memberId": demo.ID}))
	form := do(t, "POST", tok, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {access + ",secret-key"}},
		url.Values{"grant_type": {"authorized_client"}, "scope": {"offline_access"}, "member_id": {demo.ID}}.Encode())
	checkPair(t, form)

	expectAppError(t, postJSON(t, tok, access+",wrong", body), http.StatusForbidden, "PERMISSION_DENIED")
	expectAppError(t, postJSON(t, tok, access, body), http.StatusUnauthorized, "UNAUTHENTICATED")
	expectAppError(t, postJSON(t, tok, "", body), http.StatusUnauthorized, "UNAUTHENTICATED")
	expectAppError(t, postJSON(t, tok, "OauthNG.JWS.bogus,secret-key", body), http.StatusUnauthorized, "UNAUTHENTICATED")
	expectOAuthError(t, postJSON(t, tok, access+",secret-key", map[string]string{"grant_type": "authorized_client", "scope": "offline_access", "member_id": "nobody"}), "invalid_request")
	expectOAuthError(t, postJSON(t, tok, access+",secret-key", map[string]string{"grant_type": "authorized_client", "scope": "offline_access", "member_id": newUUID()}), "invalid_grant")
	expectOAuthError(t, postJSON(t, tok, access+",secret-key", map[string]string{"grant_type": "authorized_client", "member_id": demo.ID}), "invalid_request")
	expectOAuthError(t, postJSON(t, tok, access+",secret-key", map[string]string{"grant_type": "authorized_client", "scope": "offline_access"}), "invalid_request")
}

func TestIssueHelpers(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	va, vr := s.IssueVisitorTokens()
	if _, role, ok := s.IdentityOf(va); !ok || role != "visitor" || vr == "" {
		t.Fatal("visitor tokens")
	}
	ma, _ := s.IssueMemberTokens(DemoEmail)
	if _, role, ok := s.IdentityOf(ma); !ok || role != "member" {
		t.Fatal("member tokens")
	}
	defer func() {
		if recover() == nil {
			t.Error("IssueMemberTokens of an unknown member did not panic")
		}
	}()
	s.IssueMemberTokens("nobody@example.com")
}
