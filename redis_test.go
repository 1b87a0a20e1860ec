package wixauth_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

// redisApp is one app instance with its sessions in Redis.
func redisApp(t *testing.T, wix *wixtest.Server, redisURL string) *httptest.Server {
	t.Helper()
	st, err := stores.Open(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sm := scs.New()
	sm.Store = st.Sessions
	a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, Sessions: sm,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := wixauth.FromRequest(r).Tokens()
		io.WriteString(w, string(tok.Role())+" "+tok.RefreshToken.Value)
	})))
	t.Cleanup(srv.Close)
	return srv
}

func getBody(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}

// Sessions in a real redis-server: a steady-state request costs one GET and
// no write, and a second instance serves the same browser's session.
func TestRedisSessions(t *testing.T) {
	rs := redistest.Start(t)
	wix := wixtest.NewServer()
	defer wix.Close()
	one, two := redisApp(t, wix, rs.URL), redisApp(t, wix, rs.URL)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 5 * time.Second}

	first := getBody(t, browser, one.URL)
	// Both instances are on 127.0.0.1, so the browser sends them one cookie.
	rs.ResetStats(t)
	wix.ResetCounters()
	if got := getBody(t, browser, two.URL); got != first {
		t.Fatalf("the second instance saw %.20q, want the first's session %.20q", got, first)
	}
	stats := rs.CommandStats(t)
	if stats["get"] != 1 || stats["set"] != 0 || stats["exec"] != 0 {
		t.Errorf("steady-state request: Redis commands %v, want exactly one GET and no write", stats)
	}
	if n := wix.TokenCalls(""); n != 0 {
		t.Errorf("token calls = %d, want 0", n)
	}
}
