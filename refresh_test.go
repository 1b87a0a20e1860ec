package wixauth_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/wixtest"
)

func TestNewVisitorGetsTokensOnce(t *testing.T) {
	h := newHarness(t, nil, nil)
	for i := 0; i < 3; i++ {
		if code, body := h.get("/"); code != 200 || body != "visitor" {
			t.Fatalf("request %d: %d %q", i, code, body)
		}
	}
	if n := h.wix.TokenCalls("anonymous"); n != 1 {
		t.Errorf("anonymous token calls = %d, want 1", n)
	}
	if n := h.store.commits.Load(); n != 1 {
		t.Errorf("store writes = %d, want 1 (only when the tokens were new)", n)
	}
	tok := h.lastSeen()
	if tok.RefreshToken.Role != wixauth.RoleVisitor || tok.AccessToken.Value == "" || tok.ExpiresWithin(time.Now(), 3*time.Hour) {
		t.Errorf("tokens = role %q, expiry %v; want fresh visitor tokens", tok.RefreshToken.Role, tok.Expiry())
	}
}

// The seeds' generateVisitorTokens rule, branch 1: valid tokens are kept
// with no call and no store write.
func TestValidTokensCauseNoCallAndNoWrite(t *testing.T) {
	h := newHarness(t, nil, nil)
	tok := h.memberTokens(time.Now().Add(4 * time.Hour))
	h.seed(tok)
	for i := 0; i < 5; i++ {
		h.get("/")
	}
	if n := h.wix.TokenCalls(""); n != 0 {
		t.Errorf("token calls = %d, want 0", n)
	}
	if w, f := h.store.commits.Load(), h.store.finds.Load(); w != 0 || f != 5 {
		t.Errorf("store: %d writes and %d reads for 5 requests, want 0 and 5", w, f)
	}
	if got := h.lastSeen(); got != tok {
		t.Errorf("tokens changed on a steady-state request")
	}
}

// Branch 2: an expired access token is renewed; the refresh token and its
// role are kept.
func TestExpiredAccessTokenIsRenewed(t *testing.T) {
	h := newHarness(t, nil, nil)
	tok := h.memberTokens(time.Now().Add(-time.Minute))
	h.seed(tok)
	if _, body := h.get("/"); body != "member" {
		t.Fatalf("role = %q, want member", body)
	}
	if n, all := h.wix.TokenCalls("refresh_token"), h.wix.TokenCalls(""); n != 1 || all != 1 {
		t.Errorf("token calls: %d refresh of %d, want 1 of 1", n, all)
	}
	got := h.lastSeen()
	if got.RefreshToken != tok.RefreshToken || got.AccessToken.Value == tok.AccessToken.Value {
		t.Errorf("want a new access token with the same refresh token and role")
	}
	if h.store.commits.Load() != 1 {
		t.Errorf("store writes = %d, want 1", h.store.commits.Load())
	}
	h.get("/")
	if n := h.wix.TokenCalls(""); n != 1 {
		t.Errorf("the renewed token was not kept: %d token calls after a second request", n)
	}
}

// Renewal happens inside the safety margin, before the token expires.
func TestRenewalInsideMargin(t *testing.T) {
	h := newHarness(t, func(c *wixauth.Config) { c.RenewBefore = 10 * time.Minute }, nil)
	h.seed(h.visitorTokens(time.Now().Add(9 * time.Minute)))
	h.get("/")
	if n := h.wix.TokenCalls("refresh_token"); n != 1 {
		t.Fatalf("refresh calls = %d, want 1 inside the margin", n)
	}
	h.seed(h.visitorTokens(time.Now().Add(11 * time.Minute)))
	h.get("/")
	if n := h.wix.TokenCalls(""); n != 0 {
		t.Fatalf("token calls = %d outside the margin, want 0", n)
	}
}

// Branch 3: no tokens, or a refused refresh token, start a new visitor.
func TestRefusedRefreshTokenStartsNewVisitor(t *testing.T) {
	h := newHarness(t, nil, nil)
	tok := h.memberTokens(time.Now().Add(-time.Minute))
	h.seed(tok)
	h.wix.RevokeRefreshToken(tok.RefreshToken.Value)
	if code, body := h.get("/"); code != 200 || body != "visitor" {
		t.Fatalf("got %d %q, want 200 visitor", code, body)
	}
	if r, a := h.wix.TokenCalls("refresh_token"), h.wix.TokenCalls("anonymous"); r != 1 || a != 1 {
		t.Errorf("token calls: %d refresh, %d anonymous; want 1 and 1", r, a)
	}
	if got := h.lastSeen(); got.RefreshToken.Value == tok.RefreshToken.Value {
		t.Error("the refused refresh token was kept")
	}
}

// A transient failure never turns a member into a visitor.
func TestTransientFailureKeepsMember(t *testing.T) {
	for _, f := range []wixtest.Fault{
		{Status: 503},
		{Status: 500},
		{Status: 429, Header: http.Header{"Retry-After": {"7"}}},
		{Status: 200, Body: `{"access_token": "x", "expires_in": 0}`},
		{Status: 200, Body: `<html>oops</html>`},
		{Reset: true},
	} {
		h := newHarness(t, func(c *wixauth.Config) {
			c.TokenTimeout = 2 * time.Second
			c.RetryBackoff = 10 * time.Millisecond
		}, nil)
		tok := h.memberTokens(time.Now().Add(-time.Minute))
		h.seed(tok)
		h.wix.Fail(wixtest.EndpointToken, f)
		resp, err := h.http.Get(h.app.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("fault %+v: status %d, want 503", f, resp.StatusCode)
		}
		if f.Status == 429 && resp.Header.Get("Retry-After") != "7" {
			t.Errorf("Retry-After = %q, want Wix's 7", resp.Header.Get("Retry-After"))
		}
		if n := h.wix.TokenCalls("anonymous"); n != 0 {
			t.Errorf("fault %+v: %d anonymous calls; a member must not become a visitor", f, n)
		}
		if n := h.store.commits.Load(); n != 0 {
			t.Errorf("fault %+v: %d store writes from a failed call", f, n)
		}
		h.wix.ClearFaults()
		time.Sleep(20 * time.Millisecond) // the back-off
		if f.Status == 429 {
			// Wix's Retry-After (7s) outlasts RetryBackoff and is honoured.
			if code, _ := h.get("/"); code != http.StatusServiceUnavailable || h.wix.TokenCalls("") != 1 {
				t.Errorf("429: a token call inside Wix's Retry-After")
			}
			continue
		}
		if _, body := h.get("/"); body != "member" {
			t.Errorf("fault %+v: after recovery role = %q, want member", f, body)
		}
	}
}

// Inside the margin a failed renewal is not fatal: the still valid access
// token serves the request.
func TestFailedRenewalUsesStillValidToken(t *testing.T) {
	h := newHarness(t, nil, nil)
	tok := h.memberTokens(time.Now().Add(2 * time.Minute))
	h.seed(tok)
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: 502})
	if code, body := h.get("/"); code != 200 || body != "member" {
		t.Fatalf("got %d %q, want 200 member", code, body)
	}
	if h.lastSeen() != tok {
		t.Error("tokens changed after a failed renewal")
	}
}

// Twenty parallel requests of one session with an expired token make one
// token call, and all of them get the renewed token.
func TestParallelRenewalsShareOneCall(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Delay: 100 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make(chan string, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, body := h.get("/"); code != 200 || body != "member" {
				errs <- body
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("a parallel request failed: %q", e)
	}
	if n := h.wix.TokenCalls(""); n != 1 {
		t.Errorf("token calls = %d for 20 parallel requests, want 1", n)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.seen[len(h.seen)-20:] {
		if s != h.seen[len(h.seen)-1] {
			t.Fatal("the parallel requests did not all get the same renewed tokens")
		}
	}
}

// A renewal shared by several requests survives the one that started it
// going away.
func TestSharedRenewalIsDetachedFromItsRequest(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Delay: 300 * time.Millisecond})

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	first := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", h.app.URL+"/", nil)
		resp, err := h.http.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		first <- err
	}()
	time.Sleep(20 * time.Millisecond) // the first request starts the renewal
	code, body := h.get("/")
	if code != 200 || body != "member" {
		t.Fatalf("the waiting request got %d %q, want 200 member", code, body)
	}
	if err := <-first; err == nil {
		t.Error("the first request should have been cancelled")
	}
	if n := h.wix.TokenCalls(""); n != 1 {
		t.Errorf("token calls = %d, want 1", n)
	}
}

// Under an outage a session calls Wix once per back-off, not once per
// request, and recovers by itself when Wix answers again.
func TestBackOffAfterFailure(t *testing.T) {
	var mu sync.Mutex
	var events []wixauth.EventKind
	h := newHarness(t, func(c *wixauth.Config) {
		c.RetryBackoff = 300 * time.Millisecond
		c.OnEvent = func(_ context.Context, e wixauth.Event) {
			mu.Lock()
			events = append(events, e.Kind)
			mu.Unlock()
		}
	}, nil)
	h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
	mu.Lock()
	events = nil
	mu.Unlock()
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: 503})
	for i := 0; i < 10; i++ {
		if code, _ := h.get("/"); code != http.StatusServiceUnavailable {
			t.Fatalf("request %d during the outage: %d", i, code)
		}
	}
	if n := h.wix.TokenCalls(""); n != 1 {
		t.Errorf("token calls during one back-off = %d, want 1", n)
	}
	h.wix.ClearFaults()
	time.Sleep(350 * time.Millisecond)
	if code, body := h.get("/"); code != 200 || body != "member" {
		t.Errorf("after the back-off: %d %q, want the member back", code, body)
	}
	if n := h.wix.TokenCalls(""); n != 2 {
		t.Errorf("token calls = %d, want 2", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 || events[0] != wixauth.EventError || events[1] != wixauth.EventRenewal {
		t.Errorf("events = %v, want [error renewal]", events)
	}
}

// New visitors share one back-off: an outage costs one anonymous call per
// back-off for the whole app, whose rate limit is per instance.
func TestNewVisitorsBackOffTogether(t *testing.T) {
	h := newHarness(t, func(c *wixauth.Config) { c.RetryBackoff = time.Minute }, nil)
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: 429, Header: http.Header{"Retry-After": {"1"}}})
	for i := 0; i < 5; i++ {
		resp, err := http.Get(h.app.URL) // no cookie: a new visitor each time
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if n := h.wix.TokenCalls("anonymous"); n != 1 {
		t.Errorf("anonymous calls = %d for 5 new visitors in one back-off, want 1", n)
	}
}
