package handlers_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// awaitingCode returns a browser whose password login waits for the
// emailed code (landing on /in once verified), and that code.
func awaitingCode(t *testing.T, e *env, email string) (*browser, string) {
	t.Helper()
	pw := "pw-" + email
	e.wix.AddMember(wixtest.Member{Email: email, Password: pw, RequireEmailVerification: true})
	b := e.browser()
	b.post("/auth/login", url.Values{"email": {email}, "password": {pw}, "returnTo": {"/in"}})
	code := e.wix.VerificationCode(email)
	if code == "" {
		t.Fatal("the fake sent no code")
	}
	return b, code
}

// wrongCode returns a code that is not the one the fake emailed.
func wrongCode(right string) string {
	if right == "000000" {
		return "111111"
	}
	return "000000"
}

// Six wrong codes: the first four ask again, the fifth drops the pending
// verification, the sixth finds none; only five reach Wix, and the right
// code no longer works.
func TestVerifyAtMostFiveWrongCodes(t *testing.T) {
	e := newEnv(t, options{})
	b, code := awaitingCode(t, e, "verify-five@example.com")
	want := []string{"wrongCode", "wrongCode", "wrongCode", "wrongCode", "tooManyAttempts", "noVerification"}
	for i, w := range want {
		p := b.post("/auth/verify", url.Values{"code": {wrongCode(code)}})
		if got := p.URL().Query().Get("errorCode"); got != w {
			t.Fatalf("wrong code %d: errorCode %q, want %q (%s)", i+1, got, w, p.URL())
		}
	}
	if n := e.wix.Count(wixtest.EndpointVerify); n != 5 {
		t.Errorf("%d codes reached Wix, want 5", n)
	}
	if p := b.post("/auth/verify", url.Values{"code": {code}}); p.URL().Query().Get("errorCode") != string(handlers.ErrorCodeNoVerification) || b.role() != "visitor" {
		t.Errorf("the right code after the limit: %s as %s, want noVerification as visitor", p.URL(), b.role())
	}
}

// Racing wrong codes of one browser each load the same session: the count
// is taken before Wix sees the code, so no more than five reach it.
func TestVerifyRacingWrongCodes(t *testing.T) {
	e := newEnv(t, options{})
	b, code := awaitingCode(t, e, "verify-race@example.com")
	wrong := wrongCode(code)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := b.formRequest("/auth/verify", url.Values{"code": {wrong}})
			req.Header.Set("Accept", "application/json")
			resp, err := b.Client.Do(req)
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if n := e.wix.Count(wixtest.EndpointVerify); n > 5 {
		t.Errorf("%d racing codes reached Wix, want at most 5", n)
	}
}

// The right code within the limit still logs in.
func TestVerifyRightCodeAfterWrongOnes(t *testing.T) {
	e := newEnv(t, options{})
	b, code := awaitingCode(t, e, "verify-ok@example.com")
	for range 4 {
		b.post("/auth/verify", url.Values{"code": {wrongCode(code)}})
	}
	if p := b.post("/auth/verify", url.Values{"code": {code}}); p.StatusCode != http.StatusOK || p.Body != "member /in" {
		t.Fatalf("the right fifth code: %d %s %q, want member /in", p.StatusCode, p.URL(), p.Body)
	}
}

// Codes Wix could not check (it failed) do not count.
func TestVerifyWixFailuresDoNotCount(t *testing.T) {
	e := newEnv(t, options{})
	b, code := awaitingCode(t, e, "verify-down@example.com")
	e.wix.Fail(wixtest.EndpointVerify, wixtest.Fault{Status: http.StatusServiceUnavailable, Times: 6})
	for range 6 {
		if p := b.post("/auth/verify", url.Values{"code": {code}}); p.URL().Query().Get("errorCode") != string(handlers.ErrorCodeUnavailable) {
			t.Fatalf("with Wix down: %s, want wixUnavailable", p.URL())
		}
	}
	if p := b.post("/auth/verify", url.Values{"code": {code}}); p.Body != "member /in" {
		t.Fatalf("the right code once Wix is back: %s %q, want member /in", p.URL(), p.Body)
	}
}
