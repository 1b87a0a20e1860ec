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

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/redistest"
	"github.com/wixauth/wixauth/internal/testutil"
	"github.com/wixauth/wixauth/session"
	"github.com/wixauth/wixauth/stores"
	"github.com/wixauth/wixauth/wixtest"
)

// Over https the cookie keeps "__Host-" whatever its name: a manager whose
// cookie was renamed after session.New (which silently dropped the prefix)
// is refused by New with what to do; the near misses, a name given to
// session.New (prefixed) and NoHostPrefix (the documented opt-out), pass
// (issue #20, finding 8).
func TestHostPrefixKeptWhateverTheName(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	base := "https://shop.example.com"
	build := func(o session.Options, rename string) error {
		o.BaseURL = base
		sm, err := session.New(o)
		if err != nil {
			t.Fatal(err)
		}
		if rename != "" {
			sm.Cookie.Name = rename
		}
		_, err = wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, BaseURL: base, Sessions: sm})
		return err
	}
	if err := build(session.Options{}, "shop_session"); err == nil || !strings.Contains(err.Error(), "__Host-") || !strings.Contains(err.Error(), "CookieName") {
		t.Errorf("renamed after session.New: %v, want refused, naming CookieName", err)
	}
	if err := build(session.Options{CookieName: "shop_session"}, ""); err != nil {
		t.Errorf("named by session.New: %v", err)
	}
	if err := build(session.Options{NoHostPrefix: true}, "shop_session"); err != nil {
		t.Errorf("NoHostPrefix, renamed: %v", err)
	}
	if err := build(session.Options{}, "__Host-shop_session"); err != nil {
		t.Errorf("renamed keeping the prefix: %v", err)
	}
}

// A store outside the process without Keys is a Warn at start-up (refresh
// tokens in the clear for whoever reads Redis); with Keys, or in memory,
// nothing.
func TestWarnRedisWithoutKeys(t *testing.T) {
	rs := redistest.Start(t)
	st, err := stores.Open(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		name string
		o    session.Options
		warn bool
	}{
		{"redis without keys", session.Options{Store: st.Sessions}, true},
		{"redis with keys", session.Options{Store: st.Sessions, Keys: [][]byte{bytes.Repeat([]byte{1}, 32)}}, false},
		{"memory", session.Options{}, false},
	} {
		logs := &testutil.LockedBuffer{}
		tc.o.Logger = slog.New(slog.NewTextHandler(logs, nil))
		if _, err := session.New(tc.o); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logs.String(), "outside this process without Keys"); got != tc.warn {
			t.Errorf("%s: warned %v, want %v; logs: %s", tc.name, got, tc.warn, logs.String())
		}
	}
}

// With a trusted header configured, a request whose header is empty,
// missing or not an address is counted by the connection's address (here
// the proxy's private one), never let through uncounted; the near miss, a
// header with the client's address, keeps one budget per client (issue
// #20, finding 8).
func TestNewVisitorBudgetFallsBackToPeer(t *testing.T) {
	for _, c := range []struct {
		name   string
		header func(i int) []string
		want   int
	}{
		{"empty header", func(int) []string { return []string{""} }, 1},
		{"no header", func(int) []string { return nil }, 1},
		{"garbage", func(i int) []string { return []string{fmt.Sprintf("garbage-%d", i)} }, 1},
		{"garbage last", func(i int) []string { return []string{fmt.Sprintf("203.0.113.%d, not-an-ip-%d", i, i)} }, 1},
		{"a client each", func(i int) []string { return []string{fmt.Sprintf("203.0.113.%d", i)} }, 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := admitted(t, func(cfg *wixauth.Config) { cfg.TrustedAddrHeader = "X-Forwarded-For" }, "10.0.0.2:40000", c.header); got != c.want {
				t.Errorf("%d of 8 new visitors admitted, want %d", got, c.want)
			}
		})
	}
}

// TrustedHops picks the address the outermost own proxy saw: behind a CDN
// and a load balancer (2 hops), the client's, not the CDN edge's, which
// all its clients share; the near miss, the default of 1 hop, counts them
// all as the edge.
func TestNewVisitorBudgetTrustedHops(t *testing.T) {
	header := func(i int) []string {
		// what the client wrote, what the CDN saw, what the load balancer saw
		return []string{fmt.Sprintf("198.51.100.%d, 203.0.113.%d, 192.0.2.1", i, i)}
	}
	if got := admitted(t, func(cfg *wixauth.Config) { cfg.TrustedAddrHeader, cfg.TrustedHops = "X-Forwarded-For", 2 }, "10.0.0.2:40000", header); got != 8 {
		t.Errorf("2 hops: %d of 8 clients behind one CDN edge admitted, want 8", got)
	}
	if got := admitted(t, func(cfg *wixauth.Config) { cfg.TrustedAddrHeader = "X-Forwarded-For" }, "10.0.0.2:40000", header); got != 1 {
		t.Errorf("1 hop: %d admitted, want 1 (all counted as the edge)", got)
	}
	one := func(i int) []string { return []string{fmt.Sprintf("203.0.113.%d", i)} } // fewer entries than hops
	if got := admitted(t, func(cfg *wixauth.Config) { cfg.TrustedAddrHeader, cfg.TrustedHops = "X-Forwarded-For", 2 }, "10.0.0.2:40000", one); got != 8 {
		t.Errorf("2 hops, one address: %d admitted, want 8", got)
	}
}

// admitted sends 8 cookieless requests from remote, the i-th with
// header(i) as X-Forwarded-For, at one new visitor a minute per address,
// and returns how many got a session.
func admitted(t *testing.T, tune func(*wixauth.Config), remote string, header func(int) []string) int {
	t.Helper()
	h := newHarness(t, func(cfg *wixauth.Config) {
		cfg.NewVisitorsPerMinute = 1
		tune(cfg)
	}, nil)
	mw := h.auth.Middleware(http.HandlerFunc(h.report))
	ok := 0
	for i := range 8 {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = remote
		for _, v := range header(i) {
			req.Header.Add("X-Forwarded-For", v)
		}
		rec := httptest.NewRecorder()
		mw.ServeHTTP(rec, req)
		if rec.Code == 200 {
			ok++
		}
	}
	return ok
}

// When the table of addresses is full of addresses that all spent some
// budget (a storm from one IPv6 /48), making room never resets everyone:
// an address that drained its budget stays refused.
func TestNewVisitorTableFullKeepsDrainedAddresses(t *testing.T) {
	wix := wixtest.NewServer()
	defer wix.Close()
	a, err := wixauth.New(wixauth.Config{ClientID: wix.ClientID, APIURL: wix.URL, NewVisitorsPerMinute: 60})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for range 60 {
		a.TakeNewVisitor("203.0.113.9", now)
	}
	if a.TakeNewVisitor("203.0.113.9", now) == 0 {
		t.Fatal("the 61st new visitor of one address was admitted")
	}
	for i := range 1 << 16 {
		a.TakeNewVisitor(fmt.Sprintf("2001:db8:1:%x::/64", i), now)
	}
	if a.TakeNewVisitor("203.0.113.9", now) == 0 {
		t.Errorf("after 65,536 other addresses filled the table, the drained address got its budget back")
	}
}

// Many session cookies cost a bounded number of store reads (at most 4,
// the winner's read being the load's), and four cookies tossed before the
// real one no longer hide it, nor make the app set a cookie that replaces
// it; 40 tossed cookies cost 4 reads.
func TestManyCookiesBoundedReads(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.seed(h.memberTokens(time.Now().Add(4 * time.Hour)))
	real := sessionCookie(t, h).Value
	send := func(cookies []string) (string, int64, string) {
		req, _ := http.NewRequest("GET", h.app.URL+"/", nil)
		for _, c := range cookies {
			req.AddCookie(&http.Cookie{Name: h.sm.Cookie.Name, Value: c})
		}
		before := h.store.finds.Load()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b), h.store.finds.Load() - before, resp.Header.Get("Set-Cookie")
	}
	tossed := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("%043d", i))
		}
		return out
	}
	if body, reads, set := send(append(tossed(4), real)); body != "member" || reads > 4 || set != "" {
		t.Errorf("4 tossed cookies, then the real one: %q with %d store reads, Set-Cookie %q; want the member, at most 4 reads, no cookie", body, reads, set)
	}
	if body, reads, _ := send(append([]string{real}, tossed(3)...)); body != "member" || reads > 4 {
		t.Errorf("the real cookie first, 3 tossed after: %q with %d reads", body, reads)
	}
	if _, reads, _ := send(tossed(40)); reads > 4 {
		t.Errorf("40 tossed cookies: %d store reads, want at most 4", reads)
	}
	if body, reads, _ := send([]string{real}); body != "member" || reads != 1 {
		t.Errorf("the real cookie alone: %q with %d reads, want 1", body, reads)
	}
}
