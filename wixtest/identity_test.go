package wixtest

import (
	"net/http"
	"testing"
)

func loginBodyOf(email, password string, captcha ...map[string]string) map[string]any {
	b := map[string]any{"loginId": map[string]string{"email": email}, "password": password}
	if captcha != nil {
		b["captchaTokens"] = captcha
	}
	return b
}

func TestLoginStatesAndErrors(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	s.AddMember(Member{Email: "verify-me@example.com", Password: "pw", RequireEmailVerification: true})
	s.AddMember(Member{Email: "approve-me@example.com", Password: "pw", RequireOwnerApproval: true})
	s.AddMember(Member{Email: "captcha+x@example.com", Password: "pw"})
	s.AddMember(Member{Email: "locked@example.com", Password: ResetRequiredPassword})
	access, _ := anonymous(t, s)
	u := s.URL + "/_api/iam/authentication/v2/login"

	r := postJSON(t, u, access, loginBodyOf(DemoEmail, DemoPassword))
	expectStatus(t, r, http.StatusOK)
	m := r.json(t)
	demo, _ := s.MemberByEmail(DemoEmail)
	if str(m, "state") != "SUCCESS" || str(m, "sessionToken") == "" || str(m, "identity.id") != demo.ID {
		t.Fatalf("success body %s", r.Body)
	}

	r = postJSON(t, u, access, loginBodyOf("VERIFY-ME@example.com", "pw"))
	expectStatus(t, r, http.StatusOK)
	m = r.json(t)
	if str(m, "state") != "REQUIRE_EMAIL_VERIFICATION" || str(m, "stateToken") == "" || str(m, "sessionToken") != "" {
		t.Fatalf("verification body %s", r.Body)
	}
	if len(s.VerificationCode("verify-me@example.com")) != 6 {
		t.Fatal("no verification code sent")
	}

	r = postJSON(t, u, access, loginBodyOf("approve-me@example.com", "pw"))
	if str(r.json(t), "state") != "REQUIRE_OWNER_APPROVAL" || str(r.json(t), "sessionToken") != "" {
		t.Fatalf("approval body %s", r.Body)
	}
	s.ApproveMember("approve-me@example.com")
	r = postJSON(t, u, access, loginBodyOf("approve-me@example.com", "pw"))
	if str(r.json(t), "state") != "SUCCESS" {
		t.Fatalf("after approval %s", r.Body)
	}

	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"unknown email", loginBodyOf("nobody@example.com", "pw"), 404, "-19999"},
		{"wrong password", loginBodyOf(DemoEmail, "nope"), 403, "-19976"},
		{"reset required (typed)", loginBodyOf(DemoEmail, "reset-required"), 403, "-19973"},
		{"reset required (stored)", loginBodyOf("locked@example.com", "whatever"), 403, "-19973"},
		{"missing captcha", loginBodyOf("captcha+x@example.com", "pw"), 400, "-19971"},
		{"bad captcha", loginBodyOf(DemoEmail, DemoPassword, map[string]string{"Recaptcha": "bad"}), 400, "-19970"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectAppError(t, postJSON(t, u, access, tc.body), tc.status, tc.code)
		})
	}
	r = postJSON(t, u, access, loginBodyOf("captcha+x@example.com", "pw", map[string]string{"InvisibleRecaptcha": "ok"}))
	if str(r.json(t), "state") != "SUCCESS" {
		t.Fatalf("captcha with token %s", r.Body)
	}

	expectAppError(t, postJSON(t, u, "", loginBodyOf(DemoEmail, DemoPassword)), 401, "UNAUTHENTICATED")
	expectAppError(t, do(t, "POST", u, http.Header{"Authorization": {access}}, "<html>"), 400, "INVALID_ARGUMENT")
	expectStatus(t, postJSON(t, u, access, loginBodyOf("", "pw")), 400)
}

func TestRegister(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	u := s.URL + "/_api/iam/authentication/v2/register"
	reg := func(email string) map[string]any {
		b := loginBodyOf(email, "secret")
		b["profile"] = map[string]any{"nickname": "Newbie", "privacyStatus": "PUBLIC"}
		return b
	}

	r := postJSON(t, u, access, reg("new@example.com"))
	expectStatus(t, r, http.StatusOK)
	if m := r.json(t); str(m, "state") != "SUCCESS" || str(m, "sessionToken") == "" {
		t.Fatalf("register %s", r.Body)
	}
	if m, ok := s.MemberByEmail("new@example.com"); !ok || m.Nickname != "Newbie" || m.Password != "secret" {
		t.Fatalf("member %+v", m)
	}

	r = postJSON(t, u, access, reg("new+verify@example.com"))
	if str(r.json(t), "state") != "REQUIRE_EMAIL_VERIFICATION" || str(r.json(t), "stateToken") == "" {
		t.Fatalf("register +verify %s", r.Body)
	}
	r = postJSON(t, u, access, reg("new+approve@example.com"))
	if str(r.json(t), "state") != "REQUIRE_OWNER_APPROVAL" {
		t.Fatalf("register +approve %s", r.Body)
	}

	expectAppError(t, postJSON(t, u, access, reg("NEW@example.com")), 409, "-19995")
	expectAppError(t, postJSON(t, u, access, reg("captcha+new@example.com")), 400, "-19971")

	r = postJSON(t, u, access, reg("not-an-email"))
	expectStatus(t, r, http.StatusBadRequest)
	fv, _ := field(r.json(t), "details.validationError.fieldViolations").([]any)
	if len(fv) != 1 || str(fv[0].(map[string]any), "field") != "loginId.email" || str(fv[0].(map[string]any), "data.type") != "EMAIL" || str(r.json(t), "message") == "" {
		t.Fatalf("invalid email body %s", r.Body)
	}
}

func TestVerify(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	r := postJSON(t, s.URL+"/_api/iam/authentication/v2/register", access, loginBodyOf("v+verify+approve@example.com", "pw"))
	stateToken := str(r.json(t), "stateToken")
	u := s.URL + "/_api/iam/verification/v1/auth/verify"

	expectAppError(t, postJSON(t, u, access, map[string]string{"code": "999999x", "stateToken": stateToken}), 400, "-19965")
	expectAppError(t, postJSON(t, u, access, map[string]string{"code": "123456", "stateToken": "JWS.nope"}), 400, "INVALID_STATE_TOKEN")

	code := s.VerificationCode("v+verify+approve@example.com")
	r = postJSON(t, u, access, map[string]string{"code": code, "stateToken": stateToken})
	expectStatus(t, r, http.StatusOK)
	if str(r.json(t), "state") != "REQUIRE_OWNER_APPROVAL" {
		t.Fatalf("verify then approval %s", r.Body)
	}
	expectAppError(t, postJSON(t, u, access, map[string]string{"code": code, "stateToken": stateToken}), 400, "INVALID_STATE_TOKEN")

	// Verification is remembered: the next login only waits for approval,
	// and after approval it succeeds.
	s.ApproveMember("v+verify+approve@example.com")
	r = postJSON(t, s.URL+"/_api/iam/authentication/v2/login", access, loginBodyOf("v+verify+approve@example.com", "pw"))
	if str(r.json(t), "state") != "SUCCESS" {
		t.Fatalf("login after verify %s", r.Body)
	}

	r = postJSON(t, s.URL+"/_api/iam/authentication/v2/register", access, loginBodyOf("w+verify@example.com", "pw"))
	stateToken = str(r.json(t), "stateToken")
	r = postJSON(t, u, access, map[string]string{"code": s.VerificationCode("w+verify@example.com"), "stateToken": stateToken})
	if m := r.json(t); str(m, "state") != "SUCCESS" || str(m, "sessionToken") == "" {
		t.Fatalf("verify success %s", r.Body)
	}
}

func TestRecovery(t *testing.T) {
	s := newTestServer()
	defer s.Close()
	access, _ := anonymous(t, s)
	u := s.URL + "/_api/iam/recovery/v1/send-email"
	for _, e := range []string{DemoEmail, "stranger@example.com"} {
		r := postJSON(t, u, access, map[string]any{"email": e, "redirect": map[string]string{"url": "https://app.example/", "clientId": s.ClientID}})
		expectStatus(t, r, http.StatusOK)
		if string(r.Body) != "{}" {
			t.Errorf("body %s", r.Body)
		}
	}
	if got := s.PasswordResetEmails(); len(got) != 2 || got[0] != DemoEmail || got[1] != "stranger@example.com" {
		t.Fatalf("reset emails %v", got)
	}
	expectStatus(t, postJSON(t, u, access, map[string]any{"email": "bad"}), 400)
	expectAppError(t, postJSON(t, u, "", map[string]any{"email": DemoEmail}), 401, "UNAUTHENTICATED")
}
