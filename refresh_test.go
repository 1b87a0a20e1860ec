package wixauth_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/testutil"
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
	if tok.RefreshToken.Role != wixauth.RoleVisitor || tok.AccessToken.Value == "" || tok.Expiry().Before(time.Now().Add(3*time.Hour)) {
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
	refused := 0
	h := newHarness(t, func(c *wixauth.Config) {
		c.RetryBackoff = 300 * time.Millisecond
		c.OnEvent = func(_ context.Context, e wixauth.Event) {
			mu.Lock()
			defer mu.Unlock()
			if e.Kind == wixauth.EventRequestRefused { // one per request, not per token call
				refused++
				return
			}
			events = append(events, e.Kind)
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
	if refused != 10 {
		t.Errorf("requests reported refused = %d, want the 10 answered 503", refused)
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

// frozenClock is a clock that moves only when told, shared by the fake Wix
// and the Auth, so that what counts as "just issued" does not depend on
// how fast a loaded machine runs the test.
type frozenClock struct{ offset atomic.Int64 }

var clockStart = time.Now()

func (c *frozenClock) now() time.Time          { return clockStart.Add(time.Duration(c.offset.Load())) }
func (c *frozenClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// storm sends n parallel requests of the harness's browser and counts the
// answers by status and body.
func (h *harness) storm(n int) map[string]int {
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body := h.get("/")
			mu.Lock()
			got[fmt.Sprint(code, " ", body)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return got
}

// Whatever lifetime Wix gives a token, even one shorter than RenewBefore,
// a storm of requests with an expired token makes one token call and one
// session write, and the token just issued is not renewed again on the
// next request; it is renewed once it has lived past its margin (at most
// half its life).
func TestShortLifetimesRenewOncePerStorm(t *testing.T) {
	for _, lifetime := range []time.Duration{time.Second, time.Minute, 4 * time.Hour} {
		t.Run(lifetime.String(), func(t *testing.T) {
			var clock frozenClock
			h := newHarnessWix(t, []wixtest.Option{wixtest.WithAccessTokenLifetime(lifetime), wixtest.WithClock(clock.now)},
				func(c *wixauth.Config) { c.Now = clock.now }, nil)
			h.get("/") // a visitor, with a token of that lifetime
			h.resetCounts()
			clock.advance(lifetime) // expired, here and at Wix

			if got := h.storm(20); got["200 visitor"] != 20 {
				t.Fatalf("storm: %v, want 20 × 200 visitor", got)
			}
			if n, w := h.wix.TokenCalls(""), h.store.commits.Load(); n != 1 || w != 1 {
				t.Errorf("storm: %d token calls and %d session writes, want 1 and 1", n, w)
			}
			h.get("/")
			if n := h.wix.TokenCalls(""); n != 1 {
				t.Errorf("the next request renewed the token just issued: %d token calls", n)
			}
			margin := min(wixauth.DefaultRenewBefore, lifetime/2)
			clock.advance(lifetime - margin - time.Millisecond)
			h.get("/")
			if n := h.wix.TokenCalls(""); n != 1 {
				t.Errorf("renewed before the margin: %d token calls", n)
			}
			clock.advance(time.Millisecond)
			h.get("/")
			if n := h.wix.TokenCalls(""); n != 2 {
				t.Errorf("not renewed inside the margin: %d token calls, want 2", n)
			}
		})
	}
}

// eventLog collects the events of an Auth.
type eventLog struct {
	mu     sync.Mutex
	events []wixauth.Event
}

func (l *eventLog) add(_ context.Context, e wixauth.Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *eventLog) count(k wixauth.EventKind) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.events {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// A refresh token that Wix refuses (invalid_grant) ends the session at
// once, whatever the HTTP status: one refresh call, then a new visitor.
func TestRefusalByMeaningWhateverTheStatus(t *testing.T) {
	for _, status := range []int{400, 401, 403} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var events eventLog
			h := newHarness(t, func(c *wixauth.Config) { c.OnEvent = events.add }, nil)
			h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
			h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Status: status, Grant: "refresh_token",
				Body: `{"error":"invalid_grant","error_description":"refresh token revoked"}`})
			for i := range 3 {
				if code, body := h.get("/"); code != 200 || body != "visitor" {
					t.Fatalf("request %d: %d %q, want 200 visitor", i, code, body)
				}
			}
			if r, a := h.wix.TokenCalls("refresh_token"), h.wix.TokenCalls("anonymous"); r != 1 || a != 1 {
				t.Errorf("token calls: %d refresh, %d anonymous; want 1 and 1", r, a)
			}
			if n := events.count(wixauth.EventSessionEnded); n != 1 {
				t.Errorf("%d session_ended events, want 1", n)
			}
		})
	}
}

// Answers that are not transient and do not say invalid_grant (a 403 of
// the gateway, another RFC 6749 code) fail the requests for a bounded time
// only: after GiveUpAfter the session ends as a new visitor, logged and
// reported. A transient failure never ends a session, however long.
func TestPermanentFailuresEndTheSessionInBoundedTime(t *testing.T) {
	const giveUp = 300 * time.Millisecond
	for _, c := range []struct {
		name  string
		fault wixtest.Fault
		ends  bool
	}{
		{"403 PERMISSION_DENIED", wixtest.Fault{Status: 403}, true},
		{"400 invalid_request", wixtest.Fault{Status: 400, Body: `{"error":"invalid_request"}`}, true},
		{"401 invalid_client", wixtest.Fault{Status: 401, Body: `{"error":"invalid_client"}`}, true},
		{"503", wixtest.Fault{Status: 503}, false},
		{"429", wixtest.Fault{Status: 429}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var events eventLog
			var logs testutil.LockedBuffer
			h := newHarness(t, func(cfg *wixauth.Config) {
				cfg.GiveUpAfter = giveUp
				cfg.RetryBackoff = 20 * time.Millisecond
				cfg.OnEvent = events.add
				cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			}, nil)
			h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
			f := c.fault
			f.Grant = "refresh_token"
			h.wix.Fail(wixtest.EndpointToken, f)
			start := time.Now()
			var ended time.Duration
			for time.Since(start) < 3*giveUp {
				code, body := h.get("/")
				if code == 200 && body == "visitor" {
					ended = time.Since(start)
					break
				}
				if code != 503 {
					t.Fatalf("got %d %q, want 503 while it fails", code, body)
				}
				time.Sleep(25 * time.Millisecond)
			}
			switch {
			case c.ends && ended == 0:
				t.Fatalf("the session still fails after %v", 3*giveUp)
			case c.ends && ended < giveUp:
				t.Errorf("the session ended after %v, before GiveUpAfter (%v)", ended, giveUp)
			case !c.ends && ended != 0:
				t.Fatalf("a transient failure turned the member into a visitor after %v", ended)
			}
			wantEnded := map[bool]int{true: 1, false: 0}[c.ends]
			if n := events.count(wixauth.EventSessionEnded); n != wantEnded {
				t.Errorf("%d session_ended events, want %d", n, wantEnded)
			}
			if c.ends && !strings.Contains(logs.String(), "kept failing") {
				t.Errorf("the end of the session was not logged:\n%s", logs.String())
			}
		})
	}
}

// A storm of parallel requests that share one renewal writes the session
// once, not once per request.
func TestRenewalStormWritesTheSessionOnce(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Delay: 100 * time.Millisecond, Times: 1})
	if got := h.storm(20); got["200 member"] != 20 {
		t.Fatalf("storm: %v", got)
	}
	if n, w := h.wix.TokenCalls(""), h.store.commits.Load(); n != 1 || w != 1 {
		t.Errorf("%d token calls and %d session writes for 20 parallel requests, want 1 and 1", n, w)
	}
	h.get("/")
	if n := h.wix.TokenCalls(""); n != 1 {
		t.Errorf("the renewal was not saved: %d token calls on the next request", n)
	}
}

// A request that shares a renewal saved by another, and writes its session
// for its own reasons, writes the renewed tokens too, never the old ones:
// another instance, which has no recent result at hand, finds them stored.
func TestSharedRenewalIsNotOverwrittenByAnotherWrite(t *testing.T) {
	var h *harness
	handler := func(w http.ResponseWriter, r *http.Request) {
		h.sm.Put(r.Context(), "visits", time.Now().UnixNano()) // every request writes
		h.report(w, r)
	}
	h = newHarness(t, nil, handler)
	h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
	h.wix.Fail(wixtest.EndpointToken, wixtest.Fault{Delay: 100 * time.Millisecond, Times: 1})
	if got := h.storm(10); got["200 member"] != 10 {
		t.Fatalf("storm: %v", got)
	}
	other, err := wixauth.New(wixauth.Config{ClientID: h.wix.ClientID, APIURL: h.wix.URL, Sessions: h.sm,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	instance2 := httptest.NewServer(other.Middleware(http.HandlerFunc(handler)))
	defer instance2.Close()
	resp, err := h.http.Get(instance2.URL) // same cookie: the jar ignores ports
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := h.wix.TokenCalls(""); n != 1 {
		t.Errorf("%d token calls: a later write put the expired token back in the store", n)
	}
}
