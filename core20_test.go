package wixauth_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

// The tests of this file pin the meaning of core rules with the near miss
// next to each (issue #20, finding 9); each near miss is one of the
// subtle mutants of scripts/mutants.txt.

// After a key rotation (new key first), sessions are sealed with the new
// key: dropping the old key once the lifetime has passed, as the README
// advises, logs nobody out. The near miss, sealing with the oldest key,
// passes every test that keeps both keys.
func TestRotationSealsWithTheNewestKey(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	backends(t, func(t *testing.T, backend func() session.AtomicStore) {
		be := backend()
		rotated := newAttackApp(t, be, func(o *session.Options, _ *scs.SessionManager) { o.Keys = [][]byte{newKey, oldKey} })
		m := rotated.member()
		dropped := newAttackApp(t, be, func(o *session.Options, _ *scs.SessionManager) { o.Keys = [][]byte{newKey} })
		if _, role, _ := dropped.do("GET", "/whoami", m); role != "member" {
			t.Errorf("a session saved after the rotation, read with the old key dropped: %q, want member", role)
		}
	})
}

// A tombstone lives as long as the session could have (Lifetime), not the
// minute of grace: a save that comes later than a minute must still find
// it. The near miss passes every race test, whose saves come within a
// second.
func TestTombstoneLivesTheSessionLifetime(t *testing.T) {
	rs := redistest.Start(t)
	st, err := stores.Open(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := newAttackApp(t, st.Sessions.(session.AtomicStore), nil)
	m := a.member()
	a.do("POST", "/logout", m)
	if !a.retired(m) {
		t.Fatal("no tombstone after logout")
	}
	ttl, _ := rs.Do(t, "PTTL", st.Prefix+keyOf(m)).(int64)
	if want := a.sm.Lifetime - time.Minute; time.Duration(ttl)*time.Millisecond < want {
		t.Errorf("the tombstone expires in %v, want about the session Lifetime (%v)", time.Duration(ttl)*time.Millisecond, a.sm.Lifetime)
	}
}

// Every answer that carries a session says Vary: Cookie, so that a shared
// cache never serves one visitor's page to another.
func TestVaryCookie(t *testing.T) {
	h := newHarness(t, nil, nil)
	resp, err := h.http.Get(h.app.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Cookie") {
		t.Errorf("Vary = %q, want Cookie", resp.Header.Values("Vary"))
	}
}

// Client.Do sends tokens only to the API's own host: a host that merely
// ends with it (evil + host) is refused, and so is Wix's edge host when the
// API is not Wix's own.
func TestClientDoExactHost(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c := a.NewClient(wixauth.Tokens{}, nil)
	host := strings.TrimPrefix(wix.URL, "http://")
	for _, target := range []string{"http://evil" + host + "/x", "http://www." + host + "/x", "http://edge.wixapis.com/x"} {
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "refusing to send Wix tokens") {
			t.Errorf("Client.Do to %s: %v, want refused before sending", target, err)
		}
	}
}

// New visitors from one IPv6 /64 share one budget (a household or a phone
// holds a whole /64); the near miss, counting each address, lets one
// client start a session per address it picks.
func TestNewVisitorBudgetIPv6By64(t *testing.T) {
	got := admitted(t, func(cfg *wixauth.Config) { cfg.TrustedAddrHeader = "X-Forwarded-For" }, "10.0.0.2:40000",
		func(i int) []string { return []string{fmt.Sprintf("2001:db8:0:1::%x", i+1)} })
	if got != 1 {
		t.Errorf("%d of 8 new visitors from one /64 admitted, want 1", got)
	}
}

// The renewal margin is RenewBefore but at most half the token's lifetime:
// an 8-minute token is renewed 4 minutes before it expires, not 5 (the
// near miss, capping only when the lifetime is shorter than RenewBefore).
func TestRenewalMarginHalfTheLifetime(t *testing.T) {
	var h *harness
	h = newHarnessWix(t, []wixtest.Option{wixtest.WithAccessTokenLifetime(8 * time.Minute)},
		func(c *wixauth.Config) { c.Now = func() time.Time { return h.wix.Now() } }, nil)
	if _, body := h.get("/"); body != "visitor" {
		t.Fatalf("first visit: %q", body)
	}
	h.wix.Advance(3*time.Minute + 30*time.Second) // 4.5 minutes left: inside 5, outside 4
	h.get("/")
	if n := h.wix.TokenCalls("refresh_token"); n != 0 {
		t.Errorf("%d renewals with 4.5 of 8 minutes left, want 0 (the margin is capped at half the lifetime, 4 minutes)", n)
	}
	h.wix.Advance(time.Minute) // 3.5 minutes left
	h.get("/")
	if n := h.wix.TokenCalls("refresh_token"); n != 1 {
		t.Errorf("%d renewals with 3.5 of 8 minutes left, want 1", n)
	}
}

// The app's own CheckRedirect still applies after wixauth's origin check:
// an app that follows no redirect at all gets the 3xx back even within the
// API's origin.
func TestAppCheckRedirectStillApplies(t *testing.T) {
	fake := wixtest.NewUnstartedServer()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hop" {
			http.Redirect(w, r, "/ecom/v1/carts/current", http.StatusTemporaryRedirect)
			return
		}
		fake.Handler().ServeHTTP(w, r)
	}))
	defer front.Close()
	fake.SetURL(front.URL)
	defer fake.Close()
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	a, err := wixauth.New(wixauth.Config{ClientID: fake.ClientID, APIURL: fake.URL, HTTPClient: noRedirects, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c := a.NewClient(wixauth.Tokens{}, nil)
	req, _ := http.NewRequest(http.MethodGet, "/hop", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("with the app's no-redirect client: %d, want the 307 itself", resp.StatusCode)
	}
}
