package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wixauth/wixauth/wixtest"
)

// A visitor loading a members-only page goes to the hosted login and comes
// back to the page as a member.
func TestRequireMemberRedirectsAndReturns(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	resp := b.rawGet("/members-only?tab=orders")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/auth/login?returnTo="+url.QueryEscape("/members-only?tab=orders") {
		t.Fatalf("visitor: %d to %q, want 303 to the login with returnTo", resp.StatusCode, loc)
	}
	e.wix.SetAutoLogin(wixtest.DemoEmail)
	p := b.get("/members-only?tab=orders")
	if p.StatusCode != http.StatusOK || p.Body != "members only" || p.URL().RequestURI() != "/members-only?tab=orders" {
		t.Fatalf("after login: %d %s %q", p.StatusCode, p.URL(), p.Body)
	}
}

// A JSON request, or a POST, gets 401 with the login URL instead.
func TestRequireMemberJSON401(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	req, _ := http.NewRequest(http.MethodGet, e.app+"/members-only", nil)
	req.Header.Set("Accept", "application/json")
	status, _, body := b.fetch(req)
	var out struct{ ErrorCode, Login string }
	if status != http.StatusUnauthorized || json.Unmarshal([]byte(body), &out) != nil || out.ErrorCode != "notMember" || out.Login != "/auth/login?returnTo=%2Fmembers-only" {
		t.Fatalf("JSON visitor: %d %s", status, body)
	}
	if n := e.wix.Count(wixtest.EndpointRedirectSession); n != 0 {
		t.Errorf("%d redirect sessions for a refused JSON call", n)
	}
}

// The profile is fetched at login and kept in the session; logging out
// drops it, and another member's login never sees the first one's.
func TestMemberProfileCached(t *testing.T) {
	e := newEnv(t, options{})
	b := member(t, e)
	if n := e.wix.Count(wixtest.EndpointMembersMy); n != 1 {
		t.Errorf("%d members/my calls at login, want 1", n)
	}
	e.wix.ResetCounters()
	for range 3 {
		if p := b.get("/profile"); p.Body != wixtest.DemoEmail+" "+wixtest.DemoNickname {
			t.Fatalf("profile: %d %q", p.StatusCode, p.Body)
		}
	}
	if n := e.wix.Count(wixtest.EndpointMembersMy); n != 0 {
		t.Errorf("%d members/my calls for 3 pages, want 0 (fetched at login)", n)
	}
	b.post("/auth/logout", nil)
	if p := b.get("/profile"); p.StatusCode != http.StatusForbidden || !strings.Contains(p.Body, "no logged-in member") {
		t.Errorf("after logout: %d %q, want ErrNotMember", p.StatusCode, p.Body)
	}
	// Another member logs in on the same browser: its own profile.
	e.wix.AddMember(wixtest.Member{Email: "second@example.com", Password: "second-password", Nickname: "Second"})
	if p := b.hostedLogin("/", "second@example.com", "second-password"); p.Body != "member /" {
		t.Fatalf("second login: %q", p.Body)
	}
	if p := b.get("/profile"); p.Body != "second@example.com Second" {
		t.Errorf("second member's profile: %q", p.Body)
	}
	if n := e.wix.Count(wixtest.EndpointMembersMy); n != 1 {
		t.Errorf("%d members/my calls since the first login, want 1 (the second login's)", n)
	}
}

// A visitor has no profile, and costs no call.
func TestMemberOfVisitor(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	if p := b.get("/profile"); p.StatusCode != http.StatusForbidden {
		t.Errorf("visitor profile: %d %q", p.StatusCode, p.Body)
	}
	if n := e.wix.Count(wixtest.EndpointMembersMy); n != 0 {
		t.Errorf("%d members/my calls for a visitor", n)
	}
}

// A failed fetch at login does not fail the login; the profile is then
// fetched on first use.
func TestMemberFetchAtLoginFails(t *testing.T) {
	e := newEnv(t, options{})
	e.wix.Fail(wixtest.EndpointMembersMy, wixtest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	b := member(t, e)
	if p := b.get("/profile"); p.Body != wixtest.DemoEmail+" "+wixtest.DemoNickname {
		t.Fatalf("profile after a failed fetch at login: %d %q", p.StatusCode, p.Body)
	}
	if n := e.wix.Count(wixtest.EndpointMembersMy); n != 2 {
		t.Errorf("%d members/my calls, want 2 (the failed one, then on first use)", n)
	}
}
