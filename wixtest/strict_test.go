package wixtest

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// signOn calls sign-on for email and returns the answer.
func signOn(t *testing.T, s *Server, authz string, body map[string]any) resp {
	t.Helper()
	return postJSON(t, s.URL+"/_api/iam/authentication/v2/sign-on", authz, body)
}

func TestSignOnAndSessionGrant(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	key := access + "," + s.APIKey
	demo, _ := s.MemberByEmail(DemoEmail)
	tok := s.URL + "/oauth2/token"

	r := signOn(t, s, key, map[string]any{"loginId": map[string]any{"email": DemoEmail}})
	expectStatus(t, r, http.StatusOK)
	m := r.json(t)
	session := str(m, "sessionToken")
	if str(m, "identity.id") != demo.ID || session == "" {
		t.Fatalf("sign-on answer %s", r.Body)
	}
	grant := map[string]string{"grant_type": "authorized_client", "member_id": demo.ID, "session_token": session}
	// The session token is the member's only: another member's ID is refused, and spends it.
	other := s.AddMember(Member{Email: "other@example.com", Password: "x"})
	r2 := signOn(t, s, key, map[string]any{"loginId": map[string]any{"email": DemoEmail}})
	stolen := map[string]string{"grant_type": "authorized_client", "member_id": other.ID, "session_token": str(r2.json(t), "sessionToken")}
	expectOAuthError(t, postJSON(t, tok, key, stolen), "invalid_grant")
	stolen["member_id"] = demo.ID
	expectOAuthError(t, postJSON(t, tok, key, stolen), "invalid_grant")

	checkPair(t, postJSON(t, tok, key, grant))
	expectOAuthError(t, postJSON(t, tok, key, grant), "invalid_grant") // single use

	// Its refusals.
	body := map[string]any{"loginId": map[string]any{"email": DemoEmail}}
	expectAppError(t, signOn(t, s, access, body), http.StatusUnauthorized, "UNAUTHENTICATED")
	expectAppError(t, signOn(t, s, access+",wrong", body), http.StatusForbidden, "PERMISSION_DENIED")
	expectStatus(t, signOn(t, s, key, map[string]any{"loginId": map[string]any{"email": "nope"}}), http.StatusBadRequest)
	obj := map[string]any{"loginId": map[string]any{"email": "x@example.com"}, "profile": map[string]any{"customFields": map[string]any{"size": 1}}}
	expectStatus(t, signOn(t, s, key, obj), http.StatusBadRequest)
	if _, ok := s.MemberByEmail("x@example.com"); ok {
		t.Errorf("a refused sign-on made a member")
	}

	// A new email makes a member, with its profile.
	r = signOn(t, s, key, map[string]any{"loginId": map[string]any{"email": "new@example.com"},
		"profile": map[string]any{"nickname": "Newbie", "customFields": []any{map[string]any{"name": "size", "value": map[string]any{"numValue": 42}}}}})
	expectStatus(t, r, http.StatusOK)
	if m, ok := s.MemberByEmail("new@example.com"); !ok || m.Nickname != "Newbie" || m.ID != str(r.json(t), "identity.id") {
		t.Errorf("new member %+v", m)
	}
}

func TestTokenInfoEndpoint(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, refresh := anonymous(t, s)
	info := s.URL + "/oauth2/token-info"
	for _, tc := range []struct{ token, typ string }{{access, "VISITOR"}, {refresh, "VISITOR"}} {
		r := postJSON(t, info, "", map[string]string{"token": tc.token})
		expectStatus(t, r, http.StatusOK)
		m := r.json(t)
		if field(m, "active") != true || str(m, "subjectType") != tc.typ || str(m, "clientId") != s.ClientID || str(m, "siteId") != SiteID {
			t.Errorf("token-info %s", r.Body)
		}
	}
	r := postJSON(t, info, "", map[string]string{"token": "OauthNG.JWS.nope"})
	expectStatus(t, r, http.StatusOK)
	if field(r.json(t), "active") != false || len(r.json(t)) != 1 {
		t.Errorf("unknown token: %s", r.Body)
	}
	expectStatus(t, postJSON(t, info, "", map[string]string{}), http.StatusBadRequest)
}

// Stricter than a lenient fake: what the SDK never sends, or what Wix's
// typings forbid, is refused.
func TestStrictRefusals(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)

	// A JSON token request without its content type.
	r := do(t, "POST", s.URL+"/oauth2/token", nil, `{"clientId":"`+s.ClientID+`","grantType":"anonymous"}`)
	expectOAuthError(t, r, "invalid_request")
	if !strings.Contains(str(r.json(t), "error_description"), "Content-Type") {
		t.Errorf("no word of the content type: %s", r.Body)
	}

	// A relative password-reset URL.
	rec := s.URL + "/_api/iam/recovery/v1/send-email"
	expectStatus(t, postJSON(t, rec, access, map[string]any{"email": DemoEmail, "redirect": map[string]string{"url": "/reset", "clientId": s.ClientID}}), http.StatusBadRequest)
	expectStatus(t, postJSON(t, rec, access, map[string]any{"email": DemoEmail, "redirect": map[string]string{"url": "https://app.example/reset", "clientId": s.ClientID}}), http.StatusOK)

	// customFields as an object, or an entry with two values.
	reg := s.URL + "/_api/iam/authentication/v2/register"
	for _, cf := range []any{
		map[string]any{"size": 42},
		[]any{map[string]any{"name": "size", "value": map[string]any{"numValue": 42, "strValue": "42"}}},
		[]any{map[string]any{"value": map[string]any{"numValue": 42}}},
	} {
		r := postJSON(t, reg, access, map[string]any{"loginId": map[string]any{"email": "cf@example.com"}, "password": "pw", "profile": map[string]any{"customFields": cf}})
		expectStatus(t, r, http.StatusBadRequest)
	}
	r = postJSON(t, reg, access, map[string]any{"loginId": map[string]any{"email": "cf@example.com"}, "password": "pw",
		"profile": map[string]any{"customFields": []any{map[string]any{"name": "size", "value": map[string]any{"numValue": 42}}}}})
	expectStatus(t, r, http.StatusOK)
}

func TestRedirectURIAllowList(t *testing.T) {
	s := NewServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	rs := s.URL + "/_api/redirects-api/v1/redirect-session"
	o := authOpts{}
	expectAppError(t, postJSON(t, rs, access, authBody(s, &o)), http.StatusBadRequest, "INVALID_REDIRECT_URI")
	s.AllowRedirectURI("https://app.example/callback")
	expectStatus(t, postJSON(t, rs, access, authBody(s, &o)), http.StatusOK)
	// Exact match: another path, a query or a trailing slash is another URI.
	for _, u := range []string{"https://app.example/callback/", "https://app.example/callback?x=1", "https://app.example/other", "http://app.example/callback"} {
		o := authOpts{redirectURI: u}
		expectAppError(t, postJSON(t, rs, access, authBody(s, &o)), http.StatusBadRequest, "INVALID_REDIRECT_URI")
	}

	loose := NewServer(WithAnyRedirectURI())
	defer loose.Close()
	a2, _ := anonymous(t, loose)
	o = authOpts{redirectURI: "https://anything.example/cb"}
	expectStatus(t, postJSON(t, loose.URL+"/_api/redirects-api/v1/redirect-session", a2, authBody(loose, &o)), http.StatusOK)
}

// What the SDK can send: prompts consent and select_account (and none at
// all, which it sends for them), and the direct login's web_message
// request with no redirectUri, whose code is exchanged with none.
func TestSDKAuthRequests(t *testing.T) {
	s := newTestServer(WithAutoLogin(DemoEmail))
	defer s.Close()
	access, _ := anonymous(t, s)
	rs := s.URL + "/_api/redirects-api/v1/redirect-session"
	for _, p := range []string{"consent", "select_account", "login"} {
		o := authOpts{prompt: p}
		full, v, _ := authSession(t, s, access, o)
		checkPair(t, exchange(t, s, callbackParams(t, full).Get("code"), v))
	}
	o := authOpts{}
	body := authBody(s, &o)
	delete(body["auth"].(map[string]any), "prompt")
	expectStatus(t, postJSON(t, rs, access, body), http.StatusOK)

	// No redirectUri: only with web_message.
	o = authOpts{noRedirect: true}
	r := postJSON(t, rs, access, authBody(s, &o))
	expectStatus(t, r, http.StatusBadRequest)
	o = authOpts{noRedirect: true, mode: "web_message"}
	full, verifier, state := authSession(t, s, access, o)
	page := get(t, full, "")
	expectStatus(t, page, http.StatusOK)
	m := regexp.MustCompile(`"code":"([^"]+)"`).FindSubmatch(page.Body)
	if m == nil || !strings.Contains(string(page.Body), `"state":"`+state+`"`) || !strings.Contains(string(page.Body), `"*"`) {
		t.Fatalf("web_message page: %s", page.Body)
	}
	code := string(m[1])
	tok := s.URL + "/oauth2/token"
	grant := map[string]string{"clientId": s.ClientID, "grantType": "authorization_code", "code": code, "codeVerifier": verifier}
	checkPair(t, postJSON(t, tok, "", grant))

	// With a redirect URI in the request, the exchange must repeat it.
	full, verifier, _ = authSession(t, s, access, authOpts{})
	code = callbackParams(t, full).Get("code")
	grant = map[string]string{"clientId": s.ClientID, "grantType": "authorization_code", "code": code, "codeVerifier": verifier}
	expectOAuthError(t, postJSON(t, tok, "", grant), "invalid_grant")
}

func TestRedirectSessionIntentsAndPreferences(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	rs := s.URL + "/_api/redirects-api/v1/redirect-session"
	guid := "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"
	ok := []map[string]any{
		{"bookingsBook": map[string]any{}},
		{"bookingsBook": map[string]any{"resourceId": guid}},
		{"ecomOrderPaymentRequest": map[string]any{"paymentRequestId": guid}},
		{"login": map[string]any{}, "origin": "https://app.example", "preferences": map[string]any{"useGenericWixPages": false, "maintainIdentity": true, "checkIfPublish": true}},
		{"login": map[string]any{}, "callbacks": map[string]any{"bookingsServiceListUrl": "https://app.example/s", "planListUrl": "https://app.example/p", "loginUrl": "https://app.example/l"}},
	}
	for _, body := range ok {
		expectStatus(t, postJSON(t, rs, access, body), http.StatusOK)
	}
	bad := []map[string]any{
		{"bookingsBook": map[string]any{"resourceId": "r-1"}},
		{"ecomOrderPaymentRequest": map[string]any{}},
		{"ecomOrderPaymentRequest": map[string]any{"paymentRequestId": "pr-1"}},
		{"login": map[string]any{}, "origin": "https://app.example/path"},
		{"login": map[string]any{}, "origin": "app.example"},
		{"login": map[string]any{}, "preferences": map[string]any{"maintainIdentity": "yes"}},
		{"login": map[string]any{}, "preferences": map[string]any{"unknown": true}},
		{"login": map[string]any{}, "callbacks": map[string]any{"planListUrl": "/plans"}},
		{"login": map[string]any{}, "callbacks": map[string]any{"postFlowUrl": "https://app.example/" + strings.Repeat("x", 2048)}},
		{"login": map[string]any{}, "extra": map[string]any{}},
	}
	for _, body := range bad {
		r := postJSON(t, rs, access, body)
		if r.Status != http.StatusBadRequest {
			t.Errorf("%v: %d %s, want 400", body, r.Status, r.Body)
		}
	}
	r := postJSON(t, rs, access, map[string]any{"login": map[string]any{}, "preferences": map[string]any{"additionalQueryParameters": map[string]string{"lang": "fr"}}})
	expectStatus(t, r, http.StatusOK)
	full, _ := url.Parse(str(r.json(t), "redirectSession.fullUrl"))
	if full.Query().Get("lang") != "fr" || str(r.json(t), "redirectSession.urlDetails.searchParams.lang") != "fr" {
		t.Errorf("additionalQueryParameters not in the URL: %s", r.Body)
	}
	expectStatus(t, get(t, full.String(), ""), http.StatusOK)
}
