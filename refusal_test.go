package wixauth_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/wixtest"
)

// Each way Wix might refuse a refresh token (wixtest.WithRefusal; Wix's own
// words are not known, A6) ends the session at once as a new visitor, as
// the SDK does: no member waits on a 503.
func TestEveryRefusalShapeEndsTheSessionAtOnce(t *testing.T) {
	for _, r := range []struct {
		name string
		r    wixtest.Refusal
	}{
		{"400 invalid_grant", wixtest.RefuseInvalidGrant},
		{"400 INVALID_REFRESH_TOKEN", wixtest.RefuseInvalidRefreshToken},
		{"401 UNAUTHENTICATED", wixtest.RefuseUnauthenticated},
		{"403 PERMISSION_DENIED", wixtest.RefusePermissionDenied},
		{"404 NOT_FOUND", wixtest.RefuseNotFound},
	} {
		t.Run(r.name, func(t *testing.T) {
			var events eventLog
			h := newHarnessWix(t, []wixtest.Option{wixtest.WithRefusal(r.r)}, func(c *wixauth.Config) { c.OnEvent = events.add }, nil)
			tok := h.memberTokens(time.Now().Add(-time.Minute))
			h.seed(tok)
			h.wix.RevokeRefreshToken(tok.RefreshToken.Value)
			if code, body := h.get("/"); code != 200 || body != "visitor" {
				t.Fatalf("got %d %q, want 200 visitor at the first request", code, body)
			}
			if rt, an := h.wix.TokenCalls("refresh_token"), h.wix.TokenCalls("anonymous"); rt != 1 || an != 1 {
				t.Errorf("%d refresh and %d anonymous calls, want 1 and 1", rt, an)
			}
			if n := events.count(wixauth.EventSessionEnded); n != 1 {
				t.Errorf("%d session_ended events, want 1", n)
			}
		})
	}
}

// The answers that name no refusal (a proxy's page, a fault of the client)
// end the session GiveUpAfter after the first failure, however far apart
// the requests come: the run of failures is not restarted by a pause.
// Before, requests 1 s apart with GiveUpAfter 1 s got 503 for good.
func TestNoMemberStuckWhateverTheSpacing(t *testing.T) {
	const giveUp = 300 * time.Millisecond
	for _, f := range []wixtest.Fault{
		{Status: 403, Body: "<html>Forbidden by a proxy</html>"},
		{Status: 401, Body: `{"error":"invalid_client"}`},
	} {
		h := newHarness(t, func(c *wixauth.Config) {
			c.GiveUpAfter = giveUp
			c.RetryBackoff = time.Millisecond
		}, nil)
		h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
		f.Grant = "refresh_token"
		h.wix.Fail(wixtest.EndpointToken, f)
		var got []string
		for i := 0; i < 6; i++ {
			code, body := h.get("/")
			got = append(got, http.StatusText(code)+" "+body)
			if code == 200 {
				break
			}
			time.Sleep(giveUp + giveUp/3) // further apart than GiveUpAfter
		}
		if len(got) != 2 || got[1] != "OK visitor" {
			t.Errorf("fault %d %s, requests %v apart: %q; want one 503 then a new visitor", f.Status, f.Body, giveUp+giveUp/3, got)
		}
	}
}

// Two instances share the sessions; the member's requests alternate
// between them. A refusal ends the session at the first request; answers
// that name no refusal end it within GiveUpAfter of each instance's first
// failure, so within a bounded number of 503s.
func TestNoMemberStuckAcrossInstances(t *testing.T) {
	const giveUp = 300 * time.Millisecond
	for _, c := range []struct {
		name    string
		fault   wixtest.Fault
		max503s int
	}{
		{"401 UNAUTHENTICATED", wixtest.Fault{Status: 401, Body: `{"message":"bad token","details":{"applicationError":{"code":"UNAUTHENTICATED"}}}`}, 0},
		{"403 proxy page", wixtest.Fault{Status: 403, Body: "<html>Forbidden</html>"}, 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			tune := func(cfg *wixauth.Config) {
				cfg.GiveUpAfter = giveUp
				cfg.RetryBackoff = time.Millisecond
			}
			h := newHarness(t, tune, nil)
			sm, err := session.New(session.Options{Store: h.store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			cfg := wixauth.Config{ClientID: h.wix.ClientID, APIURL: h.wix.URL, Sessions: sm, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			tune(&cfg)
			other, err := wixauth.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			second := httptest.NewServer(other.Middleware(http.HandlerFunc(h.report)))
			defer second.Close()

			h.seed(h.memberTokens(time.Now().Add(-time.Minute)))
			f := c.fault
			f.Grant = "refresh_token"
			h.wix.Fail(wixtest.EndpointToken, f)
			start, n503 := time.Now(), 0
			for i := 0; ; i++ {
				base := h.app.URL
				if i%2 == 1 {
					base = second.URL
				}
				resp, err := h.http.Get(base + "/")
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					if string(b) != "visitor" {
						t.Fatalf("200 %q, want a new visitor", b)
					}
					break
				}
				n503++
				if n503 > c.max503s || time.Since(start) > 10*giveUp {
					t.Fatalf("%d 503s over %v across two instances, want at most %d", n503, time.Since(start), c.max503s)
				}
				time.Sleep(giveUp / 3)
			}
		})
	}
}
