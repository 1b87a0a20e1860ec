package handlers_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/handlers"
	"github.com/wixauth/wixauth/wixtest"
)

// noBudgets lifts every budget, for tests that run more flows than a
// person would.
func noBudgets(c *handlers.Config) {
	off := handlers.Budget{N: -1}
	c.Budgets = handlers.Budgets{ResetPerSession: off, ResetPerAddress: off, FormPerSession: off, FormPerAddress: off, StartsPerSession: off, Global: off}
}

// sendRaw sends req with b's session cookie and no Origin or fetch
// metadata, as a script would, and returns the status, Retry-After and
// body.
func sendRaw(t *testing.T, b *browser, req *http.Request) (int, string, string) {
	t.Helper()
	req.AddCookie(&http.Cookie{Name: cookieName, Value: b.session()})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(body)
}

func resetRequest(e *env, email string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, e.app+"/auth/password-reset", strings.NewReader(url.Values{"email": {email}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// wantTooMany checks a refusal: 429, a Retry-After of whole seconds within
// the window, and a plain message.
func wantTooMany(t *testing.T, what string, status int, retry, body string, window time.Duration) {
	t.Helper()
	secs, err := strconv.Atoi(retry)
	if status != http.StatusTooManyRequests || err != nil || secs < 1 || time.Duration(secs)*time.Second > window+time.Second || !strings.HasPrefix(body, "Too many requests") {
		t.Errorf("%s: %d, Retry-After %q, %q; want 429 with Retry-After within %s and a plain message", what, status, retry, body, window)
	}
}

// One cookie, no Origin header: 100 password resets for 100 addresses ask
// Wix for 5 emails, and 100 hosted login starts create 20 redirect
// sessions; the rest are 429 with Retry-After (issue #20, finding 5). Once
// the window has passed the session may ask again.
func TestBudgetsPerSession(t *testing.T) {
	var e *env
	e = newEnv(t, options{auth: func(c *wixauth.Config) { c.Now = func() time.Time { return e.wix.Now() } }})
	b := e.browser()
	b.get("/")
	var last [3]string
	for i := range 100 {
		status, retry, body := sendRaw(t, b, resetRequest(e, "victim"+strconv.Itoa(i)+"@example.com"))
		if i < 5 && status != http.StatusSeeOther {
			t.Fatalf("reset %d: %d %q, want the usual answer", i, status, body)
		}
		last = [3]string{strconv.Itoa(status), retry, body}
	}
	st, _ := strconv.Atoi(last[0])
	wantTooMany(t, "the 100th reset", st, last[1], last[2], time.Hour)
	if n := e.wix.Count(wixtest.EndpointRecovery); n != 5 {
		t.Errorf("%d password reset emails asked of Wix for 100 requests of one session, want 5", n)
	}
	for i := range 100 {
		req, _ := http.NewRequest(http.MethodGet, e.app+"/auth/login", nil)
		status, retry, body := sendRaw(t, b, req)
		if i == 99 {
			wantTooMany(t, "the 100th login start", status, retry, body, 10*time.Minute)
		}
	}
	if n := e.wix.Count(wixtest.EndpointRedirectSession); n != 20 {
		t.Errorf("%d redirect sessions created for 100 login starts of one session, want 20", n)
	}
	e.wix.Advance(time.Hour)
	if status, _, body := sendRaw(t, b, resetRequest(e, "again@example.com")); status != http.StatusSeeOther {
		t.Errorf("a reset an hour later: %d %q, want it sent", status, body)
	}
}

// Fresh sessions for one address: at most 3 reset emails an hour reach it,
// whoever asks; another address is not affected.
func TestBudgetsPerAddress(t *testing.T) {
	e := newEnv(t, options{auth: func(c *wixauth.Config) { c.NewVisitorsPerMinute = -1 }})
	for i := range 30 {
		b := e.browser()
		b.get("/")
		status, retry, body := sendRaw(t, b, resetRequest(e, " Victim@Example.com"))
		if i == 29 {
			wantTooMany(t, "the 30th reset for one address", status, retry, body, time.Hour)
		}
	}
	if got := e.wix.PasswordResetEmails(); len(got) != 3 {
		t.Errorf("%d reset emails to one address from 30 sessions, want 3", len(got))
	}
	b := e.browser()
	b.get("/")
	if status, _, body := sendRaw(t, b, resetRequest(e, "other@example.com")); status != http.StatusSeeOther {
		t.Errorf("another address: %d %q", status, body)
	}
	// Logins and registrations of one address are bounded the same way.
	for i := range 15 {
		b := e.browser()
		status, res := b.postJSON("/auth/login", map[string]string{"email": wixtest.DemoEmail, "password": "wrong-password"})
		if i == 14 && (status != http.StatusTooManyRequests || res.ErrorCode != string(handlers.ErrorCodeTooManyRequests) || res.Error == "") {
			t.Errorf("the 15th login of one address, as JSON: %d %+v, want 429 tooManyRequests with a message", status, res)
		}
	}
	if n := e.wix.Count(wixtest.EndpointLogin); n != 10 {
		t.Errorf("%d password logins of one address reached Wix from 15 sessions, want 10", n)
	}
}

// The global cap bounds all sessions together, and a member's renewal is
// never counted: with the cap spent, the member is still renewed.
func TestBudgetGlobalKeepsRoomForRenewals(t *testing.T) {
	var e *env
	e = newEnv(t, options{
		auth:     func(c *wixauth.Config) { c.NewVisitorsPerMinute = -1; c.Now = func() time.Time { return e.wix.Now() } },
		handlers: func(c *handlers.Config) { c.Budgets.Global = handlers.Budget{N: 10, Per: time.Minute} },
	})
	m := member(t, e)
	e.wix.Advance(time.Minute) // a window the member's login did not count in
	e.wix.ResetCounters()
	for range 30 {
		b := e.browser()
		b.get("/")
		req, _ := http.NewRequest(http.MethodGet, e.app+"/auth/login", nil)
		sendRaw(t, b, req)
	}
	if n := e.wix.Count(wixtest.EndpointRedirectSession); n != 10 {
		t.Errorf("%d redirect sessions from 30 sessions under a global cap of 10, want 10", n)
	}
	e.wix.Advance(e.wix.AccessTokenLifetime())
	e.wix.ResetCounters()
	if p := m.get("/me"); p.StatusCode != http.StatusOK || p.Body != wixtest.DemoEmail {
		t.Fatalf("the member with the global cap spent: %d %q", p.StatusCode, p.Body)
	}
	if n := e.wix.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("%d renewals, want 1", n)
	}
}
